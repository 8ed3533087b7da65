"""`make bench`: the foundation's speed and memory figures for a 60,000-person national year.

After the import (and, in bench/importing.py, a 1,000,000-row import into a
fresh database of its own: BENCH_IMPORT_ROWS, 0 leaves it out) and the JSON
reports, the renderings (bench/reports.py): the
national and a municipal PDF, every municipal PDF of Vestland, the national
deck and workbook (BENCH_RENDERINGS=0 leaves them out). Last, the mapping load
test (bench/load_mapping.py) when PostgreSQL answers (BENCH_MAPPING=0 leaves it
out).

Each step runs in a process of its own (bench/step.py), so the peak memory
printed is that step's own. Uses a throw-away SQLite database (or
BENCH_DATABASE_URL) and the synthetic data generator. The steps that find the
same state each time run BENCH_RUNS times (default 3), and their medians count.

Then the figures table in docs/performance.md is rewritten from the run
(bench/doc.py; the targets are bench/targets.py's). `--no-write` or
BENCH_WRITE=0 only prints.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench import ROOT, doc, importing, linked, load_mapping, loss, reports, step, targets
from bench.doc import Row

PERSONS = int(os.environ.get("BENCH_PERSONS", "60000"))
YEAR = 2025
VESTLAND = "46"
EXTRA_PERSONS = 100  # on average; shared by size, the smallest gets about 15


def unmapped_municipalities(data: Path, county: str, year: int) -> list[str]:
    """The county's municipalities (valid in the year) without a row in the file."""
    from brukerplan.organisations.reference import municipalities_in

    with data.open(encoding="utf-8", newline="") as file:
        mapped = {row["kommunenummer"] for row in csv.DictReader(file)}
    return sorted(c for c in municipalities_in(year) if c[:2] == county and c not in mapped)


def report_args(scope: str, out: Path) -> list[str]:
    return ["report", "--scope", scope, "--year", str(YEAR), "--format", "json", "--out", str(out)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-write",
        action="store_true",
        default=os.environ.get("BENCH_WRITE", "1") == "0",
        help="only print: docs/performance.md stays as it is (as BENCH_WRITE=0)",
    )
    parser.add_argument("--doc", type=Path, default=doc.DOC, help="the doc to rewrite")
    options = parser.parse_args()
    started, load = time.perf_counter(), os.getloadavg()[0]
    table, failed = figures()
    minutes = (time.perf_counter() - started) / 60
    print(f"the bench took {minutes:.1f} min")
    if options.no_write:
        print(f"{options.doc} left as it is (--no-write, BENCH_WRITE=0)")
    else:
        doc.write(table, run_line(load, minutes), options.doc)
        print(f"figures table rewritten in {options.doc}")
    if failed:
        raise SystemExit(failed)


def run_line(load: float, minutes: float) -> str:
    """The line above the table: when, where and at what the run was."""
    described = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    revision = described.removesuffix("-dirty")
    if described.endswith("-dirty"):
        revision += " with uncommitted changes"
    cpu = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines() if sys.platform == "linux" else []:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"Run of {when} at {revision or 'an unknown revision'}: {os.cpu_count()} cores "
        f"({cpu}), load average {load:.1f} at the start and {os.getloadavg()[0]:.1f} at the "
        f"end, {minutes:.1f} min; {PERSONS:,} persons, seed 7, {YEAR}."
    )


