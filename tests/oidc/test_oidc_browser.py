"""Login through the real OpenID provider in a real browser (Debian's chromium, Playwright)."""

import re

import pytest

from brukerplan.accounts.actions import link_external_identity
from tests.oidc.conftest import configure, running_provider

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def browser_provider(live_server):
    """The provider, for a client that comes back to the live server."""
    with running_provider([live_server.url]) as found:
        yield found


def test_a_contact_person_logs_in_through_the_provider_and_out_of_both(
    open_page, world, settings, browser_provider
):
    configure(settings, browser_provider)
    contact = world.users["contact"]
    link_external_identity(contact, issuer=browser_provider.issuer, subject="kari-hoy", by=None)
    page = open_page()

    page.goto("/konto/logg-inn/")
    page.click("#oidc-login")
    page.wait_for_url(re.compile(re.escape(browser_provider.issuer) + r"/interaction/"))
    page.check("input[value=kari-hoy]")
    page.click("button[type=submit]")
    # Back as the contact person, on their municipality's page: no local code was asked,
    # for the provider's level (high) is the second factor.
    page.wait_for_url(re.compile(r"/kommune/4601/$"))
    assert "Bergen" in page.inner_text("h1")
    assert page.csp_errors == []

    page.click("header button[type=submit]")  # «Logg ut»
    page.wait_for_url(re.compile(re.escape(browser_provider.issuer) + r"/session/end"))
    page.click("button[name=logout]")
    page.wait_for_url(re.compile(r"/konto/logg-inn/$"))
    page.goto("/kommune/4601/")
    page.wait_for_url(re.compile(r"/konto/logg-inn/"))
