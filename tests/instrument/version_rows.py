"""Rows of the exchange format in any instrument version, made from synthetic rows.

The synthetic generator writes the answers of the version of 2020; `adapt` carries them
into another version: what the target asks and the source answered validly is kept,
what only the target asks gets a plain answer (graded drug use from the substances
used), and the result must pass the target's validation.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path
from typing import Any

from brukerplan.instrument import definition
from brukerplan.instrument.cells import parse_cells, to_cells
from brukerplan.instrument.definition import BOOLEAN, INTEGER, MULTI, Instrument
from brukerplan.registrations import synth
from brukerplan.registrations.pseudonyms import pseudonymise

# Only to read sex and birth year of the synthetic numbers.
READING_KEY = b"version-rows-reading-key"


def _default(question, answers: dict[str, Any]) -> Any:
    if question.key.startswith("rusmiddel_"):
        substance = question.key.removeprefix("rusmiddel_")
        return "betydelig" if substance in (answers.get("rusmidler") or []) else "ingen"
    if question.key == "selvmordsforsok_siste_ar":
        return answers.get("selvmordsforsok", 0)
    if question.type == BOOLEAN:
        return 0
    if question.type == INTEGER:
        return question.minimum or 0
    if question.type == MULTI:
        return []
    return question.codes[0]


def _kept(question, value: Any) -> Any:
    """The source's answer where the target allows it, else None."""
    if value is None:
        return None
    if question.type == MULTI:
        return sorted(v for v in value if v in question.code_set)
    if question.type in (BOOLEAN, INTEGER):
        return value
    return value if value in question.code_set else None


def adapt(answers: dict[str, Any], target: Instrument, derived: dict[str, Any]) -> dict:
    out: dict[str, Any] = {}
    for question in target.questions:
        if not target.is_asked(question, {**out, **derived}):
            continue
        kept = _kept(question, answers.get(question.key))
        out[question.key] = kept if kept is not None else _default(question, answers)
    errors = target.validate(out, derived)
    assert not errors, errors
    return out


def rows(year: int, persons: int, seed: int, municipalities: list[str]) -> list[dict[str, str]]:
    """Rows of `year` in its version: synthetic persons of 2020 mapped in `year` instead
    (those too young then left out)."""
    source = definition.for_year(2020)
    target = definition.for_year(year)
    found = []
    # Units of the types with a legal basis in every year (the seeded rule: nav and
    # barnevern have none from 2020), so the rows import in any year.
    lawful = [t for t in source.unit_types if t not in ("nav", "barnevern")]
    for row in synth.generate(persons, 2020, seed, municipalities, unit_types=lawful):
        identity = pseudonymise(row["fodselsnummer"], READING_KEY)
        if year - identity.fodselsaar < target.minimum_age:
            continue
        derived = {"kjonn": identity.kjonn}
        answers, errors = parse_cells(source, row, derived)
        assert not errors, errors
        date = datetime.date.fromisoformat(row["kartlagt_dato"])
        date = date.replace(year=year, day=min(date.day, 28))
        found.append(
            {
                **{c: row[c] for c in synth.METADATA_COLUMNS},
                "registrering_id": f"{row['registrering_id']}-{year}",
                "aar": str(year),
                "kartlagt_dato": date.isoformat(),
                **to_cells(target, adapt(answers, target, derived)),
            }
        )
    return found


def write(path: Path, year: int, found: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, synth.columns_for(year))
        writer.writeheader()
        writer.writerows(found)
    return path
