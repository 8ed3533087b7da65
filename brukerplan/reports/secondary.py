"""Secondary suppression: which further cells to hide so that no hidden one can be worked out.

Not yet built: hides nothing beyond the primary small-number rule (issue 4).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from brukerplan.reports.tables import Table


def hidden_cells(
    tables: Mapping[str, Table], persons: pl.DataFrame, threshold: int
) -> frozenset[tuple[str, str, str]]:
    """(table id, row key, column key) of every cell to hide besides the primary rule."""
    return frozenset()
