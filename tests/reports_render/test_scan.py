"""Every rendering of the sample year, scanned: no count, mean, sd, rate or index with a
percent sign, and no secondary suppression worded as "fewer than N persons".

The documents are real ones from the sample CSV (build_report): the country, a county
compared with the country, and Bergen compared with its county and the country, each
with a previous year (trends, the panel) and population figures (coverage), so that
every registered table has rows somewhere. The files are read back as a reader gets
them: the PDF's text (pdftotext), the slides' texts, the workbook's cells with their
number formats and comments, and the dashboard's HTML. What each number is comes from
the document alone (its columns' `kind`, its tables' `suppressed`), never from the
renderers' own helpers.
"""

import html
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.template.loader import render_to_string
from render_helpers import pdf_text, slides, workbook_cells

from brukerplan.reports import views
from brukerplan.reports.render import pdf, pptx, xlsx
from brukerplan.reports.render.common import compared_table

THRESHOLD = 5
FEWER = "færre enn"
# A number printed with a percent sign: "53 %", "<1 %", ">99 %", "15 349 %", "1,4 %".
PERCENT_TOKEN = re.compile(r"(<\s?1|>\s?99|\d{1,3}(?: \d{3})*(?:,\d+)?) ?%")


@pytest.fixture(scope="module")
def documents(sample_year) -> dict[str, dict]:
    return sample_year


@pytest.fixture(scope="module", params=["national", "county:46", "municipality:4601"])
def document(request, documents) -> dict:
    return documents[request.param]


# --- what the document says ---------------------------------------------------------


def sections(document: dict, table_id: str, compared: bool) -> list[dict]:
    """The tables a rendering of `table_id` shows: the scope's, and the comparisons'."""
    found = [document["tables"][table_id]]
    if compared:
        for section in (document.get("comparisons") or {}).values():
            if table_id in section["tables"]:
                found.append(section["tables"][table_id])
    return found


def kinds(table: dict) -> dict[tuple[str, str], str]:
    """(row key, column key) -> the cell's kind (its row's, or its column's)."""
    columns = {c["key"]: c["kind"] for c in table["columns"]}
    return {
        (row["key"], key): row.get("kind") or kind
        for row in table["rows"]
        for key, kind in columns.items()
    }


def percent_text(value: float) -> str:
    """A percentage as a reader may see it (whole, «<1» above 0, «>99» below 100),
    without the sign."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if rounded == 0 and value > 0:
        return "<1"
    if rounded == 100 and value < 100:
        return ">99"
    return str(int(rounded))


def percent_texts(tables: list[dict]) -> set[str]:
    """Every percentage of the tables as a reader may see it."""
    out = set()
    for table in tables:
        kind = kinds(table)
        for row in table["rows"]:
            for key, value in row["values"].items():
                if value is not None and kind[(row["key"], key)] == "percent":
                    out.add(percent_text(value))
    return out


def has_primary(tables: list[dict]) -> bool:
    return any(
        "primary" in reasons.values()
        for table in tables
        for reasons in table["suppressed"].values()
    )


def wrong_percents(text: str, allowed: set[str]) -> list[str]:
    """The numbers printed with «%» in `text` that are no percentage of `allowed`."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    found = [m.group(1).replace(" ", "") for m in PERCENT_TOKEN.finditer(text)]
    return [f"{number} %" for number in found if number not in allowed]


def report(problems: list) -> str:
    return f"{len(problems)} problems, the first:\n" + "\n".join(map(str, problems[:25]))


def table_ids(document: dict) -> list[str]:
    return [t for t, table in document["tables"].items() if table["rows"]]


def compared_ids(document: dict) -> set[str]:
    return {t for t in table_ids(document) if compared_table(t, document) is not None}


# --- PDF -----------------------------------------------------------------------------

CAPTION = re.compile(r"^\s*(Tabell|Figur) \d+\. (.*)$")


def pdf_regions(text: str) -> list[tuple[str, list[str]]]:
    """(caption, lines) of every table of the PDF text: from its caption to the next."""
    regions: list[tuple[str, list[str]]] = []
    current = None
    for line in text.replace("\u00a0", " ").splitlines():
        caption = CAPTION.match(line)
        if caption:
            current = (caption.group(2).strip(), []) if caption.group(1) == "Tabell" else None
            if current is not None:
                regions.append(current)
        elif current is not None:
            current[1].append(line)
    return regions


