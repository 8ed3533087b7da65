"""The audit trail as a CSV file (the administrator's page and `brukerplan audit-log --csv`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.utils import timezone

from brukerplan.audit.models import AuditEntry
from brukerplan.registrations.exchange import spreadsheet_row

HEADER = [
    "tidspunkt",
    "bruker",
    "rolle",
    "hendelse",
    "utfall",
    "kommune",
    "enhet",
    "detaljer",
    "foresporsel",
]


def row(entry: AuditEntry) -> list[str]:
    return [
        timezone.localtime(entry.at).isoformat(timespec="seconds"),
        entry.username,
        entry.role,
        entry.kind,
        entry.outcome,
        entry.municipality,
        "" if entry.unit_id is None else str(entry.unit_id),
        json.dumps(entry.what, ensure_ascii=False, sort_keys=True),
        entry.request_id,
    ]


class _Line:
    """csv.writer's target that hands back each line it is given."""

    def write(self, text: str) -> str:
        return text


def csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """UTF-8 CSV, comma-separated, a header first; every cell safe in a spreadsheet."""
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER)
    for entry in entries:
        yield writer.writerow(spreadsheet_row(row(entry)))
