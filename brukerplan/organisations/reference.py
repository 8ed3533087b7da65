"""Norwegian counties (fylker) and municipalities (kommuner) over the years: the register.

A `Register` is the counties and municipalities, each code with the first and last year it
is valid (inclusive; an open ``valid_to`` means still valid), the changes between years
(an ending code to the code or codes that took its place: renumberings, mergers, splits),
and the last year the data has been checked for. A year after that takes the last known
codes (`Register.checked`: callers tell administrators). The years come from the data:
nothing here names a first or last year.

The register shipped with the code is in ``data/`` (``SOURCE.md`` says where it comes
from: Statistics Norway's KLASS classifications 104 and 131); `brukerplan import-register`
brings the database's register forward from KLASS exports (``klass.py``), and the web
application and reports read the database's (``register.py``). The module-level functions
answer from the shipped register, for code without a database (synthetic data, tests).

This module is pure Python on purpose: it imports nothing from Django.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

HEALTH_REGIONS: dict[str, str] = {
    "helse_sor_ost": "Helse Sør-Øst",
    "helse_vest": "Helse Vest",
    "helse_midt": "Helse Midt-Norge",
    "helse_nord": "Helse Nord",
}


#: The first mapping year of the historic instrument versions (instrument/definitions).
HISTORIC_FROM = 2016


def register_year(year: int) -> int:
    """The year whose codes ``year`` is read in: itself, or for a historic year before the
    register's first year (the files hold nothing older) that first year. Historic mappings
    (2016-2019) therefore carry the 2020 codes; the 2020 reform's older codes are unknown."""
    first = min(m.valid_from for m in _municipalities())
    return first if HISTORIC_FROM <= year < first else year


def _valid(valid_from: int, valid_to: int | None, year: int) -> bool:
    year = register_year(year)
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


@dataclass(frozen=True)
class Change:
    """From 1 January of ``year``, the area of ``old_code`` is (partly) ``new_code``'s.
    One row per pair: a split has a row for each part, a merger one for each old code."""

    year: int
    old_code: str
    new_code: str


class RegisterError(ValueError):
    """A register that does not hold together; the message is Norwegian."""


