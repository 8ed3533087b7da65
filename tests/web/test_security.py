"""Passwords, lockout, sessions, CSRF and headers."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from brukerplan.demo.accounts import create_demo_accounts
from brukerplan.organisations.models import MappingPeriod


def test_passwords_are_hashed_with_argon2(db):
    user = get_user_model().objects.create_user("someone", password="langt-og-trygt-42")
    assert user.password.startswith("argon2$")


def test_five_failed_logins_lock_the_account_out_even_with_the_right_password(db):
    get_user_model().objects.create_user("kari", password="langt-og-trygt-42")
    client = Client()
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(url, {"username": "kari", "password": "feil"})
    response = client.post(url, {"username": "kari", "password": "langt-og-trygt-42"})
    assert response.status_code == 429
    assert "sperret" in response.content.decode()


def test_a_good_login_reaches_the_home_page(db):
    get_user_model().objects.create_user("kari", password="langt-og-trygt-42")
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"username": "kari", "password": "langt-og-trygt-42"},
        follow=True,
    )
    assert response.status_code == 200 and "ingen aktiv rolle" in response.content.decode()


def test_sessions_expire_after_30_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_posts_without_a_csrf_token_are_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["contact"])
    response = client.post(
        reverse("contact:units", args=["4601"]), {"enhet-name": "X", "enhet-type": "annen"}
    )
    assert response.status_code == 403


def test_pages_carry_a_strict_content_security_policy_and_no_cache(world):
    client = Client()
    client.force_login(world.users["mapper_a"])
    response = client.get(reverse("registrations:unit", args=[world.unit_a.id]))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("repeat", [1, 2])
def test_the_demo_gives_a_login_per_role_in_an_open_period(reference_data, repeat):
    for _ in range(repeat):
        logins = create_demo_accounts()
    assert {u for u, _, _ in logins} >= {"kartlegger", "kommunekontakt", "regional", "analytiker"}
    period = MappingPeriod.objects.get(county__code="46")
    from django.utils import timezone

    assert period.is_open_on(timezone.localdate())
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "kartlegger", "password": logins[0][1]}
    )
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).status_code == 200
