"""`brukerplan demo`: two past years, this year's mapping under way, a login per role."""

import base64
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from brukerplan.demo.accounts import DEMO_PASSWORD
from brukerplan.organisations.models import MappingPeriod, Population
from brukerplan.registrations.models import Registration
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db


def test_the_demo_has_past_years_an_open_period_under_way_and_a_login_per_role():
    out = io.StringIO()
    call_command("demo", persons=60, stdout=out)
    today = timezone.localdate()

    years = set(Registration.objects.values_list("aar", flat=True))
    assert years == {today.year - 2, today.year - 1, today.year}
    for username in ("kartlegger", "kommunekontakt", "regional", "analytiker", "admin"):
        assert username in out.getvalue()
        user = get_user_model().objects.get(username=username)
        assert user.is_active and user.check_password(DEMO_PASSWORD)

    assert MappingPeriod.objects.filter(start__lte=today, end__gte=today).exists()
    current = Registration.objects.filter(aar=today.year, kommunenummer="4601")
    assert current.filter(status="submitted").count() >= 10
    assert current.filter(status="draft").exists()
    twins = current.values("person_key").annotate(n=Count("id")).filter(n__gt=1)
    assert twins.count() == 1

    # The roles above mapper log in with the printed TOTP key as their second factor.
    secret = re.search(r"oathtool --totp -b ([A-Z2-7]+)", out.getvalue()).group(1)
    for username, needs in (("kartlegger", False), ("kommunekontakt", True), ("admin", True)):
        devices = TOTPDevice.objects.filter(user__username=username, confirmed=True)
        assert [base64.b32encode(d.bin_key).decode() for d in devices] == (
            [secret] if needs else []
        )
        if needs:
            assert devices[0].verify_token(totp_code(devices[0]))

    before = Registration.objects.count()
    call_command("demo", persons=60, stdout=io.StringIO())
    assert Registration.objects.count() == before


def test_the_demo_loads_synthetic_population_figures_and_says_they_are_made_up():
    out = io.StringIO()
    call_command("demo", persons=60, stdout=out)
    today = timezone.localdate()

    years = set(Population.objects.values_list("year", flat=True))
    assert years == {today.year - 2, today.year - 1, today.year}
    bergen = Population.objects.get(municipality_code="4601", year=today.year)
    assert 0 < bergen.adults < bergen.total
    assert "Syntetiske folketall" in out.getvalue()
    assert "ikke fra SSB" in out.getvalue()
