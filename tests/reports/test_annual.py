"""The annual report's tables (brukerplan/reports/annual.py) and docs/report-tables.md.

The numbers of every annual table are computed again here in plain Python over
the rows of the exchange format (no Polars, none of the engine's code), from
synthetic registrations (brukerplan/registrations/synth.py) that include
duplicates and persons under 18, and compared with a national document built
with a threshold of 1 (nothing suppressed): counts exactly, shares and means
within 1e-6. Then: every cell carries masks that give back its own numbers, and
every id of docs/report-tables.md is in a national document.
"""

import re
import statistics
from pathlib import Path

import polars as pl
import pytest

from brukerplan.registrations import synth
from brukerplan.reports import annual
from brukerplan.reports.document import Scope, adult_persons, build_report, minor_persons
from brukerplan.reports.registry import TABLES, compute
from brukerplan.reports.tables import (
    Context,
    Count,
    Mean,
    NotApplicable,
    Share,
    StdDev,
    Total,
)

NATIONAL = Scope("national", None, "Hele landet")
YEAR = 2020
DOCS = Path(__file__).resolve().parents[2] / "docs" / "report-tables.md"

# --- the spec, written down again ---------------------------------------------

RUS_CATEGORIES = ["ikke_rop", "mindre_alvorlig_rop", "alvorlig_rop"]
PSYK_CATEGORIES = ["psyk_mildere", "psyk_moderat", "psyk_alvorlig"]
CATEGORIES = RUS_CATEGORIES + PSYK_CATEGORIES
COLOURS = ["gronn", "gul", "rod"]
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
POINTS = {"gronn": 17.25, "gul": 34.5, "rod": 69.0}
INDEX_GROUPS = [("gronn", 138, 138), ("gul", 155.25, 241.5), ("rod", 258.75, 396.75)]
INDEX_GROUPS += [("blalys", 414, 552)]
INDEX_CODES = [g for g, _, _ in INDEX_GROUPS]
AGE_BANDS = [
    ("18_23", 18, 23),
    ("24_29", 24, 29),
    ("30_39", 30, 39),
    ("40_49", 40, 49),
    ("50_59", 50, 59),
    ("60_69", 60, 69),
    ("70_pluss", 70, 200),
]
SINGLE_CODES = {
    "utdanning": ["grunnskole_ikke_fullfort", "grunnskole", "videregaende", "hoyere", "vet_ikke"],
    "fodeland": ["norge", "europa", "utenfor_europa", "vet_ikke"],
    "arbeidserfaring": ["ingen", "under_1", "1_5", "over_5", "vet_ikke"],
}
SERVICE_GROUPS = ["nav", "kommune", "tsb", "phv", "somatikk", "andre"]


def birth_year(number):
    yy, individual = int(number[4:6]), int(number[6:9])
    if individual <= 499:
        return 1900 + yy
    if individual <= 749 and yy >= 54:
        return 1800 + yy
    if yy <= 39:
        return 2000 + yy
    return 1900 + yy


def category(row):
    drugs, mental = row["rusmiddelbruk"], row["psykisk_helse"]
    if row["rusproblem"] == "1":
        if row["psykisk_problem"] == "0":
            return "ikke_rop"
        if (drugs, mental) in [("rod", "rod"), ("rod", "gul"), ("gul", "rod")]:
            return "alvorlig_rop"
        return "mindre_alvorlig_rop"
    return {"gronn": "psyk_mildere", "gul": "psyk_moderat", "rod": "psyk_alvorlig"}[mental]


def persons_of(rows):
    """One record per person (latest date, then greatest id), split into adults and minors."""
    chosen = {}
    for row in rows:
        rank = (row["kartlagt_dato"], row["registrering_id"])
        best = chosen.get(row["fodselsnummer"])
        if best is None or rank > best[0]:
            chosen[row["fodselsnummer"]] = (rank, row)
    adults, minors = [], []
    for _, row in chosen.values():
        p = dict(row)
        number = row["fodselsnummer"]
        p["kjonn"] = "mann" if int(number[8]) % 2 else "kvinne"
        p["alder"] = int(row["aar"]) - birth_year(number)
        index = sum(POINTS[row[a]] for a in AREAS)
        p["indeksgruppe"] = next(g for g, lo, hi in INDEX_GROUPS if lo <= index <= hi)
        p["kategori"] = category(row)
        (adults if p["alder"] >= 18 else minors).append(p)
    return adults, minors