class Register:
    """The register of one moment; its answers are cached, so it is never changed."""

    def __init__(
        self,
        counties: list[County],
        municipalities: list[Municipality],
        changes: list[Change],
        checked_through: int,
    ):
        self.counties = tuple(sorted(counties, key=lambda c: (c.code, c.valid_from)))
        self.municipalities = tuple(sorted(municipalities, key=lambda m: (m.code, m.valid_from)))
        self.changes = tuple(sorted(changes, key=lambda c: (c.year, c.old_code, c.new_code)))
        self.checked_through = checked_through
        self.first_year = min((m.valid_from for m in self.municipalities), default=checked_through)
        self._counties_in: dict[int, dict[str, County]] = {}
        self._municipalities_in: dict[int, dict[str, Municipality]] = {}
        self._successors: dict[int, dict[str, str | None]] = {}
        self._areas: dict[tuple[str, int, int], frozenset[str]] = {}
        self._new_codes: dict[int, dict[str, tuple[str, ...]]] = defaultdict(dict)
        for change in self.changes:
            known = self._new_codes[change.year].get(change.old_code, ())
            self._new_codes[change.year][change.old_code] = (*known, change.new_code)
        # The years in which a code can end or begin: between them the division stands
        # still, so an area is followed from one of them to the next only.
        self._change_years = sorted(
            {change.year for change in self.changes}
            | {m.valid_from for m in self.municipalities}
            | {m.valid_to + 1 for m in self.municipalities if m.valid_to is not None}
        )

    def checked(self, year: int) -> bool:
        """Whether the data has been checked for ``year``; a later year takes the last
        known codes, which may be out of date."""
        return year <= self.checked_through

    def knows(self, year: int) -> bool:
        """Whether the register reaches back to ``year`` (any later year is answered)."""
        return year >= self.first_year

    def counties_in(self, year: int) -> dict[str, County]:
        """The counties valid in ``year``, keyed by two-digit code."""
        if year not in self._counties_in:
            self._counties_in[year] = {c.code: c for c in self.counties if c.valid_in(year)}
        return dict(self._counties_in[year])

    def municipalities_in(self, year: int) -> dict[str, Municipality]:
        """The municipalities valid in ``year``, keyed by four-digit code."""
        if year not in self._municipalities_in:
            self._municipalities_in[year] = {
                m.code: m for m in self.municipalities if m.valid_in(year)
            }
        return dict(self._municipalities_in[year])

    def successors(self, year: int) -> dict[str, str | None]:
        """The codes of ``year - 1`` that ``year`` no longer has, each to the code that took
        its place (renumbered, or merged into it), or None for a municipality that was
        split. Unchanged codes are not listed."""
        if year in self._successors:
            return self._successors[year]
        before, now = self.municipalities_in(year - 1), self.municipalities_in(year)
        result: dict[str, str | None] = {}
        for code, municipality in before.items():
            if code in now:
                continue
            new = [c for c in self._new_codes.get(year, {}).get(code, ()) if c in now]
            if not new:
                raise RegisterError(
                    f"kommune {code} {municipality.name} slutter i {year - 1}, men "
                    f"endringstabellen sier ikke hvilken kommune som tok over i {year}"
                )
            result[code] = new[0] if len(new) == 1 else None
        self._successors[year] = result
        return result

    def parts(self, year: int, code: str) -> tuple[str, ...]:
        """The codes in ``year`` that took over ``code`` of ``year - 1``: itself if it goes
        on, one code if renumbered or merged, several if split."""
        if code in self.municipalities_in(year):
            return (code,)
        now = self.municipalities_in(year)
        return tuple(c for c in self._new_codes.get(year, {}).get(code, ()) if c in now)

    def check(self) -> None:
        """Every code that ends has a successor; raises RegisterError if not."""
        for year in range(self.first_year + 1, self.checked_through + 1):
            self.successors(year)
        for m in self.municipalities:
            for year in range(m.valid_from, (m.valid_to or self.checked_through) + 1):
                if m.county_code not in self.counties_in(year):
                    raise RegisterError(
                        f"kommune {m.code} {m.name} ligger i fylke {m.county_code}, som ikke "
                        f"finnes i {year}"
                    )

    def area_in(self, code: str, earlier: int, year: int) -> frozenset[str]:
        """The codes in ``year`` of the area that had ``code`` in ``earlier``: one code
        (renumbered or not), or the parts of a split municipality (Ålesund 1507 in 2023 is
        1508 and 1580 in 2024); empty if the code is unknown in ``earlier``."""
        key = (code, earlier, year)
        if key not in self._areas:
            if code not in self.municipalities_in(earlier):
                self._areas[key] = frozenset()
            else:
                codes = {code}
                for step in self._change_years:
                    if earlier < step <= year:
                        codes = {new for c in codes for new in self.parts(step, c)}
                self._areas[key] = frozenset(codes)
        return self._areas[key]

    def code_in(self, code: str, earlier: int, year: int) -> str | None:
        """The one code in ``year`` of the municipality that had ``code`` in ``earlier``
        (through every renumbering and merger between); None if it was split on the way,
        or is gone."""
        area = self.area_in(code, earlier, year)
        return next(iter(area)) if len(area) == 1 else None

    def codes_before(self, codes: set[str], earlier: int, year: int) -> set[str]:
        """The codes of ``earlier`` whose areas lie within the municipalities ``codes`` of
        ``year`` (a split municipality only when all its parts are among them)."""
        within = set()
        for code in self.municipalities_in(earlier):
            area = self.area_in(code, earlier, year)
            if area and area <= codes:
                within.add(code)
        return within


# --- the register shipped in data/ -------------------------------------------------------


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


@cache
def _changes() -> tuple[Change, ...]:
    rows = _read("changes.csv", ["year", "old_code", "new_code"])
    return tuple(
        Change(int(r["year"]), _digits(r["old_code"], 4, "changes.csv"), r["new_code"])
        for r in rows
    )


@cache
def shipped() -> Register:
    """The register in ``data/``: what `brukerplan setup` loads into a new database."""
    [row] = _read("register.csv", ["checked_through"])
    return Register(
        list(_counties()), list(_municipalities()), list(_changes()), int(row["checked_through"])
    )


def load_counties() -> list[County]:
    """Every county row of the shipped register, by code. Read once per process."""
    return list(_counties())


def load_municipalities() -> list[Municipality]:
    """Every municipality row of the shipped register, by code. Read once per process."""
    return list(_municipalities())


def counties_in(year: int) -> dict[str, County]:
    return shipped().counties_in(year)


def municipalities_in(year: int) -> dict[str, Municipality]:
    return shipped().municipalities_in(year)


def successors(year: int) -> dict[str, str | None]:
    return shipped().successors(year)


def area_in(code: str, earlier: int, year: int) -> frozenset[str]:
    return shipped().area_in(code, earlier, year)


def code_in(code: str, earlier: int, year: int) -> str | None:
    return shipped().code_in(code, earlier, year)


def codes_before(codes: set[str], earlier: int, year: int) -> set[str]:
    return shipped().codes_before(codes, earlier, year)
