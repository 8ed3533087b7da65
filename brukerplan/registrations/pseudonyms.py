"""The only code that is handed a fødselsnummer.

It checks the number, derives birth year and sex, and returns a keyed
pseudonym (HMAC-SHA256). The number itself is never returned, stored, logged
or put into an exception message; callers pass it straight in and keep only
the `Identity`. Pure Python: no Django.

Accepted: ordinary fødselsnummer, D-number (day + 40), H-number (month + 40)
and synthetic test numbers (month + 80, as issued for test data).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from stdnum.exceptions import ValidationError
from stdnum.no import fodselsnummer as stdnum_fnr


class InvalidFodselsnummer(ValueError):
    """Carries a Norwegian message that never repeats the number."""


@dataclass(frozen=True)
class Identity:
    person_key: str
    fodselsaar: int
    kjonn: str  # mann | kvinne
    key_version: int = 1  # how many secrets of the chain made person_key

    def __repr__(self) -> str:
        # The key links a person across years: keep it out of casual output.
        return f"Identity(fodselsaar={self.fodselsaar}, kjonn={self.kjonn!r})"


def pseudonymise(
    number: str, key: bytes | Sequence[bytes], today: datetime.date | None = None
) -> Identity:
    digits = stdnum_fnr.compact(number or "")
    if len(digits) != 11 or not digits.isdigit():
        raise InvalidFodselsnummer("fødselsnummeret må ha 11 sifre")
    if digits[9] != stdnum_fnr.calc_check_digit1(digits) or digits[
        10
    ] != stdnum_fnr.calc_check_digit2(digits):
        raise InvalidFodselsnummer("fødselsnummeret har feil kontrollsiffer")
    birth_date = _birth_date(digits)
    if birth_date > (today or datetime.date.today()):
        raise InvalidFodselsnummer("fødselsnummeret gir en fødselsdato fram i tid")
    return Identity(
        person_key=person_key(digits, key),
        fodselsaar=birth_date.year,
        kjonn="mann" if int(digits[8]) % 2 else "kvinne",
        key_version=len(_chain(key)),
    )


def person_key(digits: str, key: bytes | Sequence[bytes]) -> str:
    """The key of a number under one secret, or under a chain of secrets (key versions
    1..n): the first secret keys the number, each next one the key before it."""
    first, *later = _chain(key)
    value = hmac.new(first, digits.encode("ascii"), hashlib.sha256).hexdigest()
    for secret in later:
        value = next_key(value, secret)
    return value


def next_key(person_key: str, secret: bytes) -> str:
    """A stored key moved on to the next version (`brukerplan rotate-key`): no number
    is needed, and the new secret alone matches nothing."""
    return hmac.new(secret, person_key.encode("ascii"), hashlib.sha256).hexdigest()


def _chain(key: bytes | Sequence[bytes]) -> tuple[bytes, ...]:
    chain = (key,) if isinstance(key, bytes) else tuple(key)
    if not chain or not all(chain):
        raise RuntimeError("no pseudonym key configured")
    return chain


def _birth_date(digits: str) -> datetime.date:
    month = int(digits[2:4])
    if month > 80:  # synthetic test number; stdnum knows D- and H-numbers only
        digits = f"{digits[:2]}{month - 80:02d}{digits[4:]}"
    try:
        return stdnum_fnr.get_birth_date(digits)
    except ValidationError:
        raise InvalidFodselsnummer("fødselsnummeret inneholder ingen gyldig fødselsdato") from None


def synthetic_number(birth_date: datetime.date, individual: int) -> str | None:
    """A synthetic test number (month + 80) for a birth date and an individual number.

    Returns None where the check digits cannot be made (the digit would be 10);
    callers try the next individual number. Odd individual numbers are men.
    """
    base = f"{birth_date.day:02d}{birth_date.month + 80:02d}{birth_date.year % 100:02d}"
    base += f"{individual:03d}"
    k1 = stdnum_fnr.calc_check_digit1(base)
    if k1 == "10":
        return None
    k2 = stdnum_fnr.calc_check_digit2(base + k1)
    if k2 == "10":
        return None
    return base + k1 + k2
