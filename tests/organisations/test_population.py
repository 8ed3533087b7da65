"""Reading population from Statistics Norway's CSV table format."""

import pytest

from brukerplan.organisations.population import PopulationFormatError, parse, size_class

LONG = """\
"07459: Befolkning, etter region, alder og år"

"region";"alder";"år";"Personer"
"4601 Bergen";"016 16 år";"2025";3000
"4601 Bergen";"017 17 år";"2025";3100
"4601 Bergen";"018 18 år";"2025";3200
"4601 Bergen";"105 105 år eller eldre";"2025";4
"K-0301 Oslo";"018 18 år";"2025";7000
"46 Vestland";"018 18 år";"2025";99999
"""

WIDE = """\
"region","Personer 2024","Personer 2025"
"1103 Stavanger",149048,150000
"1580 Haram",..,9500
"""


def test_it_sums_every_age_into_the_total_and_ages_from_18_into_adults():
    rows = {(p.municipality_code, p.year): p for p in parse(LONG)}
    assert rows[("4601", 2025)].total == 9304
    assert rows[("4601", 2025)].adults == 3204
    assert rows[("0301", 2025)].adults == 7000


def test_county_rows_are_ignored():
    assert {p.municipality_code for p in parse(LONG)} == {"4601", "0301"}


def test_it_reads_the_wide_layout_with_one_column_per_year():
    rows = {(p.municipality_code, p.year): p for p in parse(WIDE)}
    assert rows[("1103", 2024)].total == 149048
    assert rows[("1103", 2025)].adults is None
    assert ("1580", 2024) not in rows  # ".." is not available
    assert rows[("1580", 2025)].total == 9500


def test_a_file_without_a_region_column_is_refused():
    with pytest.raises(PopulationFormatError, match="region"):
        parse('"kommune";"år";"antall"\n"4601";"2025";1\n')


def test_a_value_that_is_not_a_number_is_refused_with_its_row():
    with pytest.raises(PopulationFormatError, match="rad 2: 'mange' er ikke et antall"):
        parse('"region";"år";"Personer"\n"4601 Bergen";"2025";"mange"\n')


@pytest.mark.parametrize(
    ("inhabitants", "size"),
    [(1999, "under_2000"), (2000, "2000_4999"), (49999, "30000_49999"), (50000, "50000_pluss")],
)
def test_size_classes_follow_tabell_3(inhabitants, size):
    assert size_class(inhabitants) == size


@pytest.mark.django_db
def test_the_command_stores_population_and_a_second_import_updates_it(tmp_path):
    import io

    from django.core.management import call_command

    from brukerplan.organisations.models import Population

    path = tmp_path / "07459.csv"
    path.write_text(LONG, encoding="utf-8")
    out = io.StringIO()
    call_command("import-population", str(path), stdout=out)
    assert "2 nye og 0 oppdaterte" in out.getvalue()
    path.write_text(LONG.replace(";7000", ";7100"), encoding="utf-8")
    call_command("import-population", str(path), stdout=out)
    assert Population.objects.get(municipality_code="0301", year=2025).adults == 7100


@pytest.mark.django_db
def test_the_command_refuses_a_municipality_code_unknown_in_that_year(tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "old.csv"
    path.write_text('"region";"år";"Personer"\n"1507 Ålesund";"2025";67000\n', encoding="utf-8")
    with pytest.raises(CommandError, match="1507 \\(2025\\)"):
        call_command("import-population", str(path))
