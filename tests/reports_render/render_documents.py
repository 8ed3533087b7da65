"""A report document written by hand, shaped as report-format.md says, with nulls."""

import copy
from pathlib import Path

CATEGORIES = {
    "ikke_rop": "Kun rusproblem (ikke ROP)",
    "mindre_alvorlig_rop": "Mindre alvorlig ROP",
    "alvorlig_rop": "Alvorlig ROP",
    "psyk_mildere": "Mildere psykiske problemer",
    "psyk_moderat": "Moderate psykiske problemer",
    "psyk_alvorlig": "Alvorlige psykiske problemer",
    "rus": "Rusproblemer",
    "psykisk": "Kun psykiske problemer",
    "alle": "Alle",
}
AREAS = {
    "bosituasjon": "Bosituasjon",
    "meningsfull_aktivitet": "Meningsfull aktivitet",
    "okonomi": "Økonomi",
    "fysisk_helse": "Fysisk helse",
    "psykisk_helse": "Psykisk helse",
    "rusmiddelbruk": "Rusmiddelbruk",
    "sosial_fungering": "Sosial fungering",
    "nettverk": "Nettverk",
}
COLOUR_LABEL = {"gronn": "Grønn", "gul": "Gul", "rod": "Rød"}
# The copy of ../shared/spec/sample-registrations.csv (tests/fixtures/spec/README.md)
SAMPLE_CSV = Path(__file__).resolve().parents[1] / "fixtures" / "spec" / "sample-registrations.csv"


def _rows(values_by_key: dict) -> list[dict]:
    return [
        {"key": key, "label": CATEGORIES[key], "values": values}
        for key, values in values_by_key.items()
    ]