def options(header, question):
    prefix = question + "."
    return [c[len(prefix) :] for c in header if c.startswith(prefix)]


def service_options(header, question, group):
    return [o for o in options(header, question) if o.startswith(group + ".")]


def one(column):
    return lambda p: p[column] == "1"


def rus(p):
    return p["rusproblem"] == "1"


def psykisk(p):
    return p["rusproblem"] == "0" and p["psykisk_problem"] == "1"


def everyone(p):
    return True


def in_category(c):
    return lambda p: p["kategori"] == c


MAINS = [("rus", rus), ("psykisk", psykisk), ("alle", everyone)]
STANDARD = [(c, in_category(c)) for c in CATEGORIES] + MAINS
RUS_ROWS = [(c, in_category(c)) for c in RUS_CATEGORIES] + [("rus", rus)]


def share(persons, numerator, denominator):
    members = [p for p in persons if denominator(p)]
    if not members:
        return None
    return 100 * sum(1 for p in members if numerator(p)) / len(members)


def rows_by_column_group(persons, items, groups):
    """Rows are conditions, columns groups: % of the column's persons."""
    return {
        key: {g: share(persons, condition, belongs) for g, belongs in groups}
        for key, condition in items
    }


def rows_by_row_group(persons, groups, columns):
    """Rows are groups, columns conditions: % of the row's persons."""
    return {
        key: {c: share(persons, condition, belongs) for c, condition in columns}
        for key, belongs in groups
    }


def and_(*fs):
    return lambda p: all(f(p) for f in fs)


def children(p, column):
    return int(p[column]) if p[column] else 0


def age_between(lo, hi):
    return lambda p: lo <= p["alder"] <= hi


def services_count(p, groups, header):
    return sum(
        1
        for g in groups
        for o in service_options(header, "tjenester", g)
        if p[f"tjenester.{o}"] == "1"
    )


