"""A thin document (under 30 persons, `brukerplan.reports.thin`) in every rendering: it
says that its tables show all persons together, and its tables render without the
categories."""

import pytest
from render_helpers import pdf_text, slide_texts, workbook_cells

from brukerplan.instrument import definition
from brukerplan.registrations import synth
from brukerplan.reports import thin
from brukerplan.reports.document import Scope, build_report
from brukerplan.reports.render import pdf, pptx, xlsx
from brukerplan.reports.render.common import thin_text

YEAR = 2025


@pytest.fixture(scope="module")
def thin_document(make_frame) -> dict:
    frame = make_frame(list(synth.generate(25, YEAR, 3, ["4601"])))
    scope = Scope("municipality", "4601", "Bergen")
    document = build_report(scope, YEAR, frame, definition.for_year(YEAR), 5)
    assert document["thin"] == {"persons_below": thin.THIN_PERSONS}
    return document


def words(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u00ad", "").split())


def test_the_thin_text_names_the_limit(thin_document):
    assert f"Færre enn {thin.THIN_PERSONS} kartlagte personer" in thin_text(thin_document)
    assert thin_text({"tables": {}}) == ""


def test_every_rendering_says_the_tables_show_all_persons_together(thin_document):
    said = words(thin_text(thin_document))
    cells = workbook_cells(xlsx.render_xlsx(thin_document))[xlsx.FRONT_SHEET]
    assert said in words(pdf_text(pdf.render_pdf(thin_document, chart_set="none")))
    assert said in words(" ".join(slide_texts(pptx.render_pptx(thin_document))))
    assert said in words(" ".join(str(c["value"]) for c in cells.values() if c["value"]))


def test_a_document_of_30_persons_or_more_says_nothing_of_it(make_frame):
    frame = make_frame(list(synth.generate(60, YEAR, 3, ["4601"])))
    document = build_report(
        Scope("municipality", "4601", "Bergen"), YEAR, frame, definition.for_year(YEAR), 5
    )
    assert thin_text(document) == ""
    assert "Få kartlagte" not in words(" ".join(slide_texts(pptx.render_pptx(document))))
