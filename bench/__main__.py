"""`make bench`: the foundation's speed and memory figures for a 60,000-person national year.

After the import (and, in bench/importing.py, a 1,000,000-row import into a
fresh database of its own: BENCH_IMPORT_ROWS, 0 leaves it out) and the JSON
reports, the renderings (bench/reports.py): the
national and a municipal PDF, every municipal PDF of Vestland, the national
deck and workbook (BENCH_RENDERINGS=0 leaves them out).

Each step runs in a process of its own (bench/step.py), so the peak memory
printed is that step's own. Uses a throw-away SQLite database (or
BENCH_DATABASE_URL) and the synthetic data generator.
"""

import csv
import os
import tempfile
from pathlib import Path

from bench import importing, reports, step

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
        print(
            f"import           {rows / imported['seconds']:,.0f} rows/s "
            f"({imported['seconds']:.1f} s; target < 15 s), "
            f"peak memory {imported['peak_mib']:.0f} MiB"
        )
        # The same rows repeated to a million, into a database of their own (target < 1 GiB).
        sizes = [int(n) for n in os.environ.get("BENCH_IMPORT_ROWS", "1000000").split(",")]
        if any(sizes):
            importing.run(env, Path(tmp), [n for n in sizes if n], base=data)
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
        report = step(*report_args("national", Path(tmp) / "national.json"), env=env)
        print(
            f"national report  {report['seconds']:.2f} s (target < 5 s), "
            f"peak memory {report['peak_mib']:.0f} MiB"
        )
        county = step(*report_args("county:46", Path(tmp) / "county.json"), env=env)
        print(
            f"county report    {county['seconds']:.2f} s, peak memory {county['peak_mib']:.0f} MiB"
        )
        if os.environ.get("BENCH_RENDERINGS", "1") != "0":
            reports.run(step, env, Path(tmp), YEAR)


if __name__ == "__main__":
    main()
