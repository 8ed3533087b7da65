"""The structure of the report document (report-format.md) and what its tables mean."""

import datetime
import json
import math

import polars as pl
import pytest

from brukerplan.reports import tables
from brukerplan.reports.document import Scope, adult_persons, build_report
from brukerplan.reports.registry import TABLES, compute
from brukerplan.reports.tables import Context, Count, Mean, Share, StdDev, table

NATIONAL = Scope("national", None, "Hele landet")
STANDARD_ROWS = [
    "ikke_rop",
    "mindre_alvorlig_rop",
    "alvorlig_rop",
    "psyk_mildere",
    "psyk_moderat",
    "psyk_alvorlig",
    "rus",
    "psykisk",
    "alle",
]
FIXED_COLUMNS = {
    "kategorier": ["antall", "andel"],
    "rus_psyk_matrise": ["antall"],
    "levekarsindeks": ["antall", "snitt", "standardavvik"],
    "levekarsindeks_grupper": ["gronn", "gul", "rod", "blalys"],
    "levekarsomrader": ["rus", "psykisk"],
    "nokkeltall": ["rus", "psykisk"],
    "alder_kategori": ["snitt"],
    "varighet_kategori": ["under_1", "1_3", "over_3", "vet_ikke"],
    "selvmord_kategori": ["selvmordsforsok", "fare_selvmord"],
    "overdose_kategori": ["overdose", "fare_overdose", "ingen"],
    "vold_kategori": ["utsatt", "utover", "ingen"],
    "barn_kategori": ["antall", "med_barn", "andel", "barn"],
    "barn_indeks_barnevern": ["med_barnevern", "uten_barnevern"],
    "tjenester_kategori": ["nav", "kommune", "spesialist"],
}
STANDARD_ROW_TABLES = [
    "kategorier",
    "levekarsindeks",
    "levekarsindeks_grupper",
    "alder_kategori",
    "selvmord_kategori",
    "vold_kategori",
    "barn_kategori",
    "barn_indeks_barnevern",
    "tjenester_kategori",
]
AREAS = [
    "bosituasjon",
    "meningsfull_aktivitet",
    "okonomi",
    "fysisk_helse",
    "psykisk_helse",
    "rusmiddelbruk",
    "sosial_fungering",
    "nettverk",
]


@pytest.fixture(scope="module")
def document(sample_frame, sample_year, instrument):
    return build_report(NATIONAL, sample_year, sample_frame, instrument, threshold=5)


@pytest.fixture(scope="module")
def unsuppressed(sample_frame, sample_year, instrument):
    return build_report(NATIONAL, sample_year, sample_frame, instrument, threshold=1)


def rows_of(document, table_id):
    return {row["key"]: row["values"] for row in document["tables"][table_id]["rows"]}


def test_the_document_has_the_keys_of_the_spec_in_order(document, sample_year):
    assert list(document) == [
        "scope",
        "year",
        "instrument_version",
        "threshold",
        "persons",
        "registrations",
        "tables",
        "findings",  # an extension of report-format.md (docs/reports.md, Hovedfunn)
    ]
    assert document["scope"] == {"type": "national", "code": None, "name": "Hele landet"}
    assert document["year"] == sample_year
    assert document["instrument_version"] == "2026.1"
    assert document["threshold"] == 5
    for table_id, data in document["tables"].items():
        assert list(data) == ["title", "columns", "rows", "suppressed"], table_id
        assert data["title"]
        for column in data["columns"]:
            assert list(column) == ["key", "label", "kind"]
        for row in data["rows"]:
            # A row says its kind only where its cells are not of their columns' kind.
            assert list(row) in (["key", "label", "values"], ["key", "label", "kind", "values"])


SCOPES = {
    "national": (Scope("national", None, "Hele landet"), None),
    "region": (Scope("region", "helse_vest", "Helse Vest"), ["46", "11", "15"]),
    "county": (Scope("county", "46", "Vestland"), ["46"]),
    "municipality": (Scope("municipality", "4601", "Bergen"), None),
}


