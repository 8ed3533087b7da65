"""The mapping form when saving fails, in a real browser (Debian's chromium, Playwright).

Playwright answers the autosave request itself (500, or a dropped connection); the page
must say so, retry, warn before the answers are left behind, and keep them nowhere but in
the page. Skipped when /usr/bin/chromium is missing (`make browser` installs it).
"""

import datetime
import re
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from brukerplan.registrations import actions
from brukerplan.registrations.models import Registration

PASSWORD = "et-godt-passord-123"
FAILED = "Ikke lagret – prøver igjen"
SAVED = re.compile(r"^\s*Lagret \d\d:\d\d\s*$")
AUTOSAVE = re.compile(r"/kartlegging/[^/]+/lagre/$")
# Retries come 2, 5, 10 s apart (then every 30 s); a save comes back within one of them.
RETRY_WAIT_MS = 15_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(open_page):
    return open_page(dismiss_dialogs=True)


@pytest.fixture
def draft(world, helpers):
    return actions.start_registration(
        unit=world.unit_a,
        by=world.users["mapper_a"],
        fodselsnummer=helpers.person(datetime.date(1980, 5, 17)),
        today=world.today,
    )


def open_draft(page, user, registration):
    user.set_password(PASSWORD)
    user.save()
    page.goto("/konto/logg-inn/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/kartlegging/{registration.registrering_id}/")


class FailingSaves:
    """Answers every autosave request itself, counting them, until stopped."""

    def __init__(self, page, how):
        self.page, self.how, self.calls = page, how, 0
        page.route(AUTOSAVE, self.handle)

    def handle(self, route):
        self.calls += 1
        if self.how == "500":
            route.fulfill(status=500, content_type="text/html", body="<h1>Noe gikk galt</h1>")
        else:
            route.abort("internetdisconnected")

    def wait_for_calls(self, n, timeout_s=10):
        deadline = time.monotonic() + timeout_s
        while self.calls < n and time.monotonic() < deadline:
            self.page.wait_for_timeout(100)
        assert self.calls >= n, f"{self.calls} save attempts, expected {n}"

    def stop(self):
        self.page.unroute(AUTOSAVE, self.handle)


def leave_by_the_back_link(page):
    page.click("text=← Psykisk helse og rus")
    page.wait_for_timeout(300)


def nothing_is_kept_in_the_browser(page):
    """No answers in the browser's storage: a PC may be shared; they live in the page alone."""
    found = page.evaluate(
        """async () => ({
            local: Object.entries(localStorage),
            session: Object.entries(sessionStorage),
            indexed: indexedDB.databases ? (await indexedDB.databases()).length : 0,
            caches: (await caches.keys()).length,
        })"""
    )
    # htmx notes the page's own address (a registration number, no answer) for its history
    # handling; nothing else, and never its page snapshots ("htmx-history-cache").
    assert found["session"] in ([], [["htmx-current-path-for-history", urlsplit(page.url).path]])
    assert found["local"] == [] and found["indexed"] == 0 and found["caches"] == 0
    names = {cookie["name"] for cookie in page.context.cookies()}
    assert names <= {"csrftoken", "sessionid"}


def test_a_save_the_server_fails_says_so_retries_warns_on_leaving_and_saves_later(
    page, world, draft
):
    open_draft(page, world.users["mapper_a"], draft)
    status = page.locator("#lagret")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"

    server = FailingSaves(page, "500")
    page.check("#q-okonomi-rod")
    expect(status).to_have_text(FAILED)
    expect(status.locator(".save-status")).to_have_class(re.compile(r"\bproblem\b"))
    # The 500 page is not swapped into the status.
    assert "Noe gikk galt" not in status.inner_text()

    # It retries on its own, and still says it has not saved.
    server.wait_for_calls(2)
    expect(status).to_have_text(FAILED)

    # Leaving now would lose the answer: the browser asks first, and the user stays.
    leave_by_the_back_link(page)
    assert page.dialogs == ["beforeunload"]
    assert re.search(r"/kartlegging/BP-[^/]+/$", page.url)
    assert page.is_checked("#q-okonomi-rod")
    nothing_is_kept_in_the_browser(page)
    assert Registration.objects.get(pk=draft.pk).answers.get("okonomi") is None

    # The server is back: the next retry saves, and the usual status returns.
    server.stop()
    expect(status).to_have_text(SAVED, timeout=RETRY_WAIT_MS)
    assert Registration.objects.get(pk=draft.pk).answers["okonomi"] == "rod"

    # Everything is saved: leaving asks nothing.
    page.click("text=← Psykisk helse og rus")
    page.wait_for_url(re.compile(rf"/enhet/{world.unit_a.id}/$"))
    assert page.dialogs == ["beforeunload"]
    assert page.csp_errors == []


def test_a_lost_connection_is_retried_and_answers_given_meanwhile_are_saved_too(page, world, draft):
    open_draft(page, world.users["mapper_a"], draft)
    status = page.locator("#lagret")
    network = FailingSaves(page, "network")
    page.check("#q-okonomi-gul")
    expect(status).to_have_text(FAILED)
    page.check("#q-bosituasjon-rod")
    network.wait_for_calls(2)
    expect(status).to_have_text(FAILED)
    nothing_is_kept_in_the_browser(page)

    network.stop()
    expect(status).to_have_text(SAVED, timeout=RETRY_WAIT_MS)
    answers = Registration.objects.get(pk=draft.pk).answers
    assert answers["okonomi"] == "gul" and answers["bosituasjon"] == "rod"
    assert page.dialogs == []
    assert page.csp_errors == []


def test_leaving_before_an_edit_is_saved_warns_but_sending_the_form_does_not(page, world, draft):
    open_draft(page, world.users["mapper_a"], draft)
    status = page.locator("#lagret")
    page.check("#q-okonomi-gul")
    expect(status).to_have_text(SAVED)

    # Typed but not yet saved (the save waits for the change and a short pause).
    page.fill("#q-barn_omsorg-input", "2")
    leave_by_the_back_link(page)
    assert page.dialogs == ["beforeunload"]
    assert re.search(r"/kartlegging/BP-[^/]+/$", page.url)

    # Sending the form is leaving on purpose: no question, even with an edit unsaved.
    page.fill("#q-barn_omsorg-input", "3")
    page.get_by_role("button", name="Send inn").click()
    expect(page.locator("#feil")).to_be_visible()
    assert page.dialogs == ["beforeunload"]
    nothing_is_kept_in_the_browser(page)
    assert page.csp_errors == []


def test_a_save_after_the_session_ended_is_a_failed_save_not_a_login_page_in_the_status(
    page, world, draft
):
    open_draft(page, world.users["mapper_a"], draft)
    status = page.locator("#lagret")
    # The session ends (30 idle minutes, or a logout in another tab): the save is redirected
    # to the login page, which htmx would otherwise swap into the status.
    page.context.clear_cookies(name="sessionid")
    page.check("#q-okonomi-rod")
    expect(status).to_have_text(FAILED)
    assert status.locator("input, form").count() == 0
    leave_by_the_back_link(page)
    assert page.dialogs == ["beforeunload"]
    assert page.is_checked("#q-okonomi-rod")
    assert Registration.objects.get(pk=draft.pk).answers.get("okonomi") is None
