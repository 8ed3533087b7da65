"""Login a health register can stand behind: lockout, passwords, reset by e-mail, deployment."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.test import Client
from django.urls import reverse

PASSWORD = "et-langt-og-trygt-passord"
ROOT = Path(__file__).resolve().parents[2]
ENGLISH = re.compile(
    r"\b(password|This|too|short|common|similar|characters?|entirely|numeric|match|least)\b"
)


def test_a_username_is_locked_out_after_five_failures_from_different_addresses(db):
    get_user_model().objects.create_user("kari", password=PASSWORD)
    url = reverse("accounts:login")
    for n in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR=f"10.0.0.{n + 1}").post(url, {"username": "kari", "password": "feil"})
    response = Client(REMOTE_ADDR="10.0.0.99").post(url, {"username": "kari", "password": PASSWORD})
    assert response.status_code == 429
    assert "sperret" in response.content.decode()


def test_a_fodselsnummer_typed_as_username_is_stored_masked_and_not_echoed(db):
    number = "01018012345"
    response = Client().post(
        reverse("accounts:login"), {"username": number, "password": "feil-passord"}
    )
    assert number not in response.content.decode()
    attempts = list(AccessAttempt.objects.values_list("username", "post_data", "get_data"))
    assert attempts, "axes recorded the failed attempt"
    assert all(number not in " ".join(str(v) for v in row) for row in attempts)


def test_a_username_is_put_back_in_the_login_form(db):
    response = Client().post(
        reverse("accounts:login"), {"username": "kari@example.org", "password": "feil"}
    )
    assert 'value="kari@example.org"' in response.content.decode()


@pytest.mark.parametrize(
    "password",
    ["kort-pass1", "123456789012345", "qwerty123456", "kari.nordmann1"],
    ids=["short", "numeric", "common", "like_the_username"],
)
def test_weak_passwords_are_refused_in_norwegian(db, password):
    user = get_user_model().objects.create_user(
        "kari.nordmann", email="kari.nordmann@example.org", first_name="Kari"
    )
    form = SetPasswordForm(user, {"new_password1": password, "new_password2": password})
    assert not form.is_valid()
    messages = " ".join(form.errors["new_password2"])
    assert messages and not ENGLISH.search(messages), messages


def test_passwords_need_at_least_twelve_characters(db):
    user = get_user_model().objects.create_user("someone")
    short = "Hx7!kq2#Lm9"
    assert not SetPasswordForm(user, {"new_password1": short, "new_password2": short}).is_valid()
    ok = short + "z"
    assert SetPasswordForm(user, {"new_password1": ok, "new_password2": ok}).is_valid()


def test_two_passwords_that_differ_are_refused_in_norwegian(db):
    user = get_user_model().objects.create_user("someone")
    form = SetPasswordForm(user, {"new_password1": PASSWORD, "new_password2": PASSWORD + "x"})
    assert not form.is_valid()
    assert not ENGLISH.search(" ".join(form.errors["new_password2"]))


def test_a_forgotten_password_is_reset_through_a_real_smtp_server(db, smtp_server):
    user = get_user_model().objects.create_user(
        "kari@example.org", email="kari@example.org", password="det-gamle-passordet"
    )
    client = Client()
    login_page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:password_reset") in login_page and "Glemt passord?" in login_page
    response = client.post(reverse("accounts:password_reset"), {"email": "kari@example.org"})
    assert response.status_code == 302
    message = smtp_server.last_to("kari@example.org")
    assert message["Subject"] == "Nytt passord i BrukerPlan"
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://testserver(/konto/glemt-passord/\S+/\S+/)", body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Velg nytt passord" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    again = Client().get(link, follow=True).content.decode()
    assert "Lenken virker ikke" in again


def test_an_unknown_address_gets_the_same_answer_and_no_email(db, smtp_server):
    response = Client().post(reverse("accounts:password_reset"), {"email": "ingen@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert smtp_server.messages == []


def test_a_logged_in_user_changes_the_password(db):
    user = get_user_model().objects.create_user("kari", password="det-gamle-passordet")
    client = Client()
    client.force_login(user)
    page = client.get(reverse("accounts:password_change"))
    assert "Endre passord" in page.content.decode()
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "det-gamle-passordet",
            "new_password1": PASSWORD,
            "new_password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert client.get(reverse("accounts:password_change_done")).status_code == 200


def test_production_settings_pass_the_deployment_check_without_a_warning(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "DEBUG", "DATABASE_URL"))
    }
    env.update(
        BRUKERPLAN_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        BRUKERPLAN_PSEUDONYM_KEY=secrets.token_hex(32),
        ALLOWED_HOSTS="brukerplan.example.no",
        BRUKERPLAN_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="brukerplan.settings",
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_redirects_to_https_and_sends_hsts_by_default(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.DEBUG)"
    )
    env = dict(os.environ, BRUKERPLAN_ENV="production", SECRET_KEY="x" * 60)
    env.update(BRUKERPLAN_PSEUDONYM_KEY="k", BRUKERPLAN_VAR_DIR=str(tmp_path))
    env.update(DJANGO_SETTINGS_MODULE="brukerplan.settings")
    env.pop("DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True", "31536000", "True", "False"], result.stderr
