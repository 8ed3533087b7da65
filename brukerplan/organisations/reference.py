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