def expected_annual(adults, minors, header):
    """Every annual table, by hand: {id: {row key: {column key: number}}}."""
    t = {}
    persons = adults
    sexes = [
        ("mann", lambda p: p["kjonn"] == "mann"),
        ("kvinne", lambda p: p["kjonn"] == "kvinne"),
        ("alle", everyone),
    ]
    t["kjonn_kategori"] = rows_by_column_group(persons, STANDARD[:-1], sexes)
    ages = [(f"alder:{k}", age_between(lo, hi)) for k, lo, hi in AGE_BANDS]
    t["alder_fordeling"] = rows_by_column_group(persons, ages, MAINS)
    for question, codes in SINGLE_CODES.items():
        items = [(f"{question}:{c}", lambda p, q=question, c=c: p[q] == c) for c in codes]
        t[question] = rows_by_column_group(persons, items, MAINS)
    for question in ("bor_med", "aktiviteter", "livsopphold"):
        items = [(f"{question}:{o}", one(f"{question}.{o}")) for o in options(header, question)]
        t[question] = rows_by_column_group(persons, items, MAINS)
    for code in ("under_50", "50_74", "75_100"):
        t["livsopphold"][f"stillingsprosent:{code}"] = {
            g: share(persons, lambda p, c=code: p["stillingsprosent"] == c, f) for g, f in MAINS
        }
    selected = and_(
        age_between(18, 59),
        lambda p: p["tjenester.nav.varig_trygd"] != "1",
        lambda p: p["tid_siden_arbeid"] != "",
    )
    codes = ["i_arbeid", "under_1", "1_2", "over_2", "vet_ikke"]
    t["tid_siden_arbeid"] = rows_by_column_group(
        persons,
        [(f"tid_siden_arbeid:{c}", lambda p, c=c: p["tid_siden_arbeid"] == c) for c in codes],
        [(g, and_(f, selected)) for g, f in MAINS],
    )
    for area in AREAS:
        groups = RUS_ROWS if area == "rusmiddelbruk" else STANDARD
        columns = [(c, lambda p, a=area, c=c: p[a] == c) for c in COLOURS]
        t[f"levekarsomrade_{area}"] = rows_by_row_group(persons, groups, columns)
    substances = [(o, one(f"rusmidler.{o}")) for o in options(header, "rusmidler")]
    t["rusmidler_kategori"] = rows_by_row_group(
        persons, RUS_ROWS, [*substances, ("injiserer", one("injiserer"))]
    )
    using = and_(rus, lambda p: any(f(p) for _, f in substances))
    t["rusmidler_alder"] = rows_by_row_group(
        persons,
        [(f"alder:{k}", and_(using, age_between(lo, hi))) for k, lo, hi in AGE_BANDS]
        + [("alle", using)],
        substances,
    )
    relations = [
        ("omsorg", "barn_omsorg"),
        ("samvaer", "barn_samvaer"),
        ("ingen_kontakt", "barn_ingen_kontakt"),
    ]

    def all_children(p):
        return sum(children(p, c) for _, c in relations)

    numbers = [(k, lambda p, c=c: children(p, c)) for k, c in relations] + [("alle", all_children)]
    t["barn_antall_kategori"] = {
        key: {
            k: sum(number(p) for p in persons if belongs(p) and number(p) > 0)
            for k, number in numbers
        }
        for key, belongs in STANDARD
    }
    t["barn_kontakt_kategori"] = rows_by_row_group(
        persons,
        [(key, and_(belongs, lambda p: all_children(p) > 0)) for key, belongs in STANDARD],
        [(k, lambda p, c=c: children(p, c) > 0) for k, c in relations],
    )
    index_columns = [(g, lambda p, g=g: p["indeksgruppe"] == g) for g in INDEX_CODES]

    def care(p):
        return children(p, "barn_omsorg") > 0

    def contact(p):
        return children(p, "barn_samvaer") > 0

    rows = []
    for key, belongs in MAINS:
        rows.append((key, and_(belongs, lambda p: care(p) or contact(p))))
        rows.append((f"{key}:omsorg", and_(belongs, care)))
        rows.append((f"{key}:samvaer", and_(belongs, contact)))
    t["barn_levekarsindeks"] = rows_by_row_group(persons, rows, index_columns)
    others = [f"andres_barn.{o}" for o in options(header, "andres_barn") if o != "ingen"]
    t["andres_barn_levekarsindeks"] = rows_by_row_group(
        persons,
        [
            (key, and_(belongs, lambda p: any(p[c] == "1" for c in others)))
            for key, belongs in MAINS
        ],
        index_columns,
    )
    plans = [(o, one(f"planer.{o}")) for o in options(header, "planer")]
    t["planer_kategori"] = rows_by_row_group(
        persons, STANDARD, [*plans, ("pakkeforlop", one("pakkeforlop"))]
    )

    def served(p):
        return services_count(p, SERVICE_GROUPS, header) > 0

    means = {
        "snitt": SERVICE_GROUPS,
        "snitt_nav": ["nav"],
        "snitt_kommune": ["kommune"],
        "snitt_spesialist": ["tsb", "phv", "somatikk"],
        "snitt_andre": ["andre"],
    }
    table = {}
    for key, belongs in [(g, lambda p, g=g: p["indeksgruppe"] == g) for g in INDEX_CODES] + [
        ("alle", everyone)
    ]:
        members = [p for p in persons if belongs(p) and served(p)]
        table[key] = {"antall": len(members)}
        for column, groups in means.items():
            values = [services_count(p, groups, header) for p in members]
            table[key][column] = statistics.fmean(values) if values else None
    t["tjenester_antall_indeks"] = table

    def service_items():
        items = []
        for g in SERVICE_GROUPS:
            codes = service_options(header, "tjenester", g)
            items.append((g, lambda p, codes=codes: any(p[f"tjenester.{c}"] == "1" for c in codes)))
            items += [(c, one(f"tjenester.{c}")) for c in codes]
        return items

    items = service_items()
    for g in SERVICE_GROUPS:
        mine = [(k, f) for k, f in items if k == g or k.startswith(g + ".")]
        t[f"tjenester_{g}"] = rows_by_column_group(persons, mine, STANDARD)
    t["tjenester_indeksgruppe"] = rows_by_column_group(
        persons,
        items,
        [(g, lambda p, g=g: p["indeksgruppe"] == g) for g in INDEX_CODES] + [("alle", everyone)],
    )
    behov = {}
    for g in SERVICE_GROUPS:
        codes = service_options(header, "tjenester", g)
        pairs = [(g, codes)] + [(c, [c]) for c in codes]
        for key, these in pairs:
            received = [any(p[f"tjenester.{c}"] == "1" for c in these) for p in persons]
            needed = [any(p[f"behov.{c}"] == "1" for c in these) for p in persons]
            behov[key] = {
                "mottatt": sum(received),
                "behov": sum(needed),
                "nytt_behov": sum(n and not r for r, n in zip(received, needed, strict=True)),
                "ikke_behov": sum(r and not n for r, n in zip(received, needed, strict=True)),
                "andel_mottatt": 100 * sum(received) / len(persons),
                "andel_behov": 100 * sum(needed) / len(persons),
            }
    t["behov_tjenester"] = behov
    area_rows = [(f"{a}:{c}", lambda p, a=a, c=c: p[a] == c) for a in AREAS for c in COLOURS]
    area_rows += [(f"indeksgruppe:{g}", f) for g, f in index_columns]
    t["levekarsomrader_alder"] = rows_by_column_group(
        persons,
        area_rows,
        [
            ("rus:18_23", and_(rus, age_between(18, 23))),
            ("rus:24_pluss", and_(rus, age_between(24, 200))),
            ("psykisk:18_23", and_(psykisk, age_between(18, 23))),
            ("psykisk:24_pluss", and_(psykisk, age_between(24, 200))),
        ],
    )

    # the under-18 chapter
    def rop(p):
        return p["kategori"] in ("mindre_alvorlig_rop", "alvorlig_rop")

    young = [("ikke_rop", in_category("ikke_rop")), ("rop", rop)]
    young += [(c, in_category(c)) for c in PSYK_CATEGORIES] + MAINS
    parents = {"ikke_rop": rus, "rop": rus, "rus": everyone, "psykisk": everyone, "alle": everyone}
    t["unge_kategorier"] = {
        key: {
            "antall": sum(1 for p in minors if belongs(p)),
            "andel": share(minors, belongs, parents.get(key, psykisk)),
        }
        for key, belongs in young
    }
    columns = [("alder:16", lambda p: p["alder"] == 16), ("alder:17", lambda p: p["alder"] == 17)]
    columns += [("kjonn:mann", sexes[0][1]), ("kjonn:kvinne", sexes[1][1])]
    t["unge_alder_kategori"] = {
        key: {c: sum(1 for p in minors if belongs(p) and f(p)) for c, f in columns}
        for key, belongs in young
    }
    activities = [
        (f"aktiviteter:{o}", one(f"aktiviteter.{o}")) for o in options(header, "aktiviteter")
    ]
    t["unge_aktiviteter"] = rows_by_column_group(minors, activities, MAINS)
    t["unge_levekarsomrader"] = rows_by_column_group(minors, area_rows, MAINS)
    return t


