"""Fixtures for the web application: reference data once, a small world of units and users."""

import datetime
import os
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from brukerplan.accounts.actions import grant_role
from brukerplan.accounts.models import Role
from brukerplan.instrument import definition
from brukerplan.instrument.definition import BOOLEAN, INTEGER, MULTI
from brukerplan.organisations.actions import load_reference_data, open_period
from brukerplan.organisations.models import County, Municipality, Unit
from brukerplan.registrations.pseudonyms import synthetic_number

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture
def reference_data(db):
    """Reference data, reloaded when a transactional (browser) test flushed it."""
    if not County.objects.exists():
        load_reference_data()


def _person(birth: datetime.date, woman: bool = False, start: int = 0) -> str:
    """A synthetic test fødselsnummer (month + 80); never a real one."""
    for individual in range(start, 1000):
        if individual % 2 == (0 if woman else 1):
            number = synthetic_number(birth, individual)
            if number:
                return number
    raise AssertionError("no synthetic number")


def _complete_answers(kjonn: str = "mann", instrument=None) -> dict:
    """A complete, valid set of answers, built from the instrument alone."""
    instrument = instrument or definition.for_year(timezone.localdate().year)
    answers: dict = {}
    for question in instrument.questions:
        if not instrument.is_asked(question, {**answers, "kjonn": kjonn}):
            continue
        if question.type == BOOLEAN:
            answers[question.key] = 1
        elif question.type == INTEGER:
            answers[question.key] = 1
        elif question.type == MULTI:
            plain = [c for c in question.codes if c.split(".")[-1] not in question.exclusive]
            answers[question.key] = plain[:1]
        else:
            answers[question.key] = "gul" if question.type == "traffic_light" else question.codes[0]
    return answers


def _as_post(answers: dict, instrument=None) -> dict:
    instrument = instrument or definition.for_year(timezone.localdate().year)
    data: dict = {}
    for key, value in answers.items():
        if instrument.question(key).type == MULTI:
            data[key] = list(value)
            data[key + "__vist"] = "1"
        else:
            data[key] = str(value)
    return data


@dataclass
class World:
    bergen: Municipality
    voss: Municipality
    oslo: Municipality
    unit_a: Unit
    unit_b: Unit
    unit_voss: Unit
    users: dict
    today: datetime.date


def _user(username: str, **flags):
    """A user without a password (tests log in with force_login; hashing Argon2 is slow)."""
    return get_user_model().objects.create_user(username=username, password=None, **flags)


class Helpers:
    person = staticmethod(_person)
    complete_answers = staticmethod(_complete_answers)
    as_post = staticmethod(_as_post)


@pytest.fixture
def helpers():
    return Helpers


@pytest.fixture
def world(reference_data) -> World:
    today = timezone.localdate()
    year = today.year
    bergen = Municipality.objects.valid_in(year).get(code="4601")
    voss = Municipality.objects.valid_in(year).get(code="4621")
    oslo = Municipality.objects.valid_in(year).get(code="0301")
    unit_a = Unit.objects.create(
        municipality=bergen, name="Psykisk helse og rus", type="helse_omsorg"
    )
    unit_b = Unit.objects.create(municipality=bergen, name="Bergenhus legekontor", type="fastlege")
    unit_voss = Unit.objects.create(municipality=voss, name="Voss helse", type="helse_omsorg")
    vestland = County.objects.get(code="46")
    oslo_county = County.objects.get(code="03")
    start = max(today - datetime.timedelta(days=7), datetime.date(year, 1, 1))
    end = min(today + datetime.timedelta(days=7), datetime.date(year, 12, 31))
    open_period(vestland, year, start, end, by=None)
    users = {
        "mapper_a": _user("mapper_a"),
        "mapper_b": _user("mapper_b"),
        "mapper_voss": _user("mapper_voss"),
        "contact": _user("contact"),
        "contact_voss": _user("contact_voss"),
        "regional": _user("regional"),
        "regional_oslo": _user("regional_oslo"),
        "regional_helse_vest": _user("regional_helse_vest"),
        "analyst": _user("analyst"),
        "admin": _user("admin", is_staff=True, is_superuser=True),
        "nobody": _user("nobody"),
    }
    grant_role(users["mapper_a"], Role.KARTLEGGER, unit=unit_a)
    grant_role(users["mapper_b"], Role.KARTLEGGER, unit=unit_b)
    grant_role(users["mapper_voss"], Role.KARTLEGGER, unit=unit_voss)
    grant_role(users["contact"], Role.KOMMUNEKONTAKT, municipality=bergen)
    grant_role(users["contact_voss"], Role.KOMMUNEKONTAKT, municipality=voss)
    grant_role(users["regional"], Role.REGIONAL, county=vestland)
    grant_role(users["regional_oslo"], Role.REGIONAL, county=oslo_county)
    grant_role(users["regional_helse_vest"], Role.REGIONAL, health_region="helse_vest")
    grant_role(users["analyst"], Role.ANALYTIKER)
    grant_role(users["admin"], Role.ADMINISTRATOR)
    return World(bergen, voss, oslo, unit_a, unit_b, unit_voss, users, today)


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list

    def last_to(self, address: str):
        found = [m for m in self.messages if address in m["To"]]
        assert found, f"no e-mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a loopback port, and Django's SMTP backend pointed at it."""
    import email
    import email.policy
    import logging
    import socket

    from aiosmtpd.controller import Controller

    received: list = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield SmtpServer("127.0.0.1", port, received)
    finally:
        controller.stop()