@pytest.mark.parametrize("threshold", [1, 5, 10])
@pytest.mark.parametrize("scope_type", list(SCOPES))
def test_every_document_carries_the_threshold_it_was_made_with(
    scope_type, threshold, sample_frame, sample_year, instrument
):
    """report-format.md, "Document": `"threshold"` at top level, after
    `instrument_version`, for every kind of scope; comparison sections are parts of
    their document and follow its rule (they carry none of their own)."""
    scope, counties = SCOPES[scope_type]
    if scope_type == "municipality":
        frame = sample_frame.filter(pl.col("kommunenummer") == scope.code)
    elif counties is not None:
        frame = sample_frame.filter(pl.col("fylkesnummer").is_in(counties))
    else:
        frame = sample_frame
    comparisons = {"landet": sample_frame} if scope_type != "national" else {}
    document = build_report(
        scope,
        sample_year,
        frame,
        instrument,
        threshold,
        tables=["kategorier", "levekarsindeks"],
        comparisons=comparisons,
    )
    keys = list(document)
    assert keys[: keys.index("persons")] == ["scope", "year", "instrument_version", "threshold"]
    assert document["threshold"] == threshold and type(document["threshold"]) is int
    assert json.loads(json.dumps(document))["threshold"] == threshold
    for section in document.get("comparisons", {}).values():
        assert "threshold" not in section
    # The threshold the document names is the one its numbers were suppressed with.
    counts = [
        row["values"]["antall"]
        for row in document["tables"]["kategorier"]["rows"]
        if row["values"]["antall"] is not None
    ]
    assert all(n == 0 or n >= threshold for n in counts)


def test_the_document_is_plain_json(document):
    assert json.loads(json.dumps(document)) == document


def test_every_fixed_table_id_is_present(document):
    assert set(FIXED_COLUMNS) <= set(document["tables"])
    assert set(FIXED_COLUMNS) <= set(TABLES)


@pytest.mark.parametrize("table_id", list(FIXED_COLUMNS))
def test_column_keys_are_those_of_the_spec(document, table_id):
    data = document["tables"][table_id]
    assert [c["key"] for c in data["columns"]] == FIXED_COLUMNS[table_id]
    for row in data["rows"]:
        assert list(row["values"]) == FIXED_COLUMNS[table_id], row["key"]


@pytest.mark.parametrize("table_id", STANDARD_ROW_TABLES)
def test_tables_by_category_have_the_six_categories_then_the_groups(document, table_id):
    assert list(rows_of(document, table_id)) == STANDARD_ROWS


def test_varighet_has_the_five_categories_with_mental_problems(document):
    assert list(rows_of(document, "varighet_kategori")) == STANDARD_ROWS[1:6]


def test_overdose_has_the_rus_categories_then_rus(document):
    assert list(rows_of(document, "overdose_kategori")) == STANDARD_ROWS[:3] + ["rus"]


def test_levekarsomrader_has_every_area_and_colour(document):
    expected = [f"{a}:{c}" for a in AREAS for c in ("gronn", "gul", "rod")]
    assert list(rows_of(document, "levekarsomrader")) == expected


def test_nokkeltall_has_the_rows_of_vedlegg_2(document, instrument):
    def codes(key):
        return [f"{key}:{code}" for code in instrument.question(key).codes]

    expected = [
        "kjonn:mann",
        "kjonn:kvinne",
        *[f"alder:{a}" for a in ("18_23", "24_29", "30_39", "40_49", "50_59", "60_69")],
        "alder:70_pluss",
        *codes("bor_med"),
        "barn:omsorg",
        "barn:samvaer",
        "barn:ingen_kontakt",
        *codes("aktiviteter"),
        *codes("livsopphold"),
        *[f"enhetstype:{t}" for t in ("helse_omsorg", "nav", "barnevern", "fastlege", "annen")],
        "selvmordsforsok",
        "fare_selvmord",
        "injiserer",
        *[f"overdose:{k}" for k in ("kun_overdose", "kun_fare", "begge", "ingen")],
        *[f"vold:{k}" for k in ("kun_utsatt", "kun_utover", "begge", "ingen")],
        *codes("tjenester"),
        *codes("planer"),
    ]
    keys = list(rows_of(document, "nokkeltall"))
    assert keys == expected
    assert "tjenester:nav.rad_veiledning" in keys
    assert len([k for k in keys if k.startswith("tjenester:")]) == 61


