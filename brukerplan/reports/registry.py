"""Every report table, registered and computed.

Pure: no Django. The tables are registered with `tables.table` by six modules: the
fixed tables of report-format.md (`tables`), the rest of the annual report
(`annual`), the coverage, trend and panel tables (`comparison`), the planning tables
(`planning`), the development against a base year (`development`) and the appendix of
every question (`appendix`). This module imports them all and is what `document`
computes with, in the order of a document's tables (in that order of modules); none
imports another but `tables` (and `planning` `comparison`'s coverage). Notes on tables
(`tables.notes`) are gathered here too.
"""

from __future__ import annotations

from collections.abc import Iterable

from brukerplan.reports import annual, appendix, comparison, development, planning, tables
from brukerplan.reports.tables import Context, Table, TableSpec

# The modules that register tables, in the order of a document's tables (each module's
# in its order of registration), whatever order they were imported in.
MODULES = (tables, annual, comparison, planning, development, appendix)
TABLES: dict[str, TableSpec] = tables.TABLES


def ordered_ids() -> list[str]:
    """Every registered table id: the fixed tables, the annual report's, the comparisons'
    (a table registered elsewhere, as a test's, last)."""
    rank = {module.__name__: i for i, module in enumerate(MODULES)}
    specs = sorted(TABLES.values(), key=lambda s: rank.get(s.function.__module__, len(rank)))
    return [spec.id for spec in specs]


def compute(ctx: Context, ids: Iterable[str] | None = None) -> dict[str, Table]:
    """The tables (all registered ones by default, in `ordered_ids` order) for a context."""
    wanted = ordered_ids() if ids is None else list(ids)
    return {table_id: TABLES[table_id].build(ctx) for table_id in wanted}


def compute_notes(ctx: Context, ids: Iterable[str]) -> dict[str, str]:
    """The notes on the tables `ids` (table id -> sentence), of every registered note
    function; several on one table are joined."""
    wanted = set(ids)
    found: dict[str, str] = {}
    for function in tables.NOTES:
        for table_id, text in function(ctx).items():
            if table_id in wanted:
                found[table_id] = f"{found[table_id]} {text}" if table_id in found else text
    return {table_id: found[table_id] for table_id in ids if table_id in found}
