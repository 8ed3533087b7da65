"""Coverage, trend and panel tables, and the comparisons of the document, on synthetic frames.

Every number is checked against a plain-Python computation over the persons as dicts.
"""

import math

import polars as pl
import pytest

from brukerplan.organisations.population import SIZE_CLASSES, size_class
from brukerplan.reports import comparison
from brukerplan.reports.comparison import comparable_municipalities, panel_keys
from brukerplan.reports.document import COMPARISON_TABLES, Scope, adult_persons, build_report
from brukerplan.reports.registry import TABLES
from brukerplan.reports.tables import Context, Count, Mean, Share

NATIONAL = Scope("national", None, "Hele landet")
ONLY_THIS_YEAR = "4204"  # mapped in 2025, not in 2024
ONLY_LAST_YEAR = "5036"  # the 2024 rows of 5001 are moved here: mapped in 2024 only
COLOURS = ("gronn", "gul", "rod")


def rotate(colour: str) -> str:
    return COLOURS[(COLOURS.index(colour) + 1) % 3] if colour in COLOURS else colour


@pytest.fixture(scope="module")
def previous_rows(sample_rows):
    """Last year's rows: some persons gone, some colours changed, one municipality renamed."""
    rows = []
    for i, row in enumerate(sample_rows):
        if i % 7 == 0 or row["kommunenummer"] in (ONLY_THIS_YEAR, ONLY_LAST_YEAR):
            continue
        row = dict(row)
        year = int(row["aar"]) - 1
        row["aar"] = str(year)
        row["kartlagt_dato"] = row["kartlagt_dato"].replace(row["kartlagt_dato"][:4], str(year), 1)
        row["registrering_id"] = "P" + row["registrering_id"]
        if row["kommunenummer"] == "5001":
            row["kommunenummer"] = ONLY_LAST_YEAR
        if i % 3 == 0:
            row["bosituasjon"] = rotate(row["bosituasjon"])
        if i % 4 == 1:
            row["okonomi"] = rotate(row["okonomi"])
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def previous_frame(previous_rows, make_frame):
    return make_frame(previous_rows)


@pytest.fixture(scope="module")
def persons(sample_frame, instrument):
    return adult_persons(sample_frame, instrument)


@pytest.fixture(scope="module")
def previous(previous_frame, instrument):
    return adult_persons(previous_frame, instrument)


@pytest.fixture(scope="module")
def ctx(persons, previous, instrument, sample_year):
    return Context(persons=persons, instrument=instrument, previous=previous, year=sample_year)


def cells(ctx, table_id):
    table = TABLES[table_id].build(ctx)
    return {row.key: row.values for row in table.rows}


def in_group(person, group):
    if group == "rus":
        return person["rusproblem"] == 1
    if group == "psykisk":
        return person["rusproblem"] == 0 and person["psykisk_problem"] == 1
    return group == "alle" or person["kategori"] == group


def selection(frame, codes):
    return [p for p in frame.to_dicts() if p["kommunenummer"] in codes]


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=0, abs_tol=1e-6)


# --- the comparable selection -------------------------------------------------


def test_the_comparable_selection_holds_only_municipalities_that_mapped_both_years(
    ctx, persons, previous
):
    selected = comparable_municipalities(ctx)
    expected = set(persons["kommunenummer"]) & set(previous["kommunenummer"])
    assert selected == sorted(expected)
    assert ONLY_THIS_YEAR in set(persons["kommunenummer"])
    assert ONLY_LAST_YEAR in set(previous["kommunenummer"])
    assert ONLY_THIS_YEAR not in selected and ONLY_LAST_YEAR not in selected
    assert "0301" in selected


def test_trend_tables_are_labelled_with_the_two_years(ctx, sample_year):
    table = TABLES["trend_kategorier"].build(ctx)
    assert [(c.key, c.label) for c in table.columns] == [
        ("forrige", str(sample_year - 1)),
        ("denne", str(sample_year)),
    ]


def test_trend_counts_by_category_match_a_plain_computation(ctx, persons, previous):
    codes = set(comparable_municipalities(ctx))
    got = cells(ctx, "trend_kategorier")
    assert list(got)[-3:] == ["rus", "psykisk", "alle"]
    for key, values in got.items():
        for column, frame in (("forrige", previous), ("denne", persons)):
            expected = sum(in_group(p, key) for p in selection(frame, codes))
            assert values[column] == Count(expected), (key, column)
    assert got["alle"]["denne"].n < persons.height  # the selection leaves someone out