def test_labels_come_from_the_instrument(document, instrument):
    categories = document["tables"]["kategorier"]["rows"]
    assert [r["label"] for r in categories[:6]] == [
        instrument.category_label(code) for code in STANDARD_ROWS[:6]
    ]
    assert [r["label"] for r in categories[6:]] == [
        "Rusproblemer",
        "Kun psykiske problemer",
        "Alle",
    ]
    duration = instrument.question("varighet_psykisk")
    assert [c["label"] for c in document["tables"]["varighet_kategori"]["columns"]] == [
        duration.label_of(code) for code in duration.codes
    ]
    areas = {r["key"]: r["label"] for r in document["tables"]["levekarsomrader"]["rows"]}
    assert areas["bosituasjon:rod"] == "Bosituasjon: Rød"
    figures = {r["key"]: r["label"] for r in document["tables"]["nokkeltall"]["rows"]}
    assert figures["tjenester:tsb.akutt"] != figures["tjenester:phv.akutt"]
    assert "Psykisk helsevern" in figures["tjenester:phv.akutt"]


def test_unit_types_and_the_titles_of_areas_and_services_come_from_the_instrument(
    document, instrument
):
    figures = {r["key"]: r["label"] for r in document["tables"]["nokkeltall"]["rows"]}
    for code, label in instrument.unit_types.items():
        assert figures[f"enhetstype:{code}"] == f"Kartlagt av: {label}"
    titles = {table_id: table["title"] for table_id, table in document["tables"].items()}
    for area in instrument.index_areas:
        label = instrument.question(area).label.lower()
        assert titles[f"levekarsomrade_{area}"].startswith(f"Levekårsområdet {label} etter")
    for group in instrument.question("tjenester").option_groups:
        if group.key in ("kommune", "somatikk", "andre"):  # the rest word it as "services of"
            assert titles[f"tjenester_{group.key}"] == f"{group.label} etter kategori. Prosent"


def test_persons_are_adults_after_removing_duplicates(document, sample_frame, instrument):
    keys = sample_frame.filter(pl.col("alder") >= instrument.adult_age)["person_key"]
    assert document["persons"] == keys.n_unique()
    assert document["persons"] < document["registrations"] == sample_frame.height
    assert rows_of(document, "kategorier")["alle"]["antall"] == document["persons"]


def test_kategorier_andel_for_alle_is_100(document):
    assert rows_of(document, "kategorier")["alle"]["andel"] == 100


def test_shares_use_the_main_group_as_denominator(unsuppressed):
    rows = rows_of(unsuppressed, "kategorier")
    for category, main in [("ikke_rop", "rus"), ("psyk_moderat", "psykisk")]:
        expected = 100 * rows[category]["antall"] / rows[main]["antall"]
        assert math.isclose(rows[category]["andel"], expected)
    expected = 100 * rows["rus"]["antall"] / rows["alle"]["antall"]
    assert math.isclose(rows["rus"]["andel"], expected)
    assert sum(rows[c]["antall"] for c in STANDARD_ROWS[:3]) == rows["rus"]["antall"]
    assert sum(rows[c]["antall"] for c in STANDARD_ROWS[3:6]) == rows["psykisk"]["antall"]


def test_the_matrix_lists_only_combinations_that_occur_and_adds_up(unsuppressed):
    rows = rows_of(unsuppressed, "rus_psyk_matrise")
    assert all(values["antall"] > 0 for values in rows.values())
    assert sum(values["antall"] for values in rows.values()) == unsuppressed["persons"]
    severe = {tuple(k.split(":")[1:]) for k in rows if k.startswith("alvorlig_rop:")}
    assert severe <= {("rod", "rod"), ("rod", "gul"), ("gul", "rod")}
    order = list(rows)
    categories = [k.split(":")[0] for k in order]
    assert categories == sorted(categories, key=STANDARD_ROWS.index)


