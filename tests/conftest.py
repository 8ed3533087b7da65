import csv
import datetime
import json
import os
from pathlib import Path

import pytest

TEST_PSEUDONYM_KEY = "test-pseudonym-key"
SHARED_SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec"
SAMPLE_CSV = SHARED_SPEC / "sample-registrations.csv"
FRAME_TEST_KEY = b"report-engine-test-key"


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


# Analysis frames without a database, for the report engine's and the renderings' tests.
def _read_rows(path: Path = SAMPLE_CSV) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _frame_from_rows(rows: list[dict[str, str]], key: bytes = FRAME_TEST_KEY):
    """An analysis frame from rows of the exchange format, as the database loader would give."""
    import polars as pl

    from brukerplan.instrument import definition
    from brukerplan.instrument.cells import parse_cells
    from brukerplan.registrations.pseudonyms import pseudonymise
    from brukerplan.reports import frame

    instrument = definition.current()
    records = []
    for row in rows:
        identity = pseudonymise(row["fodselsnummer"], key)
        answers, errors = parse_cells(instrument, row, {"kjonn": identity.kjonn})
        assert not errors, (row["registrering_id"], errors)
        index = instrument.levekarsindeks(answers)
        records.append(
            {
                "registrering_id": row["registrering_id"],
                "aar": int(row["aar"]),
                "kartlagt_dato": datetime.date.fromisoformat(row["kartlagt_dato"]),
                "kommunenummer": row["kommunenummer"],
                "fylkesnummer": row["kommunenummer"][:2],
                "enhetstype": row["enhetstype"],
                "person_key": identity.person_key,
                "fodselsaar": identity.fodselsaar,
                "kjonn": identity.kjonn,
                "alder": int(row["aar"]) - identity.fodselsaar,
                "levekarsindeks": index,
                "indeksgruppe": instrument.index_group(index),
                "kategori": instrument.kategori(answers),
                "foretrukket": False,
                "answers": json.dumps(answers),
            }
        )
    if not records:
        return frame.empty(instrument)
    return frame.build(pl.DataFrame(records), instrument)


@pytest.fixture(scope="session")
def read_rows():
    """Read rows of the exchange format (default: the spec's sample CSV); skip when absent."""

    def read(path: Path = SAMPLE_CSV) -> list[dict[str, str]]:
        if not path.exists():
            pytest.skip("../shared/spec is not beside the checkout")
        return _read_rows(path)

    return read


@pytest.fixture(scope="session")
def make_frame():
    """Build an analysis frame from rows of the exchange format."""
    return _frame_from_rows
