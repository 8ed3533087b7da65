"""The entries a search asks for: by user, unit, municipality, kind and date."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from brukerplan.audit.models import AuditEntry


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def entries(
    *,
    user: str = "",
    unit: int | None = None,
    municipality: str = "",
    kind: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEntry]:
    """Newest first. `user` is a username (exact, any case); `until` includes its day."""
    found = AuditEntry.objects.all()
    if user:
        found = found.filter(username__iexact=user.strip())
    if unit is not None:
        found = found.filter(unit_id=unit)
    if municipality:
        found = found.filter(municipality=municipality)
    if kind:
        found = found.filter(kind=kind)
    if since:
        found = found.filter(at__gte=_start_of(since))
    if until:
        found = found.filter(at__lt=_start_of(until + datetime.timedelta(days=1)))
    return found.order_by("-at", "-id")
