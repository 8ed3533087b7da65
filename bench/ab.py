"""One bench step timed for an earlier revision and for the working tree, in turns.

Machines differ from session to session (the same load test gave p99 65 ms on one and
221 ms on another), and a shared machine drifts within minutes. Runs taken in turns, on
the same machine and database, show what a change did:

    BENCH_KEEP=1 BENCH_RENDERINGS=0 .venv/bin/python -m bench    # prints the database
    .venv/bin/python -m bench.ab HEAD~3 --database /tmp/brukerplan-bench-kept-XXXX \\
        --runs 4 -- report --scope municipality:4601 --year 2025 --format pdf --out /tmp/b.pdf
    .venv/bin/python -m bench.ab HEAD~3 --database ... --module bench.server_pdf -- 2025
    .venv/bin/python -m bench.ab HEAD~3 --database ... --module brukerplan.cli -- report ...

With `--module brukerplan.cli` the command runs as typed in a shell, and the process is
timed from its start to its exit (Python's start, Django's setup and checks, the exit).

The revision is checked out in a temporary worktree and run from there (its package
comes first on sys.path). The first run of each side is left out of the summary: it may
rebuild what the report store has let expire.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import ROOT, step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision")
    parser.add_argument("--database", type=Path, required=True, help="a kept bench folder")
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument(
        "--module", default="bench.step", help="bench.server_pdf: the server's download instead"
    )
    argv = sys.argv[1:]
    if "--" not in argv:
        parser.error("the step's arguments come after --")
    split = argv.index("--")
    options, args = parser.parse_args(argv[:split]), argv[split + 1 :]
    env = {
        **os.environ,
        "BRUKERPLAN_VAR_DIR": str(options.database),
        "BRUKERPLAN_PSEUDONYM_KEY": "bench-key",
        "DATABASE_URL": f"sqlite:///{options.database}/bench.sqlite3",
    }
    with tempfile.TemporaryDirectory(prefix="brukerplan-ab-") as scratch:
        worktree = Path(scratch) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(worktree), options.revision],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            # Both sides with their package's bytecode compiled, as `make bench` has it (this
            # machine sets PYTHONDONTWRITEBYTECODE: uncompiled, a side pays 0.07 s a run).
            for tree in (worktree, ROOT):
                subprocess.run(
                    [sys.executable, "-m", "compileall", "-q", "brukerplan"], cwd=tree, check=True
                )
            seconds: dict[str, list[float]] = {options.revision: [], "working tree": []}
            for run in range(options.runs):
                for label, cwd in ((options.revision, worktree), ("working tree", ROOT)):
                    if options.module == "brukerplan.cli":
                        figures = _process(args, env=env, cwd=cwd)
                    else:
                        figures = step(*args, env=env, module=options.module, cwd=cwd)
                    seconds[label].append(figures["seconds"])
                    memory = figures.get("peak_mib")
                    print(
                        f"run {run + 1}  {label:<14} {figures['seconds']:6.2f} s"
                        + (f", peak memory {memory:.0f} MiB" if memory is not None else ""),
                        flush=True,
                    )
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False
            )
    for label, values in seconds.items():
        kept = values[1:] or values
        left_out = ", first run left out" if len(values) > 1 else ""
        print(
            f"{label:<14} median {statistics.median(kept):.3f} s "
            f"(range {min(kept):.2f}–{max(kept):.2f}{left_out})"
        )


def _process(args: list[str], *, env: dict, cwd: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "brukerplan.cli", *args], cwd=cwd, env=env, capture_output=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr.decode(errors="replace"))
    # No peak memory: getrusage knows only the largest of every process waited for so far.
    return {"seconds": seconds}


if __name__ == "__main__":
    main()
