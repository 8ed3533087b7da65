"""The contact person's overview, duplicates, units and mappers."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from brukerplan.accounts.models import Membership
from brukerplan.contact import overview
from brukerplan.registrations import actions
from brukerplan.registrations.models import Registration


@pytest.fixture
def contact(world):
    client = Client()
    client.force_login(world.users["contact"])
    return client


def submitted(world, helpers, unit, number, when=None):
    registration = actions.start_registration(
        unit=unit, by=None, fodselsnummer=number, today=world.today, kartlagt_dato=when
    )
    kjonn = registration.kjonn
    assert (
        actions.submit_registration(
            registration, helpers.complete_answers(kjonn), by=None, today=world.today
        )
        == []
    )
    return registration


def test_the_overview_counts_per_unit_and_compares_with_the_previous_mapping(
    world, helpers, contact, django_assert_max_num_queries
):
    same = helpers.person(datetime.date(1975, 4, 4))
    submitted(world, helpers, world.unit_a, same)
    submitted(world, helpers, world.unit_b, same)
    submitted(world, helpers, world.unit_a, helpers.person(datetime.date(1966, 1, 1)))
    actions.start_registration(
        unit=world.unit_b,
        by=None,
        fodselsnummer=helpers.person(datetime.date(1999, 9, 9)),
        today=world.today,
    )
    last_year = Registration.objects.filter(unit=world.unit_a).first()
    last_year.pk = None
    last_year.registrering_id = "BP-forrige-aar"
    last_year.aar = world.today.year - 1
    last_year.save()

    data = overview.municipality_overview(world.bergen, world.today)
    rows = {r.unit.name: (r.drafts, r.submitted, r.previous) for r in data.units}
    assert rows == {"Bergenhus legekontor": (1, 1, 0), "Psykisk helse og rus": (0, 2, 1)}
    assert (data.submitted, data.persons, data.drafts) == (3, 2, 1)
    assert (data.previous_year, data.previous_submitted) == (world.today.year - 1, 1)
    assert len(data.duplicates) == 1

    # 13 of its own (session, user, municipality, roles, period, legal basis, units, counts,
    # persons, previous year, its counts and persons, duplicates) + 3 to renew the session +
    # 1 for the session's second factor (its django-otp device).
    with django_assert_max_num_queries(17):
        response = contact.get(reverse("contact:overview", args=["4601"]))
    page = response.content.decode()
    for registration in Registration.objects.all():
        assert registration.person_key not in page
    assert "Dubletter" in page and "La denne telle" in page


def test_settling_a_duplicate_makes_the_chosen_registration_count(world, helpers, contact):
    number = helpers.person(datetime.date(1975, 4, 4))
    older = submitted(
        world, helpers, world.unit_a, number, when=world.today - datetime.timedelta(1)
    )
    newer = submitted(world, helpers, world.unit_b, number)
    group = overview.duplicate_groups(world.bergen, world.today.year)[0]
    assert [e.registrering_id for e in group.entries][0] == newer.registrering_id
    response = contact.post(
        reverse("contact:choose_duplicate", args=["4601"]),
        {"registrering_id": older.registrering_id},
    )
    assert response.status_code == 302
    group = overview.duplicate_groups(world.bergen, world.today.year)[0]
    assert group.entries[0].registrering_id == older.registrering_id and group.settled
    assert Registration.objects.get(pk=newer.pk).foretrukket is False


def test_a_contact_person_cannot_settle_another_municipalitys_duplicate(world, helpers):
    registration = submitted(
        world, helpers, world.unit_voss, helpers.person(datetime.date(1975, 4, 4))
    )
    client = Client()
    client.force_login(world.users["contact"])
    response = client.post(
        reverse("contact:choose_duplicate", args=["4601"]),
        {"registrering_id": registration.registrering_id},
    )
    assert response.status_code == 403
    assert not Registration.objects.filter(foretrukket=True).exists()


def test_an_invited_mapper_sets_a_password_once_and_can_map(world, contact):
    response = contact.post(
        reverse("contact:invite_mapper", args=["4601"]),
        {
            "inv-unit": world.unit_b.id,
            "inv-first_name": "Ida",
            "inv-last_name": "Ny",
            "inv-email": "Ida.Ny@example.org",
        },
    )
    link = response.context["invitation_link"]
    assert link and "/konto/invitasjon/" in link
    user = get_user_model().objects.get(username="ida.ny@example.org")
    assert not user.has_usable_password()
    path = link.split("testserver", 1)[1]
    invited = Client()
    form_page = invited.get(path, follow=True)
    assert form_page.status_code == 200
    invited.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "langt-og-trygt-42", "new_password2": "langt-og-trygt-42"},
    )
    user.refresh_from_db()
    assert user.check_password("langt-og-trygt-42")
    assert user.password.startswith("argon2")
    again = Client().get(path, follow=True)
    assert "Lenken virker ikke" in again.content.decode()


def test_a_deactivated_mapper_loses_access_at_once(world, helpers):
    mapper = Client()
    mapper.force_login(world.users["mapper_b"])
    assert mapper.get(reverse("registrations:unit", args=[world.unit_b.id])).status_code == 200
    contact = Client()
    contact.force_login(world.users["contact"])
    membership = Membership.objects.get(user=world.users["mapper_b"])
    contact.post(reverse("contact:deactivate_mapper", args=["4601", membership.id]))
    response = mapper.get(reverse("registrations:unit", args=[world.unit_b.id]))
    assert response.status_code == 302 and "/konto/logg-inn/" in response["Location"]


def test_a_contact_person_creates_a_unit_and_a_name_is_used_once(world, contact):
    url = reverse("contact:units", args=["4601"])
    assert contact.post(url, {"enhet-name": "Rusteam", "enhet-type": "annen"}).status_code == 302
    again = contact.post(url, {"enhet-name": "rusteam", "enhet-type": "annen"})
    assert again.status_code == 422
    assert "allerede" in again.content.decode()


@pytest.mark.parametrize(
    ("user", "shown"),
    [("mapper_a", False), ("nobody", False), ("contact", True), ("regional", True)],
)
def test_the_menu_offers_reports_only_to_those_who_may_see_one(world, user, shown):
    client = Client()
    client.force_login(world.users[user])
    page = client.get(reverse("index"), follow=True).content.decode()
    assert (f'href="{reverse("reports:index")}"' in page) == shown
    if shown:
        assert client.get(reverse("reports:index")).status_code == 302
