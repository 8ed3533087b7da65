"""Checking rows of the exchange format before anything is written.

Pure: no Django. The caller supplies the municipality register, the
pseudonym key and the legal basis; `RowChecker.check` turns one row into a `Prepared`
registration or the list of everything wrong with it, and hands warnings
(a mapping date in the future, a unit name with a line break) to
`on_warning`: they do not stop the import.

Error messages name the row, the column and the bad value, except for a
fødselsnummer, which is never repeated: every cell a message quotes goes
through `brukerplan.masking.shown` (eleven-digit runs masked, long cells cut),
and every message is masked once more as it is printed (`RowError.__str__`).
No column but `fodselsnummer` may hold eleven digits (nor `person_key`, unless
it is a valid key): such a cell is an error that names the row and the column
only.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from brukerplan.instrument import definition
from brukerplan.instrument.cells import parse_cells
from brukerplan.masking import (
    SHOWN_LENGTH,
    looks_like_fodselsnummer,
    mask,
    quoted,
    shown,
)
from brukerplan.registrations.exchange import (
    METADATA_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_METADATA,
)
from brukerplan.registrations.pseudonyms import InvalidFodselsnummer, pseudonymise

PERSON_KEY = re.compile(r"^[0-9a-f]{64}$")
FOUR_DIGITS = re.compile(r"^[0-9]{4}$")
MAX_CELL = 200  # characters; no valid cell is longer (a unit's name is at most 200)
LOOKS_LIKE_FODSELSNUMMER = (
    "ser ut som et fødselsnummer; fødselsnummer hører bare hjemme i kolonnen fodselsnummer"
)


@dataclass(frozen=True)
class RowError:
    """An error (or a warning) on a row; `column` is empty when it is about the whole row."""

    row: int  # as a spreadsheet shows it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        where = (
            f"rad {self.row}, kolonne {shown(self.column)}" if self.column else f"rad {self.row}"
        )
        return mask(f"{where}: {self.message}")


RowWarning = RowError


@dataclass(frozen=True)
class Prepared:
    registrering_id: str | None
    aar: int
    kartlagt_dato: datetime.date
    kommunenummer: str
    enhet: str
    enhetstype: str
    person_key: str
    fodselsaar: int
    kjonn: str
    alder: int
    instrument_version: str
    answers: dict[str, Any]
    levekarsindeks: float
    indeksgruppe: str
    kategori: str


class RowChecker:
    def __init__(
        self,
        header: list[str],
        municipalities_valid_in: Callable[[int], set[str]],
        pseudonym_key: bytes,
        today: datetime.date | None = None,
        on_warning: Callable[[RowWarning], None] = lambda warning: None,
        has_legal_basis: Callable[[str, int], bool] = lambda unit_type, year: True,
        reserved: Callable[[str], bool] = lambda person_key: False,
        in_closed_period: Callable[[int, str], str | None] = lambda year, code: None,
    ):
        self.header = header
        self.municipalities_valid_in = municipalities_valid_in
        self.pseudonym_key = pseudonym_key
        self.today = today or datetime.date.today()
        self.on_warning = on_warning
        self.has_legal_basis = has_legal_basis
        self.reserved = reserved
        self.in_closed_period = in_closed_period
        self._header_checked: dict[int, list[RowError]] = {}
        # registrering_id -> the row it was first seen on, by the string's hash: a million
        # ids in about a third of the memory. Python's string hash is keyed per process, so
        # two ids that share one (1 in 10^7 for a million rows) cannot be made on purpose.
        self._seen_ids: dict[int, int] = {}

    def structure_errors(self) -> list[RowError]:
        """What is wrong with the header whatever the year: then no row is worth checking."""
        present = set(self.header)
        errors = [RowError(1, c, "kolonnen står to ganger") for c in _repeated(self.header)]
        for column in REQUIRED_METADATA:
            if column not in present:
                errors.append(RowError(1, column, "kolonnen mangler"))
        if "fodselsnummer" not in present and "person_key" not in present:
            errors.append(RowError(1, "fodselsnummer", "enten fodselsnummer eller person_key"))
        return errors

    def header_errors(self, instrument: definition.Instrument) -> list[RowError]:
        present = set(self.header)
        errors = [RowError(1, c, "kolonnen står to ganger") for c in _repeated(self.header)]
        required = [c for c in METADATA_COLUMNS if c not in OPTIONAL_COLUMNS]
        expected = set(METADATA_COLUMNS) | set(instrument.answer_columns)
        for column in [*required, *instrument.answer_columns]:
            if column not in present:
                errors.append(RowError(1, column, "kolonnen mangler"))
        for column in self.header:
            if column not in expected:
                errors.append(
                    RowError(1, column, f"ukjent kolonne for instrumentet {instrument.version}")
                )
        if "fodselsnummer" not in present and "person_key" not in present:
            errors.append(RowError(1, "fodselsnummer", "enten fodselsnummer eller person_key"))
        return errors

    def check(
        self, row: int, cells: dict[str, str], width: int | None = None
    ) -> Prepared | list[RowError]:
        """One row (its number, its cells by column, and how many cells it had)."""
        if width is not None and width != len(self.header):
            return [RowError(row, "", f"raden har {width} celler, overskriften {len(self.header)}")]
        errors = self._screen(row, cells)
        flagged = {e.column for e in errors}
        if flagged:  # read on without them, so the rest of the row is checked too
            cells = {**cells, **dict.fromkeys(flagged, "")}

        def error(column: str, message: str) -> None:
            if column not in flagged:
                errors.append(RowError(row, column, message))

        def warn(column: str, message: str) -> None:
            self.on_warning(RowError(row, column, message))

        aar_text = (cells.get("aar") or "").strip()
        if not FOUR_DIGITS.match(aar_text):
            error("aar", f"{quoted(aar_text)} er ikke et årstall")
            return errors
        aar = int(aar_text)
        try:
            instrument = definition.for_year(aar)
        except LookupError:
            error("aar", f"ingen versjon av instrumentet gjelder for {aar}")
            return errors
        if aar not in self._header_checked:
            self._header_checked[aar] = self.header_errors(instrument)
            if self._header_checked[aar]:
                return self._header_checked[aar]
        elif self._header_checked[aar]:
            return []  # already reported once, on the first row of that year

        registrering_id = (cells.get("registrering_id") or "").strip() or None
        if registrering_id is not None:
            seen = hash(registrering_id)
            if len(registrering_id) > 64:
                error("registrering_id", "er lengre enn 64 tegn")
            elif seen in self._seen_ids:
                error(
                    "registrering_id",
                    f"{quoted(registrering_id)} står også i rad {self._seen_ids[seen]}",
                )
            else:
                self._seen_ids[seen] = row

        dato_text = (cells.get("kartlagt_dato") or "").strip()
        kartlagt_dato = None
        try:
            kartlagt_dato = datetime.date.fromisoformat(dato_text)
        except ValueError:
            error("kartlagt_dato", f"{quoted(dato_text)} er ikke en dato på formen ÅÅÅÅ-MM-DD")
        if kartlagt_dato and kartlagt_dato.year != aar:
            error("kartlagt_dato", f"{quoted(dato_text)} er ikke i kartleggingsåret {aar}")
        elif kartlagt_dato and kartlagt_dato > self.today:
            warn("kartlagt_dato", f"{quoted(dato_text)} er fram i tid")

        kommunenummer = (cells.get("kommunenummer") or "").strip()
        if not FOUR_DIGITS.match(kommunenummer):
            error("kommunenummer", f"{quoted(kommunenummer)} er ikke fire sifre")
        elif kommunenummer not in self.municipalities_valid_in(aar):
            error("kommunenummer", f"{quoted(kommunenummer)} er ikke et kommunenummer i {aar}")
        elif county := self.in_closed_period(aar, kommunenummer):
            error(
                "kommunenummer",
                f"kartleggingsperioden for {county} {aar} er lukket, og rapportene er laget; "
                "bruk --closed-period-ok for å importere likevel (rapportene lages da på nytt)",
            )

        enhet = (cells.get("enhet") or "").strip()
        if not enhet:
            error("enhet", "mangler navn på enheten")
        elif len(enhet) > 200:
            error("enhet", "navnet er lengre enn 200 tegn")
        elif not enhet.isprintable():
            if "\n" in enhet or "\r" in enhet:
                warn("enhet", "navnet har et linjeskift")
            else:
                warn("enhet", "navnet har et kontrolltegn")
        enhetstype = (cells.get("enhetstype") or "").strip()
        if enhetstype not in instrument.unit_types:
            error(
                "enhetstype",
                f"{quoted(enhetstype)} er ikke en av {', '.join(instrument.unit_types)}",
            )
        elif not self.has_legal_basis(enhetstype, aar):
            error(
                "enhetstype",
                f"{quoted(enhetstype)} har ikke rettslig grunnlag i {aar}: "
                "kartlegginger fra slike enheter kan ikke behandles",
            )

        identity = self._identity(cells, error)
        if identity is None:
            return errors
        person_key, fodselsaar, kjonn = identity
        if self.reserved(person_key):
            error(
                "fodselsnummer" if (cells.get("fodselsnummer") or "").strip() else "person_key",
                "personen har reservert seg mot å bli kartlagt i BrukerPlan",
            )
        alder = aar - fodselsaar
        if alder < instrument.minimum_age or alder > instrument.maximum_age:
            error(
                "fodselsaar" if "fodselsaar" in cells else "fodselsnummer",
                f"alderen {alder} år i {aar} er utenfor "
                f"{instrument.minimum_age}–{instrument.maximum_age}",
            )

        answers, answer_errors = parse_cells(instrument, cells, {"kjonn": kjonn})
        for answer_error in answer_errors:
            cell = cells.get(answer_error.column) or ""
            error(answer_error.column, _quoting(answer_error.message, cell.strip()))
        if errors:
            return errors
        scores = instrument.scores(answers)
        return Prepared(
            registrering_id=registrering_id,
            aar=aar,
            kartlagt_dato=kartlagt_dato,
            kommunenummer=kommunenummer,
            enhet=enhet,
            enhetstype=enhetstype,
            person_key=person_key,
            fodselsaar=fodselsaar,
            kjonn=kjonn,
            alder=alder,
            instrument_version=instrument.version,
            answers=answers,
            levekarsindeks=scores.levekarsindeks,
            indeksgruppe=scores.indeksgruppe,
            kategori=scores.kategori,
        )

    def _identity(self, cells: dict[str, str], error) -> tuple[str, int, str] | None:
        number = (cells.get("fodselsnummer") or "").strip()
        key = (cells.get("person_key") or "").strip()
        if number and key:
            error("person_key", "oppgi enten fodselsnummer eller person_key, ikke begge")
            return None
        if number:
            try:
                identity = pseudonymise(number, self.pseudonym_key)
            except InvalidFodselsnummer as invalid:
                error("fodselsnummer", str(invalid))
                return None
            return identity.person_key, identity.fodselsaar, identity.kjonn
        if not key:
            error("fodselsnummer", "mangler fodselsnummer eller person_key")
            return None
        if not PERSON_KEY.match(key):
            error("person_key", "er ikke 64 heksadesimale tegn")
            return None
        fodselsaar = (cells.get("fodselsaar") or "").strip()
        kjonn = (cells.get("kjonn") or "").strip()
        ok = True
        if not FOUR_DIGITS.match(fodselsaar):
            error("fodselsaar", f"{quoted(fodselsaar)} er ikke et årstall")
            ok = False
        if kjonn not in ("mann", "kvinne"):
            error("kjonn", f"{quoted(kjonn)} er ikke mann eller kvinne")
            ok = False
        return (key, int(fodselsaar), kjonn) if ok else None

    def _screen(self, row: int, cells: dict[str, str]) -> list[RowError]:
        """The cells no column may hold: eleven digits outside `fodselsnummer`, and cells
        longer than any valid one. One search of the whole row when there are none."""
        text = "\n".join(cells.values())
        if _candidates(text) > _exempt_candidates(cells) or _has_long_cell(text):
            return self._screen_cells(row, cells)
        return []

    def _screen_cells(self, row: int, cells: dict[str, str]) -> list[RowError]:
        errors = []
        for column, value in cells.items():
            exempt = column == "fodselsnummer" or (
                column == "person_key" and PERSON_KEY.match(value.strip())
            )
            if not exempt and looks_like_fodselsnummer(value):
                errors.append(RowError(row, column, LOOKS_LIKE_FODSELSNUMMER))
            elif len(value) > MAX_CELL:
                errors.append(
                    RowError(
                        row,
                        column,
                        f"cellen har {len(value)} tegn; ingen gyldig verdi har over {MAX_CELL}",
                    )
                )
        return errors


# Digits as "0", a space or hyphen as "-": an eleven-digit number (ELEVEN_DIGITS) is then
# "00000000000" or "000000-00000", found by a substring search, far faster than the regex.
_ASCII_SHAPES = bytes.maketrans(b"0123456789 ", b"0000000000-")
_DIGITS_AS_ZERO: dict[int, str] = {}
_LONG_CELL = re.compile(rf"[^\n]{{{MAX_CELL + 1}}}")
_ASCII_AS_X = bytes(ord("\n") if b == ord("\n") else ord("x") for b in range(256))
_LONG_X = b"x" * (MAX_CELL + 1)


def _has_long_cell(text: str) -> bool:
    """Whether a cell of the row's text (cells joined by "\n") is longer than MAX_CELL."""
    if text.isascii():
        return _LONG_X in text.encode("ascii").translate(_ASCII_AS_X)
    return _LONG_CELL.search(text) is not None


