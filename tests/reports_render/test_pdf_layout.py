"""The PDF's page layout: wide tables on landscape pages, short tables kept whole."""

import re
import shutil
import subprocess

import pytest
from render_documents import compared_document

from brukerplan.reports.render import pdf


def page_sizes(content: bytes) -> list[tuple[float, float]]:
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    done = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", "-"], input=content, capture_output=True, check=True
    )
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", done.stdout.decode())
    return [(float(w), float(h)) for w, h in sizes]


def landscape_tables(page: str) -> set[str]:
    """Ids of the tables inside a wide item of the PDF's HTML."""
    found, wide = set(), False
    for tag in re.finditer(r'<div class="item( wide)?">|<table[^>]* id="t-([^"]+)"', page):
        if tag.group(0).startswith("<div"):
            wide = bool(tag.group(1))
        elif wide:
            found.add(tag.group(2))
    return found


def test_a_compared_table_too_wide_for_a_portrait_page_is_printed_in_landscape():
    # Four scopes: the index groups (four colours) get 1 + 4 x 4 columns.
    document = compared_document(names=("fylke", "landet", "storrelse"))
    wide = landscape_tables(pdf.page(document, chart_set="none").html)
    assert "levekarsindeks_grupper-sammenligning" in wide
    assert "kategorier-sammenligning" not in wide  # 1 + 2 x 4 columns
    sizes = page_sizes(pdf.render_pdf(document, chart_set="none"))
    assert any(w < h for w, h in sizes) and any(w > h for w, h in sizes)


def test_tables_that_fit_a_portrait_page_stay_on_one():
    document = compared_document(names=("fylke",))
    made = pdf.page(document, chart_set="none")
    wide = landscape_tables(made.html)
    # With the county beside it, only the index groups (1 + 2 x 5 columns) need the room.
    assert wide <= {"levekarsindeks_grupper-sammenligning"}
    assert {"kategorier-sammenligning", "nokkeltall-sammenligning"}.isdisjoint(wide)
    sizes = page_sizes(pdf.render_page(made))
    assert sum(w > h for w, h in sizes) <= 2  # that item's figure and table, no more


def test_a_sections_heading_goes_with_a_wide_first_item_and_the_rest_stays_portrait(
    monkeypatch,
):
    # On narrower portrait pages the first table of the first section (kategorier compared,
    # 9 columns) needs a landscape one; the section's other items do not.
    monkeypatch.setattr(pdf, "PORTRAIT_ROOM", 120 * pdf.MM)
    document = compared_document(names=("fylke", "landet", "storrelse"))
    page = pdf.page(document, chart_set="none").html
    first_section = page.split('<h2 class="section')[1]
    assert first_section.startswith(' wide-heading">')
    wide = landscape_tables(page)
    assert "kategorier-sammenligning" in wide
    assert "rus_psyk_matrise" not in wide  # the next item of the same section


def test_a_compared_header_breaks_between_words_and_hyphenates_only_a_word_too_long():
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    from weasyprint import HTML

    # Columns of about 17 mm: "Hele landet" needs two lines; "Hele lan-" would fit on one.
    page = (
        f'<html lang="nb"><style>{pdf._css()}</style><table class="data compared" '
        'style="width: 54mm"><thead><tr><th class="label">Omfang</th><th>Hele landet</th>'
        "<th>Spesialisthelsetjenester</th></tr></thead></table></html>"
    )
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=HTML(string=page).write_pdf(), capture_output=True
    ).stdout.decode()
    assert "landet" in text and "lan\u2010" not in text  # not "Hele lan-det"
    assert "\u2010" in text  # the word no column line holds is hyphenated
