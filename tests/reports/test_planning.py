"""The planning tables (LAR, `planarbeid`, `kommuner_fylke`) against independent counts.

The documents are built with threshold 1 (nothing hidden) and compared with numbers
worked out here with plain Polars filters over the persons; the county document with
threshold 5 shows that small cells are hidden and no hidden count can be subtracted back.
"""

import math
import re
from pathlib import Path

import polars as pl
import pytest

from brukerplan.registrations import synth
from brukerplan.reports import planning
from brukerplan.reports.document import Scope, adult_persons, build_report
from brukerplan.reports.registry import TABLES

YEAR = 2025
THRESHOLD = 5
VESTLAND = ("4601", "4602", "4611", "4612", "4613", "4614", "4615", "4616")
TINY = "4616"  # left with three persons: its cells must be hidden
COUNTY = Scope("county", "46", "Vestland")
BERGEN = Scope("municipality", "4601", "Bergen")
RUS_CATEGORIES = ("ikke_rop", "mindre_alvorlig_rop", "alvorlig_rop")
SUBSTANCES = (
    "alkohol",
    "cannabis",
    "sentralstimulerende",
    "kokain",
    "heroin",
    "andre_opioider",
    "legemidler",
    "ghb",
    "annet",
)
AREAS = (
    "bosituasjon",
    "meningsfull_aktivitet",
    "okonomi",
    "fysisk_helse",
    "psykisk_helse",
    "rusmiddelbruk",
    "sosial_fungering",
    "nettverk",
)
INDEX_GROUPS = ("gronn", "gul", "rod", "blalys")


@pytest.fixture(scope="module")
def frame(make_frame):
    every = make_frame(list(synth.generate(1400, YEAR, 17, list(VESTLAND))))
    in_tiny = pl.col("kommunenummer") == TINY
    adults = every.filter(in_tiny & (pl.col("alder") >= 18))
    tiny = sorted(set(adults["person_key"]))[:3]
    return every.filter(~in_tiny | pl.col("person_key").is_in(tiny))


@pytest.fixture(scope="module")
def population():
    return pl.DataFrame(
        {
            "kommunenummer": list(VESTLAND),
            "year": [YEAR] * len(VESTLAND),
            "adults": [229000, 14000, 3100, 4400, 9500, 15000, 2400, 2900],
            "total": [290000, 17800, 3900, 5600, 12000, 19000, 3000, 3700],
        },
        schema={
            "kommunenummer": pl.String,
            "year": pl.Int32,
            "adults": pl.Int64,
            "total": pl.Int64,
        },
    )


@pytest.fixture(scope="module")
def persons(frame, instrument):
    return adult_persons(frame, instrument)


@pytest.fixture(scope="module")
def county_exact(frame, instrument, population):
    return build_report(COUNTY, YEAR, frame, instrument, 1, population=population)


@pytest.fixture(scope="module")
def county(frame, instrument, population):
    return build_report(COUNTY, YEAR, frame, instrument, THRESHOLD, population=population)


@pytest.fixture(scope="module")
def bergen_exact(frame, instrument, population):
    own = frame.filter(pl.col("kommunenummer") == "4601")
    return build_report(BERGEN, YEAR, own, instrument, 1, population=population)


def values(document, table_id):
    return {row["key"]: row["values"] for row in document["tables"][table_id]["rows"]}


def one(column):
    return pl.col(column).fill_null(0) == 1


def percent(part: int, whole: int):
    return None if whole == 0 else 100.0 * part / whole


def count(frame: pl.DataFrame, condition=None) -> int:
    return frame.height if condition is None else frame.filter(condition).height


# --- LAR ---------------------------------------------------------------------------------


def lar_frames(persons):
    rus = persons.filter(pl.col("rusproblem") == 1)
    return {
        "lar": rus.filter(one("tjenester.tsb.lar")),
        "rus_uten_lar": rus.filter(~one("tjenester.tsb.lar")),
        "rus": rus,
    }


def test_lar_participation_is_the_persons_with_the_lar_service_by_rus_category(
    county_exact, persons
):
    table = values(county_exact, "lar_deltakelse")
    rus = persons.filter(pl.col("rusproblem") == 1)
    groups = {c: rus.filter(pl.col("kategori") == c) for c in RUS_CATEGORIES} | {"rus": rus}
    assert list(table) == [*RUS_CATEGORIES, "rus"]
    for key, group in groups.items():
        in_lar = count(group, one("tjenester.tsb.lar"))
        assert table[key]["antall"] == group.height
        assert table[key]["lar"] == in_lar
        assert table[key]["andel"] == pytest.approx(percent(in_lar, group.height))
    assert table["rus"]["lar"] > 0


