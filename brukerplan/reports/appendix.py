"""The appendix: a plain frequency table of every question of the version, by main group.

Pure: no Django. Built from the instrument definition alone, so a question no other
table knows (a new one in a new version) still reaches the report. Rows, in the
instrument's order:

  * boolean: `<key>:1` (ja) and `<key>:0` (nei);
  * single and traffic light: `<key>:<code>` for every option or colour;
  * multi: `<key>.<code>` (its column) for every option, the persons who chose it;
  * integer: `<key>:0` and `<key>:1_pluss` (one or more).

Columns per main group: the number of persons, and their share of the group's persons
who were asked the question (a question not asked is null: the rus section is asked
only of persons with rusproblem). Every cell carries its masks on `Context.persons`, so
secondary suppression protects it with the rest of the document.
"""

from __future__ import annotations

import polars as pl

from brukerplan.instrument.definition import BOOLEAN, INTEGER, MULTI, Instrument, Question
from brukerplan.reports.tables import (
    COUNT,
    GROUP_LABELS,
    PERCENT,
    PSYKISK,
    RUS,
    Cell,
    Column,
    Context,
    Count,
    Row,
    Share,
    TableData,
    equals,
    main_group,
    table,
)

GROUPS = (RUS, PSYKISK)


def items(question: Question) -> list[tuple[str, str, pl.Expr]]:
    """(row key, label, mask) of a question's values."""
    if question.type == BOOLEAN:
        return [
            (f"{question.key}:1", f"{question.label}: Ja", equals(question.key, 1)),
            (f"{question.key}:0", f"{question.label}: Nei", equals(question.key, 0)),
        ]
    if question.type == INTEGER:
        return [
            (f"{question.key}:0", f"{question.label}: 0", equals(question.key, 0)),
            (
                f"{question.key}:1_pluss",
                f"{question.label}: 1 eller flere",
                (pl.col(question.key) >= 1).fill_null(False),
            ),
        ]
    if question.type == MULTI:
        return [
            (column, f"{question.label}: {question.label_of(code)}", equals(column, 1))
            for code, column in zip(question.codes, question.columns, strict=True)
        ]
    return [
        (
            f"{question.key}:{code}",
            f"{question.label}: {question.label_of(code)}",
            equals(question.key, code),
        )
        for code in question.codes
    ]


def asked(question: Question) -> pl.Expr:
    """The persons who were asked the question (its first column is not null)."""
    return pl.col(question.columns[0]).is_not_null()


def columns() -> list[Column]:
    found = []
    for group in GROUPS:
        found.append(Column(f"{group}_antall", f"{GROUP_LABELS[group]}: antall", COUNT))
        found.append(Column(f"{group}_andel", f"{GROUP_LABELS[group]}: andel (%)", PERCENT))
    return found


def frequencies(ctx: Context, instrument: Instrument) -> list[Row]:
    groups = {key: main_group(key).mask for key in GROUPS}
    masks: dict[str, pl.Expr] = {}
    rows_of = []
    for question in instrument.questions:
        for g, group in groups.items():
            masks[f"{question.key}|{g}"] = group & asked(question)
        for key, label, mask in items(question):
            rows_of.append((question, key, label))
            for g, group in groups.items():
                masks[f"{key}|{g}"] = group & mask
    sums = ctx.aggregate({k: m.sum() for k, m in masks.items()})
    rows = []
    for question, key, label in rows_of:
        values: dict[str, Cell] = {}
        for g in groups:
            numerator, denominator = masks[f"{key}|{g}"], masks[f"{question.key}|{g}"]
            values[f"{g}_antall"] = Count(sums[f"{key}|{g}"], of=numerator)
            values[f"{g}_andel"] = Share(
                sums[f"{key}|{g}"],
                sums[f"{question.key}|{g}"],
                numerator_of=numerator,
                denominator_of=denominator,
            )
        rows.append(Row(key, label, values))
    return rows


@table("vedlegg_sporsmal", "Vedlegg: alle spørsmål etter hovedgruppe")
def vedlegg_sporsmal(ctx: Context) -> TableData:
    if ctx.persons.height == 0:
        return columns(), []
    return columns(), frequencies(ctx, ctx.instrument)
