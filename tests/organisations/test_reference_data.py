"""The county and municipality reference data (brukerplan/organisations/data, SOURCE.md there).

These tests need neither Django nor a database: the loader is pure Python.
"""

import csv
import dataclasses
import subprocess
import sys
from collections import Counter, defaultdict

import pytest

from brukerplan.organisations import reference
from brukerplan.organisations.reference import (
    HEALTH_REGIONS,
    County,
    Municipality,
    counties_in,
    load_counties,
    load_municipalities,
    municipalities_in,
)

BEFORE_2024 = [2020, 2021, 2022, 2023]
FROM_2024 = [2024, 2025, 2026]
SHIPPED_YEARS = range(reference.shipped().first_year, reference.shipped().checked_through + 1)

COUNTIES_2020 = {
    "03": "Oslo",
    "11": "Rogaland",
    "15": "Møre og Romsdal",
    "18": "Nordland",
    "30": "Viken",
    "34": "Innlandet",
    "38": "Vestfold og Telemark",
    "42": "Agder",
    "46": "Vestland",
    "50": "Trøndelag",
    "54": "Troms og Finnmark",
}
COUNTIES_2024 = {
    "03": "Oslo",
    "11": "Rogaland",
    "15": "Møre og Romsdal",
    "18": "Nordland",
    "31": "Østfold",
    "32": "Akershus",
    "33": "Buskerud",
    "34": "Innlandet",
    "39": "Vestfold",
    "40": "Telemark",
    "42": "Agder",
    "46": "Vestland",
    "50": "Trøndelag",
    "55": "Troms",
    "56": "Finnmark",
}


@pytest.mark.parametrize("year", BEFORE_2024)
def test_there_are_356_municipalities_in_each_year_from_2020_to_2023(year):
    assert len(municipalities_in(year)) == 356


@pytest.mark.parametrize("year", FROM_2024)
def test_there_are_357_municipalities_in_each_year_from_2024_to_2026(year):
    assert len(municipalities_in(year)) == 357


@pytest.mark.parametrize("year", BEFORE_2024)
def test_there_are_the_11_counties_of_the_2020_reform_from_2020_to_2023(year):
    counties = counties_in(year)
    assert len(counties) == 11
    assert {code: c.name for code, c in counties.items()} == COUNTIES_2020


@pytest.mark.parametrize("year", FROM_2024)
def test_there_are_the_15_counties_of_the_2024_split_from_2024_to_2026(year):
    counties = counties_in(year)
    assert len(counties) == 15
    assert {code: c.name for code, c in counties.items()} == COUNTIES_2024


def test_the_historic_years_take_the_2020_codes_and_no_year_before_them_has_any():
    # The files hold nothing before 2020; the historic instrument years (from 2016) are
    # read in the 2020 codes, 4601 Bergen included.
    for year in range(reference.HISTORIC_FROM, 2020):
        assert municipalities_in(year) == municipalities_in(2020)
        assert counties_in(year) == counties_in(2020)
    assert "4601" in municipalities_in(2017)
    assert municipalities_in(reference.HISTORIC_FROM - 1) == {}
    assert counties_in(reference.HISTORIC_FROM - 1) == {}


@pytest.mark.parametrize(
    ("year", "county", "count"),
    [
        (2020, "30", 51),
        (2020, "38", 23),
        (2020, "54", 39),
        (2024, "31", 12),
        (2024, "32", 21),
        (2024, "33", 18),
        (2024, "39", 6),
        (2024, "40", 17),
        (2024, "55", 21),
        (2024, "56", 18),
        (2020, "15", 26),
        (2024, "15", 27),
        (2026, "03", 1),
    ],
)
def test_each_county_has_the_right_number_of_municipalities(year, county, count):
    in_county = [m for m in municipalities_in(year).values() if m.county_code == county]
    assert len(in_county) == count


def test_every_municipality_code_is_four_digits_starting_with_its_county_code():
    for m in load_municipalities():
        assert len(m.code) == 4 and m.code.isdigit(), m
        assert m.code[:2] == m.county_code, m


def test_every_municipality_lies_in_a_county_that_is_valid_whenever_it_is():
    counties = load_counties()
    for m in load_municipalities():
        last = m.valid_to or reference.shipped().checked_through
        for year in range(m.valid_from, last + 1):
            assert any(c.code == m.county_code and c.valid_in(year) for c in counties), (m, year)


