"""Every view × every role × own/other place: allowed or refused, as permissions.py says."""

import datetime
import secrets
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from brukerplan.accounts.models import Invitation, Membership, Role
from brukerplan.registrations import actions
from brukerplan.registrations.pseudonyms import synthetic_number

ALL_USERS = [
    "mapper_a",
    "mapper_b",
    "mapper_voss",
    "contact",
    "contact_voss",
    "regional",
    "regional_oslo",
    "regional_helse_vest",
    "analyst",
    "admin",
    "nobody",
]
EVERYONE = set(ALL_USERS)
REPORT_READERS = EVERYONE - {"mapper_a", "mapper_b", "mapper_voss", "nobody"}


def _registration(world, helpers, unit, user, *, woman=False, submitted=False):
    registration = actions.start_registration(
        unit=unit,
        by=world.users[user],
        fodselsnummer=helpers.person(datetime.date(1980, 5, 17), woman=woman),
        today=world.today,
    )
    if submitted:
        answers = helpers.complete_answers(registration.kjonn)
        assert actions.submit_registration(registration, answers, by=None, today=world.today) == []
    return registration


def _to_login(location: str) -> bool:
    return "/konto/logg-inn/" in location or "/admin/login/" in location


# (name, method, url(world, regs), data(world, regs), users allowed)
VIEWS = [
    ("index", "get", lambda w, r: reverse("index"), None, EVERYONE),
    (
        "own unit list",
        "get",
        lambda w, r: reverse("registrations:unit", args=[w.unit_a.id]),
        None,
        {"mapper_a", "contact"},
    ),
    (
        "other municipality's unit list",
        "get",
        lambda w, r: reverse("registrations:unit", args=[w.unit_voss.id]),
        None,
        {"mapper_voss", "contact_voss"},
    ),
    (
        "new registration page",
        "get",
        lambda w, r: reverse("registrations:start", args=[w.unit_a.id]),
        None,
        {"mapper_a"},
    ),
    (
        "new registration post",
        "post",
        lambda w, r: reverse("registrations:start", args=[w.unit_a.id]),
        lambda w, r: {},
        {"mapper_a"},
    ),
    (
        "registration form",
        "get",
        lambda w, r: reverse("registrations:form", args=[r["a"]]),
        None,
        {"mapper_a"},
    ),
    (
        "registration form in another municipality",
        "get",
        lambda w, r: reverse("registrations:form", args=[r["voss"]]),
        None,
        {"mapper_voss"},
    ),
    (
        "submit registration",
        "post",
        lambda w, r: reverse("registrations:form", args=[r["a"]]),
        lambda w, r: {"rusproblem": "1"},
        {"mapper_a"},
    ),
    (
        "autosave",
        "post",
        lambda w, r: reverse("registrations:autosave", args=[r["a"]]),
        lambda w, r: {"rusproblem": "1"},
        {"mapper_a"},
    ),
    (
        "receipt",
        "get",
        lambda w, r: reverse("registrations:submitted", args=[r["a_sent"]]),
        None,
        {"mapper_a"},
    ),
    (
        "delete draft confirmation page",
        "get",
        lambda w, r: reverse("registrations:delete", args=[r["a"]]),
        None,
        {"mapper_a"},
    ),
    (
        "delete draft",
        "post",
        lambda w, r: reverse("registrations:delete", args=[r["a"]]),
        lambda w, r: {"bekreft": "ja"},
        {"mapper_a"},
    ),
    (
        "own municipality overview",
        "get",
        lambda w, r: reverse("contact:overview", args=[w.bergen.code]),
        None,
        {"contact", "admin"},
    ),
    (
        "other municipality overview",
        "get",
        lambda w, r: reverse("contact:overview", args=[w.voss.code]),
        None,
        {"contact_voss", "admin"},
    ),
    (
        "settle duplicate",
        "post",
        lambda w, r: reverse("contact:choose_duplicate", args=[w.bergen.code]),
        lambda w, r: {"registrering_id": r["a_sent"]},
        {"contact"},
    ),
    (
        "units and mappers",
        "get",
        lambda w, r: reverse("contact:units", args=[w.bergen.code]),
        None,
        {"contact"},
    ),
    (
        "create unit",
        "post",
        lambda w, r: reverse("contact:units", args=[w.bergen.code]),
        lambda w, r: {"enhet-name": "Ny enhet", "enhet-type": "annen"},
        {"contact"},
    ),
    (
        "deactivate unit",
        "post",
        lambda w, r: reverse("contact:set_unit_active", args=[w.bergen.code, w.unit_b.id]),
        lambda w, r: {"active": "0"},
        {"contact"},
    ),
    (
        "invite mapper",
        "post",
        lambda w, r: reverse("contact:invite_mapper", args=[w.bergen.code]),
        lambda w, r: {
            "inv-unit": w.unit_b.id,
            "inv-first_name": "Ny",
            "inv-last_name": "Person",
            "inv-email": "ny.person@example.org",
        },
        {"contact"},
    ),
    (
        "withdraw invitation",
        "post",
        lambda w, r: reverse("contact:withdraw_invitation", args=[w.bergen.code, r["invitation"]]),
        lambda w, r: {},
        {"contact"},
    ),
    (
        "deactivate mapper",
        "post",
        lambda w, r: reverse("contact:deactivate_mapper", args=[w.bergen.code, r["m_b"]]),
        lambda w, r: {},
        {"contact"},
    ),
    (
        "other municipality's units",
        "get",
        lambda w, r: reverse("contact:units", args=[w.voss.code]),
        None,
        {"contact_voss"},
    ),
    ("admin", "get", lambda w, r: reverse("admin:index"), None, {"admin"}),
    (
        "audit log search",
        "get",
        lambda w, r: reverse("administration:audit_log") + "?kommune=4601",
        None,
        {"admin"},
    ),
    ("audit log csv", "get", lambda w, r: reverse("administration:audit_log_csv"), None, {"admin"}),
    (
        "regional advisers and analysts",
        "get",
        lambda w, r: reverse("administration:staff"),
        None,
        {"admin"},
    ),
    (
        "invite an analyst",
        "post",
        lambda w, r: reverse("administration:invite_staff"),
        lambda w, r: {
            "role": "analytiker",
            "first_name": "Ny",
            "last_name": "Analytiker",
            "email": "ny.analytiker@example.org",
        },
        {"admin"},
    ),
    (
        "deactivate a regional adviser",
        "post",
        lambda w, r: reverse("administration:deactivate_staff", args=[r["m_regional_oslo"]]),
        lambda w, r: {},
        {"admin"},
    ),
    (
        "the county's contact persons",
        "get",
        lambda w, r: reverse("administration:contacts", args=["46"]),
        None,
        {"regional"},
    ),
    (
        "another county's contact persons",
        "get",
        lambda w, r: reverse("administration:contacts", args=["03"]),
        None,
        {"regional_oslo"},
    ),
    (
        "invite a contact person",
        "post",
        lambda w, r: reverse("administration:invite_contact", args=["46"]),
        lambda w, r: {
            "municipality": w.bergen.id,
            "first_name": "Ny",
            "last_name": "Kontakt",
            "email": "ny.kontakt@example.org",
        },
        {"regional"},
    ),
    (
        "deactivate a contact person",
        "post",
        lambda w, r: reverse("administration:deactivate_contact", args=["46", r["m_contact_voss"]]),
        lambda w, r: {},
        {"regional"},
    ),
    (
        "reservation page",
        "get",
        lambda w, r: reverse("governance:reservation", args=[w.bergen.code]),
        None,
        {"contact", "admin"},
    ),
    (
        "record reservation",
        "post",
        lambda w, r: reverse("governance:reservation", args=[w.bergen.code]),
        lambda w, r: {"fodselsnummer": synthetic_number(datetime.date(1961, 2, 3), 1)},
        {"contact", "admin"},
    ),
    (
        "other municipality's reservation page",
        "get",
        lambda w, r: reverse("governance:reservation", args=[w.voss.code]),
        None,
        {"contact_voss", "admin"},
    ),
    (
        "mapping periods",
        "get",
        lambda w, r: reverse("governance:periods"),
        None,
        {"regional", "regional_oslo", "regional_helse_vest"},
    ),
    (
        "own county's period",
        "get",
        lambda w, r: reverse("governance:period", args=["46", w.today.year]),
        None,
        {"regional", "regional_helse_vest"},
    ),
    (
        "close own county's period, confirmed",
        "post",
        lambda w, r: reverse("governance:period", args=["46", w.today.year]),
        lambda w, r: {"action": "close", "reason": "Ferdig", "confirmed": "1"},
        {"regional", "regional_helse_vest"},
    ),
    (
        "other county's period",
        "get",
        lambda w, r: reverse("governance:period", args=["03", w.today.year]),
        None,
        {"regional_oslo"},
    ),
    (
        "county duplicates",
        "get",
        lambda w, r: reverse("governance:duplicates", args=["46", w.today.year]),
        None,
        {"regional", "regional_helse_vest"},
    ),
    (
        "settle a county duplicate",
        "post",
        lambda w, r: reverse("governance:duplicates", args=["46", w.today.year]),
        lambda w, r: {"registrering_id": r["a_sent"]},
        {"regional", "regional_helse_vest"},
    ),
    ("legal basis", "get", lambda w, r: reverse("governance:legal_basis"), None, {"admin"}),
    (
        "change legal basis",
        "post",
        lambda w, r: reverse("governance:set_legal_basis"),
        lambda w, r: {"unit_type": "nav", "year": 2031, "allowed": "1", "reason": "Ny lov"},
        {"admin"},
    ),
    ("password change", "get", lambda w, r: reverse("accounts:password_change"), None, EVERYONE),
    (
        "password changed",
        "get",
        lambda w, r: reverse("accounts:password_change_done"),
        None,
        EVERYONE,
    ),
    # A verified session is sent on; one without a second factor gets the form, or the
    # setup when the account has no authenticator yet.
    ("second factor", "get", lambda w, r: reverse("accounts:second_factor"), None, EVERYONE),
    (
        "second factor code",
        "post",
        lambda w, r: reverse("accounts:second_factor"),
        lambda w, r: {"code": "000000"},
        EVERYONE,
    ),
    (
        "second factor setup",
        "get",
        lambda w, r: reverse("accounts:second_factor_setup"),
        None,
        EVERYONE,
    ),
    ("report chooser", "get", lambda w, r: reverse("reports:index"), None, REPORT_READERS),
    (
        "own municipality report",
        "get",
        lambda w, r: reverse("reports:dashboard", args=["municipality-4601", w.today.year]),
        None,
        {"contact", "regional", "regional_helse_vest", "analyst", "admin"},
    ),
    (
        "other municipality report",
        "get",
        lambda w, r: reverse("reports:dashboard", args=["municipality-4621", w.today.year]),
        None,
        {"contact_voss", "regional", "regional_helse_vest", "analyst", "admin"},
    ),
    (
        "report of a municipality outside the region",
        "get",
        lambda w, r: reverse("reports:dashboard", args=["municipality-0301", w.today.year]),
        None,
        {"regional_oslo", "analyst", "admin"},
    ),
    (
        "county report",
        "get",
        lambda w, r: reverse("reports:dashboard", args=["county-46", w.today.year]),
        None,
        {"regional", "regional_helse_vest", "analyst", "admin"},
    ),
    (
        "health region report",
        "get",
        lambda w, r: reverse("reports:dashboard", args=["region-helse_vest", w.today.year]),
        None,
        {"regional_helse_vest", "analyst", "admin"},
    ),
    (
        "national report",
        "get",
        lambda w, r: reverse("reports:dashboard", args=["national", w.today.year]),
        None,
        {"analyst", "admin"},
    ),
    (
        "report download",
        "get",
        lambda w, r: reverse("reports:download", args=["municipality-4601", w.today.year, "pdf"]),
        None,
        {"contact", "regional", "regional_helse_vest", "analyst", "admin"},
    ),
    (
        "county report download",
        "get",
        lambda w, r: reverse("reports:download", args=["county-46", w.today.year, "xlsx"]),
        None,
        {"regional", "regional_helse_vest", "analyst", "admin"},
    ),
    (
        "a main group's deck",
        "get",
        lambda w, r: (
            reverse("reports:download", args=["county-46", w.today.year, "pptx"])
            + "?hovedgruppe=rus"
        ),
        None,
        {"regional", "regional_helse_vest", "analyst", "admin"},
    ),
    (
        "report workbook with raw rows",
        "get",
        lambda w, r: (
            reverse("reports:download", args=["municipality-4601", w.today.year, "xlsx"])
            + "?radata=1"
        ),
        None,
        {"contact", "analyst"},
    ),
]


