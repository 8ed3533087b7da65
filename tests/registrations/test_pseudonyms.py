"""The pseudonym module: the only code that sees a fødselsnummer."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.no import fodselsnummer

from brukerplan.registrations.pseudonyms import (
    InvalidFodselsnummer,
    pseudonymise,
    synthetic_number,
)

KEY = b"test-key"


def a_number(birth_date: datetime.date, individual: int) -> str:
    while (number := synthetic_number(birth_date, individual)) is None:
        individual += 2
    return number


def test_it_derives_birth_year_and_sex_from_a_synthetic_number():
    man = pseudonymise(a_number(datetime.date(1985, 3, 14), 123), KEY)
    woman = pseudonymise(a_number(datetime.date(1985, 3, 14), 124), KEY)
    assert (man.fodselsaar, man.kjonn) == (1985, "mann")
    assert (woman.fodselsaar, woman.kjonn) == (1985, "kvinne")


def test_individual_numbers_from_500_mean_born_in_this_century():
    identity = pseudonymise(a_number(datetime.date(2009, 1, 2), 611), KEY)
    assert identity.fodselsaar == 2009


def test_it_accepts_a_d_number():
    for individual in range(41, 99, 2):
        base = f"{30 + 40}{6 + 80}71{individual:03d}"  # day + 40, synthetic month + 80
        k1 = fodselsnummer.calc_check_digit1(base)
        k2 = fodselsnummer.calc_check_digit2(base + k1)
        if len(k1 + k2) == 2:
            identity = pseudonymise(base + k1 + k2, KEY)
            assert (identity.fodselsaar, identity.kjonn) == (1971, "mann")
            return
    pytest.fail("found no D-number with valid check digits")


def test_the_same_number_gives_the_same_key_and_another_key_gives_another_pseudonym():
    number = a_number(datetime.date(1990, 12, 1), 201)
    assert pseudonymise(number, KEY).person_key == pseudonymise(number, KEY).person_key
    assert pseudonymise(number, KEY).person_key != pseudonymise(number, b"other").person_key
    assert len(pseudonymise(number, KEY).person_key) == 64


def test_spaces_and_dashes_are_ignored():
    number = a_number(datetime.date(1990, 12, 1), 201)
    spaced = f"{number[:6]} {number[6:]}"
    assert pseudonymise(spaced, KEY) == pseudonymise(number, KEY)


def test_a_wrong_check_digit_is_rejected_without_repeating_the_number():
    number = a_number(datetime.date(1960, 8, 8), 301)
    wrong = number[:10] + str((int(number[10]) + 1) % 10)
    with pytest.raises(InvalidFodselsnummer) as raised:
        pseudonymise(wrong, KEY)
    assert wrong not in str(raised.value)
    assert "kontrollsiffer" in str(raised.value)
    # No chained exception that could carry the number into a traceback.
    assert raised.value.__context__ is None or raised.value.__suppress_context__


@pytest.mark.parametrize("text", ["", "123", "abcdefghijk", "1234567890123"])
def test_it_rejects_what_is_not_eleven_digits(text):
    with pytest.raises(InvalidFodselsnummer, match="11 sifre"):
        pseudonymise(text, KEY)


def test_a_birth_date_in_the_future_is_rejected():
    number = a_number(datetime.date(2030, 1, 1), 501)
    with pytest.raises(InvalidFodselsnummer, match="fram i tid"):
        pseudonymise(number, KEY, today=datetime.date(2026, 1, 1))


def test_the_identity_does_not_show_its_person_key_when_printed():
    identity = pseudonymise(a_number(datetime.date(1990, 12, 1), 201), KEY)
    assert identity.person_key not in repr(identity)


@given(
    birth_date=st.dates(datetime.date(1920, 1, 1), datetime.date(2010, 12, 31)),
    serial=st.integers(0, 249),
)
def test_every_synthetic_number_round_trips_its_birth_year_and_sex(birth_date, serial):
    individual = serial + (500 if birth_date.year >= 2000 else 0)
    number = synthetic_number(birth_date, individual)
    if number is None:
        return
    identity = pseudonymise(number, KEY)
    assert identity.fodselsaar == birth_date.year
    assert identity.kjonn == ("mann" if individual % 2 else "kvinne")
