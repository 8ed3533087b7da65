"""Tables that can be read: no header runs into its neighbour, no number is cut or broken
over two lines, in the PDF and on the slides.

The PDF is read back as a reader sees it: the words pdftotext finds on each page, with
their boxes (`-bbox`). No two words overlap; none runs past the page's margin; none is
two words run together (a word the page's HTML does not have: "AlkoholCannabis" is what
a header that runs into the next one reads as); and every number of a table is on one
line, its digit groups and its «%» side by side. The slides are read with python-pptx and
measured with the font files (fontTools, not the renderer's own table of widths): every
word of a cell, and every number whole, fits the cell's width less its margins, and the
table ends above the footnote.

The documents: the sample year (national, county, municipality, with comparisons, every
table) and the hand-written one compared with three scopes, whose widest table (21
columns) fits no page and no slide whole.
"""

import copy
import html
import io
import re
import shutil
import subprocess
from collections import Counter
from functools import cache

import pytest
from pptx import Presentation
from pptx.util import Inches
from render_documents import compared_document

from brukerplan.reports.render import fitting, pdf, pptx
from brukerplan.reports.render.common import Cell, DisplayRow, DisplayTable

MARGIN = 18 * 72 / 25.4  # report.css: 18 mm on either side, portrait and landscape
NUMBER_CELL = re.compile(
    r'<td class="(?:num|hidden|secondary|none|na)"[^>]*>(?:<span [^>]*></span>)?([^<]*)</td>'
)
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')


@pytest.fixture(scope="module")
def documents(sample_year) -> dict[str, dict]:
    return {**sample_year, "four scopes": compared_document(names=("fylke", "landet", "storrelse"))}