def figures() -> tuple[list[Row], str]:
    """Runs every step, printing as it goes. Returns the table's rows, and why the run
    failed ("" when it did not; the load test fails it when it misses its target)."""
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    table: list[Row] = []
    # BENCH_KEEP=1 keeps the database and files (printed) for profiling afterwards.
    keep = os.environ.get("BENCH_KEEP") == "1"
    with tempfile.TemporaryDirectory(prefix="brukerplan-bench-") as scratch:
        tmp = tempfile.mkdtemp(prefix="brukerplan-bench-kept-") if keep else scratch
        env = {
            **os.environ,
            "BRUKERPLAN_VAR_DIR": tmp,
            "BRUKERPLAN_PSEUDONYM_KEY": "bench-key",
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3"),
        }
        data = Path(tmp) / "national.csv"
        print(f"BrukerPlan benchmark: {PERSONS} persons, year {YEAR}, {env['DATABASE_URL']}")
        step("setup", env=env)
        synth = step("synth", "--persons", str(PERSONS), "--year", str(YEAR),
                     "--seed", "7", "--out", str(data), env=env)  # fmt: skip
        rows = sum(1 for _ in data.open(encoding="utf-8")) - 1
        print(f"synthetic data   {rows} rows in {synth['seconds']:.1f} s")
        imported = step("import", str(data), env=env)
        target = targets.IMPORT_SECONDS
        print(
            f"import           {rows / imported['seconds']:,.0f} rows/s "
            f"({imported['seconds']:.1f} s; target {target}), "
            f"peak memory {imported['peak_mib']:.0f} MiB",
            flush=True,
        )
        table.append(
            Row(
                f"import of the year's file, {rows:,} rows (`brukerplan import`)",
                f"{imported['seconds']:.1f} s ({rows / imported['seconds']:,.0f} rows/s), "
                f"peak {imported['peak_mib']:.0f} MiB",
                1,
                str(target),
                target.met(imported["seconds"]),
            )
        )
        # The same rows repeated to a million, into a database of their own.
        sizes = [int(n) for n in os.environ.get("BENCH_IMPORT_ROWS", "1000000").split(",")]
        if any(sizes):
            table += importing.run(env, Path(tmp), [n for n in sizes if n], base=data)
        else:
            table.append(not_run("import, 1,000,000 rows", "BENCH_IMPORT_ROWS=0"))
        # About 70 % of municipalities map; the Vestland batch target is for all 43 of them.
        missing = unmapped_municipalities(data, VESTLAND, YEAR)
        if missing:
            extra = Path(tmp) / "vestland-extra.csv"
            step("synth", "--persons", str(EXTRA_PERSONS * len(missing)), "--year", str(YEAR),
                 "--seed", "8", "--out", str(extra),
                 *(a for code in missing for a in ("--municipality", code)), env=env)  # fmt: skip
            step("import", str(extra), env=env)
            print(
                f"Vestland         {len(missing)} more municipalities mapped "
                f"({EXTRA_PERSONS * len(missing):,} persons), so that every one has a report"
            )
        target = targets.REPORT_JSON_SECONDS
        for label, measure, scope in (
            ("national report", "national report document (JSON)", "national"),
            ("county report", "county report document, Vestland (JSON)", "county:46"),
            ("Bergen report", "municipal report document, Bergen (JSON)", "municipality:4601"),
        ):
            report = step(*report_args(scope, Path(tmp) / f"{scope.split(':')[0]}.json"), env=env)
            print(
                f"{label:<16} {report['seconds']:.2f} s (target {target}), "
                f"peak memory {report['peak_mib']:.0f} MiB",
                flush=True,
            )
            table.append(
                Row(
                    measure,
                    f"{report['seconds']:.2f} s, peak {report['peak_mib']:.0f} MiB",
                    1,
                    str(target),
                    target.met(report["seconds"]),
                )
            )
        table += secondary_loss(Path(tmp))
        if os.environ.get("BENCH_RENDERINGS", "1") != "0":
            table += reports.run(step, env, Path(tmp), YEAR, runs)
        else:
            table.append(not_run("renderings (PDF, PPTX, XLSX)", "BENCH_RENDERINGS=0"))
    mapping, failed = mapping_load_test()
    return table + linked_suppression() + mapping, failed