# --- fixtures ----------------------------------------------------------------


@pytest.fixture(scope="module")
def rows():
    return list(synth.generate(2500, YEAR, 11))


@pytest.fixture(scope="module")
def frame(rows, make_frame):
    return make_frame(rows)


@pytest.fixture(scope="module")
def document(frame, instrument):
    return build_report(NATIONAL, YEAR, frame, instrument, threshold=1)


@pytest.fixture(scope="module")
def expected(rows):
    adults, minors = persons_of(rows)
    return expected_annual(adults, minors, list(rows[0]))


@pytest.fixture(scope="module")
def context(frame, instrument):
    return Context(
        persons=adult_persons(frame, instrument),
        instrument=instrument,
        minors=minor_persons(frame, instrument),
        year=YEAR,
    )


def annual_ids():
    return [
        table_id for table_id, spec in TABLES.items() if spec.function.__module__ == annual.__name__
    ]


# --- tests -------------------------------------------------------------------


def test_it_builds_the_fixture_with_minors_duplicates_and_every_main_group(rows, expected):
    adults, minors = persons_of(rows)
    assert len(rows) > len(adults) + len(minors)
    assert len(minors) >= 20
    assert {p["kategori"] for p in adults} == set(CATEGORIES)


def test_it_registers_the_annual_tables_in_every_report_document(document):
    ids = annual_ids()
    assert set(ids) <= set(document["tables"])
    assert not any(i.startswith("unge_") for i in TABLES if i not in ids)


