"""Mapping periods: the Django admin keeps a closed period closed, and the import refuses
rows for a county whose period of the year has closed unless told otherwise."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from brukerplan.organisations import actions as organisation_actions
from brukerplan.organisations.models import MappingPeriod
from brukerplan.registrations.models import Registration


def test_saving_a_closed_period_in_the_admin_keeps_it_closed(world):
    period = MappingPeriod.objects.get(county__code="46", year=world.today.year)
    organisation_actions.close_period(period, by=None)
    closed_at = MappingPeriod.objects.get(pk=period.pk).closed_at
    client = Client()
    client.force_login(world.users["admin"])
    response = client.post(
        reverse("admin:organisations_mappingperiod_change", args=[period.pk]),
        {
            "county": period.county_id,
            "year": period.year,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
    )
    assert response.status_code == 302
    assert MappingPeriod.objects.get(pk=period.pk).closed_at == closed_at is not None


def _file(tmp_path, world, helpers) -> str:
    """Two rows of Bergen (Vestland) in this year."""
    from brukerplan.instrument import definition
    from brukerplan.instrument.cells import to_cells

    instrument = definition.for_year(world.today.year)
    header = ["aar", "kartlagt_dato", "kommunenummer", "enhet", "enhetstype", "fodselsnummer"]
    rows = []
    for n in range(2):
        answers = to_cells(instrument, helpers.complete_answers("mann", instrument))
        rows.append(
            {
                "aar": str(world.today.year),
                "kartlagt_dato": world.today.isoformat(),
                "kommunenummer": "4601",
                "enhet": "Rustjenesten",
                "enhetstype": "helse_omsorg",
                "fodselsnummer": helpers.person(world.today.replace(year=1970), start=n * 2),
                **answers,
            }
        )
    path = tmp_path / "vestland.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*header, *instrument.answer_columns])
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def test_the_import_refuses_rows_for_a_closed_period_unless_told(
    world, helpers, tmp_path, django_capture_on_commit_callbacks
):
    path = _file(tmp_path, world, helpers)
    period = MappingPeriod.objects.get(county__code="46", year=world.today.year)
    MappingPeriod.objects.filter(pk=period.pk).update(closed_at=timezone.now())
    err = io.StringIO()
    with pytest.raises(CommandError, match="avvist: 2 feil"):
        call_command("import", path, stderr=err, stdout=io.StringIO())
    assert (
        f"rad 2, kolonne kommunenummer: kartleggingsperioden for Vestland {world.today.year} "
        "er lukket"
    ) in err.getvalue()
    assert not Registration.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("import", path, "--closed-period-ok", stdout=io.StringIO())
    assert Registration.objects.count() == 2
    from brukerplan.reports import tasks

    assert {c.key for c in callbacks if isinstance(c, tasks._Enqueue)} == {("46", world.today.year)}


@pytest.fixture
def regional(world):
    client = Client()
    client.force_login(world.users["regional"])
    return client


def test_a_regional_adviser_closes_the_period_after_a_confirmation_and_contacts_are_told(
    world, regional, django_user_model, mailoutbox, django_capture_on_commit_callbacks
):
    from brukerplan.accounts.actions import grant_role
    from brukerplan.accounts.models import Role
    from brukerplan.organisations.models import PeriodChange

    world.users["contact"].email = "kontakt@bergen.example"
    world.users["contact"].save()
    oslo = django_user_model.objects.create_user(
        username="oslo", email="kontakt@oslo.example", password=None
    )
    grant_role(oslo, Role.KOMMUNEKONTAKT, municipality=world.oslo)
    url = reverse("governance:period", args=["46", world.today.year])
    asked = regional.post(url, {"action": "close", "reason": "Alle har levert"})
    assert asked.status_code == 200
    assert "rapportene for fylket og kommunene lages" in asked.content.decode().lower()
    period = MappingPeriod.objects.get(county__code="46", year=world.today.year)
    assert period.closed_at is None  # not before the confirmation
    with django_capture_on_commit_callbacks(execute=True):
        done = regional.post(
            url, {"action": "close", "reason": "Alle har levert", "confirmed": "1"}
        )
    assert done.status_code == 302
    period.refresh_from_db()
    assert period.closed_at is not None
    change = PeriodChange.objects.get(period=period)
    assert (change.action, change.reason, change.changed_by) == (
        "close",
        "Alle har levert",
        world.users["regional"],
    )
    assert [m.to for m in mailoutbox] == [["kontakt@bergen.example"]]
    assert "er lukket" in mailoutbox[0].subject


def test_reopening_says_what_it_changes_and_needs_a_reason(world, regional):
    period = MappingPeriod.objects.get(county__code="46", year=world.today.year)
    organisation_actions.close_period(period, by=None)
    url = reverse("governance:period", args=["46", world.today.year])
    refused = regional.post(url, {"action": "reopen", "reason": "", "confirmed": "1"})
    assert refused.status_code == 422
    asked = regional.post(url, {"action": "reopen", "reason": "Feil i Voss"}).content.decode()
    assert "Rapportene som er laget for fylket dette året, gjelder da ikke lenger" in asked
    regional.post(url, {"action": "reopen", "reason": "Feil i Voss", "confirmed": "1"})
    period.refresh_from_db()
    assert period.closed_at is None


def test_a_regional_adviser_opens_and_moves_a_period_of_next_year(world, regional):
    year = world.today.year + 1
    url = reverse("governance:period", args=["46", year])
    data = {"action": "open", "start": f"{year}-03-01", "end": f"{year}-05-31", "reason": "Plan"}
    regional.post(url, {**data, "confirmed": "1"})
    period = MappingPeriod.objects.get(county__code="46", year=year)
    assert (period.start.isoformat(), period.end.isoformat()) == (f"{year}-03-01", f"{year}-05-31")
    regional.post(url, {**data, "end": f"{year}-06-30", "confirmed": "1"})
    period.refresh_from_db()
    assert period.end.isoformat() == f"{year}-06-30"
    assert list(period.changes.order_by("pk").values_list("action", flat=True)) == [
        "open",
        "move",
    ]
    other = Client()
    other.force_login(world.users["regional_oslo"])
    assert other.post(url, {**data, "confirmed": "1"}).status_code == 403


def test_a_regional_adviser_settles_a_person_mapped_in_two_municipalities(world, helpers, regional):
    from brukerplan.registrations import actions as registration_actions
    from brukerplan.reports import data

    number = helpers.person(world.today.replace(year=1966))
    made = []
    for unit, user in ((world.unit_a, "mapper_a"), (world.unit_voss, "mapper_voss")):
        registration = registration_actions.start_registration(
            unit=unit, by=world.users[user], fodselsnummer=number, today=world.today
        )
        answers = helpers.complete_answers(registration.kjonn)
        assert (
            registration_actions.submit_registration(
                registration, answers, by=None, today=world.today
            )
            == []
        )
        made.append(registration.registrering_id)
    url = reverse("governance:duplicates", args=["46", world.today.year])
    page = regional.get(url).content.decode()
    assert made[0] in page and made[1] in page and "Voss" in page
    assert Registration.objects.get(registrering_id=made[0]).person_key not in page
    frame = data.registrations_frame("county", "46", world.today.year)
    from brukerplan.registrations.duplicates import representatives

    counted = representatives(frame)["registrering_id"].to_list()
    loser = made[0] if counted == [made[1]] else made[1]
    assert regional.post(url, {"registrering_id": loser}).status_code == 302
    frame = data.registrations_frame("county", "46", world.today.year)
    assert representatives(frame)["registrering_id"].to_list() == [loser]


def test_a_regional_adviser_sets_the_release_date_after_a_confirmation(world, regional):
    url = reverse("governance:period", args=["46", world.today.year])
    day = f"{world.today.year + 1}-01-15"
    asked = regional.post(url, {"action": "release", "release_on": day, "reason": "Samling"})
    assert "Før datoen ser hver kommune bare sin egen rapport" in asked.content.decode()
    period = MappingPeriod.objects.get(county__code="46", year=world.today.year)
    assert period.release_on is None
    regional.post(
        url, {"action": "release", "release_on": day, "reason": "Samling", "confirmed": "1"}
    )
    period.refresh_from_db()
    assert period.release_on.isoformat() == day
    assert period.changes.get().action == "release"
