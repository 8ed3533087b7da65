"""Norwegian counties (fylker) and municipalities (kommuner) for each year from 2020.

The data lives in ``data/counties.csv`` and ``data/municipalities.csv`` next to this module;
``data/SOURCE.md`` says where it comes from (Statistics Norway's KLASS classifications 104
and 131) and how it was checked. Each row is one code with the first and last year it is
valid (inclusive); an empty ``valid_to`` means the code is still valid.

This module is pure Python on purpose: it imports nothing from Django, so importers, scripts
and tests can use it without settings or a database.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

#: The years the data has been checked for. A code with an empty ``valid_to`` is assumed to
#: stay valid after the last of these, until the files are updated.
COVERED_YEARS = range(2020, 2027)

HEALTH_REGIONS: dict[str, str] = {
    "helse_sor_ost": "Helse Sør-Øst",
    "helse_vest": "Helse Vest",
    "helse_midt": "Helse Midt-Norge",
    "helse_nord": "Helse Nord",
}


def _valid(valid_from: int, valid_to: int | None, year: int) -> bool:
    return valid_from <= year and (valid_to is None or year <= valid_to)


@dataclass(frozen=True)
class County:
    code: str
    name: str
    valid_from: int
    valid_to: int | None
    health_region: str

    def valid_in(self, year: int) -> bool:
        return _valid(self.valid_from, self.valid_to, year)

    @property
    def health_region_name(self) -> str:
        return HEALTH_REGIONS[self.health_region]


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    county_code: str
    valid_from: int
    valid_to: int | None

    def valid_in(self, year: int) -> bool:
        return _valid(self.valid_from, self.valid_to, year)


def _read(filename: str, columns: list[str]) -> list[dict[str, str]]:
    path = DATA_DIR / filename
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != columns:
            raise ValueError(f"{path}: expected columns {columns}, found {reader.fieldnames}")
        return list(reader)


def _years(row: dict[str, str], where: str) -> tuple[int, int | None]:
    try:
        valid_from = int(row["valid_from"])
        valid_to = int(row["valid_to"]) if row["valid_to"] else None
    except ValueError as exc:
        raise ValueError(f"{where}: bad year: {exc}") from None
    if valid_to is not None and valid_to < valid_from:
        raise ValueError(f"{where}: valid_to {valid_to} is before valid_from {valid_from}")
    return valid_from, valid_to


def _digits(value: str, length: int, where: str) -> str:
    if len(value) != length or not value.isdigit():
        raise ValueError(f"{where}: {value!r} is not a {length}-digit code")
    return value


@cache
def _counties() -> tuple[County, ...]:
    columns = ["code", "name", "valid_from", "valid_to", "health_region"]
    counties = []
    for line, row in enumerate(_read("counties.csv", columns), start=2):
        where = f"counties.csv line {line}"
        if row["health_region"] not in HEALTH_REGIONS:
            raise ValueError(f"{where}: unknown health region {row['health_region']!r}")
        counties.append(
            County(
                _digits(row["code"], 2, where),
                row["name"].strip(),
                *_years(row, where),
                row["health_region"],
            )
        )
    return tuple(counties)


@cache
def _municipalities() -> tuple[Municipality, ...]:
    columns = ["code", "name", "county_code", "valid_from", "valid_to"]
    municipalities = []
    for line, row in enumerate(_read("municipalities.csv", columns), start=2):
        where = f"municipalities.csv line {line}"
        municipalities.append(
            Municipality(
                _digits(row["code"], 4, where),
                row["name"].strip(),
                _digits(row["county_code"], 2, where),
                *_years(row, where),
            )
        )
    return tuple(municipalities)


def load_counties() -> list[County]:
    """Every county row, in file order (by code). The file is read once per process."""
    return list(_counties())


def load_municipalities() -> list[Municipality]:
    """Every municipality row, in file order (by code). The file is read once per process."""
    return list(_municipalities())


def counties_in(year: int) -> dict[str, County]:
    """The counties valid in ``year``, keyed by two-digit code."""
    return {c.code: c for c in _counties() if c.valid_in(year)}


def municipalities_in(year: int) -> dict[str, Municipality]:
    """The municipalities valid in ``year``, keyed by four-digit code."""
    return {m.code: m for m in _municipalities() if m.valid_in(year)}


# Municipalities split at the start of a year (SSB): their rows of the year before
# cannot be divided between the new codes.
SPLITS: dict[int, dict[str, tuple[str, ...]]] = {
    2024: {"1507": ("1508", "1580")},  # Ålesund became 1508 Ålesund and 1580 Haram
}


@cache
def successors(year: int) -> dict[str, str | None]:
    """The codes of ``year - 1`` that ``year`` no longer has, each to the code that took its
    place, or None for a municipality that was split. Unchanged codes are not listed.

    The new code is the one new code with the same name (every renumbering so far, 113
    in 2024). Names are compared by their parts: a county in brackets changes with the
    county («Våler (Viken)» is «Våler (Østfold)»), and a Sami name may be added
    («Gratangen» is «Gratangen - Rivtták»).
    """
    before, now = municipalities_in(year - 1), municipalities_in(year)
    new = {code: _name_parts(m.name) for code, m in now.items() if code not in before}
    split = SPLITS.get(year, {})
    result: dict[str, str | None] = {}
    for code, municipality in before.items():
        if code in now:
            continue
        if code in split:
            result[code] = None
            continue
        parts = _name_parts(municipality.name)
        matches = [c for c, p in new.items() if p & parts]
        if len(matches) != 1:
            raise ValueError(
                f"{code} {municipality.name} ends in {year - 1} without one new code of the "
                f"same name in {year} ({', '.join(matches) or 'none'}); add it to SPLITS"
            )
        result[code] = matches[0]
    return result


def _name_parts(name: str) -> frozenset[str]:
    return frozenset(name.split(" (", 1)[0].split(" - "))


@cache
def _codes_in(year: int) -> frozenset[str]:
    return frozenset(municipalities_in(year))


@cache
def area_in(code: str, earlier: int, year: int) -> frozenset[str]:
    """The codes in ``year`` of the area that had ``code`` in ``earlier``: one code
    (renumbered or not), or the parts of a split municipality (Ålesund 1507 in 2023 is
    1508 and 1580 in 2024); empty if the code is unknown in ``earlier``."""
    if code not in _codes_in(earlier):
        return frozenset()
    codes = {code}
    for step in range(earlier + 1, year + 1):
        changed, split = successors(step), SPLITS.get(step, {})
        codes = {
            new
            for c in codes
            for new in (split[c] if c in split else (changed.get(c, c),))
            if new is not None
        }
    return frozenset(codes)


def code_in(code: str, earlier: int, year: int) -> str | None:
    """The one code in ``year`` of the municipality that had ``code`` in ``earlier``
    (through every renumbering between); None if it was split on the way, or is gone."""
    area = area_in(code, earlier, year)
    return next(iter(area)) if len(area) == 1 else None


def codes_before(codes: set[str], earlier: int, year: int) -> set[str]:
    """The codes of ``earlier`` whose areas lie within the municipalities ``codes`` of
    ``year`` (a split municipality only when all its parts are among them)."""
    within = set()
    for code in _codes_in(earlier):
        area = area_in(code, earlier, year)
        if area and area <= codes:
            within.add(code)
    return within