def _candidates(text: str) -> int:
    """How many times the shapes of an eleven-digit number occur in `text` (at least once
    for every run ELEVEN_DIGITS matches; a longer run of digits counts too)."""
    if text.isascii():
        shapes = text.encode("ascii").translate(_ASCII_SHAPES)
        return shapes.count(b"00000000000") + shapes.count(b"000000-00000")
    if not _DIGITS_AS_ZERO:  # every decimal digit, as ELEVEN_DIGITS's \d; built once
        _DIGITS_AS_ZERO.update((c, "0") for c in range(0x110000) if chr(c).isdecimal())
        _DIGITS_AS_ZERO.update({ord(" "): "-", ord("-"): "-"})
    shapes = text.translate(_DIGITS_AS_ZERO)
    return shapes.count("00000000000") + shapes.count("000000-00000")


def _exempt_candidates(cells: dict[str, str]) -> int:
    """The candidates in the cells that may hold eleven digits: the fødselsnummer, and a
    valid person key (its hex digits may run to eleven). The row's text joins cells with
    "\n", which is in no shape, so its count is the sum of its cells' counts."""
    count = _candidates(cells.get("fodselsnummer") or "")
    key = cells.get("person_key") or ""
    if key and PERSON_KEY.match(key.strip()):
        count += _candidates(key)
    return count


def _quoting(message: str, cell: str) -> str:
    """A message from the instrument's checks, with the cell it repeats shown as `shown` shows
    it (cut short; the number mask is applied to every message as it is printed)."""
    if len(cell) <= SHOWN_LENGTH:
        return message
    message = message.replace(cell, shown(cell))
    if cell.isascii() and cell.isdigit():
        message = message.replace(str(int(cell)), shown(str(int(cell))))
    return message


def _repeated(header: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated = []
    for column in header:
        if column in seen:
            repeated.append(column)
        seen.add(column)
    return repeated
