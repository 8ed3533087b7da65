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
