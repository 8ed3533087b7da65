"""Where the pseudonym key comes from.

Production reads BRUKERPLAN_PSEUDONYM_KEY from the environment and refuses to
start without it (settings.py). Development generates a random key once into
var/pseudonym.key — never into the database or the repository — so pseudonyms
stay stable between runs on one machine.
"""

import secrets
from pathlib import Path

from django.conf import settings


def pseudonym_key() -> bytes:
    if settings.BRUKERPLAN_PSEUDONYM_KEY:
        return settings.BRUKERPLAN_PSEUDONYM_KEY.encode()
    if settings.PRODUCTION:
        raise RuntimeError("BRUKERPLAN_PSEUDONYM_KEY is not set")
    path = Path(settings.VAR_DIR) / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip().encode()
