"""Hovedfunn: sentences from a document's own shown numbers (reports/findings.py)."""

import copy
import re

from brukerplan.reports.findings import MAX_FINDINGS, findings

GROUPS = ("rus", "psykisk", "alle")


def table(columns, rows, kind="percent"):
    return {
        "title": "T",
        "columns": [{"key": c, "label": c.capitalize(), "kind": kind} for c in columns],
        "rows": [
            {"key": key, "label": label, "values": dict(values)} for key, label, values in rows
        ],
        "suppressed": {},
    }


def synthetic() -> dict:
    """A municipal document with every table the findings read, numbers chosen by hand."""
    groups = {"rus": "Rusproblemer", "psykisk": "Kun psykiske problemer", "alle": "Alle"}
    areas = {"bosituasjon": "Bosituasjon", "okonomi": "Økonomi"}

    def areas_table(shares):
        rows = []
        for (area, colour), (rus, psykisk) in shares.items():
            label = f"{areas[area]}: {colour.capitalize()}"
            rows.append((f"{area}:{colour}", label, {"rus": rus, "psykisk": psykisk}))
        return table(("rus", "psykisk"), rows)

    own_areas = {("bosituasjon", "rod"): (40.0, 10.0), ("okonomi", "rod"): (30.0, 20.0)}
    county_areas = {("bosituasjon", "rod"): (33.0, 12.0), ("okonomi", "rod"): (29.6, 21.0)}
    nation_areas = {("bosituasjon", "rod"): (38.0, 9.0), ("okonomi", "rod"): (52.4, 20.0)}
    kategorier = table(
        ("antall", "andel"),
        [
            ("rus", groups["rus"], {"antall": 120, "andel": 30.0}),
            ("psykisk", groups["psykisk"], {"antall": 280, "andel": 70.0}),
            ("alle", "Alle", {"antall": 400, "andel": 100.0}),
        ],
    )
    kategorier["columns"][0]["kind"] = "count"
    grupper = table(
        ("gronn", "gul", "rod", "blalys"),
        [
            ("alle", "Alle", {"gronn": 20.0, "gul": 45.0, "rod": 27.4, "blalys": 7.6}),
        ],
    )
    trend = table(
        ("forrige", "denne"),
        [("alle", "Alle", {"forrige": 380, "denne": 400})],
        kind="count",
    )
    trend["columns"][0]["label"], trend["columns"][1]["label"] = "2023", "2025"
    trend_shares = table(
        ("forrige", "denne"),
        [
            ("alle:snitt", "Alle: snitt", {"forrige": 200.0, "denne": 260.0}),
            ("alle:rod", "Alle: Rød levekårsindeks", {"forrige": 31.0, "denne": 27.4}),
            ("alle:blalys", "Alle: Blålys levekårsindeks", {"forrige": 2.0, "denne": 7.6}),
        ],
    )
    trend_shares["rows"][0]["kind"] = "index"  # a mean among shares: never a change in points
    trend_shares["columns"][0]["label"], trend_shares["columns"][1]["label"] = "2023", "2025"
    children = table(
        ("omsorg", "samvaer", "ingen_kontakt"),
        [("alle", "Alle", {"omsorg": 1234, "samvaer": 56, "ingen_kontakt": 7})],
        kind="count",
    )
    services = table(
        ("mottatt", "behov"),
        [
            ("nav", "NAV: minst én tjeneste", {"mottatt": 10, "behov": 90}),  # a group: skipped
            ("nav.sosialhjelp", "NAV: Økonomisk sosialhjelp", {"mottatt": 50, "behov": 58}),
            ("kommune.bolig", "Kommunale tjenester: Bolig", {"mottatt": 20, "behov": 41}),
            ("kommune.fastlege", "Kommunale tjenester: Fastlege", {"mottatt": 90, "behov": 80}),
            ("tsb.poliklinikk", "TSB: Poliklinikk", {"mottatt": 5, "behov": 13}),
            ("phv.poliklinikk", "PHV: Poliklinikk", {"mottatt": 1, "behov": 3}),
        ],
        kind="count",
    )
    return {
        "scope": {"type": "municipality", "code": "4601", "name": "Bergen"},
        "year": 2025,
        "threshold": 5,
        "persons": 400,
        "tables": {
            "kategorier": kategorier,
            "levekarsindeks_grupper": grupper,
            "levekarsomrader": areas_table(own_areas),
            "trend_kategorier": trend,
            "trend_levekarsindeks": trend_shares,
            "barn_antall_kategori": children,
            "behov_tjenester": services,
        },
        "comparisons": {
            "fylke": {
                "label": "Vestland",
                "persons": 900,
                "tables": {"levekarsomrader": areas_table(county_areas)},
            },
            "landet": {
                "label": "Hele landet",
                "persons": 9000,
                "tables": {"levekarsomrader": areas_table(nation_areas)},
            },
        },
    }


def by_table(document) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in findings(document):
        found.setdefault(finding["table"], []).append(finding["text"])
    return found


def numbers(text: str) -> list[int]:
    return [int(n.replace("\u00a0", "")) for n in re.findall(r"\d[\d\u00a0]*", text)]


def hide(document, table_id, row_key, column_key, reason="primary", section=None):
    tables = document["comparisons"][section]["tables"] if section else document["tables"]
    table = tables[table_id]
    for row in table["rows"]:
        if row["key"] == row_key:
            row["values"][column_key] = None
    table["suppressed"].setdefault(row_key, {})[column_key] = reason


