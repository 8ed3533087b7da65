"""The renderings' part of `make bench`: report files from the benchmark's database.

Run by bench/__main__.py after the import step; each step runs in a process of
its own (bench/step.py) and prints its seconds (the command, documents included)
and peak memory, next to its target (on a 2-core machine).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

# (label, scope, format, all municipalities, target in seconds)
STEPS = (
    ("national PDF", "national", "pdf", False, 30),
    # A cold municipal PDF: `brukerplan report` in a fresh process (bench/step.py).
    # The first municipal report of Vestland computes the county's comparison section;
    # the second finds it (and the country's) in the report store, as every later one does.
    ("municipal PDF (Bergen), first", "municipality:4601", "pdf", False, 3),
    ("municipal PDF (Bergen), again", "municipality:4601", "pdf", False, 3),
    ("Vestland, every municipal PDF", "county:46", "pdf", True, 120),
    ("national PPTX", "national", "pptx", False, None),
    ("national XLSX", "national", "xlsx", False, None),
)


def run(step: Callable[..., dict], env: dict, tmp: Path, year: int) -> list[dict]:
    """Times every rendering; returns the figures (and prints them)."""
    results = []
    for label, scope, format, every, target in STEPS:
        out = tmp / (
            f"{scope.replace(':', '-')}-all" if every else f"{scope.replace(':', '-')}.{format}"
        )
        args = ["report", "--scope", scope, "--year", str(year), "--format", format]
        args += ["--out", str(out)] + (["--all-municipalities"] if every else [])
        figures = step(*args, env=env)
        files = len(list(out.iterdir())) if every else 1
        goal = f"target < {target} s" if target else "no target"
        extra = f", {files} files" if every else ""
        # The command's own time, and the process's as `brukerplan report` typed in a shell
        # has it (Python's start, Django's setup, the exit).
        print(
            f"{label:<32} {figures['seconds']:6.2f} s ({goal}{extra}; "
            f"as a process {figures['wall_seconds']:.2f} s), "
            f"peak memory {figures['peak_mib']:.0f} MiB"
        )
        results.append({"label": label, "target": target, "files": files, **figures})
        if label.endswith("again"):
            results.append(server_pdf(step, env, year))
    return results


def server_pdf(step: Callable[..., dict], env: dict, year: int) -> dict:
    """Bergen's PDF downloaded from the dashboard in a server process that has served one
    report before (bench/server_pdf.py)."""
    figures = step(str(year), env=env, module="bench.server_pdf")
    label = "municipal PDF (Bergen), server"
    print(
        f"{label:<32} {figures['seconds']:6.2f} s (target < 3 s; from the dashboard page: "
        f"{figures['page_seconds']:.2f} s; again: {figures['again_seconds']:.2f} s), "
        f"peak memory {figures['peak_mib']:.0f} MiB"
    )
    print(f"{'dashboard page (Bergen), first':<32} {figures['dashboard_seconds']:6.2f} s")
    print(
        f"{'municipal PDF (Bergen), stored':<32} {figures['served_seconds']:6.2f} s "
        "(target < 0.3 s; the worker's file served to a fresh server process)"
    )
    return {"label": label, "target": 3, "files": 1, **figures}
