"""Import figures: files of 60,000 and 1,000,000 rows, each into a fresh SQLite database.

    python -m bench.importing [--rows 60000,1000000]

The 60,000 rows are synthetic (`brukerplan.registrations.synth`, seed 7, 2025).
A larger file repeats them with fresh `registrering_id`s (the copy's number
appended), so every row stays valid: the same persons, mapped again, as a
person mapped by several units is. Each file is imported in a process of its
own (`--child`), which prints the seconds and its own peak memory
(`resource.getrusage`, ru_maxrss) twice: after the import proper (every row
checked, then written in one transaction) and after what `brukerplan import`
does when it is done (the `registrations_imported` signal: the reports app asks
the worker to build the closed counties of those years; the report data are
built there, not in the import's process).

`make bench` (bench/__main__.py) runs this for the 1,000,000-row file after
its own 60,000-person import (BENCH_IMPORT_ROWS, default 1000000; 0 leaves it
out).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import ROOT, step, targets
from bench.doc import Row

YEAR = 2025
SEED = 7
BASE_ROWS = 60_000


def synthetic_file(path: Path, rows: int = BASE_ROWS) -> Path:
    """`rows` synthetic rows (about as many persons) in the exchange format."""
    from brukerplan.registrations import synth

    synth.write_csv(itertools.islice(synth.generate(rows, YEAR, SEED), rows), path)
    return path


def repeated_file(source: Path, path: Path, rows: int) -> Path:
    """`rows` rows: the source's, over and over, each copy with ids of its own."""
    with source.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        base = list(reader)
    column = header.index("registrering_id")
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        for n in range(rows):
            copy, row = divmod(n, len(base))
            cells = base[row]
            if copy:
                cells = list(cells)
                cells[column] = f"{cells[column]}-K{copy}"
            writer.writerow(cells)
    return path


def measure(path: Path, env: dict) -> dict:
    """Imports `path` into a fresh SQLite database beside it, in a process of its own."""
    database = path.with_suffix(".sqlite3")
    env = {**env, "DATABASE_URL": f"sqlite:///{database}"}
    step("setup", env=env)
    done = subprocess.run(
        [sys.executable, "-m", "bench.importing", "--child", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"bench import failed: {path}")
    for leftover in database.parent.glob(database.name + "*"):
        leftover.unlink()  # a million rows take about 2 GB
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(rows: int, figures: dict) -> str:
    return (
        f"import {rows:>9,} rows  {rows / figures['import_seconds']:,.0f} rows/s "
        f"({figures['import_seconds']:.1f} s, {figures['import_cpu_seconds']:.1f} s CPU), "
        f"peak memory {figures['import_peak_mib']:.0f} MiB; with the signal after it "
        f"{figures['import_seconds'] + figures['frame_seconds']:.1f} s, "
        f"peak {figures['frame_peak_mib']:.0f} MiB (target {targets.LARGE_IMPORT_PEAK})"
    )


def in_a_process(*args: str, env: dict) -> None:
    """Runs this module with `args` in a process of its own: the files are made there, so
    this process stays small. (A child's ru_maxrss starts from its parent's: Linux keeps
    the high-water mark across fork and exec, so a large parent would inflate it.)"""
    subprocess.run([sys.executable, "-m", "bench.importing", *args], cwd=ROOT, env=env, check=True)


def row(rows: int, figures: dict) -> Row:
    """The table's row: what `brukerplan import` does (the signal included), against the
    peak memory target."""
    seconds = figures["import_seconds"] + figures["frame_seconds"]
    peak = figures["frame_peak_mib"]
    return Row(
        f"import, {rows:,} rows, into a fresh database",
        f"{seconds:.1f} s ({rows / seconds:,.0f} rows/s), peak {peak:.0f} MiB",
        1,
        str(targets.LARGE_IMPORT_PEAK),
        targets.LARGE_IMPORT_PEAK.met(peak),
    )


def run(env: dict, tmp: Path, sizes: list[int], base: Path | None = None) -> list[Row]:
    """Prints a line of figures per size and returns the table's rows; `base` is a file of
    synthetic rows to start from."""
    if base is None:
        started = time.perf_counter()
        base = tmp / f"import-{BASE_ROWS}.csv"
        in_a_process("--make", str(base), env=env)
        print(f"synthetic data   {BASE_ROWS:,} rows in {time.perf_counter() - started:.1f} s")
    with base.open(encoding="utf-8") as f:
        base_rows = sum(1 for _ in f) - 1
    table = []
    for rows in sizes:
        path = base
        if rows != base_rows:
            path = tmp / f"import-{rows}.csv"
            in_a_process("--make", str(path), "--rows", str(rows), "--from", str(base), env=env)
        figures = measure(path, env)
        print(report(rows, figures), flush=True)
        table.append(row(rows, figures))
        if path != base:
            path.unlink()
    return table


def child(path: Path) -> None:
    """In the child: the import proper, then the signal that follows it, each timed."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brukerplan.settings")
    import django

    django.setup()
    from brukerplan.registrations.actions import import_registrations
    from brukerplan.registrations.exchange import open_table
    from brukerplan.registrations.signals import registrations_imported

    def peak_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    started, cpu = time.perf_counter(), time.process_time()
    result = import_registrations(open_table(path), by=None)  # as `brukerplan import`
    if not result.ok:
        raise SystemExit("\n".join(map(str, result.errors[:20])))
    figures = {
        "rows": result.rows,
        "import_seconds": time.perf_counter() - started,
        "import_cpu_seconds": time.process_time() - cpu,
        "import_peak_mib": peak_mib(),
    }
    started = time.perf_counter()
    # What `brukerplan import` does next: the reports app asks for the closed counties' builds.
    registrations_imported.send(sender=None, years=sorted(result.years))
    figures["frame_seconds"] = time.perf_counter() - started
    figures["frame_peak_mib"] = peak_mib()
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default=f"{BASE_ROWS},1000000")
    parser.add_argument("--child", type=Path, help="import this file and print the figures")
    parser.add_argument("--make", type=Path, help="write a file of --rows rows (--from a file)")
    parser.add_argument("--from", dest="source", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.make:
        rows = int(args.rows) if args.rows.isdigit() else BASE_ROWS
        if args.source:
            repeated_file(args.source, args.make, rows)
        else:
            synthetic_file(args.make, rows)
        return
    sizes = [int(n) for n in args.rows.split(",") if int(n)]
    with tempfile.TemporaryDirectory(prefix="brukerplan-bench-import-") as tmp:
        env = {
            **os.environ,
            "BRUKERPLAN_VAR_DIR": tmp,
            "BRUKERPLAN_PSEUDONYM_KEY": "bench-key",
        }
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brukerplan.settings")
        print(f"BrukerPlan import benchmark: {', '.join(f'{n:,}' for n in sizes)} rows, {YEAR}")
        run(env, Path(tmp), sizes)


if __name__ == "__main__":
    main()
