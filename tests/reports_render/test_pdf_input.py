"""What WeasyPrint is given for a report: the page made from report.html, as it is."""

import copy
import re
import shutil
import subprocess

import pytest
from render_documents import hand_document

from brukerplan.reports.render import pdf


def pages_text(content: bytes, *options: str) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", *options, "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return [re.sub(r" +", " ", page).strip() for page in text.split("\f")[:-1]]


@pytest.fixture
def ampersand_document() -> dict:
    document = copy.deepcopy(hand_document())
    document["scope"]["name"] = "Aust & Vest <Nord> \"Sør\" 'Øy' \\ &amp;"
    return document


def test_a_scope_name_with_an_ampersand_still_renders(ampersand_document):
    made = pdf.page(ampersand_document, chart_set="none")
    # In reading order, lines joined: the name is broken on the title page and in the footer.
    pages = [" ".join(page.split()) for page in pages_text(pdf.render_page(made))]
    name = ampersand_document["scope"]["name"]
    assert name in pages[0]  # the title page
    assert f"BrukerPlan 2025 – {name}" in pages[2]  # the footer, from the <style> text


def test_weasyprint_reads_the_page_through_its_public_interface_only():
    source = (pdf.__file__ and open(pdf.__file__, encoding="utf-8").read()) or ""
    for private in ("_find_base_url", "_ua_stylesheets", "make_margin_boxes", "find_library"):
        assert private not in source
