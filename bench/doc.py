"""docs/performance.md's figures table, rewritten from a run of `make bench`.

The table lives between two markers in the doc; a run replaces what is between
them (a line naming the run, then the table) and leaves every other line, the
prose around it, as it is. A pure function of the old text and the run's rows
(tests/test_bench_doc.py), and `write`, which applies it to the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"
DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


class MarkersMissing(ValueError):
    """The doc has no block (or more than one) for the bench to rewrite."""


@dataclass(frozen=True)
class Row:
    """One line of the table: `median` is the figure as printed ("20.7 s, peak 117 MiB"),
    `runs` how many runs it is the median of (0: not run), `met` whether it is within
    `target` (None: no target, or not run)."""

    measure: str
    median: str
    runs: int = 1
    target: str = ""
    met: bool | None = None


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: Iterable[Row], run: str) -> str:
    """The block's text: the line naming the run, then the Markdown table."""
    lines = [
        _cell(run),
        "",
        "| measure | median | runs | target | met |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        met = "" if row.met is None else ("yes" if row.met else "no")
        runs = str(row.runs) if row.runs else "–"
        cells = (row.measure, row.median, runs, row.target or "–", met or "–")
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def rewrite(text: str, block: str, name: str = "the doc") -> str:
    """`text` with what lies between the markers replaced by `block`; nothing else changes."""
    begins, ends = text.count(BEGIN), text.count(END)
    if begins != 1 or ends != 1:
        raise MarkersMissing(
            f"{name} needs exactly one {BEGIN} and one {END} around the figures table "
            f"(found {begins} and {ends}); add them where the table goes"
        )
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    if end < start:
        raise MarkersMissing(f"in {name}, {END} comes before {BEGIN}")
    return text[:start] + "\n" + block.strip("\n") + "\n" + text[end:]


def write(rows: Iterable[Row], run: str, path: Path = DOC) -> None:
    """Rewrites the table in `path` (docs/performance.md) from the run's rows."""
    text = path.read_text(encoding="utf-8")
    path.write_text(rewrite(text, table(rows, run), name=str(path)), encoding="utf-8")
