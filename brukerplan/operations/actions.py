"""The writes that concern the database as a whole: retention.

Each takes the acting user as `by` (None: the command line), for the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from brukerplan.audit import trail
from brukerplan.audit.models import Kind
from brukerplan.registrations.models import Registration
from brukerplan.reports import store


@dataclass(frozen=True)
class Retention:
    """What the retention rule removes: the registrations of the years before `keep_from`."""

    keep_from: int
    by_year: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.by_year.values())


def retention(years: int, this_year: int) -> Retention:
    """The registrations older than the last ``years`` mapping years (this year counted)."""
    keep_from = this_year - years + 1
    counts = (
        Registration.objects.filter(aar__lt=keep_from)
        .values("aar")
        .annotate(n=Count("pk"))
        .order_by("aar")
    )
    return Retention(keep_from, {row["aar"]: row["n"] for row in counts})


@transaction.atomic(durable=True)
def apply_retention(years: int, this_year: int, *, by=None) -> Retention:
    """Delete the registrations older than the last ``years`` mapping years, for good,
    and the reports kept of them (the reports' store, emptied once the deletion is
    committed: what remains is built again when asked for)."""
    found = retention(years, this_year)
    Registration.objects.filter(aar__lt=found.keep_from).delete()
    trail.record(
        Kind.RETENTION_APPLIED,
        by=by,
        what={
            "keep_from": found.keep_from,
            "deleted": {str(y): n for y, n in found.by_year.items()},
        },
    )
    transaction.on_commit(store.clear)
    return found
