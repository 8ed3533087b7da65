"""The mapping form's early checks and the draft's delete page in a real browser
(Debian's chromium, Playwright): rules checked as one answers, the error summary, and
a delete that asks first."""

import datetime
import re

import pytest

from brukerplan.registrations import actions
from brukerplan.registrations.models import Registration
from tests.conftest import browser_log_in

PASSWORD = "et-godt-passord-123"
RULE = "Når «Har rusproblem» er Nei, må «Rusmiddelbruk» være Grønn."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture
def draft(world, helpers):
    return actions.start_registration(
        unit=world.unit_a,
        by=world.users["mapper_a"],
        fodselsnummer=helpers.person(datetime.date(1982, 8, 9)),
        today=world.today,
    )


def log_in(page, user):
    browser_log_in(page, user, PASSWORD)


def test_a_broken_rule_is_shown_as_the_mapper_answers_and_goes_when_mended(page, world, draft):
    log_in(page, world.users["mapper_a"])
    page.goto(f"/kartlegging/{draft.registrering_id}/")
    rule_text = page.locator("#q-rusmiddelbruk .error-text", has_text=RULE)
    page.check("#q-rusmiddelbruk-rod")
    assert rule_text.count() == 0  # «Har rusproblem» is not answered: nothing to judge yet
    page.check("#q-rusproblem-0")
    rule_text.wait_for()
    message_id = rule_text.get_attribute("id")
    described = page.get_attribute("#q-rusmiddelbruk", "aria-describedby")
    assert message_id in described.split()
    assert page.inner_text("#regelsjekk") == RULE  # said once by the live region
    # Answers are saved as they are given: the test waits for the save of the last one,
    # so no request is still running when its database is emptied.
    with page.expect_response(
        lambda r: "/lagre/" in r.url and "rusmiddelbruk=gronn" in (r.request.post_data or "")
    ):
        page.check("#q-rusmiddelbruk-gronn")
    rule_text.wait_for(state="detached")
    assert message_id not in (page.get_attribute("#q-rusmiddelbruk", "aria-describedby") or "")
    assert page.console_errors == []


def test_the_error_summary_takes_focus_and_its_links_reach_the_inputs(page, world, draft):
    log_in(page, world.users["mapper_a"])
    page.goto(f"/kartlegging/{draft.registrering_id}/")
    page.check("#q-rusproblem-0")
    page.check("#q-rusmiddelbruk-rod")
    page.fill("#q-barn_omsorg-input", "99")
    page.get_by_role("button", name="Send inn").click()
    page.wait_for_selector("#feil")
    assert page.evaluate("document.activeElement.id") == "feil"
    summary = page.inner_text("#feil")
    assert "Tallet må være mellom 0 og 20." in summary
    assert RULE in summary
    assert "Velg grønn, gul eller rød." in summary
    # The rule's message is on the page once, not again from the script.
    assert page.locator("#q-rusmiddelbruk .error-text", has_text=RULE).count() == 1
    page.locator("#feil a", has_text="Tallet må være").click()
    assert page.evaluate("document.activeElement.id") == "q-barn_omsorg-input"
    # (chromium logs the refused submission's 422 as a failed load)
    assert page.csp_errors == [] and [e for e in page.console_errors if "422" not in e] == []


def test_deleting_a_draft_in_the_browser_asks_first(page, world, draft):
    log_in(page, world.users["mapper_a"])
    page.goto(f"/kartlegging/{draft.registrering_id}/")
    assert page.locator(".form-footer", has_text="Slett").count() == 0
    page.get_by_role("link", name="Slett utkastet …").click()
    page.wait_for_url(re.compile(r"/slett/$"))
    page.get_by_role("button", name="Slett utkastet").click()  # the box is not ticked
    assert page.url.endswith("/slett/")
    assert Registration.objects.filter(pk=draft.pk).exists()
    page.check("#bekreft")
    page.get_by_role("button", name="Slett utkastet").click()
    page.wait_for_url(re.compile(rf"/enhet/{world.unit_a.id}/$"))
    assert "Utkastet er slettet." in page.inner_text(".messages")
    assert not Registration.objects.filter(pk=draft.pk).exists()
    assert page.csp_errors == [] and page.console_errors == []
