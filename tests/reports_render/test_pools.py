"""Pools in the renderings (report-format.md, "Small municipalities are pooled").

A pool's document (`scope.type` "pool", its members by number) gets a title of its own
and says which municipalities it is, in the PDF, on the slides and in the workbook, and
has the municipal report's tables. A county's document with a `"pool"` says which of its
municipalities are pooled, or that they are too few even together.
"""

import copy

import pytest
from render_documents import hand_document
from render_helpers import pdf_text, slide_texts, workbook_cells

from brukerplan.reports.render import pdf, pptx, xlsx
from brukerplan.reports.render.common import pool_text

MEMBERS = ["4612", "4617", "4624"]


def pool_document() -> dict:
    document = copy.deepcopy(hand_document())
    document["scope"] = {
        "type": "pool",
        "code": "46-sma",
        "name": "Små kommuner i Vestland",
        "members": MEMBERS,
    }
    return document


def county_document(made: bool, members: list[str] = MEMBERS) -> dict:
    document = copy.deepcopy(hand_document())
    document["scope"] = {"type": "county", "code": "46", "name": "Vestland"}
    document["pool"] = {
        "code": "46-sma",
        "name": "Små kommuner i Vestland",
        "made": made,
        "members": members,
    }
    return document


def words(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def renderings(document: dict) -> dict[str, str]:
    """The text a reader finds in each rendering: the PDF's, the slides', the front sheet's."""
    cells = workbook_cells(xlsx.render_xlsx(document))[xlsx.FRONT_SHEET]
    return {
        "pdf": words(pdf_text(pdf.render_pdf(document, chart_set="none"))),
        "pptx": words(" ".join(slide_texts(pptx.render_pptx(document)))),
        "xlsx": words(" ".join(str(c["value"]) for c in cells.values() if c["value"])),
    }


def test_a_pool_says_what_it_is_and_which_municipalities_it_is_in_every_rendering():
    document = pool_document()
    said = (
        "Kommunene med nummer 4612, 4617 og 4624, som hver har for få kartlagte til en egen rapport"
    )
    for name, text in renderings(document).items():
        assert "Små kommuner i Vestland" in text, name
        assert said in text, name
    page = pdf.page(document, chart_set="none").html
    assert '<div class="subtitle">Rapport for små kommuner samlet</div>' in page
    assert "<title>BrukerPlan 2025 – Små kommuner i Vestland</title>" in page


def test_a_pool_reads_as_several_places_and_its_sheet_names_its_kind_in_words():
    document = pool_document()
    text = renderings(document)
    assert "i kommunene i «Små kommuner i Vestland»" in text["pdf"]
    assert "i Små kommuner i Vestland" not in text["pdf"]
    assert "Rapport for små kommuner samlet" in text["xlsx"]
    assert " pool " not in f" {text['xlsx']} "


def test_a_pool_has_the_tables_of_a_municipal_report():
    municipal = hand_document()
    assert pdf.shown_table_ids(pool_document()) == pdf.shown_table_ids(municipal)
    assert pdf.shown_table_ids(municipal) == pdf.shown_table_ids(municipal, "core")


@pytest.mark.parametrize(
    ("made", "members", "said"),
    [
        (
            True,
            MEMBERS,
            "Kommunene med nummer 4612, 4617 og 4624 har hver for få kartlagte til en egen "
            "rapport; de har en felles rapport, «Små kommuner i Vestland».",
        ),
        (
            False,
            MEMBERS[:2],
            "Kommunene med nummer 4612 og 4617 har for få kartlagte til en egen rapport, "
            "også samlet.",
        ),
        (False, MEMBERS[:1], "Kommunen med nummer 4612 har for få kartlagte til en egen rapport."),
    ],
)
def test_a_county_says_which_municipalities_are_pooled_or_too_few_even_together(
    made, members, said
):
    document = county_document(made, members)
    assert pool_text(document) == said
    for name, text in renderings(document).items():
        assert said in text, name


def test_no_other_document_speaks_of_pools():
    assert pool_text(hand_document()) == ""
    county = county_document(True)
    del county["pool"]
    assert pool_text(county) == ""
    assert "Små kommuner" not in pdf.page(county, chart_set="none").html
