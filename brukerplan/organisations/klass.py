"""Reading Statistics Norway's KLASS exports into the register (pure: no Django).

Two kinds of CSV file, told apart by their columns (KLASS's own names):

- a code list, ``/classifications/131/codes.csv?from=…&to=…`` (municipalities) or
  ``104`` (counties): ``code``, ``name``, ``validFromInRequestedRange``,
  ``validToInRequestedRange`` (KLASS's other columns are ignored). A code still valid at
  the end of the range has the range's end as its ``validToInRequestedRange``, which is
  the first day *not* covered; the last year covered is the year before it.
- a change table, ``/classifications/131/changes.csv?from=…&to=…``: ``oldCode``,
  ``newCode``, ``changeOccurred`` (the first day of the new division).

KLASS writes semicolons and quotes every field; commas are read too, and Windows-1252
where a file is not UTF-8. Every error is one Norwegian line (`KlassError`).

`update` brings a register forward with what the files say: a listed code takes the
file's name and years; a code the change table moves ends the year before (unless the
file lists it as going on, as a boundary adjustment does); codes the files do not name
stay as they were, so an export of the changed codes alone is enough.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass

from brukerplan.organisations.reference import (
    HEALTH_REGIONS,
    Change,
    County,
    Municipality,
    Register,
    RegisterError,
)

CODE_COLUMNS = ("code", "name", "validFromInRequestedRange", "validToInRequestedRange")
CHANGE_COLUMNS = ("oldCode", "newCode", "changeOccurred")
UNKNOWN_CODES = {"99", "9999"}  # KLASS's «Uoppgitt»


class KlassError(ValueError):
    """An export that cannot be read or does not fit the register; Norwegian message."""


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    valid_from: int
    valid_to: int | None  # None: still valid at the end of the export's range


@dataclass
class Export:
    """What one or more KLASS files say: codes, changes, and the last year they cover."""

    codes: list[Code]
    changes: list[Change]
    checked_through: int | None


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def read(files: dict[str, str]) -> Export:
    """The files' contents by name, each a code list or a change table."""
    export = Export([], [], None)
    for name, text in files.items():
        rows, columns = _rows(name, text)
        if set(CODE_COLUMNS) <= columns:
            codes, end = _codes(name, rows)
            export.codes += codes
            if end is not None:
                export.checked_through = max(end, export.checked_through or end)
        elif set(CHANGE_COLUMNS) <= columns:
            export.changes += _changes(name, rows)
        else:
            raise KlassError(
                f"{name} er verken en kodeliste (kolonnene {', '.join(CODE_COLUMNS)}) eller "
                f"en endringstabell (kolonnene {', '.join(CHANGE_COLUMNS)}) fra KLASS"
            )
    return export


def _rows(name: str, text: str) -> tuple[list[tuple[int, dict[str, str]]], set[str]]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [
            (line, {k: (v or "").strip() for k, v in row.items() if k})
            for line, row in enumerate(reader, start=2)
        ]
    except csv.Error as error:
        raise KlassError(f"{name} kan ikke leses som CSV: {error}") from None
    if not rows:
        raise KlassError(f"{name} har ingen rader")
    return rows, set(reader.fieldnames or ())


