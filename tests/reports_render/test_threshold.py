"""Every rendering words the small-number rule from the document's own threshold.

report-format.md, "Small numbers": the threshold is a setting (default 5) and the
document carries it (`"threshold"`). A report made under another threshold must say so
in every format: "færre enn 10 personer", "fra 1 til 9", never the default's words.
"""

import copy
import html
import io
import re
import zipfile

import polars as pl
import pytest
from django.template.loader import render_to_string
from render_documents import SAMPLE_CSV, hide
from render_helpers import pdf_text, slide_texts

from brukerplan.instrument import definition
from brukerplan.reports import views
from brukerplan.reports.document import Scope, build_report
from brukerplan.reports.render import common, pdf, pptx, xlsx

THRESHOLD = 10
# The default's words, which a report made under 10 must not use anywhere.
DEFAULT_WORDS = re.compile(r"færre enn 5\b|1 til 4\b")


@pytest.fixture(scope="module")
def document(read_rows, make_frame) -> dict:
    """Oslo's document from the sample CSV, made with threshold 10, compared with its
    county and the country; with one more figure's numbers all hidden (`kategorier`),
    so that the text standing in for an empty figure is rendered too."""
    full = make_frame(read_rows(SAMPLE_CSV))
    year = int(full["aar"][0])
    full = full.filter(pl.col("aar") == year)
    made = build_report(
        Scope("municipality", "0301", "Oslo"),
        year,
        full.filter(pl.col("kommunenummer") == "0301"),
        definition.current(),
        THRESHOLD,
        comparisons={"fylke": full.filter(pl.col("fylkesnummer") == "03"), "landet": full},
        comparison_labels={"fylke": "Oslo fylke"},
    )
    assert made["threshold"] == THRESHOLD
    made = copy.deepcopy(made)
    table = made["tables"]["kategorier"]
    for row in table["rows"]:
        for key in row["values"]:
            hide(table, row["key"], key)
    return made


def words(text: str) -> str:
    """The text with its white space (line breaks of a layout among it) made single spaces."""
    return " ".join(text.replace("\u00a0", " ").split())


def xml_text(data: bytes) -> str:
    """Every text node of every XML part of an Office file (cells, comments, charts,
    slides), one after the other."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                xml = z.read(name).decode("utf-8")
                parts += [html.unescape(t) for t in re.findall(r">([^<>]+)<", xml)]
    return words(" ".join(parts))


def dashboard_html(document: dict) -> str:
    """The dashboard's sections (tables, figures, comparison) as the page writes them,
    with the tooltip of a hidden cell the page is given."""
    context = {
        "sections": views._sections(document, document["tables"], "tabell"),
        "hidden_note": common.hidden_note(common.threshold_of(document)),
    }
    page = render_to_string("reports/dashboard_sections.html", context)
    tables = document["comparisons"]["landet"]["tables"]
    context["sections"] = views._sections(document, tables, "sammenligning-landet")
    return page + render_to_string("reports/dashboard_sections.html", context)


def test_every_rendering_states_the_threshold_it_was_made_with(document):
    hidden = f"færre enn {THRESHOLD} personer"
    counts = f"1 til {THRESHOLD - 1}"
    empty = common.EMPTY_FIGURE_TEXT

    rendered = {
        "pdf": words(pdf_text(pdf.render_pdf(document))),
        "pptx": words(" ".join(slide_texts(deck := pptx.render_pptx(document)))),
        "pptx_xml": xml_text(deck),
        "xlsx": xml_text(xlsx.render_xlsx(document)),
        "dashboard": words(html.unescape(dashboard_html(document))),
    }
    for name, text in rendered.items():
        assert hidden in text, name
        found = DEFAULT_WORDS.search(text)
        assert found is None, (name, text[max(0, found.start() - 80) : found.end() + 80])
    # The rule in full: the PDF's front matter and the workbook's front sheet.
    rule = words(common.small_numbers_text(THRESHOLD))
    assert f"Antall fra {counts}," in rule
    assert rule in rendered["pdf"] and rule in rendered["xlsx"]
    # The deck's title slide: the counts never shown.
    assert f"Tall fra {counts} vises ikke." in rendered["pptx"]
    # A dash's note under a table, a grey cell's comment, a hidden cell's tooltip.
    assert f"– Skjult: {hidden}" in rendered["pdf"] and f"– Skjult: {hidden}" in rendered["pptx"]
    assert f"Tomme grå celler: Skjult: {hidden}." in rendered["xlsx"]
    assert f'<abbr title="Skjult: {hidden}">' in dashboard_html(document)
    # The figure whose every number is hidden, and the note of a figure's hidden cells.
    for name in ("pdf", "pptx", "xlsx", "dashboard"):
        assert words(empty) in rendered[name], name
    assert f"Ikke vist (skjult: {hidden})" in rendered["dashboard"]


def test_a_rendering_takes_the_threshold_from_the_document_and_refuses_one_without(document):
    """Renderers only format: the threshold is the document's, never a setting's. A
    document that does not carry one is not a report document."""
    assert common.threshold_of(document) == THRESHOLD
    other = {**document, "threshold": 7}
    assert "færre enn 7 personer" in words(" ".join(slide_texts(pptx.render_pptx(other))))
    without = {k: v for k, v in document.items() if k != "threshold"}
    for render in (pdf.render_pdf, pptx.render_pptx, xlsx.render_xlsx):
        with pytest.raises(ValueError, match="threshold"):
            render(without)
    with pytest.raises(ValueError, match="threshold"):
        views._sections(without, without["tables"], "tabell")


@pytest.mark.parametrize(
    ("threshold", "counts", "note"),
    [
        (5, "Antall fra 1 til 4,", "Tall fra 1 til 4 vises ikke."),
        (3, "Antall fra 1 til 2,", "Tall fra 1 til 2 vises ikke."),
        (2, "Antallet 1,", "Tallet 1 vises ikke."),
    ],
)
def test_the_rule_is_worded_for_any_threshold(threshold, counts, note):
    assert common.hidden_note(threshold) == f"Skjult: færre enn {threshold} personer"
    assert counts in common.small_numbers_text(threshold)
    assert f"færre enn {threshold} personer" in common.small_numbers_text(threshold)
    assert common.hidden_counts_note(threshold) == note
    # A threshold of 1 hides nothing, and the words say so rather than "fra 1 til 0".
    assert "1 til 0" not in common.small_numbers_text(1) + common.hidden_counts_note(1)