def _registrations(world, helpers) -> dict:
    return {
        "a": _registration(world, helpers, world.unit_a, "mapper_a").registrering_id,
        "a_sent": _registration(
            world, helpers, world.unit_a, "mapper_a", woman=True, submitted=True
        ).registrering_id,
        "voss": _registration(world, helpers, world.unit_voss, "mapper_voss").registrering_id,
        "m_b": Membership.objects.get(user=world.users["mapper_b"], role=Role.KARTLEGGER).id,
        "m_regional_oslo": Membership.objects.get(user=world.users["regional_oslo"]).id,
        "m_contact_voss": Membership.objects.get(user=world.users["contact_voss"]).id,
        "invitation": Invitation.objects.create(
            user=world.users["mapper_voss"],
            role=Role.KARTLEGGER,
            unit=world.unit_b,
            token_hash=secrets.token_hex(32),
            expires_at=timezone.now() + Invitation.VALID_FOR,
        ).id,
    }


# Views without a role rule: logging in and out, a forgotten password, and an
# invitation, which its one-time token guards (test_invitations.py tests the token).
# The identity provider's login, its return and its refusal page are logging in
# (tests/oidc/ runs them against a real provider; unconfigured they answer 404).
OPEN_VIEWS = {
    "accounts:login",
    "accounts:logout",
    "accounts:oidc_login",
    "accounts:oidc_callback",
    "accounts:oidc_refused",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:invitation",
    "accounts:invitation_password",
    "accounts:invitation_accept",
    "accounts:invitation_done",
}