@pytest.mark.parametrize(
    "table_id, row_keys",
    [
        ("levekarsindeks_grupper", STANDARD_ROWS),
        ("varighet_kategori", STANDARD_ROWS[1:6]),
    ],
)
def test_shares_of_the_row_add_up_to_100(unsuppressed, table_id, row_keys):
    rows = rows_of(unsuppressed, table_id)
    for key in row_keys:
        assert math.isclose(sum(rows[key].values()), 100), key


def test_every_area_adds_up_to_100_in_each_main_group(unsuppressed):
    rows = rows_of(unsuppressed, "levekarsomrader")
    for area in AREAS:
        for group in ("rus", "psykisk"):
            shares = [rows[f"{area}:{c}"][group] for c in ("gronn", "gul", "rod")]
            assert math.isclose(sum(shares), 100), (area, group)


@pytest.mark.parametrize("prefix", ["kjonn:", "alder:", "enhetstype:", "vold:"])
def test_partitions_in_nokkeltall_add_up_to_100(unsuppressed, prefix):
    rows = rows_of(unsuppressed, "nokkeltall")
    for group in ("rus", "psykisk"):
        shares = [v[group] for k, v in rows.items() if k.startswith(prefix)]
        assert math.isclose(sum(shares), 100), group


def test_overdose_and_injection_are_null_for_psykisk_by_definition(unsuppressed):
    rows = rows_of(unsuppressed, "nokkeltall")
    overdose = [v for k, v in rows.items() if k.startswith("overdose:")]
    assert math.isclose(sum(v["rus"] for v in overdose), 100)
    assert all(v["psykisk"] is None for v in overdose)
    assert rows["injiserer"]["psykisk"] is None
    assert rows["injiserer"]["rus"] is not None


def test_the_index_mean_and_sd_are_of_all_persons(unsuppressed, sample_frame, instrument):
    persons = adult_persons(sample_frame, instrument)
    alle = rows_of(unsuppressed, "levekarsindeks")["alle"]
    assert math.isclose(alle["snitt"], persons["levekarsindeks"].mean())
    assert math.isclose(alle["standardavvik"], persons["levekarsindeks"].std(ddof=1))
    assert alle["antall"] == persons.height


def test_children_table_counts_persons_and_children(unsuppressed, sample_frame, instrument):
    persons = adult_persons(sample_frame, instrument)
    children = persons["barn_omsorg"] + persons["barn_samvaer"] + persons["barn_ingen_kontakt"]
    alle = rows_of(unsuppressed, "barn_kategori")["alle"]
    assert alle["antall"] == persons.height
    assert alle["med_barn"] == (children > 0).sum()
    assert alle["barn"] == children.sum()
    assert math.isclose(alle["andel"], 100 * alle["med_barn"] / alle["antall"])


def test_the_unit_type_is_that_of_the_representing_registration(
    make_frame, sample_rows, instrument
):
    adult = sample_rows[1]  # S7-000001, mapped by helse_omsorg
    later = dict(adult, registrering_id="X-2", enhetstype="nav", kartlagt_dato="2025-12-01")
    frame = make_frame([adult, later])
    document = build_report(NATIONAL, int(adult["aar"]), frame, instrument, threshold=1)
    group = "rus" if adult["rusproblem"] == "1" else "psykisk"
    rows = rows_of(document, "nokkeltall")
    assert rows["enhetstype:nav"][group] == 100
    assert rows["enhetstype:helse_omsorg"][group] == 0
    assert document["persons"] == 1 and document["registrations"] == 2


def test_an_empty_frame_gives_zeros_and_no_shares(make_frame, instrument):
    document = build_report(NATIONAL, 2025, make_frame([]), instrument, threshold=5)
    assert document["persons"] == 0 and document["registrations"] == 0
    assert rows_of(document, "kategorier")["alle"] == {"antall": 0, "andel": None}
    assert rows_of(document, "rus_psyk_matrise") == {}
    assert rows_of(document, "levekarsindeks")["alle"] == {
        "antall": 0,
        "snitt": None,
        "standardavvik": None,
    }


def test_a_frame_of_another_year_is_refused(sample_frame, sample_year, instrument):
    with pytest.raises(ValueError, match="another year"):
        build_report(NATIONAL, sample_year + 1, sample_frame, instrument, threshold=5)


