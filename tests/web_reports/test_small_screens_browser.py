"""Every role's pages at 390 px wide (a phone): nothing wider than the viewport.

Tables scroll inside their own labelled container; charts fit their panels. Debian's
chromium through Playwright, as the other browser tests.
"""

import datetime
import re
import secrets

import pytest
from django.utils import timezone

from brukerplan.accounts.models import Invitation, Role
from brukerplan.registrations import actions
from tests.conftest import browser_log_in

PASSWORD = "et-godt-passord-123"
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

# What sticks out, to name in a failure: elements whose right edge passes the viewport.
WIDER = """() => {
  const width = window.innerWidth;
  return {
    scroll: document.documentElement.scrollWidth, width,
    wider: [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > width + 0.5 && e.checkVisibility())
      .filter(e => !e.parentElement?.closest('.table-scroll'))
      .slice(0, 5)
      .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                (e.className && typeof e.className === 'string' ? '.' + e.className : '')),
  };
}"""


@pytest.fixture
def phone(open_page):
    def open_():
        page = open_page(timeout_ms=120_000)  # a report's first view builds it
        page.set_viewport_size(PHONE)
        return page

    return open_


def log_in(page, user):
    browser_log_in(page, user, PASSWORD)


def fits(page, path, problems, ready=None):
    response = page.goto(path)
    assert response.status < 400, f"{path}: {response.status}"
    if ready:
        page.wait_for_function(ready)
    measured = page.evaluate(WIDER)
    if measured["scroll"] > measured["width"]:
        wide, width, wider = measured["scroll"], measured["width"], measured["wider"]
        problems.append(f"{path}: {wide} px > {width}: {wider}")


CHARTS_DRAWN = (
    "() => [...document.querySelectorAll('.chart-view')]"
    ".every(e => e.querySelector('svg') || e.classList.contains('failed'))"
)


def charts_fit_their_panels(page, path, problems):
    sticking_out = page.evaluate(
        """() => [...document.querySelectorAll('.chart-view')].filter(view => {
             const panel = view.closest('.panel').getBoundingClientRect();
             const chart = (view.querySelector('svg') || view).getBoundingClientRect();
             return chart.right > panel.right + 0.5 || chart.left < panel.left - 0.5;
           }).map(view => view.id)"""
    )
    if sticking_out:
        problems.append(f"{path}: charts wider than their panels: {sticking_out[:5]}")


def test_every_roles_pages_fit_a_390_px_screen_without_sideways_scrolling(
    phone, world, helpers, imported
):
    year = imported
    ids = []
    number = helpers.person(datetime.date(1990, 1, 2))
    for unit, user in ((world.unit_a, "mapper_a"), (world.unit_b, "mapper_b")):
        registration = actions.start_registration(
            unit=unit, by=world.users[user], fodselsnummer=number, today=world.today
        )
        errors = actions.submit_registration(
            registration, helpers.complete_answers("mann"), by=None, today=world.today
        )
        assert errors == []
        ids.append(registration.registrering_id)
    draft = actions.start_registration(
        unit=world.unit_a,
        by=world.users["mapper_a"],
        fodselsnummer=helpers.person(datetime.date(1975, 4, 5), woman=True),
        today=world.today,
    )
    Invitation.objects.create(  # an offer to an existing account, listed on the units page
        user=world.users["mapper_voss"],
        role=Role.KARTLEGGER,
        unit=world.unit_b,
        token_hash=secrets.token_hex(32),
        expires_at=timezone.now() + Invitation.VALID_FOR,
    )
    problems: list[str] = []

    page = phone()
    fits(page, "/konto/logg-inn/", problems)

    page = phone()
    log_in(page, world.users["mapper_a"])
    fits(page, "/", problems)
    fits(page, f"/enhet/{world.unit_a.id}/", problems)
    fits(page, f"/enhet/{world.unit_a.id}/ny/", problems)
    fits(page, f"/kartlegging/{draft.registrering_id}/", problems)
    page.get_by_role("button", name="Send inn").click()  # every error at once
    page.wait_for_selector("#feil")
    measured = page.evaluate(WIDER)
    if measured["scroll"] > measured["width"]:
        problems.append(f"form with errors: {measured}")
    fits(page, f"/kartlegging/{draft.registrering_id}/slett/", problems)
    fits(page, f"/kartlegging/{ids[0]}/sendt/", problems)
    fits(page, "/konto/passord/", problems)

    page = phone()
    log_in(page, world.users["contact"])
    fits(page, "/kommune/4601/", problems)
    fits(page, "/kommune/4601/enheter/", problems)
    fits(page, f"/enhet/{world.unit_a.id}/", problems)
    fits(page, "/rapporter/", problems)
    dashboard = f"/rapporter/municipality-4601/{year}/"
    fits(page, dashboard, problems, ready=CHARTS_DRAWN)
    charts_fit_their_panels(page, dashboard, problems)

    for role, scope in (("regional", "county-46"), ("analyst", "national"), ("admin", "county-46")):
        page = phone()
        log_in(page, world.users[role])
        fits(page, "/", problems)
        fits(page, "/rapporter/", problems)
        dashboard = f"/rapporter/{scope}/{year}/"
        fits(page, dashboard, problems, ready=CHARTS_DRAWN)
        charts_fit_their_panels(page, dashboard, problems)

    assert problems == [], "\n".join(problems)
    assert page.console_errors == []


def test_a_wide_table_scrolls_inside_a_labelled_region(phone, world, helpers):
    page = phone()
    log_in(page, world.users["contact"])
    page.goto("/kommune/4601/")
    region = page.locator(".table-scroll").first
    assert region.get_attribute("role") == "region"
    label = region.get_attribute("aria-labelledby")
    assert label and page.locator(f"#{label}").inner_text()
    assert region.get_attribute("tabindex") == "0"  # reachable by keyboard, to scroll
    assert re.search(r"auto|scroll", region.evaluate("e => getComputedStyle(e).overflowX"))
