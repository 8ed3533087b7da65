import os
from pathlib import Path

import pytest

TEST_PSEUDONYM_KEY = "test-pseudonym-key"
SHARED_SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec"
SAMPLE_CSV = SHARED_SPEC / "sample-registrations.csv"


@pytest.fixture(autouse=True)
def _pseudonym_key(settings):
    settings.BRUKERPLAN_PSEUDONYM_KEY = TEST_PSEUDONYM_KEY


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the county and municipality register loaded once."""
    from brukerplan.organisations.actions import load_reference_data

    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture
def sample_csv() -> Path:
    if not SAMPLE_CSV.exists():
        pytest.skip("../shared/spec is not beside the checkout")
    return SAMPLE_CSV


# Debian's chromium, never a downloaded browser; the flags keep it off the closed network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """A headless chromium through Playwright, one per test module."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (run `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
