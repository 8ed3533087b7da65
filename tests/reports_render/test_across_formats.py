"""Every format for a municipality, a county and the nation, read back: the same numbers.

The documents are the hand-written one with the scope changed, and a municipal
one with a `comparisons` section (county, nation) built here by hand, so that
these tests do not wait for the report engine's comparisons.
"""

import copy
import math

import pytest
from render_documents import hand_document
from render_helpers import pdf_text, sheet_values, slide_texts, table_cells, table_lines

from brukerplan.reports.render import pdf, pptx, xlsx

SCOPES = {
    "municipality": {"type": "municipality", "code": "4601", "name": "Bergen"},
    "county": {"type": "county", "code": "46", "name": "Vestland"},
    "national": {"type": "national", "code": None, "name": "Hele landet"},
}


def scoped(scope_type: str) -> dict:
    document = copy.deepcopy(hand_document())
    document["scope"] = dict(SCOPES[scope_type])
    return document


def with_comparisons(document: dict) -> dict:
    """The document with a county and a national comparison of `kategorier` and
    `levekarsindeks_grupper`, with numbers unlike the scope's own."""
    document = copy.deepcopy(document)
    comparisons = {}
    for name, label, factor in (("fylke", "Vestland", 7), ("landet", "Hele landet", 53)):
        tables = {}
        for table_id in ("kategorier", "levekarsindeks_grupper"):
            table = copy.deepcopy(document["tables"][table_id])
            for row in table["rows"]:
                for key, value in row["values"].items():
                    if value is not None and key == "antall":
                        row["values"][key] = value * factor + (5 if value else 0)
            tables[table_id] = table
        comparisons[name] = {"label": label, "persons": 1425 * factor, "tables": tables}
    document["comparisons"] = comparisons
    return document


@pytest.fixture(scope="module", params=list(SCOPES))
def rendered(request):
    document = scoped(request.param)
    return {
        "document": document,
        "pdf": pdf.render_pdf(document),
        "pptx": pptx.render_pptx(document),
        "xlsx": xlsx.render_xlsx(document),
    }


@pytest.fixture(scope="module")
def compared():
    document = with_comparisons(scoped("municipality"))
    return {
        "document": document,
        "pdf": pdf.render_pdf(document),
        "pptx": pptx.render_pptx(document),
        "xlsx": xlsx.render_xlsx(document),
    }


def test_each_format_renders_for_a_municipality_a_county_and_the_nation(rendered):
    name = rendered["document"]["scope"]["name"]
    assert rendered["pdf"].startswith(b"%PDF")
    assert name in pdf_text(rendered["pdf"]).split("\f")[0]
    assert name in slide_texts(rendered["pptx"])[0]
    assert rendered["xlsx"][:2] == b"PK"


def test_the_same_counts_and_shares_appear_in_every_format(rendered):
    document = rendered["document"]
    text = pdf_text(rendered["pdf"])
    rows = table_cells(rendered["pptx"], "kategorier")
    got = sheet_values(rendered["xlsx"], document, "kategorier")
    for row in document["tables"]["kategorier"]["rows"]:
        antall, andel = row["values"]["antall"], row["values"]["andel"]
        if antall is None or row["key"] in ("rus", "psykisk", "alle"):
            continue
        shown = f"{antall:,}".replace(",", " ")
        share = f"{round(andel)} %"
        lines = [line.replace(" ", "") for line in table_lines(text, row["label"])]
        # (pdftotext may drop the narrow space before «%»)
        assert any(
            shown.replace(" ", "") in line and share.replace(" ", "") in line for line in lines
        )
        slide_row = next(r for r in rows if r[0] == row["label"])
        assert [c.replace("\u00a0", " ") for c in slide_row[1:3]] == [shown, share]
        assert got[(row["key"], "antall")] == antall
        assert math.isclose(got[(row["key"], "andel")], andel)


@pytest.mark.parametrize("rendered", ["municipality"], indirect=True)
def test_the_municipal_pdf_has_both_main_groups_the_colour_legend_and_the_denominators(rendered):
    assert rendered["document"]["scope"]["type"] == "municipality"
    text = pdf_text(rendered["pdf"])
    assert "Rusproblemer (N = 57)" in text
    assert "Kun psykiske problemer: N = 1 368" in text.replace("\n", " ")
    for colour in ("Grønn", "Gul", "Rød", "Blålys"):
        assert colour in text
    assert "Fast bolig som er" in text  # the instrument's help text


def test_the_comparisons_stand_beside_the_scopes_numbers_in_the_pdf(compared):
    text = pdf_text(compared["pdf"])
    assert "Sammenligning med Vestland, Hele landet" in text
    # psyk_moderat: 1234 in Bergen, 1234 * 7 + 5 in Vestland, 1234 * 53 + 5 in the country
    lines = [line for line in table_lines(text, "Moderate psykiske problemer")]
    assert any("1 234" in line and "8 643" in line and "65 407" in line for line in lines)


def test_the_comparisons_are_columns_of_the_sheet_beside_the_scopes_numbers(compared):
    document = compared["document"]
    got = sheet_values(compared["xlsx"], document, "kategorier")
    assert got[("psyk_moderat", "antall")] == 1234
    assert got[("psyk_moderat", "antall@fylke")] == 8643
    assert got[("psyk_moderat", "antall@landet")] == 65407
    assert got[("alvorlig_rop", "antall@fylke")] is None  # suppressed stays empty


def test_a_document_with_comparisons_still_renders_every_slide(compared):
    texts = slide_texts(compared["pptx"])
    assert "Bergen" in texts[0] and len(texts) > 5


def test_tables_without_rows_or_only_nulls_and_many_unknown_tables_render(document):
    document["tables"]["tom_tabell"] = {
        "title": "En tabell uten rader",
        "columns": [{"key": "antall", "label": "Antall", "kind": "count"}],
        "rows": [],
        "suppressed": {},
    }
    document["tables"]["bare_null"] = {
        "title": "En tabell med bare skjulte tall",
        "columns": [{"key": "andel", "label": "Andel", "kind": "percent"}],
        "rows": [{"key": "x", "label": "X", "values": {"andel": None}}],
        "suppressed": {"x": {"andel": "primary"}},
    }
    for i in range(40):
        document["tables"][f"ukjent_{i}"] = {
            "title": f"Ukjent tabell {i}",
            "columns": [{"key": "antall", "label": "Antall", "kind": "count"}],
            "rows": [{"key": "a", "label": "A", "values": {"antall": 100 + i}}],
            "suppressed": {},
        }
    document["scope"] = dict(SCOPES["national"])
    text = pdf_text(pdf.render_pdf(document, chart_set="none"))
    assert "Ukjent tabell 39" in text and "En tabell med bare skjulte tall" in text
    assert "139" in text
    assert "Ukjent tabell 39" in "\n".join(slide_texts(pptx.render_pptx(document)))
    assert sheet_values(xlsx.render_xlsx(document), document, "ukjent_39")[("a", "antall")] == 139