def largest_difference(document, name):
    """An independent reading: the compared share that differs most, in whole percents."""
    own = document["tables"]["levekarsomrader"]
    other = document["comparisons"][name]["tables"]["levekarsomrader"]
    pairs = []
    for row, other_row in zip(own["rows"], other["rows"], strict=True):
        for column in ("rus", "psykisk"):
            a, b = row["values"][column], other_row["values"][column]
            if a is not None and b is not None:
                pairs.append((abs(round(a) - round(b)), round(a), round(b)))
    return max(pairs)


def test_the_sentences_carry_the_documents_own_numbers():
    document = synthetic()
    found = by_table(document)
    assert 5 <= len(findings(document)) <= MAX_FINDINGS
    assert all(not f["text"][0].islower() and f["text"].endswith(".") for f in findings(document))

    (overview,) = found["kategorier"]
    assert numbers(overview)[:1] == [400] and "120" in overview and "30\u00a0%" in overview

    (red,) = found["levekarsindeks_grupper"]  # 27.4 + 7.6: 35 %, of the shown 27 % and 8 %
    assert numbers(red) == [35, 27, 8]

    county, nation = found["levekarsomrader"]
    size, own, other = largest_difference(document, "fylke")
    assert (size, own, other) == (7, 40, 33)
    assert "Vestland" in county and numbers(county) == [own, other, size] and "høyere" in county
    size, own, other = largest_difference(document, "landet")
    assert (size, own, other) == (22, 30, 52)  # 52.4 rounds to 52
    assert "hele landet" in nation and numbers(nation) == [own, other, size] and "lavere" in nation

    (trend,) = found["trend_kategorier"]
    assert numbers(trend) == [400, 2025, 20, 2023, 380] and "flere" in trend

    # The index mean changes by 60 but is no share; red falls 4 points, blålys rises 6.
    (change,) = found["trend_levekarsindeks"]
    assert "Blålys" in change and numbers(change) == [2023, 2, 8, 2025, 6] and "opp" in change

    (children,) = found["barn_antall_kategori"]
    assert numbers(children) == [1234, 18, 56]

    # Need minus received: Bolig 21, TSB 8, sosialhjelp 8 (in the document's order), PHV 2;
    # the group's row and a service received more than needed are not gaps.
    (gaps,) = found["behov_tjenester"]
    assert gaps.index("Bolig") < gaps.index("Økonomisk sosialhjelp") < gaps.index("Poliklinikk")
    assert "PHV" not in gaps and "Fastlege" not in gaps and "minst én" not in gaps
    assert numbers(gaps) == [12, 12, 41, 20, 58, 50, 13, 5]


def test_a_hidden_cell_gives_no_sentence_built_on_it():
    document = synthetic()
    hide(document, "levekarsindeks_grupper", "alle", "blalys", "secondary")
    hide(document, "trend_kategorier", "alle", "forrige")
    hide(document, "barn_antall_kategori", "alle", "omsorg")
    hide(document, "barn_antall_kategori", "alle", "samvaer", "secondary")
    found = by_table(document)
    assert "levekarsindeks_grupper" not in found
    assert "trend_kategorier" not in found
    assert "barn_antall_kategori" not in found
    assert "kategorier" in found  # the rest stands


def test_a_hidden_cell_is_not_read_even_where_its_value_was_left_in():
    document = synthetic()
    # Secondary suppression names the cell; a number left beside the reason is not read.
    document["tables"]["barn_antall_kategori"]["suppressed"] = {"alle": {"omsorg": "primary"}}
    (children,) = by_table(document)["barn_antall_kategori"]
    assert "1234" not in children.replace("\u00a0", "") and numbers(children) == [56]


def test_a_hidden_comparison_cell_is_not_the_largest_difference():
    document = synthetic()
    hide(document, "levekarsomrader", "okonomi:rod", "rus", section="landet")
    (_, nation) = by_table(document)["levekarsomrader"]
    assert numbers(nation) == list(largest_difference(document, "landet")[1:]) + [
        largest_difference(document, "landet")[0]
    ]
    assert "52" not in nation


def test_a_sentence_loses_only_its_hidden_part_when_the_rest_carries_it():
    document = synthetic()
    hide(document, "behov_tjenester", "kommune.bolig", "behov")
    hide(document, "kategorier", "rus", "andel")
    found = by_table(document)
    assert "Bolig" not in found["behov_tjenester"][0]
    assert "rusproblemer" not in found["kategorier"][0]
    assert "psykiske" in found["kategorier"][0]


def test_a_document_without_comparisons_trends_or_gaps_says_only_what_it_has():
    document = synthetic()
    del document["comparisons"]
    for table_id in ("trend_kategorier", "trend_levekarsindeks", "behov_tjenester"):
        document["tables"][table_id]["rows"] = []
    assert set(by_table(document)) == {
        "kategorier",
        "levekarsindeks_grupper",
        "barn_antall_kategori",
    }


def test_the_same_document_gives_the_same_sentences():
    document = synthetic()
    assert findings(document) == findings(copy.deepcopy(document))


def test_every_report_document_carries_its_findings(sample_frame, instrument, sample_year):
    import polars as pl

    from brukerplan.reports.document import Scope, build_report

    own = sample_frame.filter(pl.col("kommunenummer") == "4601")
    document = build_report(
        Scope("municipality", "4601", "Bergen"),
        sample_year,
        own,
        instrument,
        5,
        comparisons={"landet": sample_frame},
    )
    assert document["findings"] == findings(document)
    assert len(document["findings"]) >= 3
    for finding in document["findings"]:
        assert set(finding) == {"text", "table"}
        assert finding["table"] in document["tables"]
