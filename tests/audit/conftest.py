"""The web tests' world of units, users and roles, and the sample registrations imported."""

import importlib.util
import io
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

_spec = importlib.util.spec_from_file_location(
    "web_fixtures_for_audit", Path(__file__).resolve().parents[1] / "web" / "conftest.py"
)
_web = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_web)

django_db_setup = _web.django_db_setup
reference_data = _web.reference_data
world = _web.world
helpers = _web.helpers
smtp_server = _web.smtp_server

SAMPLE_YEAR = 2025


@pytest.fixture
def imported(world, sample_csv):
    """The sample registrations of 2025, imported by the command (Bergen has 42)."""
    cache.clear()
    call_command("import", str(sample_csv), stdout=io.StringIO(), stderr=io.StringIO())
    yield SAMPLE_YEAR
    cache.clear()