def _url_names(patterns, namespace="") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            if inner == "admin":
                continue  # the Django admin has its own staff check, in the matrix as "admin"
            prefix = f"{namespace}{inner}:" if inner else namespace
            names |= _url_names(pattern.url_patterns, prefix)
        elif pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_the_matrix_covers_every_named_view_of_the_site(world, helpers):
    regs = _registrations(world, helpers)
    covered = {resolve(urlsplit(url(world, regs)).path).view_name for _, _, url, _, _ in VIEWS}
    missing = _url_names(get_resolver().url_patterns) - covered - OPEN_VIEWS
    assert not missing, f"views without a row in the permission matrix: {sorted(missing)}"


@pytest.mark.parametrize(
    "name,method,url,data,allowed", VIEWS, ids=[v[0].replace(" ", "_") for v in VIEWS]
)
def test_every_role_is_allowed_or_refused_each_view_as_the_rules_say(
    world, helpers, name, method, url, data, allowed
):
    regs = _registrations(world, helpers)
    target = url(world, regs)
    wrong = []
    anonymous = getattr(Client(), method)(target, data(world, regs) if data else None)
    if anonymous.status_code != 302 or not _to_login(anonymous["Location"]):
        wrong.append(f"anonymous got {anonymous.status_code}, not a redirect to the login")
    # Refused users first, so an allowed destructive request comes last.
    for username in sorted(ALL_USERS, key=lambda u: u in allowed):
        client = Client()
        client.force_login(world.users[username])
        response = getattr(client, method)(target, data(world, regs) if data else None)
        refused = response.status_code == 403 or (
            response.status_code == 302 and _to_login(response["Location"])
        )
        if username in allowed and (refused or response.status_code in (404, 405, 500)):
            wrong.append(f"{username} should be allowed, got {response.status_code}")
        if username not in allowed and not refused:
            wrong.append(f"{username} should be refused, got {response.status_code}")
    assert not wrong, f"{name}: " + "; ".join(wrong)


