"""Between the instrument's answers and the cells of the exchange format (CSV/Excel)."""

from __future__ import annotations

from typing import Any

from brukerplan.instrument.definition import (
    BOOLEAN,
    INTEGER,
    MULTI,
    AnswerError,
    Instrument,
)


def parse_cells(
    instrument: Instrument, cells: dict[str, str], derived: dict[str, Any]
) -> tuple[dict[str, Any], list[AnswerError]]:
    """Answers from one row's cells (strings), and every error in them.

    Empty cells mean "not answered"; whether that is right depends on the
    question's `when`, which `Instrument.validate` checks.
    """
    answers: dict[str, Any] = {}
    errors: list[AnswerError] = []
    for question in instrument.questions:
        if question.type == MULTI:
            values = [(cells.get(column) or "").strip() for column in question.columns]
            if not any(values):
                continue
            if not all(values):
                missing = question.columns[values.index("")]
                errors.append(AnswerError(missing, "mangler 1 eller 0"))
                continue
            bad = [
                AnswerError(column, f"'{value}' er ikke 1 eller 0")
                for column, value in zip(question.columns, values, strict=True)
                if value != "0" and value != "1"
            ]
            if bad:
                errors.extend(bad)
                continue
            answers[question.key] = [
                code for code, value in zip(question.codes, values, strict=True) if value == "1"
            ]
            continue
        value = (cells.get(question.key) or "").strip()
        if not value:
            continue
        if question.type == BOOLEAN:
            if value != "0" and value != "1":
                errors.append(AnswerError(question.key, f"'{value}' er ikke 1 eller 0"))
                continue
            answers[question.key] = int(value)
        elif question.type == INTEGER:
            if not (value.isascii() and value.isdigit()):
                errors.append(AnswerError(question.key, f"'{value}' er ikke et heltall"))
                continue
            answers[question.key] = int(value)
        else:
            answers[question.key] = value
    if errors:
        return answers, errors
    return answers, instrument.validate(answers, derived)


def to_cells(instrument: Instrument, answers: dict[str, Any]) -> dict[str, str]:
    """One row's answer cells, in the instrument's column order."""
    cells: dict[str, str] = {}
    for question in instrument.questions:
        value = answers.get(question.key)
        if question.type == MULTI:
            for code, column in zip(question.codes, question.columns, strict=True):
                cells[column] = "" if value is None else ("1" if code in value else "0")
        else:
            cells[question.key] = "" if value is None else str(value)
    return cells