def test_trend_shares_of_the_areas_match_a_plain_computation(ctx, persons, previous, instrument):
    codes = set(comparable_municipalities(ctx))
    got = cells(ctx, "trend_levekarsomrader")
    assert len(got) == 2 * 8 * 3
    for group in ("rus", "psykisk"):
        for area in instrument.index_areas:
            for colour in COLOURS:
                values = got[f"{group}:{area}:{colour}"]
                for column, frame in (("forrige", previous), ("denne", persons)):
                    members = [p for p in selection(frame, codes) if in_group(p, group)]
                    hits = sum(p[area] == colour for p in members)
                    cell = values[column]
                    assert (cell.numerator, cell.denominator) == (hits, len(members))
                    assert close(cell.percent, 100 * hits / len(members) if members else None)


def test_the_changed_colours_show_in_the_trend(ctx):
    got = cells(ctx, "trend_levekarsomrader")
    assert got["rus:bosituasjon:gronn"]["forrige"] != got["rus:bosituasjon:gronn"]["denne"]


def test_trend_index_means_and_groups_match_a_plain_computation(ctx, persons, previous):
    codes = set(comparable_municipalities(ctx))
    got = cells(ctx, "trend_levekarsindeks")
    for group in ("rus", "psykisk", "alle"):
        for column, frame in (("forrige", previous), ("denne", persons)):
            members = [p for p in selection(frame, codes) if in_group(p, group)]
            mean = got[f"{group}:snitt"][column]
            assert isinstance(mean, Mean) and mean.n == len(members)
            assert close(mean.value, sum(p["levekarsindeks"] for p in members) / len(members))
            for index_group in ("gronn", "gul", "rod", "blalys"):
                share = got[f"{group}:{index_group}"][column]
                hits = sum(p["indeksgruppe"] == index_group for p in members)
                assert (share.numerator, share.denominator) == (hits, len(members))


def test_trend_services_and_background_have_both_years(ctx):
    for table_id in ("trend_tjenester", "trend_bakgrunn"):
        got = cells(ctx, table_id)
        assert got, table_id
        assert all(list(values) == ["forrige", "denne"] for values in got.values())


def test_every_trend_cell_carries_masks_that_give_its_numbers(ctx, persons, previous):
    frames = {"forrige": previous, "denne": persons}
    for table_id in ("trend_kategorier", "trend_levekarsindeks", "trend_levekarsomrader"):
        for key, values in cells(ctx, table_id).items():
            for column, cell in values.items():
                frame = frames[column]
                if isinstance(cell, Count | Mean):
                    assert frame.select(cell.of.sum()).item() == cell.n, (table_id, key)
                else:
                    assert isinstance(cell, Share)
                    assert frame.select(cell.numerator_of.sum()).item() == cell.numerator
                    assert frame.select(cell.denominator_of.sum()).item() == cell.denominator


# --- a municipality -------------------------------------------------------------


def municipal_context(persons, previous, instrument, code, year):
    return Context(
        persons=persons.filter(pl.col("kommunenummer") == code),
        previous=previous.filter(pl.col("kommunenummer") == code),
        instrument=instrument,
        year=year,
    )


def test_a_municipality_that_did_not_map_last_year_gets_empty_trend_and_panel_tables(
    persons, previous, instrument, sample_year
):
    ctx = municipal_context(persons, previous, instrument, ONLY_THIS_YEAR, sample_year)
    assert ctx.persons.height > 0 and ctx.previous.height == 0
    for table_id in TABLES:
        if table_id.startswith(("trend_", "panel_")):
            assert TABLES[table_id].build(ctx).rows == (), table_id


def test_a_municipality_is_compared_with_its_own_previous_mapping(
    persons, previous, instrument, sample_year
):
    ctx = municipal_context(persons, previous, instrument, "0301", sample_year)
    got = cells(ctx, "trend_kategorier")
    assert got["alle"]["denne"].n == ctx.persons.height
    assert got["alle"]["forrige"].n == ctx.previous.height


def test_without_a_previous_year_trend_tables_have_no_rows(persons, instrument):
    ctx = Context(persons=persons, instrument=instrument)
    assert TABLES["trend_kategorier"].build(ctx).rows == ()
    assert TABLES["panel_levekarsomrader"].build(ctx).rows == ()


# --- panel ----------------------------------------------------------------------


def test_the_panel_transitions_match_a_plain_computation(ctx, persons, previous, instrument):
    before = {p["person_key"]: p for p in previous.to_dicts()}
    now = {p["person_key"]: p for p in persons.to_dicts()}
    both = sorted(set(before) & set(now))
    assert panel_keys(ctx) == both and 0 < len(both) < persons.height
    got = cells(ctx, "panel_levekarsomrader")
    assert len(got) == 8 * 3
    for area in instrument.index_areas:
        for a in COLOURS:
            row = [k for k in both if before[k][area] == a and now[k][area] in COLOURS]
            values = got[f"{area}:{a}"]
            assert values["antall"] == Count(len(row))
            for b in COLOURS:
                moved = sum(now[k][area] == b for k in row)
                assert values[b] == Count(moved)
                share = values[f"andel_{b}"]
                assert (share.numerator, share.denominator) == (moved, len(row))
                assert close(share.percent, 100 * moved / len(row) if row else None)
                assert persons.select(values[b].of.sum()).item() == moved
                assert persons.select(share.denominator_of.sum()).item() == len(row)


