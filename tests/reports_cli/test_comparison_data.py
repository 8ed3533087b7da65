"""A municipal report from the database: comparisons, coverage per 1 000 and trends."""

import io

import pytest
from django.core.management import call_command

from brukerplan.organisations import population
from brukerplan.organisations.actions import import_population
from brukerplan.registrations.models import Registration
from brukerplan.reports.data import report_document, resolve_scope

pytestmark = pytest.mark.django_db

YEAR = 2025
# Bergen in the 50 000+ class with Oslo and Trondheim; Stord (4614) in 10 000-19 999.
INHABITANTS = {"0301": 717710, "4601": 291940, "5001": 214565, "4624": 31000, "4621": 16200}


@pytest.fixture
def imported(sample_csv):
    call_command("import", str(sample_csv), stdout=io.StringIO())
    import_population(
        [
            population.Population(code, YEAR, total, total * 4 // 5)
            for code, total in INHABITANTS.items()
        ]
    )


def rows(table: dict) -> dict:
    return {row["key"]: row["values"] for row in table["rows"]}


def test_a_municipal_report_carries_its_county_the_country_and_its_size_class(imported):
    document = report_document(resolve_scope("municipality:4601", YEAR), YEAR)
    compared = document["comparisons"]
    assert list(compared) == ["fylke", "landet", "storrelse"]
    assert compared["fylke"]["label"] == "Vestland"
    assert compared["landet"]["label"] == "Hele landet"
    assert compared["storrelse"]["label"] == "Kommuner med 50 000 og mer innbyggere"
    national = report_document(resolve_scope("national", YEAR), YEAR)
    assert compared["landet"]["persons"] == national["persons"]
    landet = rows(compared["landet"]["tables"]["kategorier"])
    assert landet["alle"] == rows(national["tables"]["kategorier"])["alle"]
    county = report_document(resolve_scope("county:46", YEAR), YEAR)
    assert compared["fylke"]["persons"] == county["persons"]
    big = Registration.objects.filter(aar=YEAR, kommunenummer__in=["0301", "4601", "5001"])
    persons_in_class = rows(compared["storrelse"]["tables"]["kategorier"])["alle"]["antall"]
    assert 0 < persons_in_class <= big.count()
    for table_id in ("levekarsindeks", "levekarsindeks_grupper", "levekarsomrader"):
        assert table_id in compared["storrelse"]["tables"]


def test_a_municipal_report_gives_mapped_persons_per_1000_adults(imported):
    document = report_document(resolve_scope("municipality:4601", YEAR), YEAR)
    per_1000 = rows(document["tables"]["dekning_per_1000"])
    assert list(per_1000) == ["omfang", "fylke", "landet", "storrelse"]
    adults = INHABITANTS["4601"] * 4 // 5
    assert per_1000["omfang"]["innbyggere_18"] == adults
    assert per_1000["omfang"]["per_1000"] == pytest.approx(
        1000 * document["persons"] / adults, abs=1e-6
    )
    # Vestland: municipalities without population figures leave the county's rate unknown
    assert per_1000["fylke"]["per_1000"] is None
    by_class = rows(document["tables"]["dekning_storrelse"])
    assert by_class["50000_pluss"]["kartlagte"] == document["persons"]


def test_the_county_and_national_reports_compare_only_with_the_country(imported):
    county = report_document(resolve_scope("county:46", YEAR), YEAR)
    assert list(county["comparisons"]) == ["landet"]
    national = report_document(resolve_scope("national", YEAR), YEAR)
    assert "comparisons" not in national


def test_trends_of_a_municipality_use_its_own_previous_mapping(imported):
    scope = resolve_scope("municipality:4601", YEAR)
    assert rows(report_document(scope, YEAR)["tables"]["trend_kategorier"]) == {}
    copy_registrations("4601", YEAR - 1, "4601", "46")
    document = report_document(scope, YEAR)
    trend = rows(document["tables"]["trend_kategorier"])
    assert trend["alle"]["denne"] == document["persons"]
    assert trend["alle"]["forrige"] is not None and trend["alle"]["forrige"] > 0
    panel = rows(document["tables"]["panel_endring"])
    assert list(panel)[0] == "bosituasjon" and len(panel) == 8
    # the same answers both years: nobody changed (unless secondary suppression hides it)
    assert panel["bosituasjon"]["uendret"] in (None, 100)
    assert panel["bosituasjon"]["bedre"] in (None, 0)


def copy_registrations(code: str, year: int, as_code: str, as_county: str) -> None:
    copies = []
    for registration in Registration.objects.filter(aar=YEAR, kommunenummer=code):
        registration.pk = None
        registration.registrering_id = f"{year}-{as_code}-{registration.registrering_id}"
        registration.aar = year
        registration.kartlagt_dato = registration.kartlagt_dato.replace(year=year)
        registration.alder -= YEAR - year
        registration.kommunenummer = as_code
        registration.fylkesnummer = as_county
        copies.append(registration)
    Registration.objects.bulk_create(copies)


def test_trends_follow_a_municipality_that_got_a_new_code_and_county_in_2024(imported):
    # Bergen's registrations, as Bærum: 3024 in Viken in 2023, 3201 in Akershus in 2024.
    copy_registrations("4601", 2023, "3024", "30")
    copy_registrations("4601", 2024, "3201", "32")
    for key in ("municipality:3201", "county:32"):
        document = report_document(resolve_scope(key, 2024), 2024)
        trend = rows(document["tables"]["trend_kategorier"])
        assert trend["alle"]["denne"] == document["persons"], key
        # The same persons, two years younger: a few are under 18 in 2023.
        assert document["persons"] - 3 <= trend["alle"]["forrige"] <= document["persons"], key
        panel = rows(document["tables"]["panel_endring"])
        assert panel["bosituasjon"]["uendret"] in (None, 100), key


def test_a_split_municipality_has_no_trend_but_its_persons_stay_in_the_countys_panel(imported):
    # Ålesund (1507) was split into 1508 Ålesund and 1580 Haram in 2024.
    copy_registrations("4601", 2023, "1507", "15")
    copy_registrations("4601", 2024, "1508", "15")
    document = report_document(resolve_scope("municipality:1508", 2024), 2024)
    assert rows(document["tables"]["trend_kategorier"]) == {}
    assert rows(document["tables"]["panel_endring"]) == {}
    county = report_document(resolve_scope("county:15", 2024), 2024)
    assert rows(county["tables"]["trend_kategorier"]) == {}  # no code in both years
    panel = rows(county["tables"]["panel_endring"])
    assert panel["bosituasjon"]["uendret"] in (None, 100)  # the same persons, both years


def test_a_municipality_that_skipped_a_year_is_compared_with_its_previous_mapping(imported):
    from brukerplan.reports.data import previous_mapping

    copy_registrations("4601", YEAR - 2, "4601", "46")  # Bergen mapped in 2023, not 2024
    copy_registrations("0301", YEAR - 1, "0301", "03")  # Oslo mapped in 2024
    assert previous_mapping("municipality", "4601", YEAR) == YEAR - 2
    assert previous_mapping("municipality", "0301", YEAR) == YEAR - 1
    assert previous_mapping("national", None, YEAR) == YEAR - 1
    assert previous_mapping("county", "46", YEAR) == YEAR - 2
    assert previous_mapping("municipality", "5001", YEAR) is None
    document = report_document(resolve_scope("municipality:4601", YEAR), YEAR)
    table = document["tables"]["trend_kategorier"]
    assert [c["label"] for c in table["columns"]][-2:] == [str(YEAR - 2), str(YEAR)]
    trend = rows(table)
    assert 0 < trend["alle"]["forrige"] <= document["persons"]  # some under 18 in 2023
    # The country's previous mapping is 2024, where Bergen did not map: not comparable.
    national = report_document(resolve_scope("national", YEAR), YEAR)
    oslo = Registration.objects.filter(aar=YEAR, kommunenummer="0301").count()
    assert 0 < rows(national["tables"]["trend_kategorier"])["alle"]["denne"] <= oslo