def test_the_lar_participants_substance_use_is_a_share_of_each_group(county_exact, persons):
    table = values(county_exact, "lar_rusmidler")
    groups = lar_frames(persons)
    expected_rows = [f"rusmidler:{s}" for s in SUBSTANCES]
    expected_rows += ["injiserer", "overdose", "fare_overdose"]
    assert list(table) == expected_rows
    for key, group in groups.items():
        for substance in SUBSTANCES:
            hits = count(group, one(f"rusmidler.{substance}"))
            got = table[f"rusmidler:{substance}"][key]
            assert got == pytest.approx(percent(hits, group.height))
        for question in ("injiserer", "overdose", "fare_overdose"):
            assert table[question][key] == pytest.approx(
                percent(count(group, one(question)), group.height)
            )


def test_the_lar_participants_levekar_and_violence_are_shares_of_each_group(county_exact, persons):
    table = values(county_exact, "lar_levekar")
    for key, group in lar_frames(persons).items():
        for area in AREAS:
            for colour in ("gronn", "gul", "rod"):
                hits = count(group, pl.col(area) == colour)
                got = table[f"{area}:{colour}"][key]
                assert got == pytest.approx(percent(hits, group.height))
        for code in INDEX_GROUPS:
            hits = count(group, pl.col("indeksgruppe") == code)
            assert table[f"indeksgruppe:{code}"][key] == pytest.approx(percent(hits, group.height))
        exposed, violent = one("utsatt_vold"), one("utover_vold")
        for row, condition in (
            ("vold:utsatt", exposed),
            ("vold:utover", violent),
            ("vold:begge", exposed & violent),
        ):
            assert table[row][key] == pytest.approx(percent(count(group, condition), group.height))


# --- til planarbeidet ----------------------------------------------------------------


def largest_gaps(persons, instrument) -> list[tuple[str, int]]:
    """(service code, persons needing it without having it), the five largest."""
    question = instrument.question("tjenester")
    gaps = []
    for group in question.option_groups:
        for option in group.options:
            code = f"{group.key}.{option.code}"
            n = count(persons, one(f"behov.{code}") & ~one(f"tjenester.{code}"))
            gaps.append((code, n))
    ordered = sorted(gaps, key=lambda g: -g[1])
    return [g for g in ordered if g[1] > 0][:5]


def test_the_planning_summary_has_the_key_numbers_of_the_municipality(
    bergen_exact, frame, instrument, population
):
    persons = adult_persons(frame.filter(pl.col("kommunenummer") == "4601"), instrument)
    table = values(bergen_exact, "planarbeid")
    n = persons.height
    adults = population.filter(pl.col("kommunenummer") == "4601")["adults"].item()
    children = persons.select(
        pl.sum_horizontal("barn_omsorg", "barn_samvaer", "barn_ingen_kontakt").fill_null(0)
    ).to_series()
    parents = int((children > 0).sum())
    expected = {
        "alle": n,
        "rus": count(persons, pl.col("rusproblem") == 1),
        "psykisk": count(persons, (pl.col("rusproblem") == 0) & (pl.col("psykisk_problem") == 1)),
        **{f"indeksgruppe:{g}": count(persons, pl.col("indeksgruppe") == g) for g in INDEX_GROUPS},
        "med_barn": parents,
        "lar": count(persons, one("tjenester.tsb.lar")),
    }
    gaps = largest_gaps(persons, instrument)
    expected |= {f"behov:{code}": gap for code, gap in gaps}
    for key, number in expected.items():
        assert table[key]["antall"] == number, key
        assert table[key]["andel"] == pytest.approx(percent(number, n)), key
    assert table["per_1000"]["antall"] == pytest.approx(1000 * n / adults)
    assert table["per_1000"]["andel"] is None
    assert table["barn"]["antall"] == int(children.sum())
    assert [k for k in table if k.startswith("behov:")] == [f"behov:{c}" for c, _ in gaps]
    assert len(gaps) == 5


