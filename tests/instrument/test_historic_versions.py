"""Historic instrument versions (2016.1, 2018.1, 2019.1): import, scoring, and the 2020
report's development chapter against 2017 (Tabell 14-16, Figur 40-46 of seed 003)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import pytest
import version_rows
from django.core.management import CommandError, call_command

from brukerplan.instrument import definition
from brukerplan.organisations.models import Population
from brukerplan.registrations.models import Registration
from brukerplan.registrations.pseudonyms import pseudonymise
from brukerplan.reports import data
from brukerplan.reports.document import Scope

pytestmark = pytest.mark.django_db

# Which municipality maps in which year: Oslo every second year (2016, 2019), Bergen in
# 2017 and 2020, Stavanger every year of both periods (the later year counts), Trondheim
# only in the base period and Haugesund only in the report period (neither in the
# selection); Bergen's 2018 mapping is in the historic version 2018.1 and in no period.
MAPPINGS = {
    2016: ["0301", "1103"],
    2017: ["4601", "1103", "5001"],
    2018: ["4601"],
    2019: ["0301", "1103"],
    2020: ["4601", "1103", "1106"],
}
POPULATION = {"0301": 700_000, "4601": 290_000, "1103": 145_000, "5001": 210_000, "1106": 1900}
THRESHOLD = 5
AREAS = definition.load("2026.1").index_areas


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The rows of every year (each municipality its own persons) and their files."""
    directory = tmp_path_factory.mktemp("historic")
    found = {}
    for year, codes in MAPPINGS.items():
        rows = []
        for i, code in enumerate(codes):
            rows += version_rows.rows(year, 120, year * 10 + i, [code])
        found[year] = (rows, version_rows.write(directory / f"{year}.csv", year, rows))
    return found


