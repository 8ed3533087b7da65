"""What secondary suppression costs in real documents: the share of a document's cells
hidden to protect a small number elsewhere (report-format.md's `"secondary"` reason).

`make bench` prints it for Bergen's and the nation's documents of the benchmark's year,
over the fixed tables of report-format.md (those `brukerplan/reports/tables.py` holds)
and over every table, beside the targets in bench/targets.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from brukerplan.reports import tables

FIXED = frozenset(
    t for t, spec in tables.TABLES.items() if spec.function.__module__ == tables.__name__
)


def secondary_share(document: dict, table_ids: frozenset[str] | None = None) -> float:
    """Cells hidden as "secondary" over the cells with a value (shown or hidden), in the
    tables `table_ids` (default: every table)."""
    cells = hidden = 0
    for table_id, table in document["tables"].items():
        if table_ids is not None and table_id not in table_ids:
            continue
        reasons = table["suppressed"]
        for row in table["rows"]:
            for key, value in row["values"].items():
                reason = reasons.get(row["key"], {}).get(key)
                if value is not None or reason is not None:
                    cells += 1
                    hidden += reason == "secondary"
    return hidden / cells if cells else 0.0


def shares(path: Path) -> tuple[float, float]:
    """(fixed tables, every table) of the document in the JSON file."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return secondary_share(document, FIXED), secondary_share(document)
