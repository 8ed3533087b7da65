"""Typed documents: every column says what its numbers are, every table why its nulls are.

report-format.md: a column's `kind` is count, percent, mean, sd, rate or index; a
table's `suppressed` gives "primary" or "secondary" for every null that is a
suppression, and nothing for a null that is not one (not applicable, no value).
"""

import polars as pl
import pytest

from brukerplan.reports import development, secondary, suppression
from brukerplan.reports.document import (
    Scope,
    adult_persons,
    build_report,
    minor_persons,
    table_document,
)
from brukerplan.reports.planning import COUNTY_TABLES
from brukerplan.reports.registry import TABLES, compute
from brukerplan.reports.tables import (
    COUNT,
    INDEX,
    KINDS,
    MEAN,
    PERCENT,
    RATE,
    SD,
    Column,
    Context,
    Count,
    Mean,
    NotApplicable,
    Row,
    Share,
    StdDev,
    Table,
    TableSpec,
    Total,
)

THRESHOLD = 5
BERGEN = Scope("municipality", "4601", "Bergen")


@pytest.fixture(scope="module")
def previous_frame(sample_rows, make_frame):
    """The same persons mapped a year earlier (every third with another economy colour)."""
    rows = []
    for i, row in enumerate(sample_rows):
        row = dict(row)
        year = int(row["aar"]) - 1
        row["aar"] = str(year)
        row["kartlagt_dato"] = f"{year}{row['kartlagt_dato'][4:]}"
        row["registrering_id"] = "P" + row["registrering_id"]
        if i % 3 == 0:
            row["okonomi"] = {"gronn": "gul", "gul": "rod", "rod": "gronn"}[row["okonomi"]]
        rows.append(row)
    return make_frame(rows)


@pytest.fixture(scope="module")
def population(sample_frame, sample_year):
    codes = sorted(set(sample_frame["kommunenummer"]))
    return pl.DataFrame(
        {
            "kommunenummer": codes,
            "year": [sample_year] * len(codes),
            "adults": [8000 + 1000 * i for i in range(len(codes))],
            "total": [10000 + 1250 * i for i in range(len(codes))],
        }
    )


@pytest.fixture(scope="module")
def full_document(sample_frame, previous_frame, population, instrument, sample_year):
    """Bergen with every table filled: previous year, population, county and country."""
    own = sample_frame.filter(pl.col("kommunenummer") == "4601")
    return build_report(
        BERGEN,
        sample_year,
        own,
        instrument,
        THRESHOLD,
        previous=previous_frame.filter(pl.col("kommunenummer") == "4601"),
        comparisons={
            "fylke": sample_frame.filter(pl.col("fylkesnummer") == "46"),
            "landet": sample_frame,
        },
        comparison_labels={"fylke": "Vestland"},
        population=population,
    )


@pytest.fixture(scope="module")
def national_document(sample_frame, previous_frame, population, instrument, sample_year):
    """The country (minors among its persons), with previous year and population."""
    return build_report(
        Scope("national", None, "Hele landet"),
        sample_year,
        sample_frame,
        instrument,
        THRESHOLD,
        previous=previous_frame,
        population=population,
        # the previous year as the base period: the development tables get rows too
        development=development.select(
            sample_year - 1,
            sample_year,
            [(previous_frame, instrument)],
            [(sample_frame, instrument)],
        ),
    )


@pytest.fixture(scope="module")
def county_document(sample_frame, population, instrument, sample_year):
    """Vestland: the one scope whose document has the table of its municipalities."""
    return build_report(
        Scope("county", "46", "Vestland"),
        sample_year,
        sample_frame.filter(pl.col("fylkesnummer") == "46"),
        instrument,
        THRESHOLD,
        population=population,
    )


@pytest.fixture(scope="module", params=["municipality", "national", "county"])
def documents(request, full_document, national_document, county_document):
    return {
        "municipality": full_document,
        "national": national_document,
        "county": county_document,
    }[request.param]


def every_table(document):
    yield from document["tables"].items()
    for section in (document.get("comparisons") or {}).values():
        yield from section["tables"].items()


# --- kinds -------------------------------------------------------------------------


def test_every_column_of_every_registered_table_has_a_kind(documents):
    assert set(documents["tables"]) == set(TABLES)
    for table_id, table in every_table(documents):
        for column in table["columns"]:
            assert column["kind"] in KINDS, (table_id, column)


def test_every_registered_table_has_rows_in_the_national_sample(national_document):
    """So that the kinds below are checked against cells, not only declared."""
    empty = [t for t, table in national_document["tables"].items() if not table["rows"]]
    assert empty == list(COUNTY_TABLES)


def test_the_county_tables_have_rows_in_a_county_document(county_document):
    assert all(county_document["tables"][t]["rows"] for t in COUNTY_TABLES)


