"""When something fails on the server: Norwegian error pages, and an autosave that says so.

The browser side (the status, the retries, the warning on leaving) is in
test_form_resilience_browser.py.
"""

import datetime
import logging
from pathlib import Path
from unittest import mock

import pytest
from django.db import connections
from django.db.utils import OperationalError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from brukerplan.registrations import actions

FORM_JS = Path(__file__).resolve().parents[2] / "brukerplan" / "static" / "brukerplan" / "form.js"
NORWEGIAN_500 = "Noe gikk galt hos oss"


@pytest.fixture
def mapper(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["mapper_a"])
    return client


@pytest.fixture
def draft(world, helpers):
    return actions.start_registration(
        unit=world.unit_a,
        by=world.users["mapper_a"],
        fodselsnummer=helpers.person(datetime.date(1980, 5, 17)),
        today=world.today,
    )


def assert_norwegian_500(response):
    text = response.content.decode()
    assert response.status_code == 500
    assert NORWEGIAN_500 in text and "Det du allerede har lagret, er ikke tapt" in text
    assert '<html lang="nb">' in text and 'href="/"' in text
    assert "Server Error" not in text


def test_the_500_page_needs_no_request_no_context_and_no_database(settings):
    # No `db` fixture: any database access here would fail the test.
    settings.DEBUG = False
    response = server_error(RequestFactory().get("/"))
    assert_norwegian_500(response)
    text = response.content.decode()
    # The CSP forbids inline scripts and styles; the stylesheet is linked by a plain path.
    assert "<script" not in text and "<style" not in text and "style=" not in text
    assert 'href="/static/brukerplan/app.css"' in text


def test_when_the_database_is_away_a_page_answers_with_the_norwegian_500_page(
    settings, mapper, draft, caplog
):
    settings.DEBUG = False
    url = reverse("registrations:form", args=[draft.registrering_id])
    away = OperationalError("unable to open database file")
    with (
        mock.patch.object(type(connections["default"]), "ensure_connection", side_effect=away),
        caplog.at_level(logging.ERROR, logger="django.request"),
    ):
        response = mapper.get(url)
    assert_norwegian_500(response)
    # The operators still learn what happened: the error is logged.
    assert "OperationalError: unable to open database file" in caplog.text


def test_the_500_page_when_the_database_is_away_keeps_the_security_headers(settings, mapper, draft):
    settings.DEBUG = False
    url = reverse("registrations:form", args=[draft.registrering_id])
    away = OperationalError("unable to open database file")
    with mock.patch.object(type(connections["default"]), "ensure_connection", side_effect=away):
        response = mapper.get(url)
    assert response.status_code == 500
    assert "script-src 'self'" in response.get("Content-Security-Policy", "")
    assert response.get("X-Frame-Options") == "DENY"
    assert response.get("Cache-Control") == "no-store"


def test_a_failing_autosave_answers_500_which_htmx_does_not_swap_into_the_status(
    settings, mapper, draft, monkeypatch
):
    settings.DEBUG = False

    def broken(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(actions, "save_draft", broken)
    response = mapper.post(
        reverse("registrations:autosave", args=[draft.registrering_id]),
        {"okonomi": "rod"},
        HTTP_HX_REQUEST="true",
    )
    assert_norwegian_500(response)


def test_the_autosave_answers_its_own_refusals_with_200_so_only_failures_are_errors(
    mapper, draft, helpers
):
    # form.js treats every 4xx/5xx to htmx as a failed save and retries it; the app's own
    # answers (answers with errors, a closed period) must therefore come as 200 fragments.
    response = mapper.post(
        reverse("registrations:autosave", args=[draft.registrering_id]),
        {"barn_omsorg": "mange"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'class="save-status problem"' in response.content.decode()


def test_the_save_status_is_announced_to_screen_readers(mapper, draft):
    page = mapper.get(reverse("registrations:form", args=[draft.registrering_id]))
    assert page.status_code == 200
    status = 'id="lagret" class="save-status" role="status" aria-live="polite" aria-atomic="true"'
    assert status in page.content.decode()


def test_the_404_and_403_pages_are_norwegian(settings, world, mapper, helpers):
    settings.DEBUG = False
    missing = mapper.get("/finnes-ikke/")
    assert missing.status_code == 404
    assert "Fant ikke siden" in missing.content.decode() and "Not Found" not in (
        missing.content.decode()
    )
    other = actions.start_registration(
        unit=world.unit_voss,
        by=world.users["mapper_voss"],
        fodselsnummer=helpers.person(datetime.date(1970, 3, 3)),
        today=world.today,
    )
    refused = mapper.get(reverse("registrations:form", args=[other.registrering_id]))
    assert refused.status_code == 403 and "Ingen tilgang" in refused.content.decode()


def test_the_form_script_keeps_answers_out_of_the_browsers_storage():
    # A PC may be shared: the answers live in the page only (the browser test checks it live).
    script = FORM_JS.read_text(encoding="utf-8")
    for storage in ("localStorage", "sessionStorage", "indexedDB", "document.cookie", "caches"):
        assert storage not in script


def test_a_form_sent_without_a_valid_csrf_token_gets_a_norwegian_page(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["contact"])
    response = client.post(reverse("contact:units", args=["4601"]), {"enhet-name": "X"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Skjemaet er utløpt" in page and "CSRF" not in page


def test_a_bad_request_gets_a_norwegian_page(settings, db):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = Client(HTTP_HOST="ikke-tillatt.example").get("/")
    assert response.status_code == 400
    assert "Ugyldig forespørsel" in response.content.decode()
