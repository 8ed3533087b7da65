"""Demo logins for `make run`: one per role, in Bergen (Vestland), with an open mapping period."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from brukerplan.accounts import permissions
from brukerplan.accounts.actions import grant_role, set_authenticator
from brukerplan.accounts.models import Role
from brukerplan.instrument.cells import parse_cells
from brukerplan.organisations import legal_basis
from brukerplan.organisations.actions import open_period, reopen_period
from brukerplan.organisations.models import County, Municipality, Unit
from brukerplan.registrations import actions, mapping, synth
from brukerplan.registrations.models import Registration

DEMO_PASSWORD = "brukerplan-demo"  # noqa: S105 - demo only, printed by the demo command
# The demo's roles above mapper need a second factor, as in production: their accounts
# share this TOTP key, printed by the demo command (base32) for an authenticator app.
DEMO_TOTP_KEY = "6272756b6572706c616e2d64656d6f2d746f7470"  # noqa: S105 - demo only, printed
BERGEN = "4601"
VESTLAND = "46"
CURRENT_PERSONS = 24  # this year's registrations in the demo units, so far in the period
CURRENT_DRAFTS = 3
DEMO_UNITS = (
    ("Psykisk helse og rus", Unit.Type.HELSE_OMSORG),
    ("Bergenhus legekontor", Unit.Type.FASTLEGE),
)


def create_demo_accounts(today: datetime.date | None = None) -> list[tuple[str, str, str]]:
    """Create (or refresh) the demo users; returns (username, password, role description).

    Needs the reference data (counties and municipalities) to be loaded. Not one
    transaction: the registrations go through the form's durable actions, each its
    own, with the mapper as `by`; running it again completes what is missing.
    """
    today = today or timezone.localdate()
    year = today.year
    bergen = Municipality.objects.valid_in(year).select_related("county").get(code=BERGEN)
    vestland = County.objects.filter(code=VESTLAND).order_by("-valid_from").first()
    units = [
        Unit.objects.get_or_create(municipality=bergen, name=name, defaults={"type": kind})[0]
        for name, kind in DEMO_UNITS
    ]
    start = max(today - datetime.timedelta(days=7), datetime.date(year, 1, 1))
    end = min(today + datetime.timedelta(days=7), datetime.date(year, 12, 31))
    period = open_period(vestland, year, start, end, by=None)
    if period.closed_at is not None:  # the demo's period is open around today
        reopen_period(period, by=None)

    logins = []

    def user(username: str, first: str, last: str, description: str, **flags):
        User = get_user_model()
        account, _ = User.objects.get_or_create(username=username)
        account.first_name, account.last_name = first, last
        account.email = f"{username}@demo.brukerplan.invalid"
        account.is_active = True
        account.is_staff = flags.get("staff", False)
        account.is_superuser = flags.get("superuser", False)
        account.set_password(DEMO_PASSWORD)
        account.save()
        logins.append((username, DEMO_PASSWORD, description))
        return account

    mapper = user("kartlegger", "Kari", "Kartlegger", f"Kartlegger i {units[0].name}, Bergen")
    grant_role(mapper, Role.KARTLEGGER, unit=units[0])
    mapper2 = user("kartlegger2", "Nils", "Navesen", f"Kartlegger i {units[1].name}, Bergen")
    grant_role(mapper2, Role.KARTLEGGER, unit=units[1])
    contact = user("kommunekontakt", "Kåre", "Kontakt", "Kommunekontakt for Bergen")
    grant_role(contact, Role.KOMMUNEKONTAKT, municipality=bergen)
    adviser = user("regional", "Randi", "Rådgiver", "Regional rådgiver for Vestland")
    grant_role(adviser, Role.REGIONAL, county=vestland)
    analyst = user("analytiker", "Anne", "Analytiker", "Nasjonal analytiker")
    grant_role(analyst, Role.ANALYTIKER)
    admin = user("admin", "Ada", "Administrator", "Administrator", staff=True, superuser=True)
    grant_role(admin, Role.ADMINISTRATOR)
    for account in (contact, adviser, analyst, admin):
        permissions.forget(account)
        if permissions.needs_second_factor(account):
            set_authenticator(account, DEMO_TOTP_KEY, by=None)
    if not Registration.objects.filter(aar=year, unit__in=units).exists():
        map_current_year(units, [mapper, mapper2], start, today)
    return logins


def map_current_year(units, mappers, start: datetime.date, today: datetime.date) -> None:
    """This year's mapping under way: submitted registrations, a few drafts, one duplicate.

    Goes through the same actions as the form (`registrations.actions`), with
    synthetic persons of Bergen; the last person is also mapped by the second
    unit, so the contact person has a duplicate to settle.
    """
    rows = list(
        synth.generate(
            CURRENT_PERSONS,
            today.year,
            seed=1,
            municipalities=[BERGEN],
            unit_types=legal_basis.types_with_basis(today.year),
        )
    )
    mapped: set[str] = set()
    for index, row in enumerate(rows):
        if row["fodselsnummer"] in mapped:
            continue
        mapped.add(row["fodselsnummer"])
        unit, mapper = units[index % 2], mappers[index % 2]
        try:
            registration = actions.start_registration(
                unit=unit,
                by=mapper,
                fodselsnummer=row["fodselsnummer"],
                kartlagt_dato=start,
                today=today,
            )
        except mapping.MappingError:
            continue  # e.g. synthetic data's age range reaches outside the form's
        answers, _ = parse_cells(
            mapping.instrument_of(registration), row, mapping.derived_of(registration)
        )
        if index < CURRENT_DRAFTS:
            actions.save_draft(registration, answers, by=mapper, today=today)
        elif actions.submit_registration(registration, answers, by=mapper, today=today):
            raise ValueError(f"demo registration {registration.registrering_id} did not validate")
        elif unit == units[0]:
            twin_number, twin_answers = row["fodselsnummer"], answers
    twin = actions.start_registration(
        unit=units[1], by=mappers[1], fodselsnummer=twin_number, today=today
    )
    if actions.submit_registration(twin, twin_answers, by=mappers[1], today=today):
        raise ValueError("the demo duplicate did not validate")