SECOND_FACTOR_ROLES = EVERYONE - {"mapper_a", "mapper_b", "mapper_voss", "nobody"}
# The account pages (passwords, the second factor itself) stay reachable without one.
ACCOUNT_PAGES = {
    "password change",
    "password changed",
    "second factor",
    "second factor code",
    "second factor setup",
}
DATA_VIEWS = [v for v in VIEWS if v[0] not in ACCOUNT_PAGES]


@pytest.mark.parametrize(
    "name,method,url,data,allowed", DATA_VIEWS, ids=[v[0].replace(" ", "_") for v in DATA_VIEWS]
)
def test_without_a_second_factor_every_page_of_those_roles_answers_with_the_verification(
    world, helpers, password_only_login, name, method, url, data, allowed
):
    regs = _registrations(world, helpers)
    target = url(world, regs)
    assert not target.startswith("/konto/")
    wrong = []
    for username in sorted(SECOND_FACTOR_ROLES):
        client = Client()
        password_only_login(client, world.users[username])
        response = getattr(client, method)(target, data(world, regs) if data else None)
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith("/konto/tofaktor/?next="):
            wrong.append(f"{username} got {response.status_code} {location}")
    assert not wrong, f"{name}: " + "; ".join(wrong)


def test_report_permissions_follow_role_and_region(world):
    from brukerplan.accounts import permissions as p

    u = world.users
    expected_reports = {
        "mapper_a": (False, False, False),
        "contact": (True, False, False),
        "contact_voss": (False, True, False),
        "regional": (True, True, False),
        "regional_helse_vest": (True, True, False),
        "regional_oslo": (False, False, True),
        "analyst": (True, True, True),
        "admin": (True, True, True),
        "nobody": (False, False, False),
    }
    for name, (bergen, voss, oslo) in expected_reports.items():
        got = tuple(p.may_view_reports(u[name], m) for m in (world.bergen, world.voss, world.oslo))
        assert got == (bergen, voss, oslo), name
    expected_rows = {
        "mapper_a": False,
        "contact": True,
        "contact_voss": False,
        "regional": False,
        "analyst": True,
        "admin": False,
    }
    for name, allowed in expected_rows.items():
        assert p.may_view_row_data(u[name], world.bergen) is allowed, name