def page_words(content: bytes) -> list[tuple[float, list[tuple[float, float, float, float, str]]]]:
    """(page width, [(x0, y0, x1, y1, text), …]) of every page, as pdftotext finds them."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=content, capture_output=True, check=True
    )
    pages = []
    for chunk in done.stdout.decode().split("<page ")[1:]:
        width = float(PAGE.match("<page " + chunk).group(1))
        found = [
            (float(a), float(b), float(c), float(d), html.unescape(text))
            for a, b, c, d, text in WORD.findall(chunk)
        ]
        pages.append((width, found))
    return pages


def overlapping(words) -> list[tuple[str, str]]:
    """Pairs of words whose boxes overlap (by more than half a point either way)."""
    by_line: dict[int, list] = {}
    for word in words:
        by_line.setdefault(int(word[1] // 4), []).append(word)
    found = []
    for line, group in by_line.items():
        near = group + by_line.get(line + 1, [])
        for i, a in enumerate(group):
            for b in near[i + 1 :]:
                if (
                    a[0] < b[2] - 0.5
                    and b[0] < a[2] - 0.5
                    and a[1] < b[3] - 0.5
                    and b[1] < a[3] - 0.5
                ):
                    found.append((a[4], b[4]))
    return found


def runs(words) -> Counter:
    """The texts of words set side by side on one line, a space apart at most (a number's
    digit groups and its «%»: the cells of a row are farther apart)."""
    lines: dict[float, list] = {}
    for word in words:
        lines.setdefault(round(word[3] * 2) / 2, []).append(word)
    found: Counter = Counter()
    for line in lines.values():
        line.sort()
        run = [line[0]]
        for word in line[1:]:
            if word[0] - run[-1][2] < 4:
                run.append(word)
            else:
                found[" ".join(w[4] for w in run)] += 1
                run = [word]
        found[" ".join(w[4] for w in run)] += 1
    return found


def pdf_problems(made: pdf.Page) -> list[str]:
    pages = page_words(pdf.render_page(made))
    text = html.unescape(re.sub(r"<[^>]+>", " ", made.html)).replace("\u00a0", " ")
    problems = []
    every_run: Counter = Counter()
    for number, (width, words) in enumerate(pages, start=1):
        for a, b in overlapping(words):
            problems.append(f"page {number}: «{a}» overlaps «{b}»")
        for x0, _y0, x1, _y1, word in words:
            if x0 < MARGIN - 1 or x1 > width - MARGIN + 1:
                problems.append(f"page {number}: «{word}» runs past the margin")
            if word.rstrip(fitting.HYPHEN) not in text:
                problems.append(f"page {number}: «{word}» is two words run together")
        every_run += runs(words)
    numbers = Counter(
        html.unescape(t).replace("\u00a0", " ") for t in NUMBER_CELL.findall(made.html)
    )
    for number, count in numbers.items():
        if " " in number and every_run[number] < count:
            problems.append(f"«{number}» is not whole on one line ({every_run[number]} of {count})")
    return problems


@pytest.mark.parametrize("name", ["national", "county:46", "municipality:4601", "four scopes"])
def test_no_table_of_the_pdf_has_a_header_over_another_or_a_number_broken(documents, name):
    made = pdf.page(documents[name], chart_set="none", table_set="all")
    assert pdf_problems(made) == []


def test_no_label_of_a_figure_overlaps_another(documents):
    # The country's counts by category, in a year of some 37,000 persons: the axis labels
    # of five digits ("12 000", "16 000") stood touching.
    document = copy.deepcopy(documents["national"])
    for row in document["tables"]["kategorier"]["rows"]:
        if row["values"]["antall"] is not None:
            row["values"]["antall"] *= 61
    made = pdf.page(document, chart_set="main")
    pages = page_words(pdf.render_page(made))
    assert [
        (n, pair) for n, (_w, words) in enumerate(pages, 1) for pair in overlapping(words)
    ] == []


def test_a_table_too_wide_for_a_landscape_page_is_printed_in_parts_with_its_row_labels(
    documents,
):
    page = pdf.page(documents["four scopes"], chart_set="none").html
    parts = re.findall(r'<table [^>]*id="t-levekarsindeks_grupper-sammenligning[^"]*"', page)
    assert len(parts) == 2
    assert "Levekårsindeks i grupper etter kategori. Prosent (1 av 2)" in page
    assert "Levekårsindeks i grupper etter kategori. Prosent (2 av 2)" in page


# --- the slides ------------------------------------------------------------------------------

POINT = 12700  # EMU
NUMBER = re.compile(r"^[<>]?\d[\d\u00a0]*(,\d+)?(\u00a0%)?$")


def lines_of(text: str, room: float, size: float, bold: bool) -> int:
    lines, used = 1, None
    for word in text.split(" "):
        wide = measured(word, size, bold)
        if used is not None and used + measured(" ", size, bold) + wide <= room:
            used += measured(" ", size, bold) + wide
        else:
            lines, used = (lines if used is None else lines + 1), wide
    return lines


def slide_problems(deck: bytes) -> list[str]:
    problems = []
    for number, slide in enumerate(Presentation(io.BytesIO(deck)).slides, start=1):
        foot = next((s for s in slide.shapes if s.name == "Fotnote"), None)
        if foot is not None and foot.top + foot.height > pptx.SLIDE_HEIGHT:
            problems.append(f"slide {number}: the footnote runs off the slide")
        for shape in slide.shapes:
            if not shape.has_table:
                continue
            widths = [column.width / POINT for column in shape.table.columns]
            height = 0.0
            for row in shape.table.rows:
                tallest = 1.0
                for c, cell in enumerate(row.cells):
                    if cell.is_spanned:
                        continue
                    span = cell.span_width if cell.is_merge_origin else 1
                    sides = [
                        m if m is not None else Inches(0.1)
                        for m in (cell.margin_left, cell.margin_right)
                    ]
                    room = sum(widths[c : c + span]) - sum(sides) / POINT
                    for paragraph in cell.text_frame.paragraphs:
                        size, bold = paragraph.font.size.pt, bool(paragraph.font.bold)
                        text = "".join(run.text for run in paragraph.runs)
                        pieces = [text] if NUMBER.match(text) else text.split(" ")
                        for piece in pieces:
                            if measured(piece, size, bold) > room:
                                problems.append(f"slide {number}: «{piece}» is wider than its cell")
                        lines = lines_of(text, room, size, bold)
                        margins = (Inches(0.03) * 2) / POINT
                        tallest = max(tallest, lines * size * 1.2 + margins)
                height += tallest
            bottom = foot.top if foot is not None else pptx.SLIDE_HEIGHT
            if shape.top / POINT + height > bottom / POINT:
                problems.append(f"slide {number}: {shape.name} runs into the footnote")
    return problems


@pytest.mark.parametrize("name", ["national", "county:46", "municipality:4601", "four scopes"])
def test_every_word_and_number_of_a_slides_table_fits_its_cell(documents, name):
    # Every table, not only those of a deck of 40 slides (render_pptx's max_slides).
    assert slide_problems(pptx.render_pptx(documents[name], max_slides=None)) == []
    assert slide_problems(pptx.render_pptx(documents[name])) == []


# --- the measures -------------------------------------------------------------------------


@cache
def advance_widths(bold: bool):
    """The font's advance widths by character, in em (DejaVu Sans, as fontconfig finds it)."""
    if shutil.which("fc-match") is None:
        pytest.skip("fc-match (fontconfig) is not installed")
    from fontTools.ttLib import TTFont

    name = "DejaVu Sans:bold" if bold else "DejaVu Sans"
    path = subprocess.run(
        ["fc-match", "-f", "%{file}", name], capture_output=True, text=True, check=True
    ).stdout
    if "DejaVuSans" not in path:
        pytest.skip("DejaVu Sans is not installed")
    font = TTFont(path)
    cmap, metrics, units = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    return {chr(code): metrics[glyph][0] / units for code, glyph in cmap.items()}


