"""Retention: registrations older than the setting's number of years are deleted, with
the reports kept of them, only with --apply; without, it says what it would delete."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from brukerplan.registrations.models import Registration
from brukerplan.reports import store
from tests.conftest import SAMPLE_CSV, sample_as_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_years(tmp_path):
    for path in (SAMPLE_CSV, sample_as_year(tmp_path, 2026), sample_as_year(tmp_path, 2027)):
        call_command("import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return {y: Registration.objects.filter(aar=y).count() for y in (2025, 2026, 2027)}


def run(*args) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def test_without_apply_it_says_what_it_would_delete_and_deletes_nothing(three_years, settings):
    settings.BRUKERPLAN_RETENTION_YEARS = timezone.localdate().year - 2026 + 1  # keep 2026 on
    said = run()
    assert f"Ville slette {three_years[2025]} kartlegginger fra før 2026" in said
    assert f"(2025: {three_years[2025]})" in said and "--apply" in said
    assert Registration.objects.filter(aar=2025).count() == three_years[2025]


def test_apply_deletes_the_older_years_and_the_reports_kept_of_them(
    three_years, settings, django_capture_on_commit_callbacks
):
    settings.BRUKERPLAN_RETENTION_YEARS = timezone.localdate().year - 2026 + 1
    store.shared().set("brukerplan.store.frame:test:2025", "kept", 60)
    with django_capture_on_commit_callbacks(execute=True):
        said = run("--apply")
    assert f"Slettet {three_years[2025]} kartlegginger fra før 2026" in said
    assert not Registration.objects.filter(aar=2025).exists()
    assert Registration.objects.filter(aar=2026).count() == three_years[2026]
    assert Registration.objects.filter(aar=2027).count() == three_years[2027]
    assert store.shared().get("brukerplan.store.frame:test:2025") is None
    assert "Ingen kartlegginger er eldre enn 2026" in run()


def test_without_a_retention_setting_nothing_is_deleted(three_years, settings):
    settings.BRUKERPLAN_RETENTION_YEARS = 0
    with pytest.raises(CommandError, match="ingen oppbevaringstid er satt"):
        run("--apply")
    assert Registration.objects.count() == sum(three_years.values())