def test_the_report_scopes_a_user_can_choose_are_exactly_those_they_may_view(world):
    from brukerplan.accounts import permissions as p

    year = world.today.year
    probes = [
        ("national", None),
        ("region", "helse_vest"),
        ("region", "helse_sor_ost"),
        ("county", "46"),
        ("county", "11"),
        ("county", "03"),
        ("municipality", "4601"),
        ("municipality", "4621"),
        ("municipality", "1103"),
        ("municipality", "0301"),
    ]
    expected = {
        "mapper_a": set(),
        "nobody": set(),
        "contact": {"municipality:4601"},
        "contact_voss": {"municipality:4621"},
        "regional": {"county:46", "municipality:4601", "municipality:4621"},
        "regional_oslo": {"county:03", "municipality:0301"},
        "regional_helse_vest": {
            "region:helse_vest",
            "county:46",
            "county:11",
            "municipality:4601",
            "municipality:4621",
            "municipality:1103",
        },  # fmt: skip
        "analyst": {f"{t}:{c}" if c else t for t, c in probes},
        "admin": {f"{t}:{c}" if c else t for t, c in probes},
    }
    for name, allowed in expected.items():
        user = world.users[name]
        listed = {s.key for s in p.report_scopes_for(user, year)}
        viewable = {
            f"{t}:{c}" if c else t for t, c in probes if p.may_view_report(user, t, c, year)
        }
        probed = {f"{t}:{c}" if c else t for t, c in probes}
        assert listed & probed == allowed, name
        assert viewable == allowed, name
    rows = {
        name
        for name in ALL_USERS
        if p.may_download_row_data(world.users[name], "municipality", "4601", year)
    }
    assert rows == {"contact", "analyst"}
    assert not p.may_download_row_data(world.users["analyst"], "county", "46", year)