def test_a_scope_is_checked():
    assert Scope("region", "helse_vest", "Helse Vest").as_dict()["code"] == "helse_vest"
    with pytest.raises(ValueError):
        Scope("kommune", "0301", "Oslo")
    with pytest.raises(ValueError):
        Scope("national", "00", "Hele landet")
    with pytest.raises(ValueError):
        Scope("county", None, "Vestland")


def test_a_pool_names_its_members_and_no_other_scope_has_any():
    pool = Scope("pool", "46-sma", "Små kommuner i Vestland", ("4619", "4621"))
    assert pool.as_dict() == {
        "type": "pool",
        "code": "46-sma",
        "name": "Små kommuner i Vestland",
        "members": ["4619", "4621"],
    }
    assert "members" not in Scope("county", "46", "Vestland").as_dict()
    with pytest.raises(ValueError):
        Scope("pool", "46-sma", "Små kommuner i Vestland")
    with pytest.raises(ValueError):
        Scope("county", "46", "Vestland", ("4619",))


def test_counts_in_the_document_are_integers(document):
    for table_id in ("kategorier", "rus_psyk_matrise", "barn_indeks_barnevern"):
        for row in document["tables"][table_id]["rows"]:
            for key, value in row["values"].items():
                if key != "andel" and value is not None:
                    assert type(value) is int, (table_id, row["key"], key)


def test_adding_a_table_is_adding_one_function(sample_frame, sample_year, instrument):
    @table("test_kjonn", "Kjønn")
    def test_kjonn(ctx: Context):
        n = ctx.aggregate(
            {
                "menn": (pl.col("kjonn") == "mann").sum(),
                "alle": pl.len(),
            }
        )
        columns = [tables.Column("antall", "Antall"), tables.Column("andel", "Andel (%)")]
        rows = [
            tables.Row(
                "mann", "Menn", {"antall": Count(n["menn"]), "andel": Share(n["menn"], n["alle"])}
            )
        ]
        return columns, rows

    try:
        document = build_report(NATIONAL, sample_year, sample_frame, instrument, threshold=5)
        assert list(document["tables"])[-1] == "test_kjonn"
        assert document["tables"]["test_kjonn"]["rows"][0]["values"]["antall"] > 0
        with pytest.raises(ValueError, match="twice"):
            table("test_kjonn", "Igjen")(test_kjonn)
    finally:
        del TABLES["test_kjonn"]


def test_a_report_can_be_limited_to_some_tables(sample_frame, sample_year, instrument):
    document = build_report(
        NATIONAL,
        sample_year,
        sample_frame,
        instrument,
        tables=["nokkeltall", "kategorier"],
        threshold=5,
    )
    assert list(document["tables"]) == ["nokkeltall", "kategorier"]


def test_tables_are_pure_functions_of_the_persons(sample_frame, instrument):
    persons = adult_persons(sample_frame, instrument)
    first = compute(Context(persons, instrument))
    again = compute(Context(persons.sample(fraction=1.0, shuffle=True, seed=1), instrument))
    assert first.keys() == again.keys()
    for table_id, one in first.items():
        other = again[table_id]
        assert (one.columns, [r.key for r in one.rows]) == (
            other.columns,
            [r.key for r in other.rows],
        )
        for a, b in zip(one.rows, other.rows, strict=True):
            for key, cell in a.values.items():
                if isinstance(cell, Mean | StdDev) and cell.value is not None:
                    assert b.values[key].n == cell.n
                    assert math.isclose(b.values[key].value, cell.value), (table_id, a.key)
                else:
                    assert b.values[key] == cell, (table_id, a.key, key)


def test_the_engine_modules_do_not_import_django():
    import subprocess
    import sys

    code = (
        "import sys; import brukerplan.reports.document, brukerplan.reports.tables, "
        "brukerplan.reports.suppression; print('django' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_kartlagt_dato_is_a_date_in_the_frame(sample_frame):
    # guards the fixture: the duplicate rule orders by this column
    assert isinstance(sample_frame["kartlagt_dato"][0], datetime.date)