@pytest.fixture
def imported(files):
    for year in MAPPINGS:
        out = io.StringIO()
        call_command("import", str(files[year][1]), stdout=out)
    Population.objects.bulk_create(
        Population(municipality_code=code, year=2020, total=total, adults=total * 3 // 4)
        for code, total in POPULATION.items()
    )
    return files


def test_a_2018_mapping_imports_in_the_historic_version(imported):
    registrations = Registration.objects.filter(aar=2018)
    assert registrations.count() == len(imported[2018][0])
    assert set(registrations.values_list("instrument_version", flat=True)) == {"2018.1"}
    assert {r.kommunenummer for r in registrations} == {"4601"}
    answers = registrations.first().answers
    assert "pakkeforlop" not in answers and "andres_barn" not in answers
    assert set(
        Registration.objects.filter(aar=2019).values_list("instrument_version", flat=True)
    ) == {"2019.1"}


def test_a_2018_file_with_a_question_of_2019_is_refused_whole(files, tmp_path):
    rows, _ = files[2018]
    path = tmp_path / "wrong.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, [*rows[0], "pakkeforlop"])
        writer.writeheader()
        writer.writerows({**r, "pakkeforlop": "0"} for r in rows[:3])
    err = io.StringIO()
    with pytest.raises(CommandError, match="Ingenting er importert"):
        call_command("import", str(path), stdout=io.StringIO(), stderr=err)
    assert "kolonne pakkeforlop: ukjent kolonne for instrumentet 2018.1" in err.getvalue()
    assert not Registration.objects.filter(aar=2018).exists()


def test_before_2018_the_substance_groups_index_is_not_computed(imported):
    rus = Registration.objects.filter(aar=2017, answers__rusproblem=1)
    psykisk = Registration.objects.filter(aar=2017, answers__rusproblem=0)
    assert rus.exists() and psykisk.exists()
    assert set(rus.values_list("levekarsindeks", flat=True)) == {None}
    assert set(rus.values_list("indeksgruppe", flat=True)) == {""}
    assert None not in set(psykisk.values_list("levekarsindeks", flat=True))
    assert None not in set(
        Registration.objects.filter(aar=2018).values_list("levekarsindeks", flat=True)
    )


# --- the development chapter, computed here independently of the report engine ---------


def _birth_year(row) -> int:
    return pseudonymise(row["fodselsnummer"], version_rows.READING_KEY).fodselsaar


def _chapter_persons(rows: list[dict]) -> dict[str, list[dict]]:
    """Per municipality, the persons the seed's chapter counts in one year's rows."""
    health = [r for r in rows if r["enhetstype"] == "helse_omsorg"]
    by_person = defaultdict(list)
    for r in health:
        by_person[r["fodselsnummer"]].append(r)
    found = defaultdict(list)
    for mapped in by_person.values():
        chosen = max(mapped, key=lambda r: (r["kartlagt_dato"], r["registrering_id"]))
        if int(chosen["aar"]) - _birth_year(chosen) >= 18 and chosen["rusproblem"] == "1":
            found[chosen["kommunenummer"]].append(chosen)
    return found


def _period(files, later: int) -> dict[str, list[dict]]:
    latest = _chapter_persons(files[later][0])
    earlier = _chapter_persons(files[later - 1][0])
    return {**{m: p for m, p in earlier.items()}, **latest}


def _shown(numerator: int, denominator: int):
    if denominator < THRESHOLD or 0 < numerator < THRESHOLD:
        return None
    return 100.0 * numerator / denominator


def _values(document, table_id):
    return {row["key"]: row["values"] for row in document["tables"][table_id]["rows"]}


@pytest.fixture
def expected(imported):
    base, current = _period(imported, 2017), _period(imported, 2020)
    selection = sorted(set(base) & set(current))
    return (
        selection,
        [p for m in selection for p in base[m]],
        [p for m in selection for p in current[m]],
    )


@pytest.fixture
def document(imported, settings):
    settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD = THRESHOLD
    return data.report_document(Scope("national", None, "Hele landet"), 2020)


def test_the_selection_is_the_municipalities_that_mapped_in_both_periods(expected, document):
    selection, base, current = expected
    assert selection == ["0301", "1103", "4601"]
    table = document["tables"]["utvikling_utvalg"]
    assert [c["label"] for c in table["columns"]][1:] == [
        "Antall kartlagte 2020",
        "Antall kartlagte 2017",
    ]
    rows = _values(document, "utvikling_utvalg")
    assert rows["i_alt"] == {"kommuner": None, "denne": len(current), "grunnaar": len(base)}
    # by the size classes of the 2020 population (a class of 1-4 municipalities is hidden)
    assert rows["50000_pluss"]["denne"] == len(current)
    assert rows["under_2000"] == {"kommuner": 0, "denne": 0, "grunnaar": 0}
    assert len(current) > 50 and len(base) > 50


@pytest.mark.parametrize(
    ("table_id", "colour"), [("utvikling_gronn", "gronn"), ("utvikling_rod", "rod")]
)
def test_tabell_15_and_16_give_the_share_with_a_colour_in_each_period(
    expected, document, table_id, colour
):
    _selection, base, current = expected
    rows = _values(document, table_id)
    assert list(rows) == list(AREAS)
    for area in AREAS:
        assert rows[area]["denne"] == pytest.approx(
            _shown(sum(p[area] == colour for p in current), len(current))
        ), area
        assert rows[area]["grunnaar"] == pytest.approx(
            _shown(sum(p[area] == colour for p in base), len(base))
        ), area


def test_figures_40_to_46_compare_sex_age_areas_activities_and_plans(expected, document):
    _selection, base, current = expected
    for name, persons in (("denne", current), ("grunnaar", base)):
        n = len(persons)
        sexes = _values(document, "utvikling_kjonn")
        assert sexes["kvinne"][name] == pytest.approx(
            _shown(
                sum(
                    pseudonymise(p["fodselsnummer"], version_rows.READING_KEY).kjonn == "kvinne"
                    for p in persons
                ),
                n,
            )
        )
        ages = _values(document, "utvikling_alder")
        mean_age = sum(int(p["aar"]) - _birth_year(p) for p in persons) / n
        assert ages["snitt"][name] == pytest.approx(mean_age)
        areas = _values(document, "utvikling_levekarsomrader")
        assert areas["okonomi:gul"][name] == pytest.approx(
            _shown(sum(p["okonomi"] == "gul" for p in persons), n)
        )
        for table_id, question in (
            ("utvikling_aktiviteter", "aktiviteter"),
            ("utvikling_planer", "planer"),
        ):
            rows = _values(document, table_id)
            assert list(rows) == list(definition.load("2026.1").question(question).codes)
            for code, values in rows.items():
                chosen = sum(p[f"{question}.{code}"] == "1" for p in persons)
                assert values[name] == pytest.approx(_shown(chosen, n)), (question, code)


def test_figur_44_has_no_2017_index_and_says_why(expected, document):
    _selection, _base, current = expected
    points = definition.load("2026.1").index_points
    index = [sum(points[p[a]] for a in AREAS) for p in current]
    rows = _values(document, "utvikling_levekarsindeks")
    assert rows["snitt"]["denne"] == pytest.approx(sum(index) / len(index))
    assert {values["grunnaar"] for values in rows.values()} == {None}
    # not applicable, not a suppression
    suppressed = document["tables"]["utvikling_levekarsindeks"]["suppressed"]
    assert not any("grunnaar" in cells for cells in suppressed.values())
    note = document["notes"]["utvikling_levekarsindeks"]
    assert "Levekårsindeksen for 2017 er ikke beregnet" in note and "vektet" in note
    assert "2016.1, 2019.1, 2026.1" in document["notes"]["utvikling_gronn"]


def test_questions_a_version_lacks_are_left_out_of_the_chapter(document):
    # 2016.1 grades drug use and asks no pakkeforlop: neither is compared
    keys = {
        row["key"]
        for table_id, table in document["tables"].items()
        if table_id.startswith("utvikling_")
        for row in table["rows"]
    }
    assert "rusmiddelbruk:gul" in keys  # an area both versions share
    assert not [k for k in keys if k.startswith(("rusmidler", "rusmiddel_", "pakkeforlop"))]


@pytest.mark.parametrize("year", [2017, 2018])
def test_a_historic_years_report_builds_without_what_its_version_lacks(imported, settings, year):
    settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD = THRESHOLD
    document = data.report_document(Scope("national", None, "Hele landet"), year)
    assert document["instrument_version"] == definition.for_year(year).version
    tables = document["tables"]
    assert tables["levekarsomrader"]["rows"] and tables["vedlegg_sporsmal"]["rows"]
    # the duration of mental problems is asked from 2018
    assert bool(tables["varighet_kategori"]["rows"]) == (year >= 2018)
    appendix = {row["key"] for row in tables["vedlegg_sporsmal"]["rows"]}
    assert "rusmiddel_alkohol:svaert_omfattende" in appendix
    assert ("selvmordsforsok_siste_ar:1" in appendix) == (year < 2018)
    # the index of the substance group is not computed before 2018, and the report says so
    notes = document.get("notes", {})
    assert ("levekarsindeks" in notes) == (year < 2018)
    if year < 2018:
        assert "ikke beregnet for rusproblemer i versjon 2016.1" in notes["levekarsindeks"]
        rus = {r["key"]: r["values"] for r in tables["levekarsindeks"]["rows"]}["rus"]
        assert rus["snitt"] is None and "rus" not in tables["levekarsindeks"]["suppressed"]