def measured(text: str, size: float, bold: bool) -> float:
    widths = advance_widths(bold)
    return sum(widths.get(c, 1.0) for c in text) * size


def test_the_widths_are_those_of_the_pdfs_font():
    for bold, widths in ((False, fitting._REGULAR), (True, fitting._BOLD)):
        font = advance_widths(bold)
        wrong = {c for c, w in widths.items() if abs(w / 1000 - font[c]) > 0.001}
        assert wrong == set()


def table(header: list[list[Cell]], body: list[list[Cell]], n_columns: int = 0) -> DisplayTable:
    rows = tuple(DisplayRow(tuple(cells)) for cells in body)
    return DisplayTable("t", "T", tuple(tuple(r) for r in header), rows, (), "", n_columns)


def test_a_column_is_never_narrower_than_its_longest_word_or_number():
    shown = table(
        [[Cell("", "label"), Cell("Spesialisthelsetjenester", "label"), Cell("N", "label")]],
        [[Cell("Alle", "label"), Cell("1", "num"), Cell("12\u00a0345\u00a0678", "num")]],
    )
    setting = fitting.Setting(10, 4)
    least = fitting.least_widths(shown, setting)
    assert least[1] == pytest.approx(
        fitting.text_width("Spesialisthelsetjenester", 10, bold=True) + 4
    )
    assert least[2] == pytest.approx(fitting.text_width("12\u00a0345\u00a0678", 10) + 4)
    assert fitting.fit(shown, setting, sum(least) - 1, label_share=0.4) is None
    found = fitting.fit(shown, setting, 400, label_share=0.4)
    assert sum(found.widths) == pytest.approx(400)
    assert all(w >= low for w, low in zip(found.widths, least, strict=True))
    # Hyphenated, the long word needs less.
    hyphenated = fitting.Setting(10, 4, hyphenate=pdf.hyphenations)
    assert fitting.least_widths(shown, hyphenated)[1] < least[1]


def test_a_long_header_is_shortened_with_its_whole_label_in_a_note():
    long = "Vanedannende legemidler (benzodiazepiner og lignende)"
    shown = table(
        [
            [
                Cell("", "label"),
                Cell(long, "label"),
                Cell(f"{long} (%)", "label"),
                Cell("Alkohol", "label"),
            ]
        ],
        [[Cell("Alle", "label"), Cell("1", "num"), Cell("2", "num"), Cell("3", "num")]],
    )
    legended = fitting.with_legend(shown)
    assert [c.text for c in legended.header[0]] == [
        "",
        "Vanedannende legemidler¹",
        "Vanedannende legemidler¹ (%)",
        "Alkohol",
    ]
    assert legended.notes == (f"¹ {long}",)
    # Short headers, and long ones without a short form, stay as they are.
    plain = table([[Cell("Har forsøkt selvmord de siste tre årene", "label")]], [])
    assert fitting.with_legend(plain) is plain


def test_a_split_table_keeps_its_row_labels_and_n_and_a_header_over_columns_whole():
    header = [
        [
            Cell("", "label"),
            Cell("N", "label", colspan=2),
            Cell("Grønn", "label", colspan=2),
            Cell("Gul", "label", colspan=2),
        ],
        [Cell("", "label"), *[Cell(s, "label") for s in ("A", "B") * 3]],
    ]
    body = [[Cell("Alle", "label"), *[Cell(str(i), "num") for i in range(6)]]]
    parts = fitting.split(table(header, body, n_columns=2), 2)
    assert [[c.text for c in part.header[0]] for part in parts] == [
        ["", "N", "Grønn"],
        ["", "N", "Gul"],
    ]
    assert [[c.text for c in part.body[0].cells] for part in parts] == [
        ["Alle", "0", "1", "2", "3"],
        ["Alle", "0", "1", "4", "5"],
    ]
