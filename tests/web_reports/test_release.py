"""Release of results: preliminary while the period is open; before the release date a
municipality sees only its own report, without comparisons, and regional advisers and
analysts see everything, all marked; after it, every role sees its scope unmarked."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from brukerplan.organisations.models import County, MappingPeriod
from brukerplan.reports.render.common import release_lines

YEAR = 2025


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def vestland_period(*, closed: bool, release_on: datetime.date | None) -> MappingPeriod:
    vestland = County.objects.filter(code="46").order_by("-valid_from").first()
    return MappingPeriod.objects.create(
        county=vestland,
        year=YEAR,
        start=datetime.date(YEAR, 3, 1),
        end=datetime.date(YEAR, 5, 31),
        closed_at=timezone.now() if closed else None,
        release_on=release_on,
    )


def page(user, scope: str):
    return client_for(user).get(reverse("reports:dashboard", args=[scope, YEAR]))


BEFORE, AFTER = "before", "after"
# (user, scope) -> whether allowed before and after the release date
MATRIX = [
    ("contact", "municipality-4601", True, True),
    ("contact_voss", "municipality-4601", False, False),
    ("regional", "municipality-4601", True, True),
    ("regional", "county-46", True, True),
    ("regional_helse_vest", "region-helse_vest", True, True),
    ("analyst", "national", True, True),
    ("analyst", "county-46", True, True),
]


@pytest.mark.parametrize("when", [BEFORE, AFTER])
def test_who_sees_what_before_and_after_the_release_date(world, imported, when):
    today = timezone.localdate()
    day = today + datetime.timedelta(days=10) if when == BEFORE else today
    vestland_period(closed=True, release_on=day)
    mark = f"Ikke offentlig før {day:%d.%m.%Y}"
    for user, scope, before, after in MATRIX:
        response = page(world.users[user], scope)
        allowed = before if when == BEFORE else after
        assert (response.status_code == 200) == allowed, (user, scope, response.status_code)
        if not allowed:
            continue
        html = response.content.decode()
        assert (mark in html) == (when == BEFORE), (user, scope)
        assert "Foreløpige tall" not in html
        has_comparisons = bool(response.context["comparison"])
        own_before = user == "contact" and when == BEFORE
        if scope != "national":
            assert has_comparisons == (not own_before), (user, scope)


def test_a_contact_person_sees_no_pool_or_comparison_before_the_release(world, imported):
    vestland_period(closed=True, release_on=timezone.localdate() + datetime.timedelta(days=3))
    response = page(world.users["contact"], "municipality-4601")
    assert response.context["comparison"] is None
    download = client_for(world.users["contact"]).get(
        reverse("reports:download", args=["municipality-4601", YEAR, "xlsx"])
    )
    assert download.status_code == 200


def test_an_open_period_makes_every_report_of_its_county_preliminary(world, imported):
    vestland_period(closed=False, release_on=None)
    for user, scope in (("contact", "municipality-4601"), ("regional", "county-46")):
        html = page(world.users[user], scope).content.decode()
        assert "Foreløpige tall – kartleggingen pågår" in html
    oslo = page(world.users["analyst"], "municipality-0301").content.decode()
    assert "Foreløpige tall" not in oslo


def test_every_file_words_the_state_of_its_numbers():
    document = {"release": {"preliminary": True, "not_public_before": "2026-06-01"}}
    assert release_lines(document) == [
        "Foreløpige tall – kartleggingen pågår",
        "Ikke offentlig før 01.06.2026",
    ]
    assert release_lines({"release": {"preliminary": False, "not_public_before": None}}) == []


def test_the_dashboard_opens_on_the_last_released_year(world, imported, helpers):
    from brukerplan.registrations import actions

    # This year's mapping under way in Vestland: the chooser opens on 2025.
    registration = actions.start_registration(
        unit=world.unit_a,
        by=world.users["mapper_a"],
        fodselsnummer=helpers.person(datetime.date(1970, 1, 1)),
        today=world.today,
    )
    assert (
        actions.submit_registration(
            registration, helpers.complete_answers(registration.kjonn), by=None, today=world.today
        )
        == []
    )
    vestland_period(closed=True, release_on=None)
    response = client_for(world.users["regional"]).get(reverse("reports:index"))
    assert response.status_code == 302 and f"/{YEAR}/" in response["Location"]
