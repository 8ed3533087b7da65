"""The dashboard in a real browser (Debian's chromium, Playwright): charts drawn under the CSP."""

import re

import pytest

from tests.conftest import authenticator, enter_second_factor

PASSWORD = "et-godt-passord-123"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(open_page):
    return open_page(timeout_ms=90_000)  # the first view builds the report


def test_the_contact_person_opens_the_dashboard_and_sees_charts_without_csp_errors(
    page, world, imported
):
    user = world.users["contact"]
    user.set_password(PASSWORD)
    user.save()
    page.goto("/konto/logg-inn/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    device = authenticator(user)
    page.click("button[type=submit]")
    enter_second_factor(page, device)
    page.wait_for_url(re.compile(r"/kommune/4601/$"))

    page.get_by_role("link", name="Rapporter").click()
    page.wait_for_url(re.compile(rf"/rapporter/municipality-4601/{imported}/$"))
    assert page.inner_text("h1") == f"Rapport for Bergen {imported}"
    page.wait_for_selector(".chart-view svg.marks, .chart-view canvas")
    chart = page.locator(".chart-view").first
    assert chart.locator("svg, canvas").count() >= 1
    assert page.locator(".chart-view.failed").count() == 0
    # Every chart is drawn; each has its table.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.chart-view')].every(e => e.querySelector('svg'))"
    )
    assert page.locator("table.report-table caption").count() >= 10

    # Hovering a bar shows its tooltip (styled by dashboard.css, not an inline style element).
    page.locator(".chart-view svg path[role=graphics-symbol] >> visible=true").first.hover()
    page.wait_for_selector("#vg-tooltip-element.visible")

    # Another comparison: swapped in by HTMX, its charts drawn as well, the address kept.
    links = page.locator("[data-comparison]")
    assert links.count() >= 2
    other = links.last
    name = other.get_attribute("data-comparison")
    other.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#sammenligning [data-comparison-shown="{name}"]')
    page.wait_for_url(re.compile(rf"sammenligning={name}"))
    assert other.get_attribute("aria-current") == "true"
    if page.locator("#sammenligning .chart-view").count():
        page.wait_for_selector("#sammenligning .chart-view svg")

    # A download says it is under way and then that it is done; the file is the PDF.
    with page.expect_download() as started:
        page.locator('.downloads a[data-label="PDF"]').click()
        assert page.inner_text("#nedlasting-status").startswith("Lager PDF-filen")
    download = started.value
    assert download.suggested_filename == f"brukerplan-{imported}-4601.pdf"
    with open(download.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"
    page.wait_for_selector("#nedlasting-status:has-text('PDF-filen er lastet ned.')")

    # Keyboard: the chooser is reachable.
    page.focus("#aar")
    assert page.evaluate("document.activeElement.id") == "aar"
    assert page.console_errors == []
