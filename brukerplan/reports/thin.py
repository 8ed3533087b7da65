"""A thin report: a scope with few persons shows its tables for all of them together.

Pure: no Django. With fewer than `THIN_PERSONS` adult persons, nearly every cell of a
table by category is from 1 to threshold - 1 persons and hidden, and secondary
suppression hides most of the rest (seed 004: small municipalities "fikk" empty tables).
So such a document shows its tables for all its persons together: a table with an
"alle" row or column keeps only that one of its groups (categories and main groups); a
table by the two main groups (nokkeltall, the services) gets one "alle" instead; a table
of categories only (varighet_kategori: the five with mental problems) gets one row of
them together ("samlet"). Cells are combined only where that is exact: counts and shares
of disjoint groups add up (a question asked of one main group only is not applicable to
them together); where they do not (means) the groups stay. The tables that tell the
groups' sizes (`GROUP_SIZES`) keep the main groups.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping, Sequence
from dataclasses import replace

import polars as pl

from brukerplan.instrument.definition import Instrument
from brukerplan.reports.tables import (
    ALLE,
    GROUP_LABELS,
    PSYKISK,
    RUS,
    Cell,
    Count,
    NotApplicable,
    Share,
    Table,
    category_codes,
)

# "Say under 30 persons" (issue 18): below it, the categories of a municipality are
# mostly groups of 1 to 4.
THIN_PERSONS = 30
TOGETHER = "samlet"  # the key of a table's one row for all its categories together
TOGETHER_LABEL = "Kategoriene samlet"
# The tables that tell the groups' sizes keep their main groups (the cover's numbers).
GROUP_SIZES = ("kategorier", "unge_kategorier")


def is_thin(persons: int) -> bool:
    return persons < THIN_PERSONS


def _any(masks: Sequence[pl.Expr | None]) -> pl.Expr | None:
    if any(mask is None for mask in masks):
        return None
    return functools.reduce(operator.or_, masks)


def _combined(cells: Sequence[Cell]) -> Cell | None:
    """The cell of disjoint groups together, or None where that is not exact."""
    if all(isinstance(c, Count) for c in cells):
        return Count(sum(c.n for c in cells), _any([c.of for c in cells]))
    if all(isinstance(c, Share) for c in cells):
        return Share(
            sum(c.numerator for c in cells),
            sum(c.denominator for c in cells),
            numerator_of=_any([c.numerator_of for c in cells]),
            denominator_of=_any([c.denominator_of for c in cells]),
        )
    return None


def _merged_rows(table: Table, keys: Sequence[str], key: str, label: str) -> Table | None:
    """The table with the rows `keys` (disjoint groups) replaced by one, where exact."""
    rows = [r for r in table.rows if r.key in keys]
    values = {}
    for column in table.columns:
        cell = _combined([r.values[column.key] for r in rows])
        if cell is None:
            return None
        values[column.key] = cell
    kinds = {r.kind for r in rows}
    merged = replace(rows[0], key=key, label=label, values=values)
    merged = replace(merged, kind=kinds.pop() if len(kinds) == 1 else None)
    at = table.rows.index(rows[0])
    others = [r for r in table.rows if r.key not in keys]
    return replace(table, rows=tuple([*others[:at], merged, *others[at:]]))


def _merged_columns(table: Table, keys: Sequence[str], key: str, label: str) -> Table | None:
    """The table with the columns `keys` (disjoint groups) replaced by one, where exact."""
    columns = [c for c in table.columns if c.key in keys]
    if len({c.kind for c in columns}) != 1:
        return None
    cells: dict[str, Cell] = {}
    for row in table.rows:
        parts = [row.values[c.key] for c in columns]
        # A question asked of one main group only (injection, overdoses) is not asked of
        # all persons together either.
        if any(isinstance(c, NotApplicable) for c in parts):
            cells[row.key] = NotApplicable()
            continue
        cell = _combined(parts)
        if cell is None:
            return None
        cells[row.key] = cell
    at = table.columns.index(columns[0])
    merged = replace(columns[0], key=key, label=label)
    kept = [c for c in table.columns if c.key not in keys]
    order = [*kept[:at], merged, *kept[at:]]
    rows = tuple(
        replace(r, values={c.key: cells[r.key] if c is merged else r.values[c.key] for c in order})
        for r in table.rows
    )
    return replace(table, columns=tuple(order), rows=rows)


def _together(table: Table, categories: frozenset[str]) -> Table:
    """All the table's persons together: its `alle` where it has one, else its groups
    (categories, or the two main groups) merged into one, where that is exact. The tables
    of `GROUP_SIZES` lose their categories only."""
    if table.id in GROUP_SIZES:
        return _without(table, categories & {r.key for r in table.rows}, "rows")
    rows = {r.key for r in table.rows}
    columns = {c.key for c in table.columns}
    for keys, has, merge, drop in (
        (rows, rows, _merged_rows, "rows"),
        (columns, columns, _merged_columns, "columns"),
    ):
        grouped = [k for k in keys if k in categories or k in (RUS, PSYKISK)]
        if not grouped:
            continue
        if ALLE in has:
            table = _without(table, frozenset(grouped), drop)
            continue
        parts = [k for k in grouped if k in categories]
        if RUS in has and PSYKISK in has:
            parts = [RUS, PSYKISK]  # the main groups hold every person, categories too
            table = _without(table, frozenset(grouped) - set(parts), drop)
        elif RUS in has or PSYKISK in has:
            table = _without(table, frozenset(parts), drop)  # one main group: its own
            continue
        if len(parts) > 1 or (parts and len(keys) == len(parts)):
            key, label = (ALLE, GROUP_LABELS[ALLE]) if RUS in parts else (TOGETHER, TOGETHER_LABEL)
            table = merge(table, parts, key, label) or table
    return table


def _without(table: Table, keys: frozenset[str], what: str) -> Table:
    if what == "rows":
        return replace(table, rows=tuple(r for r in table.rows if r.key not in keys))
    columns = tuple(c for c in table.columns if c.key not in keys)
    rows = tuple(replace(r, values={c.key: r.values[c.key] for c in columns}) for r in table.rows)
    return replace(table, columns=columns, rows=rows)


def together(tables: Mapping[str, Table], instrument: Instrument) -> dict[str, Table]:
    """The tables of a thin document: the categories taken together (see above)."""
    categories = frozenset(category_codes(instrument))
    return {table_id: _together(table, categories) for table_id, table in tables.items()}