def secondary_loss(tmp: Path) -> list[Row]:
    """The share of cells hidden as secondary in Bergen's and the nation's documents."""
    rows = []
    for name, file, target in (
        ("Bergen", "municipality.json", targets.BERGEN_SECONDARY_PERCENT),
        ("the nation", "national.json", targets.NATIONAL_SECONDARY_PERCENT),
    ):
        fixed, every = loss.shares(tmp / file)
        print(
            f"secondary        {name}: {fixed:.1%} of the fixed tables' cells "
            f"(target {target}), {every:.1%} of every table's",
            flush=True,
        )
        rows.append(
            Row(
                f"cells hidden as secondary, {name}: fixed tables / every table",
                f"{fixed:.1%} / {every:.1%}",
                1,
                str(target),
                target.met(100 * fixed),
            )
        )
    return rows


def linked_suppression() -> list[Row]:
    """Protection of a synthetic national publication as a whole (bench/linked.py)."""
    if os.environ.get("BENCH_LINKED", "1") == "0":
        return [not_run("linked suppression of a national publication", "BENCH_LINKED=0")]
    found = linked.main()
    target = targets.LINKED_SECONDS
    return [
        Row(
            "linked suppression of a synthetic national publication: protect + audit",
            f"{found['seconds']:.1f} s",
            found["runs"],
            str(target),
            target.met(found["seconds"]),
        ),
        Row(
            "the same: information loss (shown nonzero cells hidden)",
            f"{found['loss']:.1%}",
            found["runs"],
        ),
        Row(
            "the same: primary cells proven whole / as wide as the reasons allow",
            f"{found['whole']:.1%} / {found['best']:.1%}",
            found["runs"],
        ),
    ]


def not_run(measure: str, why: str) -> Row:
    return Row(measure, f"not run ({why})", 0)


def mapping_load_test() -> tuple[list[Row], str]:
    """bench/load_mapping.py in a process of its own, when PostgreSQL answers."""
    measure = "mapping load test, {mappers} mappers, {pace}: every request"
    url = urllib.parse.urlparse(load_mapping.DATABASE_URL)
    host, port = url.hostname or "127.0.0.1", str(url.port or 5432)
    if os.environ.get("BENCH_MAPPING", "1") == "0":
        return [not_run("mapping load test", "BENCH_MAPPING=0")], ""
    try:
        ready = subprocess.run(["pg_isready", "-h", host, "-p", port, "-q"], check=False)
    except FileNotFoundError:
        ready = None
    if ready is None or ready.returncode != 0:
        print(f"Ingen PostgreSQL på {host}:{port}: hopper over lasttesten av kartleggingen.")
        return [not_run("mapping load test", f"no PostgreSQL on {host}:{port}")], ""
    with tempfile.TemporaryDirectory(prefix="brukerplan-bench-load-") as scratch:
        out = Path(scratch) / "figures.json"
        done = subprocess.run(
            [sys.executable, "-m", "bench.load_mapping", "--json", str(out)], cwd=ROOT, check=False
        )
        if not out.exists():
            raise SystemExit(f"bench.load_mapping failed ({done.returncode})")
        found = json.loads(out.read_text(encoding="utf-8"))
    target = targets.MAPPING_P99_MS
    table = []
    for key, pace, judged in (
        ("working_day", f"about {found['think_seconds']:g} s between clicks", True),
        ("saturated", "saturated (no pause between clicks)", False),
    ):
        phase = found[key]
        median = (
            f"p99 {phase['p99_ms']:.0f} ms (p50 {phase['p50_ms']:.0f} ms), "
            f"{phase['registrations_per_second']:.1f} registrations/s"
            if "p99_ms" in phase
            else "no requests"
        ) + (f", {phase['failures']} failed" if phase["failures"] else "")
        table.append(
            Row(
                measure.format(mappers=found["mappers"], pace=pace),
                median,
                1,
                str(target) if judged else "",
                target.met(phase["p99_ms"]) and not phase["failures"]
                if judged and "p99_ms" in phase
                else None,
            )
        )
    failed = f"the mapping load test failed ({done.returncode})" if done.returncode else ""
    return table, failed


if __name__ == "__main__":
    main()
