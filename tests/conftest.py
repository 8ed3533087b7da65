import pytest

TEST_PSEUDONYM_KEY = "test-pseudonym-key"


@pytest.fixture(autouse=True)
def _pseudonym_key(settings):
    settings.BRUKERPLAN_PSEUDONYM_KEY = TEST_PSEUDONYM_KEY
