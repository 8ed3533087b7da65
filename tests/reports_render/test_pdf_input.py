"""What WeasyPrint is given for a report: its page read by expat into the tree tinyhtml5 would
make, and a user-agent stylesheet without the pseudo-elements a report has no use for."""

import copy
import logging
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree

import pytest
from render_documents import compared_document, hand_document

from brukerplan.reports.render import pdf


def tinyhtml5_tree(html: str):
    import tinyhtml5

    return tinyhtml5.parse(html, namespace_html_elements=False)


def expat_reads(html: str) -> bool:
    try:
        return pdf._xml_tree(html) is not None
    except ElementTree.ParseError:
        return False


def report_pages(document: dict) -> list[pdf.Page]:
    pages = [pdf.page(document, chart_set=chart_set) for chart_set in ("main", "none")]
    return [*pages, *(pdf.halves(document, chart_set="none") or ())]


def pages_text(content: bytes, *options: str) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", *options, "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return [re.sub(r" +", " ", page).strip() for page in text.split("\f")[:-1]]


def page_pixels(content: bytes, folder) -> list[bytes]:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(["pdftoppm", "-r", "40", "-", str(folder / "page")], input=content, check=True)
    return [path.read_bytes() for path in sorted(folder.glob("page-*.ppm"))]


@pytest.fixture
def ampersand_document() -> dict:
    document = copy.deepcopy(hand_document())
    document["scope"]["name"] = "Aust & Vest <Nord> \"Sør\" 'Øy' \\ &amp;"
    return document


@pytest.mark.parametrize("name", ["hand", "compared", "national", "county:46", "municipality:0301"])
def test_the_report_html_parses_to_the_tree_tinyhtml5_gives(name, request):
    if name == "hand":
        document = hand_document()
    elif name == "compared":
        document = compared_document(names=("fylke", "landet", "storrelse"))
    else:
        document = request.getfixturevalue("real_documents")[name]
    for made in report_pages(document):
        assert made.from_template
        ours = pdf._xml_tree(made.html)
        assert ours is not None  # expat read it: the quick path is taken
        assert ElementTree.tostring(ours) == ElementTree.tostring(tinyhtml5_tree(made.html))


def test_a_report_lays_out_as_it_did_with_tinyhtml5_and_weasyprints_whole_stylesheet(tmp_path):
    made = pdf.page(hand_document(), chart_set="main")
    plain = pdf.Page(made.html, made.charts)  # not from the template: WeasyPrint's own way
    (tmp_path / "ours").mkdir()
    (tmp_path / "plain").mkdir()
    ours = page_pixels(pdf.render_page(made), tmp_path / "ours")
    theirs = page_pixels(pdf.render_page(plain), tmp_path / "plain")
    assert len(ours) > 3
    assert ours == theirs


def test_a_scope_name_with_an_ampersand_still_renders(ampersand_document):
    made = pdf.page(ampersand_document, chart_set="none")
    ours = pdf._xml_tree(made.html)
    assert ours is not None  # the name in the <style> text is put back as it is
    assert ElementTree.tostring(ours) == ElementTree.tostring(tinyhtml5_tree(made.html))
    assert ours.find("head/title").text.endswith(ampersand_document["scope"]["name"])
    # In reading order, lines joined: the name is broken on the title page and in the footer.
    pages = [" ".join(page.split()) for page in pages_text(pdf.render_page(made))]
    name = ampersand_document["scope"]["name"]
    assert name in pages[0]  # the title page
    assert f"BrukerPlan 2025 – {name}" in pages[2]  # the footer, from the <style> text


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda html: html.replace("<br/>", "<br>"), id="a void element left open"),
        pytest.param(lambda html: html.replace("Om rapporten", "Om&nbsp;rapporten"), id="entity"),
        pytest.param(
            lambda html: html.replace('<html lang="nb"><head>', '<html lang="nb">\n<head>'),
            id="whitespace before head",
        ),
        pytest.param(lambda html: html + "\n", id="whitespace after html"),
        pytest.param(
            lambda html: html.replace(
                '<section class="title-page">', '<section\nclass="title-page">'
            ),
            id="a line break in a tag",
        ),
        pytest.param(lambda html: html.replace("</style>", "</STYLE >x</style>"), id="style"),
    ],
)
def test_a_page_expat_cannot_read_as_tinyhtml5_does_is_read_by_tinyhtml5(change):
    made = pdf.page(hand_document(), chart_set="none")
    changed = pdf.Page(change(made.html), made.charts, from_template=True)
    assert changed.html != made.html
    assert expat_reads(made.html)
    assert not expat_reads(changed.html)
    plain = pdf.Page(changed.html, made.charts)
    assert pages_text(pdf.render_page(changed), "-layout") == pages_text(
        pdf.render_page(plain), "-layout"
    )


def test_the_trimmed_ua_stylesheet_is_used_and_lists_still_number():
    pdf.load_weasyprint()
    from weasyprint import html

    assert pdf._ua_stylesheet is not None
    assert pdf._ua_stylesheet is not html.UA_STYLESHEET
    made = pdf.page(hand_document(), chart_set="none")
    sheets = pdf._weasyprint_html(made)._ua_stylesheets()
    assert sheets == [pdf._ua_stylesheet]
    pages = pages_text(pdf.render_page(made), "-layout")
    after = pages[1][pages[1].index("Innhold") :].splitlines()
    numbered = [re.match(r"(\d+)\. (.+)", line.strip()) for line in after]
    contents = [(int(m[1]), m[2]) for m in numbered if m]
    assert [number for number, _ in contents] == list(range(1, len(contents) + 1))
    assert len(contents) > 2
    assert contents[-1][1].startswith("Vedlegg")
    assert f"Side 2 av {len(pages)}" in pages[1]  # the page counters


def test_the_trimmed_ua_stylesheet_keeps_markers_for_list_items_only():
    pdf.load_weasyprint()
    from weasyprint import html

    trimmed = pdf._trimmed_ua_text(html.UA)
    assert trimmed is not None
    assert "\nli::marker {" in trimmed
    assert "\n::marker" not in trimmed
    assert "footnote-call" not in trimmed and "note-callback" not in trimmed
    assert "@footnote" in trimmed  # the page's footnote area is WeasyPrint's still
    left_out = set(html.UA.splitlines()) - set(trimmed.splitlines())
    assert len(left_out) == len(pdf.UA_PSEUDO_RULES)


def test_the_trimmed_ua_stylesheet_is_parsed_without_warnings(caplog):
    pdf.load_weasyprint()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf._trimmed_ua_stylesheet()
    assert caplog.records == []


def test_weasyprints_own_ua_stylesheet_is_used_when_its_rules_have_changed(monkeypatch):
    pdf.load_weasyprint()
    from weasyprint import html

    changed = html.UA.replace("::note-call {", "::note-call, ::x {")
    assert pdf._trimmed_ua_text(changed) is None
    assert pdf._trimmed_ua_text(html.UA.replace("::footnote-marker {", "::footnote {")) is None
    monkeypatch.setattr(html, "UA", changed)
    assert pdf._trimmed_ua_stylesheet() is html.UA_STYLESHEET