def test_it_computes_every_annual_table_as_an_independent_computation_does(document, expected):
    assert set(expected) == set(annual_ids())
    for table_id, table in expected.items():
        got = {row["key"]: row["values"] for row in document["tables"][table_id]["rows"]}
        assert list(got) == list(table), table_id
        for row_key, values in table.items():
            assert list(got[row_key]) == list(values), (table_id, row_key)
            for column, value in values.items():
                actual = got[row_key][column]
                where = (table_id, row_key, column)
                if value is None or isinstance(value, int):
                    assert actual == value, where
                else:
                    assert actual == pytest.approx(value, abs=1e-6), where


def test_it_shows_the_seeds_numbers_where_the_figures_say(document, expected):
    """Spot checks that the tables read as the seed's figures do."""
    tables = document["tables"]
    women = {r["key"]: r["values"]["kvinne"] for r in tables["kjonn_kategori"]["rows"]}
    assert sum(women[c] for c in CATEGORIES) == pytest.approx(100)
    assert women["rus"] + women["psykisk"] == pytest.approx(100)
    ages = [r["values"]["rus"] for r in tables["alder_fordeling"]["rows"]]
    assert sum(ages) == pytest.approx(100)
    no_plan = {r["key"]: r["values"]["ingen"] for r in tables["planer_kategori"]["rows"]}
    assert 0 < no_plan["alle"] < 100


def _frame_of(table_id, ctx):
    return ctx.minors if table_id.startswith("unge_") else ctx.persons


def _mask_checks(table, frame):
    """(what, expected number, Polars expression giving it on the frame) for every cell."""
    checks = []
    for row in table.rows:
        for key, cell in row.values.items():
            where = (table.id, row.key, key)
            match cell:
                case Count(n, of):
                    assert of is not None, where
                    checks.append((where, n, of.sum()))
                case Share(numerator, denominator, numerator_of, denominator_of):
                    assert numerator_of is not None and denominator_of is not None, where
                    checks.append((where, numerator, numerator_of.sum()))
                    checks.append((where, denominator, denominator_of.sum()))
                case Mean(value, n, of, column) | StdDev(value, n, of, column):
                    assert of is not None and column is not None, where
                    values = pl.col(column) if isinstance(column, str) else column
                    checks.append((where, n, of.sum()))
                    if isinstance(cell, Mean):
                        checks.append((where, value, values.filter(of).mean()))
                    else:
                        checks.append((where, value, values.filter(of).std(ddof=1)))
                case Total(value, n, of, column):
                    assert of is not None and column is not None, where
                    checks.append((where, n, of.sum()))
                    checks.append((where, value, column.filter(of).sum()))
                case NotApplicable():
                    pass
    if not checks:
        return
    got = frame.select([e.alias(str(i)) for i, (_, _, e) in enumerate(checks)]).row(0)
    for (where, number, _), value in zip(checks, got, strict=True):
        if number is None or value is None:
            assert number == value, where
        else:
            assert value == pytest.approx(number, abs=1e-6), where


