"""Login through a real OpenID provider (tests/oidc_provider): who is let in, at which level,
and a logout that ends the provider's session too."""

import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from brukerplan.accounts.actions import link_external_identity
from tests.oidc.conftest import configure, log_in_at_provider

pytestmark = pytest.mark.slow


def _link(user, provider, subject: str):
    return link_external_identity(user, issuer=provider.issuer, subject=subject, by=None)


def test_a_linked_subject_logs_in_at_a_high_level_and_sees_row_data_without_a_local_code(
    world, oidc_settings
):
    _link(world.users["analyst"], oidc_settings, "kari-hoy")
    client = Client()
    national = reverse("reports:dashboard", args=["national", world.today.year])
    back, _ = log_in_at_provider(client, "kari-hoy", next_url=national)
    assert back.status_code == 302 and back["Location"] == national
    assert client.session["_auth_user_id"] == str(world.users["analyst"].pk)
    assert client.session["brukerplan_oidc_acr"] == "idporten-loa-high"
    assert client.get(national).status_code == 200  # the provider's level was the second factor


def test_an_unknown_subject_is_refused_in_norwegian_and_no_account_is_made(world, oidc_settings):
    users = get_user_model().objects.count()
    client = Client()
    back, _ = log_in_at_provider(client, "ukjent-person")
    assert back["Location"] == reverse("accounts:oidc_refused")
    page = client.get(back["Location"])
    assert page.status_code == 403
    assert "ikke knyttet til noen bruker i BrukerPlan" in page.content.decode()
    assert get_user_model().objects.count() == users
    assert "_auth_user_id" not in client.session
    assert "oidc_id_token" not in client.session  # nothing of the refused login is kept
    assert client.get(reverse("index"))["Location"].startswith(reverse("accounts:login"))


def test_a_login_below_the_level_a_role_requires_is_refused_and_enough_for_another(
    world, oidc_settings, settings
):
    settings.OIDC_REQUIRED_ACR = {
        "kartlegger": "idporten-loa-substantial",
        "analytiker": "idporten-loa-high",
    }
    identity = _link(world.users["analyst"], oidc_settings, "ola-betydelig")
    client = Client()
    back, _ = log_in_at_provider(client, "ola-betydelig")
    assert back["Location"] == reverse("accounts:oidc_refused")
    page = client.get(back["Location"]).content.decode()
    assert "for lavt sikkerhetsnivå for rollen din (Nasjonal analytiker)" in page
    assert "_auth_user_id" not in client.session

    identity.user = world.users["mapper_a"]
    identity.save()
    back, _ = log_in_at_provider(Client(), "ola-betydelig")
    assert back["Location"] == reverse("index")


def test_an_unknown_level_never_meets_a_requirement(world, oidc_settings, settings):
    settings.OIDC_REQUIRED_ACR = {"analytiker": "idporten-loa-hoy"}  # a typo
    _link(world.users["analyst"], oidc_settings, "kari-hoy")
    back, _ = log_in_at_provider(Client(), "kari-hoy")
    assert back["Location"] == reverse("accounts:oidc_refused")


def test_logging_out_ends_the_session_at_the_provider_too(world, oidc_settings):
    _link(world.users["analyst"], oidc_settings, "kari-hoy")
    client = Client()
    _, at_provider = log_in_at_provider(client, "kari-hoy")
    out = client.post(reverse("accounts:logout"))
    end_session = oidc_settings.discovery()["end_session_endpoint"]
    assert out.status_code == 302 and out["Location"].startswith(end_session + "?")
    query = parse_qs(urlsplit(out["Location"]).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/konto/logg-inn/"]
    assert query["id_token_hint"][0].count(".") == 2
    assert "_auth_user_id" not in client.session

    # The provider takes the request, and after its confirmation comes back to the login.
    confirm = at_provider.get(out["Location"], timeout=10)
    assert confirm.status_code == 200
    form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', confirm.text, re.S)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))
    done = at_provider.post(
        urljoin(confirm.url, form.group(1)),
        data={**fields, "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    assert done.headers["Location"] == "http://testserver/konto/logg-inn/"
    # Its session is gone: the next login asks who one is again.
    again = at_provider.get(
        Client().get(reverse("accounts:oidc_login"))["Location"], allow_redirects=True, timeout=10
    )
    assert 'name="account"' in again.text


def test_a_password_session_logs_out_here_only(world, oidc_settings):
    client = Client()
    client.force_login(world.users["mapper_a"])
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")


def test_the_login_page_offers_the_provider_only_when_one_is_configured(world, settings, provider):
    settings.OIDC_ISSUER = ""
    page = Client().get(reverse("accounts:login")).content.decode()
    assert 'id="oidc-login"' not in page
    assert Client().get(reverse("accounts:oidc_login")).status_code == 404
    assert Client().get(reverse("accounts:oidc_callback")).status_code == 404

    configure(settings, provider)
    response = Client().get(reverse("accounts:login"))
    page = response.content.decode()
    assert "Logg inn med Testleverandøren" in page
    assert 'id="id_password"' in page  # local accounts stay
    # «Logg ut» is a form whose redirect ends at the provider: the CSP lets it go there only.
    assert f"form-action 'self' {provider.issuer};" in response["Content-Security-Policy"] + ";"


def test_refused_provider_logins_do_not_lock_the_provider_login_out_for_others(
    world, oidc_settings, settings
):
    _link(world.users["analyst"], oidc_settings, "kari-hoy")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        back, _ = log_in_at_provider(Client(), "ukjent-person")
        assert back["Location"] == reverse("accounts:oidc_refused")
    client = Client()
    back, _ = log_in_at_provider(client, "kari-hoy")
    assert back["Location"] == reverse("index")
    assert client.session["_auth_user_id"] == str(world.users["analyst"].pk)
