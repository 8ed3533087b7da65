"""Reservation in the web application: the contact person records it with the number
typed once; the form then refuses the person, and no page shows the number or the key."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from brukerplan.registrations import actions, mapping
from brukerplan.registrations.models import Registration, Reservation


@pytest.fixture
def contact(world):
    client = Client()
    client.force_login(world.users["contact"])
    return client


def test_a_reserved_person_cannot_be_mapped(world, helpers, contact):
    number = helpers.person(datetime.date(1970, 3, 3))
    registration = actions.start_registration(
        unit=world.unit_a, by=world.users["mapper_a"], fodselsnummer=number, today=world.today
    )
    url = reverse("governance:reservation", args=[world.bergen.code])
    response = contact.post(url, {"fodselsnummer": number}, follow=True)
    page = response.content.decode()
    assert "Reservasjonen er registrert" in page
    assert number not in page
    (reservation,) = Reservation.objects.all()
    assert reservation.person_key == registration.person_key
    assert reservation.person_key not in page
    assert not Registration.objects.filter(pk=registration.pk).exists()
    with pytest.raises(
        mapping.MappingError, match="Personen har reservert seg mot å bli kartlagt i BrukerPlan"
    ):
        actions.start_registration(
            unit=world.unit_b, by=world.users["mapper_b"], fodselsnummer=number, today=world.today
        )
    mapper = Client()
    mapper.force_login(world.users["mapper_a"])
    refused = mapper.post(
        reverse("registrations:start", args=[world.unit_a.id]),
        {"fodselsnummer": number, "kartlagt_dato": world.today.isoformat()},
    )
    assert "Personen har reservert seg mot å bli kartlagt i BrukerPlan" in refused.content.decode()
    assert not Registration.objects.exists()
    again = contact.post(url, {"fodselsnummer": number}, follow=True).content.decode()
    assert "Personen hadde reservert seg fra før" in again


def test_an_invalid_number_is_refused_without_being_repeated(world, contact):
    url = reverse("governance:reservation", args=[world.bergen.code])
    response = contact.post(url, {"fodselsnummer": "12345678901"})
    assert response.status_code == 422
    assert "12345678901" not in response.content.decode()
    assert not Reservation.objects.exists()