def test_every_number_fits_the_kind_of_its_column(documents):
    for table_id, table in every_table(documents):
        kinds = {c["key"]: c["kind"] for c in table["columns"]}
        for row in table["rows"]:
            for key, value in row["values"].items():
                if value is None:
                    continue
                kind = row.get("kind") or kinds[key]
                if kind == COUNT:
                    assert isinstance(value, int), (table_id, row["key"], key, value)
                else:
                    assert isinstance(value, float), (table_id, row["key"], key, value)
                if kind == PERCENT:
                    assert 0 <= value <= 100, (table_id, row["key"], key, value)
                if kind == INDEX:
                    assert 138 <= value <= 552, (table_id, row["key"], key, value)


@pytest.mark.parametrize(
    "table_id, column, kind",
    [
        ("kategorier", "antall", COUNT),
        ("kategorier", "andel", PERCENT),
        ("levekarsindeks", "snitt", INDEX),
        ("levekarsindeks", "standardavvik", SD),
        ("alder_kategori", "snitt", MEAN),
        ("barn_kategori", "barn", COUNT),
        ("barn_kategori", "andel", PERCENT),
        ("barn_antall_kategori", "alle", COUNT),
        ("tjenester_antall_indeks", "antall", COUNT),
        ("tjenester_antall_indeks", "snitt", MEAN),
        ("behov_tjenester", "mottatt", COUNT),
        ("behov_tjenester", "andel_behov", PERCENT),
        ("dekning_per_1000", "per_1000", RATE),
        ("dekning_storrelse", "innbyggere_18", COUNT),
        ("panel_levekarsomrader", "gronn", COUNT),
        ("panel_levekarsomrader", "andel_gronn", PERCENT),
        ("trend_kategorier", "denne", COUNT),
        ("trend_levekarsindeks", "denne", PERCENT),
        ("nokkeltall", "psykisk", PERCENT),
    ],
)
def test_the_kinds_of_the_tables_the_issue_names(full_document, table_id, column, kind):
    columns = {c["key"]: c["kind"] for c in full_document["tables"][table_id]["columns"]}
    assert columns[column] == kind


def test_a_mean_among_the_shares_of_a_trend_table_says_its_own_kind(full_document):
    rows = {r["key"]: r for r in full_document["tables"]["trend_levekarsindeks"]["rows"]}
    assert rows["rus:snitt"]["kind"] == INDEX and "kind" not in rows["rus:gronn"]
    rows = {r["key"]: r for r in full_document["tables"]["trend_bakgrunn"]["rows"]}
    assert rows["rus:alder_snitt"]["kind"] == MEAN and "kind" not in rows["rus:kjonn:mann"]


def test_every_table_of_an_empty_scope_has_its_kinds_too(make_frame, instrument, sample_year):
    """Tables without rows have nothing to infer from: their kinds are declared."""
    document = build_report(BERGEN, sample_year, make_frame([]), instrument, THRESHOLD)
    for table_id, table in document["tables"].items():
        for column in table["columns"]:
            assert column["kind"] in KINDS, (table_id, column)


def table_of(column: Column, *cells, kinds=None) -> Table:
    rows = tuple(
        Row(f"r{i}", f"R{i}", {column.key: cell}, (kinds or {}).get(i))
        for i, cell in enumerate(cells)
    )
    return Table("proeve", "Prøve", (column,), rows)


def test_a_column_whose_kind_contradicts_its_cells_fails_loudly():
    for column, cell in (
        (Column("antall", "Antall", PERCENT), Count(12)),  # «15 349 %»
        (Column("snitt", "Snitt", PERCENT), Mean(1.4, 20, column="alder")),  # «1 %»
        (Column("andel", "Andel", COUNT), Share(3, 10)),
        (Column("snitt", "Snitt", MEAN), Mean(230.0, 20, column="levekarsindeks")),
        (Column("sd", "Standardavvik", MEAN), StdDev(4.0, 20)),
        (Column("barn", "Barn", PERCENT), Total(40, 20)),
    ):
        with pytest.raises(ValueError, match="is not a"):
            table_document(table_of(column, cell), THRESHOLD)


def test_a_column_label_says_percent_only_of_percentages():
    column = Column("gronn", "Grønn i 2025 (%)", COUNT)  # the panel's header, twice
    with pytest.raises(ValueError, match="with «%»"):
        table_document(table_of(column, Count(105)), THRESHOLD)
    shown = table_document(table_of(Column("andel", "Andel (%)", PERCENT), Share(9, 10)), 5)
    assert shown["columns"][0]["kind"] == PERCENT


def test_a_column_without_a_kind_fails_loudly_in_the_document():
    with pytest.raises(ValueError, match="kind None"):
        table_document(table_of(Column("antall", "Antall"), Count(12)), THRESHOLD)


