"""The legal basis in the web application: a unit without one cannot map, and says why;
the administrator changes it on its own page."""

import pytest
from django.test import Client
from django.urls import reverse

from brukerplan.accounts.actions import grant_role
from brukerplan.accounts.models import Role
from brukerplan.organisations.models import LegalBasisChange, Unit
from brukerplan.registrations import actions, mapping
from brukerplan.registrations.models import Registration

NO_BASIS = "Enheter av typen NAV kan ikke kartlegge i {year}: det mangler rettslig grunnlag"


@pytest.fixture
def nav(world, django_user_model):
    unit = Unit.objects.create(municipality=world.bergen, name="NAV Bergen nord", type="nav")
    mapper = django_user_model.objects.create_user(username="nav_mapper", password=None)
    grant_role(mapper, Role.KARTLEGGER, unit=unit)
    client = Client()
    client.force_login(mapper)
    return unit, mapper, client


def test_it_refuses_a_unit_without_legal_basis(world, helpers, nav):
    unit, mapper, client = nav
    with pytest.raises(mapping.MappingError, match="mangler rettslig grunnlag"):
        actions.start_registration(
            unit=unit,
            by=mapper,
            fodselsnummer=helpers.person(world.today.replace(year=1980)),
            today=world.today,
        )
    page = client.get(reverse("registrations:unit", args=[unit.id])).content.decode()
    assert NO_BASIS.format(year=world.today.year) in page
    assert reverse("registrations:start", args=[unit.id]) not in page
    response = client.post(
        reverse("registrations:start", args=[unit.id]),
        {"fodselsnummer": helpers.person(world.today.replace(year=1980))},
    )
    assert response.status_code == 409
    assert NO_BASIS.format(year=world.today.year) in response.content.decode()
    assert not Registration.objects.filter(unit=unit).exists()


def test_a_unit_with_legal_basis_maps_as_before(world, helpers):
    client = Client()
    client.force_login(world.users["mapper_b"])  # a general practitioner's office
    page = client.get(reverse("registrations:unit", args=[world.unit_b.id])).content.decode()
    assert "rettslig grunnlag" not in page
    assert reverse("registrations:start", args=[world.unit_b.id]) in page


def test_the_administrator_gives_a_unit_type_legal_basis_and_its_units_can_map(world, helpers, nav):
    unit, mapper, client = nav
    admin = Client()
    admin.force_login(world.users["admin"])
    page = admin.get(reverse("governance:legal_basis")).content.decode()
    assert "Rettslig grunnlag for enhetstypene" in page
    refused = admin.post(
        reverse("governance:set_legal_basis"),
        {"unit_type": "nav", "year": world.today.year, "allowed": "1", "reason": ""},
    )
    assert refused.status_code == 422 and not LegalBasisChange.objects.exists()
    response = admin.post(
        reverse("governance:set_legal_basis"),
        {"unit_type": "nav", "year": world.today.year, "allowed": "1", "reason": "Ny forskrift"},
    )
    assert response.status_code == 302
    change = LegalBasisChange.objects.get()
    assert (change.unit_type, change.allowed, change.changed_by) == (
        "nav",
        True,
        world.users["admin"],
    )
    assert "Ny forskrift" in admin.get(reverse("governance:legal_basis")).content.decode()
    registration = actions.start_registration(
        unit=unit,
        by=mapper,
        fodselsnummer=helpers.person(world.today.replace(year=1980)),
        today=world.today,
    )
    assert registration.enhetstype == "nav"