def hand_document() -> dict:
    kategorier = {
        "ikke_rop": {"antall": 12, "andel": 21.052631578947366},
        "mindre_alvorlig_rop": {"antall": 41, "andel": 71.9298245614035},
        "alvorlig_rop": {"antall": None, "andel": None},  # 4 persons: suppressed
        "psyk_mildere": {"antall": 9, "andel": 10.975609756097562},
        "psyk_moderat": {"antall": 1234, "andel": 87.5},
        "psyk_alvorlig": {"antall": 0, "andel": 0.0},
        "rus": {"antall": 57, "andel": 4.0},
        "psykisk": {"antall": 1368, "andel": 96.0},
        "alle": {"antall": 1425, "andel": 100.0},
    }
    levekarsindeks = {
        "ikke_rop": {"antall": 12, "snitt": 197.4, "standardavvik": 54.2},
        "mindre_alvorlig_rop": {"antall": 41, "snitt": 243.5, "standardavvik": 53.1},
        "alvorlig_rop": {"antall": None, "snitt": None, "standardavvik": None},
        "psyk_mildere": {"antall": 9, "snitt": 156.0, "standardavvik": 27.3},
        "psyk_moderat": {"antall": 1234, "snitt": 211.2, "standardavvik": 41.0},
        "psyk_alvorlig": {"antall": 0, "snitt": None, "standardavvik": None},
        "rus": {"antall": 57, "snitt": 263.0, "standardavvik": 79.4},
        "psykisk": {"antall": 1368, "snitt": 214.6, "standardavvik": 55.5},
        "alle": {"antall": 1425, "snitt": 230.2, "standardavvik": 67.0},
    }
    grupper = {
        "ikke_rop": {
            "gronn": 0.0,
            "gul": 58.333333333333336,
            "rod": 41.66666666666667,
            "blalys": 0.0,
        },
        "mindre_alvorlig_rop": {"gronn": None, "gul": 53.7, "rod": 36.6, "blalys": None},
        "alvorlig_rop": {"gronn": None, "gul": None, "rod": None, "blalys": None},
        "psyk_mildere": {
            "gronn": 55.55555555555556,
            "gul": 44.44444444444444,
            "rod": 0.0,
            "blalys": 0.0,
        },
        "psyk_moderat": {"gronn": 2.1, "gul": 80.5, "rod": 16.9, "blalys": 0.5},
        "psyk_alvorlig": {"gronn": None, "gul": None, "rod": None, "blalys": None},
        "rus": {"gronn": None, "gul": 52.6, "rod": 35.1, "blalys": 8.8},
        "psykisk": {"gronn": 5.6, "gul": 78.9, "rod": 15.2, "blalys": 0.3},
        "alle": {"gronn": 5.5, "gul": 77.9, "rod": 16.0, "blalys": 0.6},
    }
    omrader = []
    for area, label in AREAS.items():
        for colour, colour_label in COLOUR_LABEL.items():
            rus = {"gronn": 40.35, "gul": 45.61, "rod": 14.04}[colour]
            psyk = {"gronn": 60.5, "gul": 30.25, "rod": 9.25}[colour]
            if area == "bosituasjon" and colour == "rod":
                rus = None  # fewer than 5 homeless persons
            omrader.append(
                {
                    "key": f"{area}:{colour}",
                    "label": f"{label}: {colour_label}",
                    "values": {"rus": rus, "psykisk": psyk},
                }
            )
    nokkeltall = [
        ("kjonn:mann", "Menn", 64.9, 37.5),
        ("kjonn:kvinne", "Kvinner", 35.1, 62.5),
        ("alder:18_23", "Alder: 18–23 år", None, 11.0),
        ("alder:24_29", "Alder: 24–29 år", 12.3, 14.4),
        ("bor_med:alene", "Bor sammen med: Bor alene", 73.7, 52.0),
        ("injiserer", "Injiserer rusmidler", 26.3, None),
        ("overdose:kun_overdose", "Overdose: har hatt overdose det siste året", None, None),
        ("overdose:ingen", "Overdose: ingen av delene", 82.5, None),
        ("tjenester:nav.sosialhjelp", "NAV: Økonomisk sosialhjelp", 17.5, 8.3),
        ("tjenester:kommune.fastlege", "Kommunale tjenester: Fastlege", 86.0, 92.7),
    ]
    matrise = [
        ("ikke_rop:gronn:gronn", 7),
        ("ikke_rop:gul:gronn", 5),
        ("mindre_alvorlig_rop:gronn:gul", 41),
        ("alvorlig_rop:rod:rod", None),
        ("psyk_mildere:gronn:gronn", 9),
        ("psyk_moderat:gronn:gul", 1234),
    ]
    document = {
        "scope": {"type": "municipality", "code": "9999", "name": "Prøvekommune"},
        "year": 2025,
        "instrument_version": "2026.1",
        "threshold": 5,
        "persons": 1425,
        "registrations": 1490,
        "tables": {
            "kategorier": {
                "title": "Antall kartlagte etter kategori",
                "columns": [
                    {"key": "antall", "label": "Antall", "kind": "count"},
                    {"key": "andel", "label": "Andel (%)", "kind": "percent"},
                ],
                "rows": _rows(kategorier),
            },
            "rus_psyk_matrise": {
                "title": (
                    "Mottakere etter kategori og levekårsområdene rusmiddelbruk og psykisk helse"
                ),
                "columns": [{"key": "antall", "label": "Antall", "kind": "count"}],
                "rows": [
                    {
                        "key": key,
                        "label": f"{CATEGORIES[key.split(':')[0]]}: {key}",
                        "values": {"antall": n},
                    }
                    for key, n in matrise
                ],
            },
            "levekarsindeks": {
                "title": "Levekårsindeks og standardavvik etter kategori",
                "columns": [
                    {"key": "antall", "label": "Antall", "kind": "count"},
                    {"key": "snitt", "label": "Gjennomsnitt", "kind": "index"},
                    {"key": "standardavvik", "label": "Standardavvik", "kind": "sd"},
                ],
                "rows": _rows(levekarsindeks),
            },
            "levekarsindeks_grupper": {
                "title": "Levekårsindeks i grupper etter kategori. Prosent",
                "columns": [
                    {"key": "gronn", "label": "Grønn", "kind": "percent"},
                    {"key": "gul", "label": "Gul", "kind": "percent"},
                    {"key": "rod", "label": "Rød", "kind": "percent"},
                    {"key": "blalys", "label": "Blålys", "kind": "percent"},
                ],
                "rows": _rows(grupper),
            },
            "levekarsomrader": {
                "title": "Levekårsområdene etter hovedgruppe. Prosent",
                "columns": [
                    {"key": "rus", "label": "Rusproblemer", "kind": "percent"},
                    {"key": "psykisk", "label": "Kun psykiske problemer", "kind": "percent"},
                ],
                "rows": omrader,
            },
            "nokkeltall": {
                "title": "Nøkkeltall",
                "columns": [
                    {"key": "rus", "label": "Rusproblemer", "kind": "percent"},
                    {"key": "psykisk", "label": "Kun psykiske problemer", "kind": "percent"},
                ],
                "rows": [
                    {"key": k, "label": label, "values": {"rus": r, "psykisk": p}}
                    for k, label, r, p in nokkeltall
                ],
            },
            "alder_kategori": {
                "title": "Gjennomsnittsalder etter kategori",
                "columns": [{"key": "snitt", "label": "Gjennomsnittsalder (år)", "kind": "mean"}],
                "rows": _rows(
                    {
                        "ikke_rop": {"snitt": 49.04},
                        "mindre_alvorlig_rop": {"snitt": 44.45},
                        "alvorlig_rop": {"snitt": None},
                        "psyk_mildere": {"snitt": 45.1},
                        "psyk_moderat": {"snitt": 44.8},
                        "psyk_alvorlig": {"snitt": None},
                        "rus": {"snitt": 44.8},
                        "psykisk": {"snitt": 45.2},
                        "alle": {"snitt": 45.1},
                    }
                ),
            },
        },
    }
    for table_id, table in document["tables"].items():
        table["suppressed"] = reasons(table_id, table)
    return document


