"""Real documents from the sample CSV (via build_report), rendered in every format."""

import math

import pytest
from render_helpers import charts_of, document_values, pdf_text, sheet_values

from brukerplan.reports.render import pdf, pptx, xlsx
from brukerplan.reports.render.common import COUNT, figure_values, figures, format_number

SCOPES = ["national", "county:46", "municipality:0301"]


@pytest.mark.parametrize("scope", SCOPES)
def test_the_workbook_of_a_real_document_carries_its_numbers(real_documents, scope):
    document = real_documents[scope]
    book = xlsx.render_xlsx(document)
    for table_id in document["tables"]:
        got = sheet_values(book, document, table_id)
        for cell, expected in document_values(document, table_id).items():
            if expected is None:
                assert got[cell] is None, (table_id, cell)
            else:
                assert math.isclose(got[cell], expected), (table_id, cell)


@pytest.mark.parametrize("scope", SCOPES)
def test_the_deck_of_a_real_document_plots_its_numbers(real_documents, scope):
    document = real_documents[scope]
    deck = pptx.render_pptx(document)
    charts = charts_of(deck)
    for table_id, table in document["tables"].items():
        for figure in figures(table_id, table, threshold=document["threshold"]):
            expected = figure_values(figure)
            for panel in figure.panels:
                name = f"Diagram {figure.key}" + (f" {panel.key}" if panel.key else "")
                if figure.empty:  # every number hidden: a slide says so, no chart
                    assert name not in charts
                    continue
                chart = charts[name]
                plotted_categories = list(chart.plots[0].categories)
                assert plotted_categories == list(panel.categories)
                for series_shape, series in zip(chart.plots[0].series, panel.series, strict=True):
                    for category, value in zip(
                        plotted_categories, series_shape.values, strict=True
                    ):
                        assert value == expected[(panel.key, category, series.key)]


@pytest.mark.parametrize("main_group", ["rus", "psykisk"])
def test_a_municipal_deck_per_main_group_opens(real_documents, main_group):
    deck = pptx.render_pptx(real_documents["municipality:0301"], main_group)
    assert len(charts_of(deck)) > 3


def test_the_municipal_pdf_of_a_real_document_shows_its_persons(real_documents):
    document = real_documents["municipality:0301"]
    text = pdf_text(pdf.render_pdf(document))
    assert "Oslo" in text
    assert format_number(document["persons"], COUNT).replace("\u00a0", " ") in text
