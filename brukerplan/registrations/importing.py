"""Checking rows of the exchange format before anything is written.

Pure: no Django. The caller supplies the municipality register and the
pseudonym key; `RowChecker.check` turns one row into a `Prepared`
registration or the list of everything wrong with it. Error messages name the
row, the column and the bad value, except for a fødselsnummer, which is never
repeated.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from brukerplan.instrument import definition
from brukerplan.instrument.cells import parse_cells
from brukerplan.registrations.exchange import METADATA_COLUMNS, OPTIONAL_COLUMNS
from brukerplan.registrations.pseudonyms import InvalidFodselsnummer, pseudonymise

UNIT_TYPES = ("helse_omsorg", "nav", "barnevern", "fastlege", "annen")
PERSON_KEY = re.compile(r"^[0-9a-f]{64}$")
MAXIMUM_AGE = 120


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"rad {self.row}, kolonne {self.column}: {self.message}"


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
    ):
        self.header = header
        self.municipalities_valid_in = municipalities_valid_in
        self.pseudonym_key = pseudonym_key
        self._header_checked: dict[int, list[RowError]] = {}
        self._seen_ids: dict[str, int] = {}

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

    def check(self, row: int, cells: dict[str, str]) -> Prepared | list[RowError]:
        errors: list[RowError] = []

        def error(column: str, message: str) -> None:
            errors.append(RowError(row, column, message))

        aar_text = (cells.get("aar") or "").strip()
        if not (aar_text.isdigit() and len(aar_text) == 4):
            error("aar", f"'{aar_text}' er ikke et årstall")
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
            if len(registrering_id) > 64:
                error("registrering_id", "er lengre enn 64 tegn")
            elif registrering_id in self._seen_ids:
                error(
                    "registrering_id",
                    f"'{registrering_id}' står også i rad {self._seen_ids[registrering_id]}",
                )
            else:
                self._seen_ids[registrering_id] = row

        dato_text = (cells.get("kartlagt_dato") or "").strip()
        kartlagt_dato = None
        try:
            kartlagt_dato = datetime.date.fromisoformat(dato_text)
        except ValueError:
            error("kartlagt_dato", f"'{dato_text}' er ikke en dato på formen ÅÅÅÅ-MM-DD")
        if kartlagt_dato and kartlagt_dato.year != aar:
            error("kartlagt_dato", f"'{dato_text}' er ikke i kartleggingsåret {aar}")

        kommunenummer = (cells.get("kommunenummer") or "").strip()
        if not (kommunenummer.isdigit() and len(kommunenummer) == 4):
            error("kommunenummer", f"'{kommunenummer}' er ikke fire sifre")
        elif kommunenummer not in self.municipalities_valid_in(aar):
            error("kommunenummer", f"'{kommunenummer}' er ikke et kommunenummer i {aar}")

        enhet = (cells.get("enhet") or "").strip()
        if not enhet:
            error("enhet", "mangler navn på enheten")
        elif len(enhet) > 200:
            error("enhet", "navnet er lengre enn 200 tegn")
        enhetstype = (cells.get("enhetstype") or "").strip()
        if enhetstype not in UNIT_TYPES:
            error("enhetstype", f"'{enhetstype}' er ikke en av {', '.join(UNIT_TYPES)}")

        identity = self._identity(cells, error)
        if identity is None:
            return errors
        person_key, fodselsaar, kjonn = identity
        alder = aar - fodselsaar
        if alder < instrument.minimum_age or alder > MAXIMUM_AGE:
            error(
                "fodselsaar" if "fodselsaar" in cells else "fodselsnummer",
                f"alderen {alder} år i {aar} er utenfor {instrument.minimum_age}–{MAXIMUM_AGE}",
            )

        answers, answer_errors = parse_cells(instrument, cells, {"kjonn": kjonn})
        for answer_error in answer_errors:
            error(answer_error.column, answer_error.message)
        if errors:
            return errors
        index = instrument.levekarsindeks(answers)
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
            levekarsindeks=index,
            indeksgruppe=instrument.index_group(index),
            kategori=instrument.kategori(answers),
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
        if not (fodselsaar.isdigit() and len(fodselsaar) == 4):
            error("fodselsaar", f"'{fodselsaar}' er ikke et årstall")
            ok = False
        if kjonn not in ("mann", "kvinne"):
            error("kjonn", f"'{kjonn}' er ikke mann eller kvinne")
            ok = False
        return (key, int(fodselsaar), kjonn) if ok else None


def _repeated(header: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated = []
    for column in header:
        if column in seen:
            repeated.append(column)
        seen.add(column)
    return repeated