def test_every_cell_of_every_annual_table_carries_masks_that_give_back_its_numbers(context):
    for table_id, table in compute(context, annual_ids()).items():
        _mask_checks(table, _frame_of(table_id, context))
    # and the under-18 tables really are on the minors
    unge = compute(context, ["unge_kategorier"])["unge_kategorier"]
    everyone = next(r for r in unge.rows if r.key == "alle").values["antall"]
    assert everyone.n == context.minors.height > 0


def test_every_cell_of_every_registered_table_carries_its_masks(context):
    missing = []
    for table_id, table in compute(context).items():
        for row in table.rows:
            for key, cell in row.values.items():
                match cell:
                    case Count(_, of) if of is None:
                        missing.append((table_id, row.key, key))
                    case Share(_, _, num, den) if num is None or den is None:
                        missing.append((table_id, row.key, key))
                    case Mean(_, _, of, c) | StdDev(_, _, of, c) if of is None or c is None:
                        missing.append((table_id, row.key, key))
                    case Total(_, _, of, c) if of is None or c is None:
                        missing.append((table_id, row.key, key))
    assert not missing, sorted({m[0] for m in missing})


def test_the_under_18_tables_have_no_rows_without_minors(context, instrument):
    ids = [i for i in annual_ids() if i.startswith("unge_")]
    assert len(ids) == 4
    for minors in (None, context.minors.clear()):
        ctx = Context(persons=context.persons, instrument=instrument, minors=minors, year=YEAR)
        for table_id, table in compute(ctx, ids).items():
            assert table.rows == (), table_id
            assert table.columns, table_id


def test_the_annual_tables_have_no_rows_with_numbers_for_an_empty_scope(instrument, make_frame):
    document = build_report(NATIONAL, YEAR, make_frame([]), instrument, threshold=5)
    for table_id in annual_ids():
        for row in document["tables"][table_id]["rows"]:
            assert all(v in (0, None) for v in row["values"].values()), table_id


def test_it_suppresses_the_annual_tables_small_numbers_at_the_default_threshold(frame, instrument):
    document = build_report(NATIONAL, YEAR, frame, instrument, threshold=5)
    unge = {r["key"]: r["values"] for r in document["tables"]["unge_alder_kategori"]["rows"]}
    for values in unge.values():
        assert all(v is None or v == 0 or v >= 5 for v in values.values())


# --- docs/report-tables.md -------------------------------------------------------


def documented():
    """{seed table or figure: [ids]} and the ids of the section not in the seed."""
    seed, extra = {}, []
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if re.fullmatch(r"(Tabell|Figur) \d+|Vedlegg 2", cells[0]):
            seed[cells[0]] = re.findall(r"`([a-z0-9_]+)`", cells[2])
        elif cells[0].startswith("`"):
            extra += re.findall(r"`([a-z0-9_]+)`", cells[0])
    return seed, extra


def test_the_docs_list_every_table_and_figure_of_the_seed():
    seed, _ = documented()
    expected = [f"Tabell {i}" for i in range(1, 17)] + [f"Figur {i}" for i in range(1, 48)]
    assert [k for k in seed if k != "Vedlegg 2"] == expected
    assert all(seed.values())


def test_every_id_in_the_docs_is_in_a_national_document(document):
    seed, extra = documented()
    ids = {i for ids in seed.values() for i in ids} | set(extra)
    assert ids - set(document["tables"]) == set()


def test_every_annual_table_is_in_the_docs():
    seed, extra = documented()
    ids = {i for ids in seed.values() for i in ids} | set(extra)
    assert set(annual_ids()) <= ids


def test_the_docs_list_the_seeds_captions():
    # The copy of ../shared/seeds/003_4ec209f302107412.txt (tests/fixtures/spec/README.md)
    path = Path(__file__).resolve().parents[1] / "fixtures" / "seeds" / "003_4ec209f302107412.txt"
    found = set(re.findall(r"^\s*((?:Tabell|Figur) \d+)\.? ", path.read_text(), re.MULTILINE))
    seed, _ = documented()
    assert found <= set(seed)