@pytest.mark.parametrize(
    ("code", "name", "county_code", "valid_from", "valid_to"),
    [
        ("0301", "Oslo", "03", 2020, None),
        ("4601", "Bergen", "46", 2020, None),
        ("5001", "Trondheim - Tråante", "50", 2020, None),
        ("1103", "Stavanger", "11", 2020, None),
        ("1507", "Ålesund", "15", 2020, 2023),
        ("1508", "Ålesund", "15", 2024, None),
        ("1580", "Haram", "15", 2024, None),
        ("3001", "Halden", "30", 2020, 2023),
        ("3101", "Halden", "31", 2024, None),
        ("3024", "Bærum", "30", 2020, 2023),
        ("3201", "Bærum", "32", 2024, None),
        ("5401", "Tromsø", "54", 2020, 2023),
        ("5501", "Tromsø", "55", 2024, None),
        ("5437", "Kárášjohka - Karasjok", "54", 2020, 2023),
        ("5610", "Kárášjohka - Karasjok", "56", 2024, None),
    ],
)
def test_well_known_municipalities_have_the_right_code_name_county_and_years(
    code, name, county_code, valid_from, valid_to
):
    rows = [m for m in load_municipalities() if m.code == code]
    assert rows == [Municipality(code, name, county_code, valid_from, valid_to)]


@pytest.mark.parametrize("year", BEFORE_2024)
def test_alesund_and_halden_have_their_old_codes_until_2023(year):
    municipalities = municipalities_in(year)
    assert municipalities["1507"].name == "Ålesund"
    assert municipalities["3001"].name == "Halden"
    assert not {"1508", "1580", "3101"} & municipalities.keys()


@pytest.mark.parametrize("year", FROM_2024)
def test_alesund_and_halden_have_their_new_codes_from_2024(year):
    municipalities = municipalities_in(year)
    assert municipalities["1508"].name == "Ålesund"
    assert municipalities["1580"].name == "Haram"
    assert municipalities["3101"].name == "Halden"
    assert not {"1507", "3001"} & municipalities.keys()


def test_115_municipalities_got_new_codes_in_2024_and_114_codes_ended_in_2023():
    """SSB: new numbers for 115 municipalities (113 renumbered, plus 1508 and 1580 from 1507)."""
    municipalities = load_municipalities()
    assert len([m for m in municipalities if m.valid_from == 2024]) == 115
    assert len([m for m in municipalities if m.valid_to == 2023]) == 114
    assert not [m for m in municipalities if m.valid_to not in (None, 2023)]


def test_no_code_has_overlapping_validity():
    for rows in (load_counties(), load_municipalities()):
        by_code = defaultdict(list)
        for row in rows:
            by_code[row.code].append(row)
        for code, periods in by_code.items():
            for year in SHIPPED_YEARS:
                assert sum(p.valid_in(year) for p in periods) <= 1, (code, year)


def test_every_row_has_a_name_and_a_sane_validity_period():
    for row in [*load_counties(), *load_municipalities()]:
        assert row.name and row.name == row.name.strip(), row
        assert row.valid_from >= 2020, row
        assert row.valid_to is None or row.valid_from <= row.valid_to, row


def test_municipality_names_are_unique_within_each_year():
    for year in SHIPPED_YEARS:
        names = Counter(m.name for m in municipalities_in(year).values())
        assert [name for name, n in names.items() if n > 1] == [], year


@pytest.mark.parametrize(
    ("county", "region"),
    [
        ("03", "helse_sor_ost"),
        ("11", "helse_vest"),
        ("15", "helse_midt"),
        ("18", "helse_nord"),
        ("30", "helse_sor_ost"),
        ("31", "helse_sor_ost"),
        ("32", "helse_sor_ost"),
        ("33", "helse_sor_ost"),
        ("34", "helse_sor_ost"),
        ("38", "helse_sor_ost"),
        ("39", "helse_sor_ost"),
        ("40", "helse_sor_ost"),
        ("42", "helse_sor_ost"),
        ("46", "helse_vest"),
        ("50", "helse_midt"),
        ("54", "helse_nord"),
        ("55", "helse_nord"),
        ("56", "helse_nord"),
    ],
)
def test_each_county_belongs_to_its_regional_health_authority(county, region):
    [row] = [c for c in load_counties() if c.code == county]
    assert row.health_region == region


