"""What looks like a fødselsnummer, and how a cell is shown in a message. Pure: no Django.

`brukerplan.privacy` masks log lines and error reports with `mask`; the import
(`brukerplan.registrations.importing`, `exchange`) shows every cell it quotes
through `shown`, so no message repeats an eleven-digit number or a whole long
cell.
"""

from __future__ import annotations

import re

# Eleven digits, optionally with a space or hyphen after the sixth, not part of a longer run.
ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{6}[ -]?\d{5}(?!\d)")
MASK = "***********"
SHOWN_LENGTH = 40  # characters of a cell a message shows at most


def mask(text: str) -> str:
    return ELEVEN_DIGITS.sub(MASK, text)


def looks_like_fodselsnummer(text: str) -> bool:
    return ELEVEN_DIGITS.search(text) is not None


def shown(text: str, limit: int = SHOWN_LENGTH) -> str:
    """A cell as a message may show it: eleven-digit runs masked, cut at `limit` with "…".

    Masked before and after the cut: a longer run of digits (not masked) cut
    down to eleven would otherwise look like a whole number.
    """
    text = mask(text)
    if len(text) > limit:
        text = mask(text[:limit]) + "…"
    return text


def quoted(text: str) -> str:
    """`shown(text)` in single quotes, as the import's messages quote a cell."""
    return f"'{shown(text)}'"
