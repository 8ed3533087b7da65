"""The pseudonym key over time: `brukerplan rotate-key` moves every stored key to a new
secret without a fødselsnummer, and links between years survive it."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from brukerplan.registrations import keys
from brukerplan.registrations.models import KeyRotation, Registration
from brukerplan.registrations.pseudonyms import person_key
from brukerplan.reports.data import report_document, resolve_scope
from tests.conftest import SAMPLE_CSV, TEST_PSEUDONYM_KEY, sample_as_year

pytestmark = pytest.mark.django_db

SECOND = "second-test-pseudonym-key"
SCOPES = ("national", "county:46", "municipality:4601")


@pytest.fixture(autouse=True)
def _second_secret(settings):
    settings.BRUKERPLAN_PSEUDONYM_LATER_KEYS = {2: SECOND}


def imported(path) -> None:
    call_command("import", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def documents(year: int) -> dict[str, bytes]:
    """Each scope's report document as the report command writes it (JSON)."""
    return {
        key: json.dumps(
            report_document(resolve_scope(key, year), year), ensure_ascii=False, indent=2
        ).encode()
        for key in SCOPES
    }


def numbers() -> list[str]:
    with SAMPLE_CSV.open(encoding="utf-8", newline="") as f:
        return [row["fodselsnummer"] for row in csv.DictReader(f)]


def rotated() -> str:
    out = io.StringIO()
    call_command("rotate-key", stdout=out)
    return out.getvalue()


@pytest.mark.slow
def test_every_report_document_is_byte_identical_after_rotation(tmp_path):
    imported(SAMPLE_CSV)
    imported(sample_as_year(tmp_path, 2026))
    before = {year: documents(year) for year in (2025, 2026)}
    trend = json.loads(before[2026]["municipality:4601"])["tables"]["trend_kategorier"]
    assert trend["rows"], "the test needs a trend that links the years"
    assert "versjon 2 (" in rotated()
    assert set(Registration.objects.values_list("key_version", flat=True)) == {2}
    assert {year: documents(year) for year in (2025, 2026)} == before


@pytest.mark.slow
def test_next_years_mapping_links_to_the_rotated_keys_as_it_would_have_without(tmp_path):
    imported(SAMPLE_CSV)
    next_year = sample_as_year(tmp_path, 2026)
    imported(next_year)
    unrotated = documents(2026)
    Registration.objects.filter(aar=2026).delete()
    rotated()
    imported(next_year)  # new numbers go through the whole chain
    assert set(Registration.objects.values_list("key_version", flat=True)) == {2}
    assert documents(2026) == unrotated
    panel = json.loads(unrotated["municipality:4601"])["tables"]["panel_endring"]
    assert panel["rows"]


def test_the_old_secret_alone_and_the_new_secret_alone_match_no_row():
    imported(SAMPLE_CSV)
    stored_before = set(Registration.objects.values_list("person_key", flat=True))
    rotated()
    stored = set(Registration.objects.values_list("person_key", flat=True))
    digits = numbers()
    old, new = TEST_PSEUDONYM_KEY.encode(), SECOND.encode()
    assert {person_key(d, old) for d in digits} == stored_before
    assert not {person_key(d, old) for d in digits} & stored
    assert not {person_key(d, new) for d in digits} & stored
    assert {person_key(d, (old, new)) for d in digits} == stored


def test_duplicates_are_still_one_person_after_rotation():
    imported(SAMPLE_CSV)

    def groups() -> list[int]:
        counts: dict[str, int] = {}
        for key in Registration.objects.filter(aar=2025).values_list("person_key", flat=True):
            counts[key] = counts.get(key, 0) + 1
        return sorted(n for n in counts.values() if n > 1)

    before = groups()
    assert before, "the sample has persons mapped twice"
    rotated()
    assert groups() == before


def test_without_the_next_secret_in_production_nothing_moves_and_it_says_why(settings):
    imported(SAMPLE_CSV)
    settings.PRODUCTION = True
    settings.BRUKERPLAN_PSEUDONYM_LATER_KEYS = {}
    stored = set(Registration.objects.values_list("person_key", flat=True))
    with pytest.raises(CommandError, match="BRUKERPLAN_PSEUDONYM_KEY_2 er ikke satt"):
        rotated()
    assert set(Registration.objects.values_list("person_key", flat=True)) == stored
    assert not KeyRotation.objects.exists() and keys.active_version() == 1


def test_a_second_rotation_chains_on_from_the_first(settings):
    settings.BRUKERPLAN_PSEUDONYM_LATER_KEYS = {2: SECOND, 3: "third-test-pseudonym-key"}
    imported(SAMPLE_CSV)
    rotated()
    rotated()
    chain = (TEST_PSEUDONYM_KEY.encode(), SECOND.encode(), b"third-test-pseudonym-key")
    assert set(Registration.objects.values_list("person_key", flat=True)) == {
        person_key(d, chain) for d in numbers()
    }