def _date(name: str, line: int, column: str, value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise KlassError(f"{name} rad {line}: {column} er ikke en dato (ÅÅÅÅ-MM-DD)") from None


def _code(name: str, line: int, column: str, value: str) -> str:
    if len(value) not in (2, 4) or not value.isdigit():
        raise KlassError(f"{name} rad {line}: {column} er ikke et fylkes- eller kommunenummer")
    return value


def _codes(name: str, rows) -> tuple[list[Code], int | None]:
    parsed = []
    for line, row in rows:
        code = _code(name, line, "code", row["code"])
        if code in UNKNOWN_CODES:
            continue
        if not row["name"]:
            raise KlassError(f"{name} rad {line}: {code} har ikke noe navn")
        start = _date(name, line, "validFromInRequestedRange", row["validFromInRequestedRange"])
        end = _date(name, line, "validToInRequestedRange", row["validToInRequestedRange"])
        if end <= start:
            raise KlassError(f"{name} rad {line}: {code} slutter før den begynner")
        parsed.append((line, code, row["name"], start, end))
    if not parsed:
        return [], None
    range_end = max(end for *_, end in parsed)
    codes = []
    for _line, code, code_name, start, end in parsed:
        last = None if end == range_end else (end - datetime.timedelta(days=1)).year
        codes.append(Code(code, code_name, start.year, last))
    return codes, (range_end - datetime.timedelta(days=1)).year


def _changes(name: str, rows) -> list[Change]:
    changes = []
    for line, row in rows:
        old = _code(name, line, "oldCode", row["oldCode"])
        new = _code(name, line, "newCode", row["newCode"])
        if len(old) != len(new):
            raise KlassError(f"{name} rad {line}: {old} og {new} er ikke samme slags nummer")
        if old != new and not {old, new} & UNKNOWN_CODES:
            changes.append(
                Change(_date(name, line, "changeOccurred", row["changeOccurred"]).year, old, new)
            )
    return changes


def update(register: Register, export: Export) -> Register:
    """The register with what the export says, checked (`Register.check`)."""
    if export.checked_through is None:
        raise KlassError("filene har ingen kodeliste: en endringstabell alene sier ikke nok")
    if export.checked_through < register.checked_through:
        raise KlassError(
            f"filene går til {export.checked_through}, men registeret er alt kontrollert "
            f"til {register.checked_through}"
        )
    new_municipalities = [c for c in export.codes if len(c.code) == 4]
    new_counties = [c for c in export.codes if len(c.code) == 2]
    county_changes = [c for c in export.changes if len(c.old_code) == 2]
    changes = [c for c in export.changes if len(c.old_code) == 4]

    counties = _merge(
        register.counties,
        new_counties,
        county_changes,
        lambda code, rows: County(
            code.code,
            code.name,
            code.valid_from,
            code.valid_to,
            _health_region(code, register, rows, county_changes, changes),
        ),
    )
    municipalities = _merge(
        register.municipalities,
        new_municipalities,
        changes,
        lambda code, rows: Municipality(
            code.code, code.name, code.code[:2], code.valid_from, code.valid_to
        ),
    )
    moved_years = {c.year for c in changes}
    kept = [c for c in register.changes if c.year not in moved_years]
    updated = Register(counties, municipalities, kept + changes, export.checked_through)
    try:
        updated.check()
    except RegisterError as error:
        raise KlassError(str(error)) from None
    return updated


def _merge(rows, codes: list[Code], changes: list[Change], make) -> list:
    """Rows with the export's codes: a code's row that reaches the year before a listed
    period goes on into it (it keeps its first year, and takes the newer name); a code the
    change table moves ends the year before the change, unless it is listed as going on."""
    by_code: dict[str, list] = {}
    for row in rows:
        by_code.setdefault(row.code, []).append(row)
    listed = {c.code for c in codes}
    for change in changes:
        if change.old_code in listed:
            continue
        for i, row in enumerate(by_code.get(change.old_code, [])):
            if row.valid_in(change.year) and row.valid_from < change.year:
                by_code[change.old_code][i] = _with(row, valid_to=change.year - 1)
    for code in sorted(codes, key=lambda c: (c.code, c.valid_from)):
        existing = by_code.setdefault(code.code, [])
        kept = []
        start = code.valid_from
        for row in existing:
            if row.valid_from < code.valid_from and (
                row.valid_to is None or row.valid_to >= code.valid_from - 1
            ):
                start = min(start, row.valid_from)  # goes on into the listed period
            elif row.valid_from >= code.valid_from and (
                code.valid_to is None or row.valid_from <= code.valid_to
            ):
                pass  # within the listed period: the file's row replaces it
            else:
                kept.append(row)
        new = make(Code(code.code, code.name, start, code.valid_to), existing)
        by_code[code.code] = [*kept, new]
    return [row for group in by_code.values() for row in group]


def _with(row, **changes):
    return type(row)(**{**row.__dict__, **changes})


def _health_region(code: Code, register: Register, rows, county_changes, changes) -> str:
    """A county keeps its health region; a new one takes its predecessors' (the counties
    it came from, or those its municipalities came from) when they agree."""
    if rows:
        return rows[-1].health_region
    known = {c.code: c.health_region for c in register.counties}
    found = {
        known[c.old_code] for c in county_changes if c.new_code == code.code and c.old_code in known
    }
    if not found:
        found = {
            known[c.old_code[:2]]
            for c in changes
            if c.new_code[:2] == code.code and c.old_code[:2] in known
        }
    if len(found) != 1 or not found <= HEALTH_REGIONS.keys():
        raise KlassError(
            f"fylke {code.code} {code.name} er nytt, og endringstabellen sier ikke hvilket "
            "fylke det kom fra, så helseregionen er ukjent"
        )
    return found.pop()
