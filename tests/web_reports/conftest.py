"""Fixtures of the web tests (a world of units, users and roles), and imported sample data."""

import importlib.util
import io
import signal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

_spec = importlib.util.spec_from_file_location(
    "web_fixtures", Path(__file__).resolve().parents[1] / "web" / "conftest.py"
)
_web = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_web)

reference_data = _web.reference_data
world = _web.world
helpers = _web.helpers

SAMPLE_YEAR = 2025


@pytest.fixture(autouse=True)
def _empty_cache():
    """Built reports are cached; every test starts without any."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def imported(world, sample_csv):
    """The sample registrations of 2025 (Bergen has 42, Oslo 52)."""
    call_command("import", str(sample_csv), stdout=io.StringIO(), stderr=io.StringIO())
    return SAMPLE_YEAR


@pytest.fixture
def run_worker(monkeypatch):
    """Runs the real task worker over what is queued (`db_worker --batch`), then returns."""

    def run() -> None:
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        # The worker closes connections between tasks; here that would end the test's own
        # transaction (on PostgreSQL), which holds the queued task and the world.
        monkeypatch.setattr(
            "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
        )
        try:
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
        finally:
            for s, handler in handlers.items():
                signal.signal(s, handler)

    return run


@pytest.fixture
def rendered(monkeypatch):
    """The renderers replaced by a stand-in that says what it was asked for (fast)."""
    from brukerplan.reports import publication

    made = []

    def fake(document, format, **kwargs):
        made.append((document["scope"]["type"], document["scope"]["code"], format))
        return f"{format} {document['scope']['code']}".encode()

    monkeypatch.setattr(publication, "output", fake)
    return made