def test_a_kind_is_inferred_only_where_the_cells_say_it_plainly(sample_frame, instrument):
    ctx = Context(adult_persons(sample_frame, instrument), instrument)

    def built(*cells, kinds=None):
        rows = [Row(f"r{i}", "R", {"x": c}, (kinds or {}).get(i)) for i, c in enumerate(cells)]
        return TableSpec("proeve", "Prøve", lambda ctx: ([Column("x", "X")], rows)).build(ctx)

    assert built(Count(3), Total(40, 9), NotApplicable()).columns[0].kind == COUNT
    assert built(Share(1, 2)).columns[0].kind == PERCENT
    assert built(StdDev(1.0, 9)).columns[0].kind == SD
    assert built(Mean(40.0, 9, column="alder")).columns[0].kind == MEAN
    for unclear in (
        (Mean(230.0, 9, column="levekarsindeks"),),  # an index: say so
        (Mean(12.5, 9),),  # a rate: say so
        (Count(3), Share(1, 2)),  # mixed
        (),  # nothing to infer from
    ):
        with pytest.raises(ValueError, match="must be given"):
            built(*unclear)
    # A row of another kind says so, and is left out of the column's inference.
    table = built(Share(1, 2), Mean(40.0, 9, column="alder"), kinds={1: MEAN})
    assert table.columns[0].kind == PERCENT and table.rows[1].kind == MEAN


# --- reasons -------------------------------------------------------------------------


def assert_reasons_are_right(typed, document_tables, hidden, threshold):
    for table_id, table in typed.items():
        shown = document_tables[table_id]
        values = {r["key"]: r["values"] for r in shown["rows"]}
        for row in table.rows:
            for key, cell in row.values.items():
                reason = shown["suppressed"].get(row.key, {}).get(key)
                if (table_id, row.key, key) in hidden:
                    assert reason == "secondary", (table_id, row.key, key)
                elif suppression.primary(cell, threshold):
                    assert reason == "primary", (table_id, row.key, key)
                else:
                    assert reason is None, (table_id, row.key, key)
                if reason is not None:
                    assert values[row.key][key] is None
        for row_key, reasons in shown["suppressed"].items():
            assert reasons and set(reasons.values()) <= {"primary", "secondary"}
            assert all(values[row_key][k] is None for k in reasons)


def test_suppressed_gives_the_reason_of_every_null_that_is_a_suppression(
    sample_frame, instrument, sample_year
):
    frame = sample_frame.filter(pl.col("kommunenummer") == "4601")
    persons = adult_persons(frame, instrument)
    typed = compute(
        Context(persons, instrument, minors=minor_persons(frame, instrument), year=sample_year)
    )
    hidden = secondary.hidden_cells(typed, persons, THRESHOLD)
    document = build_report(BERGEN, sample_year, frame, instrument, THRESHOLD)
    reasons = {
        r for t in document["tables"].values() for c in t["suppressed"].values() for r in c.values()
    }
    assert hidden and reasons == {"primary", "secondary"}
    assert_reasons_are_right(typed, document["tables"], hidden, THRESHOLD)


def test_suppressed_follows_the_documents_threshold(sample_frame, instrument, sample_year):
    frame = sample_frame.filter(pl.col("kommunenummer") == "0301")
    persons = adult_persons(frame, instrument)
    for threshold in (1, 3, 10):
        typed = compute(Context(persons, instrument, minors=minor_persons(frame, instrument)))
        hidden = secondary.hidden_cells(typed, persons, threshold)
        document = build_report(BERGEN, sample_year, frame, instrument, threshold)
        assert_reasons_are_right(typed, document["tables"], hidden, threshold)


def test_a_null_that_is_not_applicable_is_not_a_suppression(full_document):
    nokkeltall = full_document["tables"]["nokkeltall"]
    values = {r["key"]: r["values"] for r in nokkeltall["rows"]}
    assert values["injiserer"]["psykisk"] is None
    assert values["overdose:ingen"]["psykisk"] is None
    for row_key in ("injiserer", "overdose:kun_overdose", "overdose:ingen"):
        assert "psykisk" not in nokkeltall["suppressed"].get(row_key, {})


def test_a_share_of_nobody_is_null_without_being_a_suppression():
    table = table_of(Column("andel", "Andel", PERCENT), Share(0, 0), Share(0, 3), Share(2, 40))
    shown = table_document(table, THRESHOLD)
    assert [r["values"]["andel"] for r in shown["rows"]] == [None, None, None]
    assert shown["suppressed"] == {"r1": {"andel": "primary"}, "r2": {"andel": "primary"}}


def test_the_comparison_sections_carry_kinds_and_reasons_of_their_own(full_document):
    for name, section in full_document["comparisons"].items():
        for table_id, table in section["tables"].items():
            assert [c["kind"] for c in table["columns"]] == [
                c["kind"] for c in full_document["tables"][table_id]["columns"]
            ], (name, table_id)
            assert "suppressed" in table
