"""A second instrument version (the fixture 2027.1: one new question, one changed option
list, one removed question): the form, the import, the export, validation and reports
each follow the version of the registration's year."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
import version_rows
from django.apps import apps
from django.core.management import CommandError, call_command

from brukerplan.instrument import definition
from brukerplan.organisations.actions import open_period
from brukerplan.organisations.models import County, Municipality, Unit
from brukerplan.registrations import actions, forms, mapping
from brukerplan.registrations.models import Registration
from brukerplan.registrations.pseudonyms import pseudonymise
from brukerplan.reports import data
from brukerplan.reports.document import Scope, build_report

FIXTURE_VERSIONS = Path(__file__).resolve().parents[1] / "fixtures" / "instrument"
NEW, CHANGED, REMOVED = "elektronisk_id", "aktiviteter", "kognitive_vansker"
THRESHOLD = 5


@pytest.fixture(autouse=True)
def version_2027():
    definition.add_directory(FIXTURE_VERSIONS)
    yield definition.load("2027.1")
    definition.remove_directory(FIXTURE_VERSIONS)


def test_the_setting_adds_a_directory_of_definitions(settings):
    definition.remove_directory(FIXTURE_VERSIONS)
    assert definition.for_year(2027).version == "2026.1"
    settings.BRUKERPLAN_INSTRUMENT_DIRS = [str(FIXTURE_VERSIONS)]
    apps.get_app_config("instrument").ready()
    assert definition.for_year(2027).version == "2027.1"
    assert definition.for_year(2026).version == "2026.1"


def test_removing_the_directory_forgets_its_versions_only():
    shipped = definition.load("2026.1")
    definition.remove_directory(FIXTURE_VERSIONS)
    assert definition.load("2026.1") is shipped  # what others hold stays the same object
    with pytest.raises(FileNotFoundError):
        definition.load("2027.1")
    definition.add_directory(FIXTURE_VERSIONS)
    assert definition.load("2026.1") is shipped and definition.current().version == "2027.1"


def test_the_fixture_differs_from_2026_1_by_one_question_of_each_kind():
    found = definition.differences(definition.load("2026.1"), definition.load("2027.1"))
    assert (found.only_first, found.only_second, found.changed) == ((REMOVED,), (NEW,), (CHANGED,))


def _answers(instrument, **changes):
    """A valid registration of a man with only mental problems, in the version."""
    rows = version_rows.rows(instrument.applies_from_year, 40, 7, ["4601"])
    for row in rows:
        kjonn = pseudonymise(row["fodselsnummer"], version_rows.READING_KEY).kjonn
        if row["rusproblem"] == "0" and kjonn == "mann":
            from brukerplan.instrument.cells import parse_cells

            answers, errors = parse_cells(instrument, row, {"kjonn": kjonn})
            assert not errors
            return {**answers, **changes}
    raise AssertionError("no such person")


def test_validation_follows_the_version_of_the_year(version_2027):
    old = definition.for_year(2026)
    answers = _answers(old)
    assert old.validate(answers, {"kjonn": "mann"}) == []
    errors = {e.column: e.message for e in version_2027.validate(answers, {"kjonn": "mann"})}
    assert errors[REMOVED] == f"ukjent spørsmål '{REMOVED}'"
    assert errors[NEW] == "mangler svar"
    new = _answers(version_2027, aktiviteter=["digital"])
    assert version_2027.validate(new, {"kjonn": "mann"}) == []
    wrong = {
        e.column for e in old.validate({**answers, "aktiviteter": ["digital"]}, {"kjonn": "mann"})
    }
    assert wrong == {"aktiviteter.digital"}


@pytest.fixture
def bergen_unit(db):
    bergen = Municipality.objects.valid_in(2027).get(code="4601")
    unit = Unit.objects.create(
        municipality=bergen, name="Psykisk helse og rus", type="helse_omsorg"
    )
    vestland = County.objects.get(code="46")
    for year in (2026, 2027):
        open_period(vestland, year, datetime.date(year, 1, 1), datetime.date(year, 12, 31), by=None)
    return unit


def _form_keys(registration):
    instrument = mapping.instrument_of(registration)
    sections = forms.form_sections(instrument, {}, mapping.derived_of(registration))
    return {f.question.key: f for s in sections for f in s.fields}


@pytest.mark.django_db
def test_the_form_follows_the_version_of_the_registrations_year(bergen_unit):
    made = {}
    for year in (2026, 2027):
        made[year] = actions.start_registration(
            unit=bergen_unit,
            by=None,
            fodselsnummer=version_rows.rows(2027, 5, 3, ["4601"])[0]["fodselsnummer"],
            today=datetime.date(year, 3, 1),
        )
    assert made[2027].instrument_version == "2027.1"
    assert made[2026].instrument_version == "2026.1"
    new, old = _form_keys(made[2027]), _form_keys(made[2026])
    assert NEW in new and REMOVED not in new
    assert REMOVED in old and NEW not in old
    assert "digital" in str(new[CHANGED].choices) and "digital" not in str(old[CHANGED].choices)


def _rows(year: int, persons: int = 150) -> list[dict[str, str]]:
    rows = version_rows.rows(year, persons, year, ["4601"])
    if year >= 2027:  # the new question answered yes by every second person
        for i, row in enumerate(rows):
            row[NEW] = "1" if i % 2 == 0 else "0"
    return rows


@pytest.fixture
def imported(db, tmp_path):
    found = {}
    for year in (2025, 2026, 2027):
        found[year] = _rows(year)
        path = version_rows.write(tmp_path / f"{year}.csv", year, found[year])
        call_command("import", str(path), stdout=io.StringIO())
    return found


def test_the_import_follows_the_version_of_the_rows_year(imported, tmp_path):
    versions = dict(Registration.objects.values_list("aar", "instrument_version").distinct())
    assert versions == {2025: "2026.1", 2026: "2026.1", 2027: "2027.1"}
    assert all(
        NEW in a and REMOVED not in a
        for a in Registration.objects.filter(aar=2027).values_list("answers", flat=True)
    )
    for year, column in ((2027, REMOVED), (2026, NEW)):
        rows = [
            {**r, "registrering_id": f"X{r['registrering_id']}", column: "0"}
            for r in imported[year][:2]
        ]
        path = tmp_path / f"wrong-{year}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, [*rows[0]])
            writer.writeheader()
            writer.writerows(rows)
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("import", str(path), stdout=io.StringIO(), stderr=err)
        version = definition.for_year(year).version
        assert f"kolonne {column}: ukjent kolonne for instrumentet {version}" in err.getvalue()


def test_the_export_follows_the_version_of_the_year(imported, tmp_path):
    headers = {}
    for year in (2026, 2027):
        out = tmp_path / f"export-{year}.csv"
        call_command(
            "export",
            "--municipality",
            "4601",
            "--year",
            str(year),
            "--out",
            str(out),
            stdout=io.StringIO(),
        )
        with out.open(encoding="utf-8") as f:
            headers[year] = next(csv.reader(f))
    assert NEW in headers[2027] and "aktiviteter.digital" in headers[2027]
    assert REMOVED not in headers[2027]
    assert REMOVED in headers[2026] and NEW not in headers[2026]
    assert "aktiviteter.digital" not in headers[2026]


def _row_keys(document, table_id):
    return [row["key"] for row in document["tables"][table_id]["rows"]]


def test_reports_follow_the_version_and_every_question_reaches_the_appendix(imported, settings):
    # The threshold 1 hides nothing: so few persons would hide much of the appendix.
    settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD = 1
    new = data.report_document(Scope("national", None, "Hele landet"), 2027)
    old = data.report_document(Scope("national", None, "Hele landet"), 2026)
    assert (new["instrument_version"], old["instrument_version"]) == ("2027.1", "2026.1")
    appendix = _row_keys(new, "vedlegg_sporsmal")
    # every question of the version, from the definition alone
    for question in definition.load("2027.1").questions:
        assert any(k.startswith((f"{question.key}:", f"{question.key}.")) for k in appendix), (
            question.key
        )
    assert "aktiviteter.digital" in appendix
    assert not [k for k in appendix if k.startswith(REMOVED)]
    assert [k for k in _row_keys(old, "vedlegg_sporsmal") if k.startswith(REMOVED)]
    # no other table knows the new question
    others = {k for t in new["tables"] if t != "vedlegg_sporsmal" for k in _row_keys(new, t)} | {
        c["key"] for t in new["tables"].values() for c in t["columns"]
    }
    assert not [k for k in others if NEW in k]
    # its counts, computed here from the file: persons with substance problems, adults
    rows = {r["kartlagt_dato"] + r["registrering_id"]: r for r in imported[2027]}
    by_person = {}
    for key in sorted(rows):
        by_person[rows[key]["fodselsnummer"]] = rows[key]  # the latest registration wins
    adults = [
        r
        for r in by_person.values()
        if 2027 - pseudonymise(r["fodselsnummer"], version_rows.READING_KEY).fodselsaar >= 18
    ]
    rus = [r for r in adults if r["rusproblem"] == "1"]
    yes = sum(r[NEW] == "1" for r in rus)
    values = {row["key"]: row["values"] for row in new["tables"]["vedlegg_sporsmal"]["rows"]}
    assert 0 < yes < len(rus)
    assert values[f"{NEW}:1"]["rus_antall"] == yes
    assert values[f"{NEW}:1"]["rus_andel"] == pytest.approx(100.0 * yes / len(rus))
    assert values[f"{NEW}:0"]["rus_antall"] == len(rus) - yes


def test_the_appendix_is_protected_with_the_rest_of_the_document(imported, settings):
    settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD = THRESHOLD
    document = data.report_document(Scope("national", None, "Hele landet"), 2027)
    reasons = {
        reason
        for cells in document["tables"]["vedlegg_sporsmal"]["suppressed"].values()
        for reason in cells.values()
    }
    assert reasons == {"primary", "secondary"}  # its cells carry masks: in the model


def test_a_trend_across_two_versions_compares_only_what_both_share_and_says_so(imported):
    frames = {y: data.registrations_frame("municipality", "4601", y) for y in (2025, 2026, 2027)}
    bergen = Scope("municipality", "4601", "Bergen")

    def document(year):
        return build_report(
            bergen,
            year,
            frames[year],
            definition.for_year(year),
            THRESHOLD,
            previous=frames[year - 1],
            previous_instrument=definition.for_year(year - 1),
        )

    same, across = document(2026), document(2027)
    assert "notes" not in same or "trend_bakgrunn" not in same["notes"]
    assert "rus:aktiviteter:arbeid" in _row_keys(same, "trend_bakgrunn")
    keys = _row_keys(across, "trend_bakgrunn")
    assert "rus:planer:ingen" in keys and "rus:alder_snitt" in keys
    assert not [k for k in keys if ":aktiviteter:" in k]  # its options changed
    note = across["notes"]["trend_bakgrunn"]
    assert "2026 er kartlagt med versjon 2026.1" in note and "2027 med versjon 2027.1" in note
    for key, instrument in ((REMOVED, "2026.1"), (NEW, "2027.1"), (CHANGED, "2027.1")):
        assert definition.load(instrument).question(key).label in note
    assert across["notes"]["panel_endring"] == note