# Nulls of the hand-written document that are no suppression: not asked of the group
# (injection and overdose for `psykisk`), or of a group of nobody (psyk_alvorlig has 0
# persons). Every other null is primary but the secondary ones.
NOT_SUPPRESSED = {
    ("nokkeltall", "injiserer", "psykisk"),
    ("nokkeltall", "overdose:kun_overdose", "psykisk"),
    ("nokkeltall", "overdose:ingen", "psykisk"),
    ("levekarsindeks", "psyk_alvorlig", "snitt"),
    ("levekarsindeks", "psyk_alvorlig", "standardavvik"),
    ("levekarsindeks_grupper", "psyk_alvorlig", "gronn"),
    ("levekarsindeks_grupper", "psyk_alvorlig", "gul"),
    ("levekarsindeks_grupper", "psyk_alvorlig", "rod"),
    ("levekarsindeks_grupper", "psyk_alvorlig", "blalys"),
    ("alder_kategori", "psyk_alvorlig", "snitt"),
}
SECONDARY = {
    ("levekarsindeks_grupper", "mindre_alvorlig_rop", "blalys"),
    ("nokkeltall", "alder:18_23", "rus"),
}


def reasons(table_id: str, table: dict) -> dict:
    """The table's `suppressed`: the reason of every null that is a suppression."""
    out: dict = {}
    for row in table["rows"]:
        for key, value in row["values"].items():
            cell = (table_id, row["key"], key)
            if value is None and cell not in NOT_SUPPRESSED:
                reason = "secondary" if cell in SECONDARY else "primary"
                out.setdefault(row["key"], {})[key] = reason
    return out


# --- the hand-written document with comparisons (county, nation, size class) ---

