"""The second factor: enrolment with a QR code and recovery codes, verification, who needs it."""

import re

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from brukerplan.accounts import oidc
from tests.conftest import authenticator, totp_code

VERIFY = reverse("accounts:second_factor")


def _overview(world):
    return reverse("contact:overview", args=[world.bergen.code])


def test_a_contact_person_without_an_authenticator_sets_one_up_and_gets_recovery_codes(
    world, password_only_login
):
    contact = world.users["contact"]
    client = Client()
    password_only_login(client, contact)
    to_verify = client.get(_overview(world))
    assert to_verify["Location"].startswith(VERIFY + "?next=")
    to_setup = client.get(to_verify["Location"])
    assert to_setup["Location"].startswith(reverse("accounts:second_factor_setup") + "?next=")

    page = client.get(to_setup["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "<path" in html
    assert " style=" not in html and "<script>" not in html  # CSP: nothing inline
    device = TOTPDevice.objects.get(user=contact, confirmed=False)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert grouped_by_four(secret) and len(secret.replace(" ", "")) == 32
    # The same QR code after a reload: the unconfirmed device is kept.
    assert client.get(to_setup["Location"]).content.decode().count(secret) == 1
    assert TOTPDevice.objects.filter(user=contact).count() == 1

    done = client.post(to_setup["Location"], {"code": totp_code(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    stored = StaticToken.objects.filter(device__user=contact).values_list("token", flat=True)
    assert set(stored) == set(codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(_overview(world)).status_code == 200

    # A new session with the password alone: one recovery code lets it in, once.
    again = Client()
    password_only_login(again, contact)
    assert again.post(VERIFY, {"code": codes[0], "next": _overview(world)}).status_code == 302
    assert again.get(_overview(world)).status_code == 200
    third = Client()
    password_only_login(third, contact)
    assert third.post(VERIFY, {"code": codes[0]}).status_code == 422
    assert third.get(_overview(world)).status_code == 302


def grouped_by_four(secret: str) -> bool:
    """A base32 secret in groups of four, as the page shows it."""
    return all(len(group) == 4 for group in secret.split(" "))


def test_an_account_with_an_authenticator_cannot_set_up_another_with_the_password_alone(
    world, password_only_login
):
    contact = world.users["contact"]
    authenticator(contact)
    client = Client()
    password_only_login(client, contact)
    response = client.get(reverse("accounts:second_factor_setup"))
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.post(reverse("accounts:second_factor_setup"), {"code": "123456"}).status_code == (
        302
    )
    assert TOTPDevice.objects.filter(user=contact).count() == 1


def test_mappers_need_no_second_factor_unless_the_setting_asks_for_it(
    world, password_only_login, settings
):
    unit = reverse("registrations:unit", args=[world.unit_a.id])
    client = Client()
    password_only_login(client, world.users["mapper_a"])
    assert client.get(unit).status_code == 200
    settings.BRUKERPLAN_SECOND_FACTOR_FOR_MAPPERS = True
    response = client.get(unit)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_a_login_the_provider_verified_at_a_high_enough_level_needs_no_local_code(
    world, password_only_login, settings
):
    settings.OIDC_SECOND_FACTOR_ACR = "idporten-loa-substantial"
    client = Client()
    password_only_login(client, world.users["analyst"])
    national = reverse("reports:dashboard", args=["national", world.today.year])
    for acr, verified in (
        ("idporten-loa-low", False),
        ("noe-ukjent", False),
        ("idporten-loa-substantial", True),
        ("idporten-loa-high", True),
    ):
        session = client.session
        session[oidc.SESSION_ACR] = acr
        session.save()
        response = client.get(national)
        assert (response.status_code == 200) is verified, acr
        if not verified:
            assert response["Location"].startswith(VERIFY), acr


def test_the_verification_page_sends_a_verified_session_on_but_never_off_the_site(world):
    client = Client()
    client.force_login(world.users["analyst"])
    assert client.get(VERIFY, {"next": "/rapporter/"})["Location"] == "/rapporter/"
    assert client.get(VERIFY, {"next": "https://example.org/"})["Location"] == reverse("index")