def test_the_panel_summary_counts_unchanged_better_and_worse(ctx, persons, previous, instrument):
    before = {p["person_key"]: p for p in previous.to_dicts()}
    now = {p["person_key"]: p for p in persons.to_dicts()}
    both = set(before) & set(now)
    got = cells(ctx, "panel_endring")
    changed = 0
    for area in instrument.index_areas:
        pairs = [
            (COLOURS.index(before[k][area]), COLOURS.index(now[k][area]))
            for k in both
            if before[k][area] in COLOURS and now[k][area] in COLOURS
        ]
        values = got[area]
        assert values["antall"] == Count(len(pairs))
        expected = {
            "uendret": sum(a == b for a, b in pairs),
            "bedre": sum(b < a for a, b in pairs),
            "verre": sum(b > a for a, b in pairs),
        }
        for kind, n in expected.items():
            assert (values[kind].numerator, values[kind].denominator) == (n, len(pairs))
            assert persons.select(values[kind].numerator_of.sum()).item() == n
        changed += expected["bedre"] + expected["verre"]
    assert changed > 0  # the rotated colours are seen


# --- coverage -------------------------------------------------------------------


@pytest.fixture(scope="module")
def population(persons, sample_year):
    """Made-up inhabitants: every mapped municipality but 1103, spread over the size classes."""
    codes = sorted(set(persons["kommunenummer"]) - {"1103"})
    sizes = [1500, 3000, 7000, 15000, 25000, 40000, 700000]
    rows = [
        {
            "kommunenummer": c,
            "year": sample_year,
            "total": sizes[i % 7],
            "adults": sizes[i % 7] * 4 // 5,
        }
        for i, c in enumerate(codes)
    ]
    rows.append({"kommunenummer": "9999", "year": sample_year, "total": 50, "adults": 40})
    rows.append({"kommunenummer": codes[0], "year": sample_year - 1, "total": 1, "adults": 1})
    return pl.DataFrame(rows)


def test_coverage_by_size_class_matches_a_plain_computation(
    persons, instrument, population, sample_year
):
    ctx = Context(persons=persons, instrument=instrument, population=population, year=sample_year)
    got = cells(ctx, "dekning_storrelse")
    assert list(got) == [key for key, *_ in SIZE_CLASSES] + ["uten_folketall", "i_alt"]
    this_year = {r["kommunenummer"]: r for r in population.to_dicts() if r["year"] == sample_year}
    people = persons.to_dicts()
    for key, *_ in SIZE_CLASSES:
        codes = {c for c, r in this_year.items() if size_class(r["total"]) == key}
        mapped = [p for p in people if p["kommunenummer"] in codes]
        municipalities = {p["kommunenummer"] for p in mapped}
        adults = sum(this_year[c]["adults"] for c in municipalities)
        values = got[key]
        assert values["kommuner"] == Count(len(municipalities))
        assert values["innbyggere_18"] == Count(adults)
        assert values["kartlagte"] == Count(len(mapped))
        assert close(values["per_1000"].value, 1000 * len(mapped) / adults if adults else None)
        assert persons.select(values["kartlagte"].of.sum()).item() == len(mapped)
    unknown = [p for p in people if p["kommunenummer"] not in this_year]
    assert got["uten_folketall"]["kartlagte"] == Count(len(unknown))
    assert got["i_alt"]["kartlagte"] == Count(len(people))
    assert got["i_alt"]["per_1000"].value is None  # 1103 has no inhabitants


def test_the_size_class_column_agrees_with_the_one_table_of_size_classes():
    bounds = [b for _key, _label, low, high in SIZE_CLASSES for b in (low, high) if b is not None]
    totals = sorted({0, *bounds, *[b + 1 for b in bounds], 717710})
    codes = [f"{i:04}" for i in range(len(totals))]
    frame = pl.DataFrame({"kommunenummer": codes, "total": totals})
    classes = comparison.with_size_class(frame)
    assert classes["storrelse"].to_list() == [size_class(t) for t in totals]
    assert comparison.size_class_label("50000_pluss") == "Kommuner med 50 000 og mer innbyggere"


