"""Hovedfunn in every rendering: the PDF's page after the title, the deck's first slides
(and their notes), the workbook's first sheet."""

import copy
import io
import re
import zipfile

import pytest
from render_helpers import pdf_text, slides, workbook_cells

from brukerplan.reports.render import pdf, pptx, xlsx
from brukerplan.reports.render.common import NO_FINDINGS


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


@pytest.fixture(scope="module")
def bergen(sample_year) -> dict:
    document = sample_year["municipality:4601"]
    assert len(document["findings"]) >= 5  # Bergen's sample has something to say
    return document


def without_findings(document: dict) -> dict:
    document = copy.deepcopy(document)
    document["findings"] = []
    return document


@pytest.mark.slow
def test_the_pdf_opens_with_hovedfunn_after_its_title_page(bergen):
    text = pdf_text(pdf.render_pdf(bergen, chart_set="none"))
    pages = text.split("\f")
    assert "Hovedfunn" not in pages[0]
    findings_page = flat(pages[1])
    assert findings_page.startswith("Hovedfunn")
    for finding in bergen["findings"]:
        assert flat(finding["text"]) in findings_page
        title = bergen["tables"][finding["table"]]["title"]
        assert flat(f"Kilde: {title}.") in findings_page
    assert "Om rapporten" in pages[2]


@pytest.mark.slow
def test_a_pdf_without_findings_says_why_on_its_page(bergen):
    pages = pdf_text(pdf.render_pdf(without_findings(bergen), chart_set="none")).split("\f")
    assert flat(pages[1]).startswith("Hovedfunn " + flat(NO_FINDINGS)[:40])


def slide_text(slide) -> str:
    return flat(" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame))


def test_the_deck_opens_with_hovedfunn_and_says_each_finding_in_the_notes(bergen):
    deck = slides(pptx.render_pptx(bergen))
    shown = [s for s in deck[1:3] if slide_text(s).startswith("Hovedfunn")]
    assert shown and deck[1] in shown  # straight after the title slide
    text = " ".join(slide_text(s) for s in shown)
    notes = " ".join(flat(s.notes_slide.notes_text_frame.text) for s in shown)
    for finding in bergen["findings"]:
        assert flat(finding["text"]) in text
        assert flat(finding["text"]) in notes
    assert len(shown) == -(-len(bergen["findings"]) // pptx.FINDINGS_PER_SLIDE)


def test_a_deck_per_main_group_opens_with_the_same_findings(bergen):
    deck = slides(pptx.render_pptx(bergen, main_group="rus"))
    assert slide_text(deck[1]).startswith("Hovedfunn")
    assert flat(bergen["findings"][0]["text"]) in slide_text(deck[1])


def test_the_workbook_opens_on_hovedfunn_with_a_link_to_each_source(bergen):
    data = xlsx.render_xlsx(bergen)
    cells = workbook_cells(data)
    assert list(cells)[0] == "Hovedfunn"
    sheet = cells["Hovedfunn"]
    texts = [sheet[(r, 0)]["value"] for r in range(3, 3 + len(bergen["findings"]))]
    assert texts == [f["text"] for f in bergen["findings"]]
    sources = [sheet[(r, 1)]["value"] for r in range(3, 3 + len(bergen["findings"]))]
    assert sources == [bergen["tables"][f["table"]]["title"] for f in bergen["findings"]]
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # opened on its first sheet: no other tab
        assert b"activeTab" not in z.read("xl/workbook.xml")


def test_a_workbook_without_findings_says_why(bergen):
    cells = workbook_cells(xlsx.render_xlsx(without_findings(bergen)))
    assert cells["Hovedfunn"][(2, 0)]["value"] == NO_FINDINGS
