"""The report store: the year's frame and comparison sections, shared between reports."""

import io

import polars as pl
import pytest
from django.core.management import call_command
from polars.testing import assert_frame_equal

from brukerplan.organisations import population
from brukerplan.organisations.actions import import_population
from brukerplan.registrations.models import Registration
from brukerplan.reports import data, store
from brukerplan.reports.data import report_document, resolve_scope

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def imported(sample_csv):
    store.clear()
    call_command("import", str(sample_csv), stdout=io.StringIO())
    yield
    store.clear()


def test_the_fingerprint_changes_when_a_submitted_registration_does(imported):
    before = store.fingerprint(YEAR)
    assert store.fingerprint(YEAR) == before
    one = Registration.objects.filter(aar=YEAR).first()
    one.status = Registration.Status.DRAFT
    one.save()
    assert store.fingerprint(YEAR) != before


def test_the_fingerprint_changes_when_the_contact_person_chooses_a_duplicate(imported):
    before = store.fingerprint(YEAR)
    Registration.objects.filter(pk=Registration.objects.filter(aar=YEAR).first().pk).update(
        foretrukket=True
    )  # update() leaves updated_at as it was
    assert store.fingerprint(YEAR) != before


def test_the_fingerprint_changes_when_population_is_imported(imported):
    before = store.fingerprint(YEAR)
    import_population([population.Population("4601", YEAR, 291940, 233552)])
    assert store.fingerprint(YEAR) != before


def test_the_frame_comes_from_the_store_while_the_data_is_unchanged(imported, monkeypatch):
    loaded = data.national_frame(YEAR)

    def no_database(*args):
        raise AssertionError("the frame should have come from the store")

    monkeypatch.setattr(data, "registrations_frame", no_database)
    assert_frame_equal(data.national_frame(YEAR), loaded)
    monkeypatch.undo()
    Registration.objects.filter(aar=YEAR).first().delete()
    assert data.national_frame(YEAR).height == loaded.height - 1


def test_a_frame_from_the_database_has_the_same_columns_as_an_empty_one(imported):
    frame = data.registrations_frame("national", None, YEAR)
    empty = data.registrations_frame("municipality", "9999", YEAR)
    assert empty.height == 0 and frame.height > 0
    assert frame.schema == empty.schema
    assert frame["kartlagt_dato"].dtype == pl.Date


def test_a_second_municipal_report_takes_its_comparisons_from_the_store(imported, monkeypatch):
    bergen = resolve_scope("municipality:4601", YEAR)
    first = report_document(bergen, YEAR)
    from brukerplan.reports import document as document_module

    def not_again(*args, **kwargs):
        raise AssertionError("the comparison should have come from the store")

    monkeypatch.setattr(document_module, "comparison_document", not_again)
    assert report_document(bergen, YEAR)["comparisons"] == first["comparisons"]
    # Another municipality of Vestland reuses the county and the country.
    other = (
        Registration.objects.filter(aar=YEAR, fylkesnummer="46")
        .exclude(kommunenummer="4601")
        .values_list("kommunenummer", flat=True)
        .first()
    )
    try:
        document = report_document(resolve_scope(f"municipality:{other}", YEAR), YEAR)
    except data.TooFewPersons:
        return
    assert document["comparisons"]["fylke"] == first["comparisons"]["fylke"]


def test_a_changed_threshold_gives_fresh_comparisons(imported, settings, monkeypatch):
    """The sections are kept under the threshold they were made with: a report made
    under another one computes its own instead of taking numbers hidden by another rule."""
    bergen = resolve_scope("municipality:4601", YEAR)
    first = report_document(bergen, YEAR)
    assert first["threshold"] == 5
    from brukerplan.reports import document as document_module

    made = []
    real = document_module.comparison_document

    def spied(label, persons, instrument, year, threshold, **options):
        made.append((label, threshold))
        return real(label, persons, instrument, year, threshold, **options)

    monkeypatch.setattr(document_module, "comparison_document", spied)
    settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD = 10
    second = report_document(bergen, YEAR)
    assert second["threshold"] == 10
    assert {threshold for _, threshold in made} == {10} and len(made) == len(first["comparisons"])
    for section in second["comparisons"].values():
        counts = [r["values"]["antall"] for r in section["tables"]["kategorier"]["rows"]]
        assert all(n is None or n == 0 or n >= 10 for n in counts)
    # And back: the sections of 5 are still kept, under 5.
    settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD = 5
    made.clear()
    assert report_document(bergen, YEAR)["comparisons"] == first["comparisons"]
    assert made == []


def test_a_changed_registration_gives_fresh_comparisons(imported):
    bergen = resolve_scope("municipality:4601", YEAR)
    before = report_document(bergen, YEAR)["comparisons"]["landet"]["persons"]
    gone = Registration.objects.filter(aar=YEAR).exclude(kommunenummer="4601")
    gone.filter(pk__in=list(gone.values_list("pk", flat=True)[:6])).delete()
    after = report_document(bergen, YEAR)["comparisons"]["landet"]["persons"]
    assert after is not None and before is not None and after < before


def test_an_import_builds_no_report_data_in_its_own_process_and_a_report_stores_them(imported):
    # A million-row import would hold the whole year here: the worker or a first report builds.
    assert store.cached_national_frame(YEAR, store.fingerprint(YEAR)) is None
    data.national_frame(YEAR)
    cached = store.cached_national_frame(YEAR, store.fingerprint(YEAR))
    assert cached is not None
    assert cached.height == Registration.objects.filter(aar=YEAR).count()
