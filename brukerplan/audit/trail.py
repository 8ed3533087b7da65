"""The one writer of the audit trail, and the retention that is its only deletion.

`record` is called by the actions (inside their transaction, so an entry stands or
falls with what it records) and by the views that read (one INSERT: a read costs one
query more). An entry holds scopes and ids only: what it is given is checked, and an
eleven-digit number or a person key never reaches the database.
"""

from __future__ import annotations

import base64
import contextvars
import datetime
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from brukerplan.audit.models import AuditEntry, Kind, Outcome
from brukerplan.masking import ELEVEN_DIGITS, mask

COMMAND_LINE = "kommandolinje"
FORBIDDEN_KEYS = {"fodselsnummer", "person_key", "personnokkel"}

# The request being served (set by RequestIdMiddleware); empty on the command line.
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("audit_request_id", default="")


def _superuser_only(user) -> str:
    return "administrator" if getattr(user, "is_superuser", False) else ""


# Who holds which roles is the accounts app's knowledge (a layer above this one): it
# hands its reader over when it starts (AccountsConfig.ready).
_role_of: Callable[[object], str] = _superuser_only


def set_role_reader(reader: Callable[[object], str]) -> None:
    global _role_of
    _role_of = reader


def _clean(what: dict) -> dict:
    """The details as stored: no key that names a person, nothing that reads as a
    fødselsnummer (masked, should a caller slip)."""
    bad = FORBIDDEN_KEYS.intersection(what)
    if bad:
        raise ValueError(f"audit details may not hold {sorted(bad)}")
    text = json.dumps(what, default=str, ensure_ascii=False)
    if ELEVEN_DIGITS.search(text):
        text = mask(text)
    return json.loads(text)


def record(
    kind: str,
    *,
    by,
    outcome: str = Outcome.ALLOWED,
    municipality: str = "",
    unit=None,
    what: dict | None = None,
    username: str | None = None,
) -> AuditEntry:
    """Write one entry. `by` is the acting user (None: the command line, or nobody logged
    in, then `username` is what was typed, masked by the caller's rules)."""
    authenticated = by is not None and getattr(by, "is_authenticated", False)
    if authenticated:
        name, role = by.get_username(), _role_of(by)
    else:
        name, role = (username or ""), ("" if username is not None else COMMAND_LINE)
    unit_id = getattr(unit, "pk", unit)
    if not re.fullmatch(r"\d{4}", municipality or ""):
        municipality = ""  # a code as typed into an address is no municipality
    return AuditEntry.objects.create(
        user=by if authenticated else None,
        username=mask(name)[:150],
        role=role[:120],
        kind=kind,
        outcome=outcome,
        municipality=municipality or "",
        unit_id=unit_id,
        what=_clean(what or {}),
        request_id=request_id.get(),
    )


def file_digest(path: Path) -> str:
    """A file's SHA-256 as the trail keeps it: base64, as Subresource Integrity writes it
    (`openssl dgst -sha256 -binary FILE | base64`); hex can hold eleven digits in a row."""
    with path.open("rb") as f:
        return "sha256-" + base64.b64encode(hashlib.file_digest(f, "sha256").digest()).decode()


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)


@transaction.atomic(durable=True)
def prune(*, by=None, now: datetime.datetime | None = None) -> int:
    """Delete the entries older than the retention (AUDIT_RETENTION_DAYS); the only
    deletion the trail allows. On PostgreSQL the trigger lets a DELETE through only
    for rows older than the cut-off this transaction sets (`set_config(..., true)`:
    for this transaction alone). The pruning itself is recorded."""
    cutoff = retention_cutoff(now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('brukerplan.audit_prune_before', %s, true)",
                [cutoff.isoformat()],
            )
    old = AuditEntry.objects.filter(at__lt=cutoff)
    deleted, _ = models.QuerySet.delete(old)  # past AuditQuerySet's refusal, deliberately
    record(
        Kind.AUDIT_PRUNED,
        by=by,
        what={"before": cutoff.isoformat(), "deleted": deleted},
    )
    return deleted
