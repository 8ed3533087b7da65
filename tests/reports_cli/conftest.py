"""Fixtures of the report command's tests."""

import io

import pytest
from django.core.management import call_command


@pytest.fixture
def imported(sample_csv):
    """The sample registrations, imported as the command line does it."""
    call_command("import", str(sample_csv), stdout=io.StringIO())