COMPARED = ("kategorier", "levekarsindeks_grupper", "levekarsomrader", "nokkeltall")
# name, label, a factor for counts, an offset for percentages
COMPARISONS = {
    "fylke": ("Vestland", 7, 3.0),
    "landet": ("Hele landet", 53, -2.0),
    "storrelse": ("Kommuner med 100 000 innbyggere eller flere", 19, 1.0),
}
SCOPES = {
    "municipality": {"type": "municipality", "code": "4601", "name": "Bergen"},
    "county": {"type": "county", "code": "46", "name": "Vestland"},
    "national": {"type": "national", "code": None, "name": "Hele landet"},
}


def compared_document(scope_type: str = "municipality", names=("fylke", "landet")) -> dict:
    """The hand-written document of a scope with the comparisons `names` of `COMPARED`."""
    document = copy.deepcopy(hand_document())
    document["scope"] = dict(SCOPES[scope_type])
    comparisons = {}
    for name in names:
        label, factor, offset = COMPARISONS[name]
        tables = {}
        for table_id in COMPARED:
            table = copy.deepcopy(document["tables"][table_id])
            for row in table["rows"]:
                for key, value in row["values"].items():
                    if value is None:
                        continue
                    if key == "antall":
                        row["values"][key] = value * factor + 5
                    else:
                        row["values"][key] = min(100.0, max(0.0, value + offset))
            tables[table_id] = table
        comparisons[name] = {"label": label, "persons": 1425 * factor + 5, "tables": tables}
    if comparisons:
        document["comparisons"] = comparisons
    return document


def hide(table: dict, row_key: str, column_key: str, reason: str = "primary") -> None:
    """Hide one cell of a document's table, with the reason its `suppressed` gives."""
    row = next(r for r in table["rows"] if r["key"] == row_key)
    row["values"][column_key] = None
    table["suppressed"].setdefault(row_key, {})[column_key] = reason


# --- real documents of the sample year ---


def sample_year(read_rows, make_frame) -> dict[str, dict]:
    """Real documents from the sample CSV (build_report): the country, a county compared
    with the country, and Bergen compared with its county and the country, each with a
    previous year (trends, the panel) and population figures (coverage), so that every
    registered table has rows somewhere."""
    import polars as pl

    from brukerplan.instrument import definition
    from brukerplan.reports.document import Scope, build_report

    rows = read_rows(SAMPLE_CSV)
    full = make_frame(rows)
    year = int(full["aar"][0])
    earlier = []
    for i, row in enumerate(rows):  # the same persons a year before, some colours changed
        row = dict(row, aar=str(year - 1), registrering_id="P" + row["registrering_id"])
        row["kartlagt_dato"] = f"{year - 1}{row['kartlagt_dato'][4:]}"
        if i % 3 == 0:
            row["okonomi"] = {"gronn": "gul", "gul": "rod", "rod": "gronn"}[row["okonomi"]]
        earlier.append(row)
    previous = make_frame(earlier)
    codes = sorted(set(full["kommunenummer"]))
    population = pl.DataFrame(
        {
            "kommunenummer": codes,
            "year": [year] * len(codes),
            "adults": [800 + 450 * i for i in range(len(codes))],
            "total": [1000 + 560 * i for i in range(len(codes))],
        }
    )
    county = full.filter(pl.col("fylkesnummer") == "46")

    def made(scope, own, old, **comparisons):
        return build_report(
            scope,
            year,
            own,
            definition.current(),
            5,
            previous=old,
            population=population,
            comparisons=comparisons or None,
            comparison_labels={"fylke": "Vestland"},
        )

    return {
        "national": made(Scope("national", None, "Hele landet"), full, previous),
        "county:46": made(
            Scope("county", "46", "Vestland"),
            county,
            previous.filter(pl.col("fylkesnummer") == "46"),
            landet=full,
        ),
        "municipality:4601": made(
            Scope("municipality", "4601", "Bergen"),
            full.filter(pl.col("kommunenummer") == "4601"),
            previous.filter(pl.col("kommunenummer") == "4601"),
            fylke=county,
            landet=full,
        ),
    }