def test_coverage_per_1000_compares_the_scope_with_the_county_and_the_country(
    persons, instrument, population, sample_year
):
    code = "4601"
    own = persons.filter(pl.col("kommunenummer") == code)
    county = persons.filter(pl.col("fylkesnummer") == "46")
    ctx = Context(
        persons=own,
        instrument=instrument,
        population=population,
        year=sample_year,
        comparisons={"fylke": county, "landet": persons},
    )
    got = cells(ctx, "dekning_per_1000")
    assert list(got) == ["omfang", "fylke", "landet"]
    adults = {
        r["kommunenummer"]: r["adults"] for r in population.to_dicts() if r["year"] == sample_year
    }
    assert close(got["omfang"]["per_1000"].value, 1000 * own.height / adults[code])
    county_adults = sum(adults[c] for c in set(county["kommunenummer"]))
    assert got["fylke"]["innbyggere_18"] == Count(county_adults)
    assert close(got["fylke"]["per_1000"].value, 1000 * county.height / county_adults)
    assert got["landet"]["kartlagte"] == Count(persons.height)


def test_without_population_the_coverage_tables_have_no_rows(persons, instrument):
    ctx = Context(persons=persons, instrument=instrument)
    assert TABLES["dekning_storrelse"].build(ctx).rows == ()
    assert TABLES["dekning_per_1000"].build(ctx).rows == ()


# --- the document ---------------------------------------------------------------


def test_the_document_carries_the_comparisons_with_the_standard_tables(
    sample_frame, previous_frame, instrument, sample_year, population
):
    code = "4601"
    own = sample_frame.filter(pl.col("kommunenummer") == code)
    county = sample_frame.filter(pl.col("fylkesnummer") == "46")
    document = build_report(
        Scope("municipality", code, "Bergen"),
        sample_year,
        own,
        instrument,
        previous=previous_frame.filter(pl.col("kommunenummer") == code),
        comparisons={"fylke": county, "landet": sample_frame},
        comparison_labels={"fylke": "Vestland"},
        population=population,
        threshold=5,
    )
    assert list(document)[-3:] == ["tables", "comparisons", "findings"]
    compared = document["comparisons"]
    assert list(compared) == ["fylke", "landet"]
    assert compared["fylke"]["label"] == "Vestland"
    assert compared["landet"]["label"] == "Hele landet"
    # The section is the nation's own document's tables, hidden alike: a number hidden
    # there and shown here (or the other way round) would be one publication leaking.
    national = build_report(NATIONAL, sample_year, sample_frame, instrument, threshold=5)
    assert compared["landet"]["persons"] == national["persons"]
    assert list(compared["landet"]["tables"]) == list(COMPARISON_TABLES)
    for table_id in COMPARISON_TABLES:
        assert compared["landet"]["tables"][table_id] == national["tables"][table_id]
    vestland = build_report(
        Scope("county", "46", "Vestland"), sample_year, county, instrument, threshold=5
    )
    for table_id in COMPARISON_TABLES:
        assert compared["fylke"]["tables"][table_id] == vestland["tables"][table_id]
    kategorier = {r["key"]: r["values"] for r in compared["fylke"]["tables"]["kategorier"]["rows"]}
    assert kategorier["alle"]["antall"] == adult_persons(county, instrument).height
    assert document["tables"]["trend_kategorier"]["rows"]
    assert [r["key"] for r in document["tables"]["dekning_per_1000"]["rows"]] == [
        "omfang", "fylke", "landet",
    ]  # fmt: skip


def test_small_numbers_are_hidden_in_the_comparisons(sample_frame, instrument, sample_year):
    small = sample_frame.filter(pl.col("kommunenummer") == "4624")  # 5 registrations
    document = build_report(
        Scope("municipality", "0301", "Oslo"),
        sample_year,
        sample_frame.filter(pl.col("kommunenummer") == "0301"),
        instrument,
        comparisons={"storrelse": small},
        threshold=5,
    )
    for table in document["comparisons"]["storrelse"]["tables"].values():
        for row in table["rows"]:
            for value in row["values"].values():
                if isinstance(value, int):
                    assert value == 0 or value >= 5


def test_a_report_without_comparisons_has_no_comparisons_section(
    sample_frame, instrument, sample_year
):
    assert "comparisons" not in build_report(
        NATIONAL, sample_year, sample_frame, instrument, threshold=5
    )


def test_a_previous_frame_of_another_year_is_refused(sample_frame, instrument, sample_year):
    with pytest.raises(ValueError, match="previous"):
        build_report(
            NATIONAL, sample_year, sample_frame, instrument, previous=sample_frame, threshold=5
        )


def test_the_labels_of_the_panel_name_the_years(ctx, sample_year):
    table = TABLES["panel_levekarsomrader"].build(ctx)
    assert str(sample_year) in table.columns[1].label
    assert table.rows[0].label.endswith(str(sample_year - 1))
