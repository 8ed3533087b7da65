"""The renderings' part of `make bench`: report files from the benchmark's database.

Run by bench/__main__.py after the import step; each step runs in a process of
its own (bench/step.py) and prints its seconds (the command, documents included)
and peak memory, next to its target (bench/targets.py, on a 2-core machine).
The steps that find the same state each time (Bergen's PDF again, the server's
downloads) run `runs` times, and the table takes their medians.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path

from bench import targets
from bench.doc import Row

# (label, scope, format, all municipalities, target, repeated, the table's measure)
STEPS = (
    ("national PDF", "national", "pdf", False, targets.NATIONAL_PDF_SECONDS, False,
     "national PDF"),
    # A cold municipal PDF: `brukerplan report` in a fresh process (bench/step.py).
    # The first municipal report of Vestland computes the county's comparison section;
    # the second finds it (and the country's) in the report store, as every later one does.
    ("municipal PDF (Bergen), first", "municipality:4601", "pdf", False, None, False,
     "municipal PDF, Bergen, cold in a fresh process: the county's first"),
    ("municipal PDF (Bergen), again", "municipality:4601", "pdf", False, None, True,
     "municipal PDF, Bergen, cold in a fresh process: the county's comparisons stored"),
    ("Vestland, every municipal PDF", "county:46", "pdf", True, targets.VESTLAND_PDFS_SECONDS,
     False, "every municipal PDF of Vestland ({files} files)"),
    ("national PPTX", "national", "pptx", False, None, False, "national deck (PPTX)"),
    ("national XLSX", "national", "xlsx", False, None, False, "national workbook (XLSX)"),
)  # fmt: skip


def run(step: Callable[..., dict], env: dict, tmp: Path, year: int, runs: int = 1) -> list[Row]:
    """Times every rendering and prints the figures; returns the table's rows."""
    rows = []
    for label, scope, format, every, target, repeated, measure in STEPS:
        out = tmp / (
            f"{scope.replace(':', '-')}-all" if every else f"{scope.replace(':', '-')}.{format}"
        )
        args = ["report", "--scope", scope, "--year", str(year), "--format", format]
        args += ["--out", str(out)] + (["--all-municipalities"] if every else [])
        results = []
        for _ in range(runs if repeated else 1):
            figures = step(*args, env=env)
            files = len(list(out.iterdir())) if every else 1
            goal = f"target {target}" if target else "no target"
            extra = f", {files} files" if every else ""
            # The command's own time, and the process's as `brukerplan report` typed in a
            # shell has it (Python's start, Django's setup, the exit).
            print(
                f"{label:<32} {figures['seconds']:6.2f} s ({goal}{extra}; "
                f"as a process {figures['wall_seconds']:.2f} s), "
                f"peak memory {figures['peak_mib']:.0f} MiB",
                flush=True,
            )
            results.append(figures)
        seconds, wall, peak = (
            statistics.median(f[key] for f in results)
            for key in ("seconds", "wall_seconds", "peak_mib")
        )
        if len(results) > 1:
            print(f"{label + ', median':<32} {seconds:6.2f} s of {len(results)} runs")
        rows.append(
            Row(
                measure.format(files=files),
                f"{seconds:.2f} s (as a process {wall:.2f} s), peak {peak:.0f} MiB",
                len(results),
                str(target or ""),
                target.met(seconds) if target else None,
            )
        )
        if label.endswith("again"):
            rows += server_pdf(step, env, year, runs)
    return rows


def server_pdf(step: Callable[..., dict], env: dict, year: int, runs: int = 1) -> list[Row]:
    """Bergen's PDF downloaded from the dashboard in a server process that has served one
    report before (bench/server_pdf.py), each run in a fresh process."""
    label = "municipal PDF (Bergen), server"
    results = []
    for _ in range(runs):
        figures = step(str(year), env=env, module="bench.server_pdf")
        print(
            f"{label:<32} {figures['seconds']:6.2f} s (no target; from the dashboard page: "
            f"{figures['page_seconds']:.2f} s; again: {figures['again_seconds']:.2f} s), "
            f"peak memory {figures['peak_mib']:.0f} MiB"
        )
        print(f"{'dashboard page (Bergen), first':<32} {figures['dashboard_seconds']:6.2f} s")
        print(
            f"{'municipal PDF (Bergen), stored':<32} {figures['served_seconds']:6.2f} s "
            f"(target {targets.STORED_DOWNLOAD_SECONDS}; the worker's file served to a fresh "
            "server process)",
            flush=True,
        )
        results.append(figures)
    median = {key: statistics.median(f[key] for f in results) for key in results[0]}
    if runs > 1:
        print(
            f"{label + ', median':<32} {median['seconds']:6.2f} s, stored "
            f"{median['served_seconds']:.2f} s, again {median['again_seconds']:.3f} s "
            f"of {runs} runs"
        )
    stored = targets.STORED_DOWNLOAD_SECONDS
    return [
        Row(
            "municipal PDF, Bergen, stored by the worker: a fresh server process's first request",
            f"{median['served_seconds']:.3f} s",
            runs,
            str(stored),
            stored.met(median["served_seconds"]),
        ),
        Row(
            "municipal PDF, Bergen, downloaded again (the shared cache answers)",
            f"{median['again_seconds']:.3f} s",
            runs,
        ),
        Row(
            "municipal PDF, Bergen, rendered on request by a running server",
            f"{median['seconds']:.2f} s",
            runs,
        ),
    ]