def test_the_planning_gaps_are_the_needed_but_not_received_of_the_service_table(bergen_exact):
    planning = values(bergen_exact, "planarbeid")
    services = values(bergen_exact, "behov_tjenester")
    for key, cells in planning.items():
        if key.startswith("behov:"):
            assert cells["antall"] == services[key.removeprefix("behov:")]["nytt_behov"]


def test_the_planning_summary_leaves_out_the_rate_without_population(frame, instrument):
    own = frame.filter(pl.col("kommunenummer") == "4601")
    document = build_report(BERGEN, YEAR, own, instrument, 1)
    assert "per_1000" not in values(document, "planarbeid")


# --- the county's municipalities -----------------------------------------------------------


def test_the_county_table_has_every_municipality_with_its_coverage_and_index_groups(
    county_exact, persons, population
):
    table = values(county_exact, "kommuner_fylke")
    assert list(table) == [f"kommune:{code}" for code in VESTLAND] + ["i_alt"]
    adults = dict(population.select("kommunenummer", "adults").iter_rows())
    for code in VESTLAND:
        own = persons.filter(pl.col("kommunenummer") == code)
        cells = table[f"kommune:{code}"]
        assert cells["kartlagte"] == own.height
        assert cells["innbyggere_18"] == adults[code]
        assert cells["per_1000"] == pytest.approx(1000 * own.height / adults[code])
        for g in INDEX_GROUPS:
            assert cells[g] == pytest.approx(
                percent(count(own, pl.col("indeksgruppe") == g), own.height)
            )
    total = table["i_alt"]
    assert total["kartlagte"] == persons.height
    assert total["innbyggere_18"] == sum(adults.values())
    assert total["per_1000"] == pytest.approx(1000 * persons.height / sum(adults.values()))
    assert table[f"kommune:{TINY}"]["kartlagte"] == 3


def test_the_county_table_is_empty_outside_a_county_document(bergen_exact, frame, instrument):
    assert values(bergen_exact, "kommuner_fylke") == {}
    national = build_report(Scope("national", None, "Hele landet"), YEAR, frame, instrument, 1)
    assert values(national, "kommuner_fylke") == {}


def test_the_county_table_hides_a_small_municipality_and_what_would_give_it_away(
    county, county_exact
):
    shown = values(county, "kommuner_fylke")
    exact = values(county_exact, "kommuner_fylke")
    suppressed = county["tables"]["kommuner_fylke"]["suppressed"]
    tiny = f"kommune:{TINY}"
    assert shown[tiny]["kartlagte"] is None and suppressed[tiny]["kartlagte"] == "primary"
    assert shown[tiny]["per_1000"] is None
    assert all(shown[tiny][g] is None for g in INDEX_GROUPS if exact[tiny][g])
    assert shown[tiny]["innbyggere_18"] == exact[tiny]["innbyggere_18"]  # not persons
    # The total minus the shown municipalities must not give the small one back.
    assert shown["i_alt"]["kartlagte"] == exact["i_alt"]["kartlagte"]
    hidden = [k for k, cells in shown.items() if k != "i_alt" and cells["kartlagte"] is None]
    assert len(hidden) >= 2
    assert sum(exact[k]["kartlagte"] for k in hidden) >= THRESHOLD
    for key, cells in shown.items():
        for column, value in cells.items():
            if value is None and exact[key][column] is not None:
                assert suppressed[key][column] in ("primary", "secondary")
            elif value is not None:
                assert value == pytest.approx(exact[key][column])


def test_every_shown_count_of_the_county_table_is_zero_or_at_least_the_threshold(county):
    for row in county["tables"]["kommuner_fylke"]["rows"]:
        value = row["values"]["kartlagte"]
        assert value is None or value == 0 or value >= THRESHOLD
        for g in INDEX_GROUPS:
            share = row["values"][g]
            persons = row["values"]["kartlagte"]
            if share is not None and persons is not None:
                assert math.isclose(share, 0) or share * persons / 100 >= THRESHOLD - 1e-9


def test_every_planning_table_is_in_the_docs():
    docs = Path(__file__).resolve().parents[2] / "docs" / "report-tables.md"
    listed = set(re.findall(r"^\| `([a-z0-9_]+)` \|", docs.read_text(), re.MULTILINE))
    ids = {s.id for s in TABLES.values() if s.function.__module__ == planning.__name__}
    assert ids == {"planarbeid", "lar_deltakelse", "lar_rusmidler", "lar_levekar", "kommuner_fylke"}
    assert ids <= listed
