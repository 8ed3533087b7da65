"""The mapper's and the contact person's work in a real browser (Debian's chromium, Playwright).

Skipped when /usr/bin/chromium is missing (`make browser` installs it).
"""

import datetime
import re

import pytest

from brukerplan.instrument import definition
from brukerplan.instrument.definition import INTEGER, MULTI
from brukerplan.registrations import actions
from brukerplan.registrations.models import Registration
from tests.conftest import browser_log_in

PASSWORD = "et-godt-passord-123"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(open_page):
    return open_page(permissions=("clipboard-read", "clipboard-write"))


def log_in(page, user):
    browser_log_in(page, user, PASSWORD)


def answer(page, key, value, instrument):
    question = instrument.question(key)
    if question.type == INTEGER:
        page.fill(f"#q-{key}-input", str(value))
    elif question.type == MULTI:
        for code in value:
            page.check(f"#q-{key}-{code.replace('.', '-')}")
    else:
        page.check(f"#q-{key}-{value}")


def test_a_mapper_fills_in_leaves_returns_and_submits_a_whole_registration(page, world, helpers):
    other_unit = actions.start_registration(
        unit=world.unit_voss,
        by=world.users["mapper_voss"],
        fodselsnummer=helpers.person(datetime.date(1970, 3, 3)),
        today=world.today,
    )
    number = helpers.person(datetime.date(1985, 6, 1), woman=True)
    instrument = definition.for_year(world.today.year)

    log_in(page, world.users["mapper_a"])
    page.get_by_role("link", name="Ny kartlegging").click()
    page.fill("#id_fodselsnummer", number)
    page.click("text=Start kartleggingen")
    page.wait_for_url(re.compile(r"/kartlegging/BP-"))
    assert number not in page.content() and number not in page.url
    assert "1985" in page.inner_text(".identity") and "Kvinne" in page.inner_text(".identity")

    # Conditions: the substance section appears with «rusproblem», «gravid» is asked (a woman).
    assert page.is_hidden("#del-rus")
    page.check("#q-rusproblem-1")
    page.wait_for_selector("#del-rus", state="visible")
    assert page.is_visible("#q-injiserer") and page.is_enabled("#q-rusmidler-alkohol")
    assert page.is_visible("#q-gravid")
    page.check("#q-psykisk_problem-0")
    assert page.is_hidden("#q-varighet_psykisk")
    page.check("#q-psykisk_problem-1")
    assert page.is_visible("#q-varighet_psykisk")
    # Exclusive options: «Bor alene» clears the others.
    page.check("#q-bor_med-partner")
    page.check("#q-bor_med-alene")
    assert not page.is_checked("#q-bor_med-partner")
    page.check("#q-okonomi-rod")
    page.wait_for_selector("#lagret:has-text('Lagret')")

    # Leave mid-way and come back to the draft.
    page.goto(f"/enhet/{world.unit_a.id}/")
    assert "Utkast" in page.inner_text("table")
    page.locator("table a").first.click()
    assert page.is_checked("#q-rusproblem-1") and page.is_checked("#q-okonomi-rod")
    assert page.is_visible("#del-rus")

    answers = helpers.complete_answers("kvinne")
    for key, value in answers.items():
        if key == "bor_med":
            page.uncheck("#q-bor_med-alene")
        answer(page, key, value, instrument)
    assert (
        page.inner_text("#progress-text").split(" av ")[0]
        == page.inner_text("#progress-text").split(" av ")[1]
    )
    page.get_by_role("button", name="Send inn").click()
    page.wait_for_url(re.compile(r"/sendt/$"))
    assert page.inner_text("#journalnotat") == f"Kartlagt i BrukerPlan {world.today.year}"
    page.click("button[data-copy]")
    page.wait_for_selector("#journalnotat-status:has-text('Kopiert')")
    registration = Registration.objects.get(unit=world.unit_a)
    assert registration.status == "submitted" and registration.kategori

    # Another unit's registration is refused.
    response = page.goto(f"/kartlegging/{other_unit.registrering_id}/")
    assert response.status == 403
    assert "Ingen tilgang" in page.content()
    assert page.csp_errors == []


def test_the_contact_person_sees_the_count_and_settles_a_planted_duplicate(page, world, helpers):
    number = helpers.person(datetime.date(1990, 1, 2))
    ids = []
    for unit, user in ((world.unit_a, "mapper_a"), (world.unit_b, "mapper_b")):
        registration = actions.start_registration(
            unit=unit, by=world.users[user], fodselsnummer=number, today=world.today
        )
        assert (
            actions.submit_registration(
                registration, helpers.complete_answers("mann"), by=None, today=world.today
            )
            == []
        )
        ids.append(registration.registrering_id)

    log_in(page, world.users["contact"])
    page.wait_for_url(re.compile(r"/kommune/4601/$"))
    assert page.inner_text("#tall-sendt") == "2"
    assert page.inner_text("#tall-personer") == "1"
    duplicates = page.locator("section[aria-labelledby^=dublett]")
    assert duplicates.count() == 1
    text = duplicates.inner_text()
    assert ids[0] in text and ids[1] in text and "Bergenhus legekontor" in text
    person_key = Registration.objects.get(registrering_id=ids[0]).person_key
    assert person_key not in page.content()
    duplicates.locator("button", has_text="La denne telle").click()
    page.wait_for_selector("text=teller nå for personen")
    chosen = Registration.objects.get(foretrukket=True)
    assert chosen.registrering_id in ids
    assert "valgt" in page.locator("section[aria-labelledby^=dublett]").inner_text()
    assert page.csp_errors == []
