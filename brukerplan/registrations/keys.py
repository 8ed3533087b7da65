"""Where the pseudonym secrets come from, and which key version is in use.

Version 1's secret is BRUKERPLAN_PSEUDONYM_KEY; version n's (after `brukerplan rotate-key`)
BRUKERPLAN_PSEUDONYM_KEY_n. Production reads them from the environment and refuses to start
without version 1 (settings.py). Development generates each one, random, once into
var/pseudonym.key and var/pseudonym-n.key. None is ever in the database or the repository.

The version in use is the database's (`KeyRotation`): a new secret in the environment
changes nothing until rotate-key has moved every stored key to it. A person key of version
n is made from a fødselsnummer through the whole chain of secrets 1..n
(`pseudonyms.person_key`).
"""

import secrets
from pathlib import Path

from django.conf import settings


class MissingSecret(RuntimeError):
    """A key version's secret is not configured; the message is Norwegian."""


def variable(version: int) -> str:
    return "BRUKERPLAN_PSEUDONYM_KEY" if version == 1 else f"BRUKERPLAN_PSEUDONYM_KEY_{version}"


def secret(version: int) -> bytes:
    """The secret of one key version."""
    configured = (
        settings.BRUKERPLAN_PSEUDONYM_KEY
        if version == 1
        else settings.BRUKERPLAN_PSEUDONYM_LATER_KEYS.get(version, "")
    )
    if configured:
        return configured.encode()
    if settings.PRODUCTION:
        raise MissingSecret(f"{variable(version)} er ikke satt")
    name = "pseudonym.key" if version == 1 else f"pseudonym-{version}.key"
    path = Path(settings.VAR_DIR) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip().encode()


def active_version() -> int:
    """The key version the stored keys have been moved to (1 before any rotation)."""
    from brukerplan.registrations.models import KeyRotation

    latest = KeyRotation.objects.order_by("-version").values_list("version", flat=True).first()
    return latest or 1


def chain(version: int | None = None) -> tuple[bytes, ...]:
    """The secrets 1..version (the version in use by default), in order."""
    return tuple(secret(v) for v in range(1, (version or active_version()) + 1))


def pseudonym_key() -> tuple[bytes, ...]:
    """What `pseudonyms.pseudonymise` is given: the chain of the version in use."""
    return chain()