def tables_of_caption(document: dict, caption: str) -> tuple[list[str], bool]:
    """The table ids a caption may be of (a title cut at the line's end matches every
    title it begins), and whether it is a comparison."""
    compared = caption.startswith("Sammenligning med ")
    title = caption.split(": ", 1)[1] if compared else caption
    ids = [
        t
        for t in table_ids(document)
        if (
            title.startswith(document["tables"][t]["title"])
            or (document["tables"][t]["title"].startswith(title))
        )
    ]
    return ids, compared


def test_the_pdf_prints_only_percentages_with_a_percent_sign_and_words_suppressions_apart(
    document,
):
    text = pdf_text(pdf.render_pdf(document, chart_set="none", table_set="all"))
    regions = pdf_regions(text)
    assert len(regions) >= len(table_ids(document)) // 2
    problems = []
    for caption, lines in regions:
        ids, compared = tables_of_caption(document, caption)
        assert ids, caption
        shown = [table for t in ids for table in sections(document, t, compared)]
        body = "\n".join(lines)
        for wrong in wrong_percents(body, percent_texts(shown)):
            problems.append((caption, wrong))
        if not has_primary(shown) and FEWER in body:
            problems.append((caption, "a secondary suppression said to be «færre enn»"))
    assert not problems, report(problems)


# --- slides --------------------------------------------------------------------------


def test_the_slides_print_only_percentages_with_a_percent_sign_and_word_suppressions_apart(
    document,
):
    deck = pptx.render_pptx(document, max_slides=None)  # every table, not only the deck's 40
    problems = []
    tables = 0
    for slide in slides(deck):
        for shape in slide.shapes:
            if not shape.has_table:
                continue
            tables += 1
            table_id, _, compared = shape.name.removeprefix("Tabell ").partition("@")
            shown = sections(document, table_id, bool(compared))
            texts = "\n".join(c.text for row in shape.table.rows for c in row.cells)
            for wrong in wrong_percents(texts, percent_texts(shown)):
                problems.append((shape.name, wrong))
            foot = [s.text_frame.text for s in slide.shapes if s.name == "Fotnote"]
            if not has_primary(shown) and any(FEWER in f for f in foot):
                problems.append((shape.name, "a secondary suppression said to be «færre enn»"))
    assert tables
    assert not problems, report(problems)


# --- workbook ------------------------------------------------------------------------


def number_format_fits(kind: str, code: str) -> bool:
    if kind == "count":
        return "%" not in code and "." not in code and "0" in code
    if kind == "percent":
        return "%" in code
    return "%" not in code and ".0" in code  # mean, sd, rate, index: one decimal


def test_the_workbook_holds_each_number_with_the_format_of_its_kind_and_honest_comments(
    document,
):
    cells = workbook_cells(xlsx.render_xlsx(document))
    names = xlsx.sheet_names(document)
    problems = []
    checked = 0
    for table_id in document["tables"]:
        sheet = cells[names[table_id]]
        own = document["tables"][table_id]
        shown = compared_table(table_id, document) or own
        by_label = {c["label"]: c for c in shown["columns"]}
        header = {
            col: cell["value"] for (row, col), cell in sheet.items() if row == xlsx.HEADER_ROW
        }
        key_column = next(col for col, label in header.items() if label == "Nøkkel")
        sections_by_name = {None: own}
        for name, section in (document.get("comparisons") or {}).items():
            if table_id in section["tables"]:
                sections_by_name[name] = section["tables"][table_id]
        for r in range(xlsx.HEADER_ROW + 1, xlsx.HEADER_ROW + 1 + len(own["rows"])):
            row_key = sheet[(r, key_column)]["value"]
            for col, label in header.items():
                if label not in by_label:
                    continue
                column = by_label[label]
                base, _, name = column["key"].partition("@")
                section = sections_by_name[name or None]
                row = next((x for x in section["rows"] if x["key"] == row_key), None)
                value = None if row is None else row["values"].get(base)
                kind = kinds(own)[(row_key, base)]
                cell = sheet.get((r, col), {"value": None, "format": "General", "comment": None})
                where = (table_id, row_key, column["key"])
                checked += 1
                if value is not None:
                    if cell["value"] != pytest.approx(value):
                        problems.append((*where, "not the document's number"))
                    if not number_format_fits(kind, cell["format"]):
                        problems.append((*where, f"a {kind} formatted {cell['format']!r}"))
                    continue
                reason = section["suppressed"].get(row_key, {}).get(base)
                if reason == "secondary" and FEWER in (cell["comment"] or ""):
                    problems.append((*where, "a secondary suppression said to be «færre enn»"))
                if reason == "primary" and f"{FEWER} {THRESHOLD}" not in (cell["comment"] or ""):
                    problems.append((*where, "a primary suppression without its rule"))
        own_kinds = {c["key"]: c["kind"] for c in own["columns"]}
        for position, cell in sheet.items():
            if position[0] == xlsx.HEADER_ROW and "%" in str(cell["value"]):
                column = by_label.get(cell["value"])
                if column is not None and own_kinds[column["key"].partition("@")[0]] != "percent":
                    problems.append((table_id, cell["value"], "a header with «%»"))
    assert checked
    assert not problems, report(problems)


