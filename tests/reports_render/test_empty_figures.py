"""A figure whose every number is hidden (common in a small municipality) is not drawn as
empty axes: each rendering says why instead."""

import io
import zipfile

import pytest
from django.template.loader import render_to_string
from render_documents import hand_document, hide
from render_helpers import slide_texts

from brukerplan.reports import views
from brukerplan.reports.render import common, pdf, pptx, xlsx

TEXT = common.EMPTY_FIGURE_TEXT


@pytest.fixture
def hidden_categories() -> dict:
    """The hand document with every number of `kategorier` hidden."""
    document = hand_document()
    table = document["tables"]["kategorier"]
    for row in table["rows"]:
        for key in row["values"]:
            hide(table, row["key"], key)
    return document


def kategorier_figure(document: dict) -> common.Figure:
    (figure,) = common.figures(
        "kategorier", document["tables"]["kategorier"], threshold=document["threshold"]
    )
    return figure


def chart_files(workbook: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(workbook)) as z:
        return sum(n.startswith("xl/charts/chart") for n in z.namelist())


def test_a_figure_with_every_number_hidden_is_empty(hidden_categories):
    assert kategorier_figure(hidden_categories).empty
    assert not kategorier_figure(hand_document()).empty


def test_the_pdf_gives_the_caption_and_says_why_instead_of_a_chart(hidden_categories):
    shown = pdf.page(hidden_categories)
    full = pdf.page(hand_document())
    assert len(shown.charts) == len(full.charts) - 1
    caption = f"Figur 1. {kategorier_figure(hidden_categories).title}"
    assert caption in shown.html and TEXT in shown.html
    assert TEXT not in full.html


def test_the_slide_says_why_instead_of_drawing_a_chart(hidden_categories):
    title = kategorier_figure(hidden_categories).title
    texts = slide_texts(pptx.render_pptx(hidden_categories, "rus"))
    slide = next(t for t in texts if t.startswith(title))
    assert TEXT in slide
    assert not any(TEXT in t for t in slide_texts(pptx.render_pptx(hand_document(), "rus")))


def test_the_sheet_says_why_and_has_no_chart_for_it(hidden_categories):
    workbook = xlsx.render_xlsx(hidden_categories)
    assert chart_files(workbook) == chart_files(xlsx.render_xlsx(hand_document())) - 1
    import fastexcel

    names = xlsx.sheet_names(hidden_categories)
    sheet = fastexcel.read_excel(workbook).load_sheet_by_name(names["kategorier"], header_row=None)
    assert any(TEXT in str(v) for column in sheet.to_polars().iter_columns() for v in column)


def test_the_dashboard_says_why_and_gives_no_chart_spec(hidden_categories):
    tables = hidden_categories["tables"]
    sections = views._sections(hidden_categories, tables, "rus")
    item = next(i for s in sections for i in s["items"] if i["id"] == "kategorier")
    (figure,) = item["figures"]
    assert figure["spec"] == "" and figure["note"] == TEXT
    html = render_to_string("reports/dashboard_sections.html", {"sections": sections})
    caption = html.split('id="rus-kategorier-figur-1-tekst">')[1].split("</figcaption>")[0]
    assert caption == f"{kategorier_figure(hidden_categories).title}. {TEXT}"
    assert 'class="chart-view" id="rus-kategorier-figur-1"' not in html


@pytest.fixture
def hidden_psykisk_areas() -> dict:
    """The hand document with every number of the psykisk group's areas hidden."""
    document = hand_document()
    table = document["tables"]["levekarsomrader"]
    for row in table["rows"]:
        hide(table, row["key"], "psykisk")
    return document


def test_a_main_group_with_every_area_hidden_gets_no_empty_panel_but_one_line_in_the_note(
    hidden_psykisk_areas,
):
    table = hidden_psykisk_areas["tables"]["levekarsomrader"]
    (figure,) = common.figures("levekarsomrader", table, threshold=5)
    assert [p.key for p in figure.panels] == ["rus"]
    label = next(c["label"] for c in table["columns"] if c["key"] == "psykisk")
    # Named once, not cell by cell; the other group's hidden cells are named as before.
    assert [h for h in figure.hidden if h.startswith(label)] == [f"{label}: alle tallene"]
    assert not figure.empty
    (full,) = common.figures(
        "levekarsomrader", hand_document()["tables"]["levekarsomrader"], threshold=5
    )
    assert [p.key for p in full.panels] == ["rus", "psykisk"]
    assert [h for h in figure.hidden if not h.startswith(label)] == list(full.hidden)


def test_the_pdf_draws_the_areas_of_the_group_it_can_show(hidden_psykisk_areas):
    from brukerplan.reports.render import charts

    (figure,) = common.figures(
        "levekarsomrader", hidden_psykisk_areas["tables"]["levekarsomrader"], threshold=5
    )
    spec = charts.figure_chart(figure, titled=False)
    assert "hconcat" not in spec  # one panel, not two side by side
    shown = pdf.page(hidden_psykisk_areas)
    assert "alle tallene" in shown.html and TEXT not in shown.html