def test_the_four_health_regions_have_their_norwegian_names():
    assert HEALTH_REGIONS == {
        "helse_sor_ost": "Helse Sør-Øst",
        "helse_vest": "Helse Vest",
        "helse_midt": "Helse Midt-Norge",
        "helse_nord": "Helse Nord",
    }
    assert counties_in(2024)["46"].health_region_name == "Helse Vest"


def test_valid_in_includes_both_end_years_and_nothing_outside_them():
    closed = Municipality("3001", "Halden", "30", 2020, 2023)
    assert [y for y in range(2010, 2028) if closed.valid_in(y)] == [
        *range(reference.HISTORIC_FROM, 2020),  # the historic years take the 2020 codes
        2020,
        2021,
        2022,
        2023,
    ]
    open_ended = County("31", "Østfold", 2024, None, "helse_sor_ost")
    assert not open_ended.valid_in(2023)
    assert open_ended.valid_in(2024) and open_ended.valid_in(2030)


def test_the_records_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        load_municipalities()[0].name = "Changed"  # type: ignore[misc]


def test_changing_a_returned_list_does_not_change_the_cached_data():
    first = load_municipalities()
    first.clear()
    assert len(load_municipalities()) == 471
    assert load_counties() is not load_counties()


def test_the_csv_files_have_exactly_the_documented_columns():
    with (reference.DATA_DIR / "counties.csv").open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == ["code", "name", "valid_from", "valid_to", "health_region"]
    with (reference.DATA_DIR / "municipalities.csv").open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == ["code", "name", "county_code", "valid_from", "valid_to"]


def test_the_loader_imports_nothing_from_django():
    code = (
        "import sys, brukerplan.organisations.reference as r; r.load_municipalities(); "
        "sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_every_renumbered_municipality_of_2024_has_one_successor_and_alesund_is_split():
    changed = reference.successors(2024)
    assert len(changed) == 114
    assert changed["1507"] is None  # split into 1508 Ålesund and 1580 Haram
    renumbered = {old: new for old, new in changed.items() if new is not None}
    assert len(set(renumbered.values())) == 113
    assert renumbered["3024"] == "3201"  # Bærum, Viken to Akershus
    assert renumbered["3018"] == "3114"  # Våler (Viken) is Våler (Østfold)
    assert renumbered["5414"] == "5516"  # Gratangen is Gratangen - Rivtták
    assert renumbered["5401"] == "5501"  # Tromsø
    new_codes = set(reference.municipalities_in(2024)) - set(reference.municipalities_in(2023))
    assert new_codes == set(renumbered.values()) | {"1508", "1580"}


@pytest.mark.parametrize("year", [2020, 2021, 2022, 2023, 2025, 2026])
def test_no_municipality_changes_code_in_other_years(year):
    assert reference.successors(year) == {}


def test_the_shipped_register_reaches_from_its_first_code_to_the_year_it_was_checked_for():
    shipped = reference.shipped()
    assert (shipped.first_year, shipped.checked_through) == (2020, 2026)
    assert shipped.checked(2026) and not shipped.checked(2027)


def test_a_year_after_the_last_one_checked_takes_the_last_known_codes():
    assert municipalities_in(2027) == municipalities_in(2026)
    assert counties_in(2030) == counties_in(2026)


def test_the_change_table_has_every_renumbering_of_2024_and_both_parts_of_alesund():
    changes = [c for c in reference.shipped().changes if c.year == 2024]
    assert len(changes) == 115
    assert {c.new_code for c in changes if c.old_code == "1507"} == {"1508", "1580"}


def test_an_area_is_followed_over_many_years_as_year_by_year():
    # Only the years in which codes change are stepped through (a dashboard once asked for
    # 9999 and stepped 8,000 years for every municipality); the areas are the same.
    register = reference.shipped()
    for code in register.municipalities_in(2020):
        expected = {code}
        for step in range(2021, 2031):
            expected = {new for c in expected for new in register.parts(step, c)}
        assert register.area_in(code, 2020, 2030) == frozenset(expected), code
    # No code changes after the last known year: 9999 has the areas of 2030.
    codes = set(register.municipalities_in(2026))
    assert register.codes_before(codes, 2020, 9999) == register.codes_before(codes, 2020, 2030)