# --- dashboard -----------------------------------------------------------------------

HTML_TABLE = re.compile(
    r'<table class="report-table" id="(?P<anchor>[^"]+)-tabell" data-table="(?P<id>[^"]+)">'
    r"(?P<body>.*?)</table>",
    re.S,
)
HTML_CELL = re.compile(
    r'<td class="num (?P<state>\w+)" data-cell="(?P<key>[^"]+)">(?P<inner>.*?)</td>'
)
HTML_HEADER = re.compile(r"<th scope=\"col(?:group)?\"[^>]*>(.*?)</th>")


def dashboard_pages(document: dict) -> dict[str | None, str]:
    """The dashboard's sections as the page writes them: the scope's (None), and each
    comparison's, swapped in on its own."""
    context = {"hidden_note": f"Skjult: {FEWER} {THRESHOLD} personer"}
    pages = {
        None: render_to_string(
            "reports/dashboard_sections.html",
            {**context, "sections": views._sections(document, document["tables"], "tabell")},
        )
    }
    for name, section in (document.get("comparisons") or {}).items():
        shown = views._sections(document, section["tables"], f"sammenligning-{name}")
        pages[name] = render_to_string(
            "reports/dashboard_sections.html", {**context, "sections": shown}
        )
    return pages


def test_the_dashboard_prints_only_percentages_with_a_percent_sign_and_titles_honestly(
    document,
):
    problems = []
    checked = 0
    for name, page in dashboard_pages(document).items():
        for found in HTML_TABLE.finditer(page):
            table_id = found.group("id")
            section = document if name is None else document["comparisons"][name]
            table = section["tables"][table_id]
            kind = kinds(table)
            values = {r["key"]: r["values"] for r in table["rows"]}
            for cell in HTML_CELL.finditer(found.group("body")):
                row_key, column_key = cell.group("key").split("|")
                inner = html.unescape(cell.group("inner"))
                text = re.sub(r"<[^>]+>", "", inner).replace("\u00a0", " ")
                title = re.search(r'title="([^"]*)"', inner)
                where = (name, table_id, row_key, column_key, text)
                checked += 1
                value = values[row_key][column_key]
                if value is not None:
                    if kind[(row_key, column_key)] != "percent" and "%" in text:
                        problems.append((*where, "not a percentage"))
                    if kind[(row_key, column_key)] == "percent" and not text.endswith("%"):
                        problems.append((*where, "a percentage without its sign"))
                    continue
                reason = table["suppressed"].get(row_key, {}).get(column_key)
                if reason == "secondary" and (title is None or FEWER in title.group(1)):
                    problems.append((*where, "a secondary suppression said to be «færre enn»"))
            headers = [html.unescape(h) for h in HTML_HEADER.findall(found.group("body"))]
            percents = sum(c["kind"] == "percent" for c in table["columns"])
            if sum("%" in h for h in headers) > percents:
                problems.append((name, table_id, headers, "«(%)» over a column of no percentage"))
    assert checked
    assert not problems, report(problems)
