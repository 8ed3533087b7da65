"""The report document as a PowerPoint deck (python-pptx), ready to present.

A title slide, the «Hovedfunn» slides, then one figure or table per slide: figures as
NATIVE charts (bar / stacked bar, the colours of `common`, axis titles), other tables as
native tables. At most `MAX_SLIDES` slides: when the report has more, the charts and the
main tables come first and a last slide names the tables left to the workbook. Every
slide's speaker notes say what it shows: its finding, the table's description, its N.
A suppressed cell is a missing point in a chart and «–» in a table, with a
footnote on the slide. `main_group` (rus | psykisk) gives that group's deck.
A table with comparisons (county, nation, size class) gets one more slide
(continued when long): the scope's numbers beside the comparisons', as a table.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from brukerplan.reports.render.common import (
    COUNT,
    DASH,
    FINDINGS_TITLE,
    GROUP_LABELS,
    MAIN_GROUPS,
    NO_FINDINGS,
    PERCENT,
    PERCENT_LABELS,
    SECONDARY_MARK,
    SECONDARY_NOTE,
    TABLES,
    DisplayRow,
    DisplayTable,
    Figure,
    Panel,
    base_column,
    category_title,
    compared_table,
    comparison_display_table,
    comparisons_of,
    coverage_text,
    display_table,
    figures,
    findings_of,
    format_number,
    group_sizes,
    hidden_counts_note,
    hidden_note,
    instrument_for,
    is_category_table,
    listed,
    n_text,
    ordered_table_ids,
    pool_text,
    release_lines,
    rows_for,
    scope_kind,
    scope_name,
    small_numbers_text,
    table_info,
    table_notes,
    thin_text,
    threshold_of,
    value_title,
)
from brukerplan.reports.render.fitting import (
    Setting,
    fit,
    least_widths,
    line_count,
    parts_of,
    positioned,
    with_legend,
    without_columns,
)

SLIDE_WIDTH = Inches(13.333)
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.5)
# Tables shown as a table slide even though they have a chart.
ALSO_AS_TABLE = frozenset({"kategorier"})
TEXT = RGBColor(0x21, 0x21, 0x21)
MUTED = RGBColor(0x55, 0x55, 0x55)
HEADER_FILL = RGBColor(0xF1, 0xEF, 0xF6)
BLOCK_FILL = RGBColor(0xF5, 0xF5, 0xF5)


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#"))


def _title(slide, text: str, size: int = 26) -> None:
    shape = slide.shapes.title
    shape.left, shape.top = MARGIN, Inches(0.3)
    shape.width, shape.height = SLIDE_WIDTH - 2 * MARGIN, Inches(0.9)
    shape.text = text
    paragraph = shape.text_frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    paragraph.runs[0].font.size = Pt(size)
    paragraph.runs[0].font.bold = True


FOOTNOTE_BOTTOM = SLIDE_HEIGHT - Inches(0.15)
FOOTNOTE_LEAST = Inches(0.8)  # the room a footnote has at least (so tables line up)


def _footnote_height(lines: list[str], size: int) -> int:
    """The height (EMU) of a footnote of these lines, each wrapped as wide as the slide."""
    width = (SLIDE_WIDTH - 2 * MARGIN - 2 * Inches(0.1)) / POINT
    count = sum(line_count(line, width, size) for line in lines if line)
    return max(FOOTNOTE_LEAST, int((count * size * 1.2 + 8) * POINT))


def _footnote_top(lines: list[str], size: int) -> int:
    return FOOTNOTE_BOTTOM - _footnote_height(lines, size)


def _footnote(slide, lines: list[str], size: int = 11) -> None:
    lines = [line for line in lines if line]
    if not lines:
        return
    height = _footnote_height(lines, size)
    box = slide.shapes.add_textbox(
        MARGIN, FOOTNOTE_BOTTOM - height, SLIDE_WIDTH - 2 * MARGIN, height
    )
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(size)
        paragraph.font.color.rgb = MUTED
    box.name = "Fotnote"


def _notes(slide, lines: list[str]) -> None:
    """The speaker notes: what the presenter says of the slide."""
    text = "\n".join(line for line in lines if line)
    if text:
        slide.notes_slide.notes_text_frame.text = text


FINDINGS_PER_SLIDE = 4


def _findings_slides(prs, document: dict) -> None:
    """«Hovedfunn»: the document's sentences, a few to a slide, each with its source."""
    if "findings" not in document:
        return
    found = findings_of(document)
    parts = [found[i : i + FINDINGS_PER_SLIDE] for i in range(0, len(found), FINDINGS_PER_SLIDE)]
    for number, part in enumerate(parts or [[]], start=1):
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        title = FINDINGS_TITLE + (f" ({number} av {len(parts)})" if len(parts) > 1 else "")
        _title(slide, title)
        top = Inches(1.4)
        box = slide.shapes.add_textbox(
            MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, SLIDE_HEIGHT - top - Inches(0.4)
        )
        box.name = FINDINGS_TITLE
        frame = box.text_frame
        frame.word_wrap = True
        lines = [(f["text"], f["source"]) for f in part] or [(NO_FINDINGS, "")]
        paragraph = frame.paragraphs[0]
        for i, (text, source) in enumerate(lines):
            if i:
                paragraph = frame.add_paragraph()
            paragraph.text = text
            paragraph.font.size = Pt(19)
            paragraph.font.color.rgb = TEXT
            paragraph.space_before = Pt(14 if i else 0)
            if source:
                paragraph = frame.add_paragraph()
                paragraph.text = source
                paragraph.font.size = Pt(12)
                paragraph.font.color.rgb = MUTED
        _notes(slide, [f"{text} {source}".strip() for text, source in lines])


def _chart(slide, figure: Figure, panel: Panel, left, top, width, height) -> None:
    # The data's own format (python-pptx writes it into the XML unescaped: no «<» here);
    # the labels, which a reader sees, get `_number_format`.
    data = CategoryChartData(number_format="#,##0" if figure.unit == COUNT else "0")
    data.categories = list(panel.categories)
    for series in panel.series:
        # None stays None: python-pptx writes no point, so nothing is drawn (never 0).
        data.add_series(series.label, list(series.values))
    stacked = figure.kind in ("stacked", "bar")
    kind = XL_CHART_TYPE.BAR_STACKED if stacked else XL_CHART_TYPE.BAR_CLUSTERED
    frame = slide.shapes.add_chart(kind, left, top, width, height, data)
    frame.name = f"Diagram {figure.key}" + (f" {panel.key}" if panel.key else "")
    chart = frame.chart
    chart.font.size = Pt(12)
    chart.font.color.rgb = TEXT
    if panel.title:
        chart.has_title = True
        chart.chart_title.text_frame.text = panel.title
        chart.chart_title.text_frame.paragraphs[0].font.size = Pt(14)
        chart.chart_title.text_frame.paragraphs[0].font.bold = True
    else:
        chart.has_title = False
    chart.has_legend = len(panel.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(12)
    plot = chart.plots[0]
    plot.gap_width = 40 if stacked else 60
    if stacked:
        plot.overlap = 100
    category_axis = chart.category_axis
    category_axis.reverse_order = True  # top to bottom, as in the document
    category_axis.tick_labels.font.size = Pt(12)
    category_axis.has_major_gridlines = False
    value_axis = chart.value_axis
    value_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = RGBColor(0xE0, 0xE0, 0xE0)
    value_axis.tick_labels.font.size = Pt(11)
    if figure.unit == PERCENT:
        value_axis.minimum_scale = 0
        value_axis.maximum_scale = 100
        value_axis.major_unit = 20
    for axis, text in ((value_axis, value_title(figure)), (category_axis, category_title(figure))):
        if text:
            axis.has_title = True
            axis.axis_title.text_frame.text = text
            axis.axis_title.text_frame.paragraphs[0].font.size = Pt(12)
            axis.axis_title.text_frame.paragraphs[0].font.bold = False
    for plotted, series in zip(plot.series, panel.series, strict=True):
        plotted.format.fill.solid()
        plotted.format.fill.fore_color.rgb = _rgb(series.colour)
        plotted.invert_if_negative = False
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = _number_format(figure)
    labels.number_format_is_linked = False
    labels.font.size = Pt(11)
    labels.show_value = True


def _number_format(figure: Figure) -> str:
    """A chart's number format: counts grouped, percentages whole («<1» above 0)."""
    return "#,##0" if figure.unit == COUNT else PERCENT_LABELS


def _chart_slide(prs, figure: Figure, n_line: str, notes: list[str] = ()) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    _title(slide, figure.title)
    said = figure.empty_note if figure.empty else figure.note
    _notes(slide, [f"{figure.title}.", *notes, n_line, said])
    top = Inches(1.3)
    height = SLIDE_HEIGHT - top - Inches(1.05)
    if figure.empty:
        box = slide.shapes.add_textbox(MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, Inches(1))
        box.text_frame.text = figure.empty_note
        box.text_frame.paragraphs[0].runs[0].font.size = Pt(20)
        _footnote(slide, [n_line])
        return
    count = len(figure.panels)
    gap = Inches(0.3)
    width = Emu(int((SLIDE_WIDTH - 2 * MARGIN - gap * (count - 1)) / count))
    for i, panel in enumerate(figure.panels):
        _chart(slide, figure, panel, MARGIN + i * (width + gap), top, width, height)
    notes = [n_line]
    if figure.note:
        notes.append(figure.note)
    _footnote(slide, notes)


def _table_start(_columns: int) -> int:
    return 13


def _table_slides(prs, shown: DisplayTable, n_line: str, layouts=None, notes=()) -> None:
    name = f"Tabell {shown.table_id}"
    footnote = [n_line or shown.n_text]
    _slides(prs, shown, footnote, name=name, start=_table_start, layouts=layouts, notes=notes)


def _fill_row(
    table, r: int, cells, *, header: bool = False, style: str = "", size: int = 13, side=None
) -> None:
    """One row of a native table: merged where a cell spans columns, «–» as the cell says.

    `size`: font size (pt); `side`: the cells' left and right margin (python-pptx's default
    when None).
    """
    c = 0
    for cell in cells:
        target = table.cell(r, c)
        if cell.colspan > 1:
            target.merge(table.cell(r, c + cell.colspan - 1))
        target.text = cell.text
        paragraph = target.text_frame.paragraphs[0]
        paragraph.font.size = Pt(size)
        paragraph.font.bold = header or style in ("block", "total")
        paragraph.font.color.rgb = TEXT
        numeric = cell.kind not in ("label",) or (header and c > 0)
        paragraph.alignment = PP_ALIGN.RIGHT if numeric else PP_ALIGN.LEFT
        if cell.colspan > 1 and header:
            paragraph.alignment = PP_ALIGN.CENTER
        target.fill.solid()
        fill = (
            HEADER_FILL if header else (BLOCK_FILL if style == "block" else RGBColor(255, 255, 255))
        )
        target.fill.fore_color.rgb = fill
        target.margin_top = target.margin_bottom = Inches(0.03)
        if side is not None:
            target.margin_left = target.margin_right = side
        c += cell.colspan


# --- comparisons: the scope's numbers beside the county's, the nation's, … ---

# Room for a table: from below the title to above the footnote.
TABLE_TOP = Inches(1.3)
SIDE = Inches(0.1)  # a cell's left and right margin
TIGHT_SIDE = Inches(0.04)  # cell margins of a wide table
POINT = 12700  # EMU
TABLE_ROOM = SLIDE_WIDTH - 2 * MARGIN
# A table's font: at most its start size (13 pt, less for a wide comparison), at least this
# (smaller is not read from the back of a room: a table that needs it is split instead).
SMALLEST_FONT = 10
# A header of more lines than this reads badly; so does a row label squeezed into more.
MOST_HEADER_LINES = 4
MOST_LABEL_LINES = 3
# Room kept free in a cell for what the widths do not know (a font narrower or wider
# than DejaVu Sans is, kerning): pt.
SLACK = 2.0


def _comparison_font(columns: int) -> int:
    """The font size (pt) a comparison table starts from: smaller as it gets wider."""
    if columns <= 7:
        return 13
    if columns <= 10:
        return 12
    if columns <= 14:
        return 10
    return 8


def _one_group(
    shown: DisplayTable, table_id: str, document: dict, instrument, main_group: str
) -> DisplayTable | None:
    """The comparison table of one main group's deck: the other group's columns (a column
    whose every cell is of the other group, in the scope or a comparison) and rows (those
    `rows_for` leaves out for `main_group`, "alle" among them) taken out.

    Works on the shown table's cell keys, so any header (one row or more, spanning cells)
    stays as the table has it, less the columns taken out.
    """
    table = compared_table(table_id, document)
    if table is None:
        return None
    kept_rows = {row["key"] for row in rows_for(table_id, table, instrument, main_group)}
    others = {g for g in MAIN_GROUPS if g != main_group}
    column_groups: dict[int, set[str]] = {}
    for row in shown.body:
        for position, cell in positioned(row.cells):
            if cell.key is not None and cell.colspan == 1:
                column_groups.setdefault(position, set()).add(base_column(cell.key[1]))
    dropped = {p for p, keys in column_groups.items() if keys <= others}
    body: list[DisplayRow] = []
    for row in shown.body:
        row_keys = {c.key[0] for c in row.cells if c.key is not None}
        if row_keys and not row_keys & kept_rows:
            continue
        cells = without_columns(row.cells, dropped)
        if cells:
            body.append(DisplayRow(cells, row.style))
    # A heading with nothing under it goes; so does the one group's own heading of a
    # category table (the deck is that group's, as `display_table` shows it).
    body = [
        row
        for i, row in enumerate(body)
        if row.style != "block" or (i + 1 < len(body) and body[i + 1].style != "block")
    ]
    if is_category_table(table, instrument):
        body = [row for row in body if row.style != "block"]
    if not any(c.key is not None for row in body for c in row.cells):
        return None
    header = tuple(without_columns(row, dropped) for row in shown.header)
    notes = table_notes(body, threshold_of(document))
    return replace(shown, header=header, body=tuple(body), notes=notes)


def comparison_table(
    table_id: str, document: dict, instrument=None, main_group: str | None = None
) -> DisplayTable | None:
    """The comparison table as the deck shows it (None without comparisons)."""
    instrument = instrument or instrument_for(document)
    shown = comparison_display_table(table_id, document, instrument)
    if shown is None or main_group is None:
        return shown
    return _one_group(shown, table_id, document, instrument, main_group)


def _comparison_n_lines(table_id: str, document: dict, main_group: str | None) -> list[str]:
    """The denominators of the scope and of each comparison, in words."""
    named = [(scope_name(document), document)]
    for name, label, _table in comparisons_of(document, table_id):
        named.append((label, document["comparisons"][name]))
    info = table_info(table_id, document["tables"][table_id])
    lines = []
    if info.denominator == "column" or main_group:
        if info.denominator == "column":
            lines.append("Prosent av hovedgruppen.")
        for group in MAIN_GROUPS:
            if main_group not in (None, group):
                continue
            parts = [
                f"{label} {n_text(group_sizes(one)[group])}"
                for label, one in named
                if group_sizes(one).get(group) is not None
            ]
            if parts:
                lines.append(f"{GROUP_LABELS[group]}: " + ", ".join(parts))
    else:
        parts = [
            f"{label} {n_text(one.get('persons'))}"
            for label, one in named
            if one.get("persons") is not None
        ]
        if parts:
            lines.append("Kartlagte personer: " + ", ".join(parts))
    return lines


def _side(shown: DisplayTable) -> int:
    return TIGHT_SIDE if shown.width > 10 else SIDE


def _row_height(cells, widths: list[int], size: int, side: int, bold: bool) -> int:
    """A row's height (EMU): its cell of the most lines, as the cells' widths wrap them."""
    lines = 1
    for position, cell in positioned(cells):
        width = sum(widths[position : position + cell.colspan]) / POINT - 2 * side / POINT
        lines = max(lines, line_count(cell.text, width - SLACK, size, bold=bold))
    return int((lines * size * 1.25 + 8) * POINT)


def _chunks(shown: DisplayTable, widths: list[int], size: int, side: int, room: int) -> list:
    """The body rows in slides of what fits in `room` (EMU), with their heights; a heading
    is never the last row of a slide."""
    chunks: list[list[tuple[DisplayRow, int]]] = [[]]
    used = 0
    for row in shown.body:
        bold = row.style in ("block", "total")
        height = _row_height(row.cells, widths, size, side, bold)
        if chunks[-1] and used + height > room:
            carried = []
            while chunks[-1] and chunks[-1][-1][0].style == "block" and len(chunks[-1]) > 1:
                carried.insert(0, chunks[-1].pop())
            chunks.append(carried)
            used = sum(h for _, h in carried)
        chunks[-1].append((row, height))
        used += height
    return chunks


@dataclass(frozen=True)
class SlideTable:
    """A table as slides show it: its font size (pt), cell margin, column widths and header
    row heights (EMU), and its body rows in chunks of a slide each."""

    shown: DisplayTable
    size: int
    side: int
    widths: list[int]
    header_heights: list[int]
    chunks: list


def _set(shown: DisplayTable, size: int, room: int) -> SlideTable | None:
    """The table in `size` pt when every word and number fits its column (PowerPoint breaks
    a word too long for its cell anywhere), its headers and labels in few lines; else None."""
    side = _side(shown)
    setting = Setting(size, 2 * side / POINT + SLACK)
    found = fit(shown, setting, TABLE_ROOM / POINT, label_share=0.4)
    if found is None or found.header_lines > MOST_HEADER_LINES:
        return None
    if found.label_squeeze > 0 and found.label_lines > MOST_LABEL_LINES:
        return None
    widths = [int(w * POINT) for w in found.widths]
    header_heights = [_row_height(row, widths, size, side, True) for row in shown.header]
    chunks = _chunks(shown, widths, size, side, room - sum(header_heights))
    return SlideTable(shown, size, side, widths, header_heights, chunks)


def slide_tables(
    shown: DisplayTable, footnote: list[str], start: Callable[[int], int]
) -> list[SlideTable]:
    """How the slides show a table: in the largest font from its start size (`start` of its
    number of columns) down to `SMALLEST_FONT` in which every word and number fits its
    column (with long headers shortened, a legend in the footnote, when that is what it
    takes), or up to 2 pt smaller when that takes fewer slides; a table that fits in no
    such font is shown in parts, each with the row labels, each on slides of its own."""
    legended = with_legend(shown)
    for table in dict.fromkeys((shown, legended)):
        room = _footnote_top([*footnote, *table.notes], 10) - TABLE_TOP
        for size in range(max(start(table.width), SMALLEST_FONT), SMALLEST_FONT - 1, -1):
            best = _set(table, size, room)
            if best is None:
                continue
            for smaller in range(size - 1, max(size - 2, SMALLEST_FONT) - 1, -1):
                other = _set(table, smaller, room)
                if other is not None and len(other.chunks) < len(best.chunks):
                    best = other
            return [best]
    room = _footnote_top([*footnote, *legended.notes], 10) - TABLE_TOP

    def fits(part: DisplayTable, size: int) -> SlideTable | None:
        return _set(part, max(min(size, start(part.width)), SMALLEST_FONT), room)

    found = parts_of(legended, range(start(1), SMALLEST_FONT - 1, -1), fits)
    if found is not None:
        return [layout for _part, layout in found[1]]
    # Nothing fits (a table of very many columns): its least widths, in the room there is.
    side = _side(legended)
    least = least_widths(legended, Setting(SMALLEST_FONT, 2 * side / POINT))
    widths = [int(w * TABLE_ROOM / sum(least)) for w in least]
    header_heights = [_row_height(r, widths, SMALLEST_FONT, side, True) for r in legended.header]
    chunks = _chunks(legended, widths, SMALLEST_FONT, side, room - sum(header_heights))
    return [SlideTable(legended, SMALLEST_FONT, side, widths, header_heights, chunks)]


def _slides(
    prs,
    shown: DisplayTable,
    footnote: list[str],
    *,
    name: str,
    start: Callable[[int], int],
    layouts: list[SlideTable] | None = None,
    notes: Iterable[str] = (),
) -> None:
    """A table's slides (`layouts`: as `slide_tables` lays it out, when the caller has
    them); each slide's speaker notes say `notes`, then the footnote and the table's notes."""
    if layouts is None:
        layouts = slide_tables(shown, footnote, start)
    for part, layout in enumerate(layouts, start=1):
        title = shown.title
        if len(layouts) > 1:
            title += f" (del {part} av {len(layouts)})"
        title_size = 26 if len(title) <= 70 else 20
        table_shown = layout.shown
        for number, chunk in enumerate(layout.chunks):
            slide = prs.slides.add_slide(prs.slide_layouts[5])
            _title(slide, title + (" (forts.)" if number else ""), title_size)
            heights = layout.header_heights + [h for _, h in chunk]
            frame = slide.shapes.add_table(
                len(heights),
                len(layout.widths),
                MARGIN,
                TABLE_TOP,
                sum(layout.widths),
                Emu(sum(heights)),
            )
            frame.name = name
            table = frame.table
            for c, width in enumerate(layout.widths):
                table.columns[c].width = Emu(width)
            for r, height in enumerate(heights):
                table.rows[r].height = Emu(height)
            table.first_row = True
            for r, header_row in enumerate(table_shown.header):
                _fill_row(table, r, header_row, header=True, size=layout.size, side=layout.side)
            for r, (row, _height) in enumerate(chunk, start=len(table_shown.header)):
                _fill_row(table, r, row.cells, style=row.style, size=layout.size, side=layout.side)
            _footnote(slide, [*footnote, *table_shown.notes], 10)
            _notes(slide, [f"{shown.title}.", *notes, *footnote, *table_shown.notes])


def _comparison_slides(prs, shown: DisplayTable, footnote: list[str], layouts=None, notes=()):
    name = f"Tabell {shown.table_id}@sammenligning"
    _slides(prs, shown, footnote, name=name, start=_comparison_font, layouts=layouts, notes=notes)


def _slide_count(layouts: list[SlideTable]) -> int:
    return sum(len(layout.chunks) for layout in layouts)


def _n_line(table_id: str, sizes: dict, main_group: str | None) -> str:
    groups = [g for g in MAIN_GROUPS if main_group in (None, g) and g in sizes]
    if table_id in ("levekarsomrader", "nokkeltall") and groups:
        return "Prosent av hovedgruppen. " + ", ".join(
            f"{GROUP_LABELS[g]}: {n_text(sizes[g])}" for g in groups
        )
    if table_id == "levekarsindeks_grupper":
        return "Prosent av kategorien (N: se antall kartlagte etter kategori)."
    return ""


MAX_SLIDES = 40  # a deck worth presenting; the rest is in the workbook, as the deck says
MAX_TABLE_SLIDES = 3  # a table that needs more slides is left to the workbook


@dataclass(eq=False)
class _Block:
    """Slides of one table: its chart, its table or its comparison."""

    table_id: str
    kind: str  # chart | table | comparison
    title: str
    slides: int
    draw: Callable[[object], None]


def _blocks(document: dict, main_group: str | None) -> list[_Block]:
    """Every slide the deck could have, as blocks in the report's order."""
    instrument = instrument_for(document)
    threshold = threshold_of(document)
    sizes = group_sizes(document)
    said = _said_of(document)
    tables = document.get("tables", {})
    blocks: list[_Block] = []
    for table_id in ordered_table_ids(document):
        table = tables[table_id]
        intro = table_info(table_id, table).intro
        notes = [*said.get(table_id, ()), intro]
        n_line = _n_line(table_id, sizes, main_group)
        found = figures(table_id, table, instrument, main_group, threshold=threshold)
        for figure in found:
            blocks.append(
                _Block(
                    table_id,
                    "chart",
                    figure.title,
                    1,
                    partial(_chart_slide, figure=figure, n_line=n_line, notes=notes),
                )
            )
        shown = None
        if not found or table_id in ALSO_AS_TABLE:
            shown = display_table(table_id, table, document, instrument, main_group)
            if shown is not None:
                layouts = slide_tables(shown, [n_line or shown.n_text], _table_start)
                draw = partial(
                    _table_slides, shown=shown, n_line=n_line, layouts=layouts, notes=notes
                )
                blocks.append(_Block(table_id, "table", shown.title, _slide_count(layouts), draw))
        if not found and shown is None:
            continue  # the table is not in this deck, nor its comparison
        compared = comparison_table(table_id, document, instrument, main_group)
        if compared is not None:
            lines = _comparison_n_lines(table_id, document, main_group)
            denominators = n_line or compared.n_text
            if table_info(table_id, table).denominator == "column":
                denominators = ""  # said per scope in `lines`
            footnote = [denominators, *lines]
            layouts = slide_tables(compared, footnote, _comparison_font)
            draw = partial(
                _comparison_slides,
                shown=compared,
                footnote=footnote,
                layouts=layouts,
                notes=[*said.get(table_id, ()), _comparison_said(document), intro],
            )
            slides = _slide_count(layouts)
            blocks.append(_Block(table_id, "comparison", compared.title, slides, draw))
    return blocks


def _chosen(blocks: list[_Block], room: int) -> tuple[set[_Block], list[_Block]]:
    """The blocks the deck shows in `room` slides, and those it leaves to the workbook.

    Every block when they fit. Otherwise one slide is kept to say what is left out, and
    the charts come first, then the report's main tables and their comparisons, then
    the rest, each in the report's order; a table of more than `MAX_TABLE_SLIDES` slides
    is left to the workbook."""
    if sum(block.slides for block in blocks) <= room:
        return set(blocks), []
    room -= 1
    order = {block: i for i, block in enumerate(blocks)}

    def rank(block: _Block) -> tuple[int, int]:
        if block.kind == "chart":
            return 0, order[block]
        return (1 if block.table_id in TABLES else 2), order[block]

    chosen: set[_Block] = set()
    for block in sorted(blocks, key=rank):
        too_long = block.kind != "chart" and block.slides > MAX_TABLE_SLIDES
        if block.slides <= room and not too_long:
            chosen.add(block)
            room -= block.slides
    return chosen, [block for block in blocks if block not in chosen]


def _left_out_slide(prs, document: dict, left_out: list[_Block]) -> None:
    """The deck's last slide: which tables are not in it, and that the workbook has them."""
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    _title(slide, "Flere tabeller i regnearket")
    titles = list(dict.fromkeys(block.title for block in left_out))
    lead = (
        f"Presentasjonen har plass til de viktigste tallene. {len(titles)} tabeller og "
        f"sammenligninger til finnes i regnearket (Excel) for {scope_name(document)}:"
    )
    top = Inches(1.3)
    box = slide.shapes.add_textbox(MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, Inches(0.7))
    box.name = "Flere tabeller"
    box.text_frame.word_wrap = True
    box.text_frame.text = lead
    box.text_frame.paragraphs[0].font.size = Pt(16)
    half = -(-len(titles) // 2)
    size = 12 if half <= 14 else 10 if half <= 20 else 8
    width = (SLIDE_WIDTH - 2 * MARGIN - Inches(0.3)) // 2
    for column, names in enumerate((titles[:half], titles[half:])):
        if not names:
            continue
        left = MARGIN + column * (width + Inches(0.3))
        height = SLIDE_HEIGHT - top - Inches(1.1)
        box = slide.shapes.add_textbox(left, top + Inches(0.8), width, height)
        box.name = f"Flere tabeller {column + 1}"
        frame = box.text_frame
        frame.word_wrap = True
        for i, name in enumerate(names):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.text = f"• {name}"
            paragraph.font.size = Pt(size)
            paragraph.font.color.rgb = TEXT
    _notes(slide, [lead, *titles])


def _said_of(document: dict) -> dict[str, list[str]]:
    """The findings of each table, as the notes of its slides say them."""
    said: dict[str, list[str]] = {}
    for finding in findings_of(document):
        said.setdefault(finding["table"], []).append(finding["text"])
    return said


def _comparison_said(document: dict) -> str:
    labels = [label for _name, label, _section in comparisons_of(document, "kategorier")]
    if not labels:
        return ""
    return f"{scope_name(document)} sammenlignet med {listed(labels)}."


def _findings_slide_count(document: dict) -> int:
    if "findings" not in document:
        return 0
    return max(1, -(-len(document["findings"]) // FINDINGS_PER_SLIDE))


def render_pptx(
    document: dict, main_group: str | None = None, *, max_slides: int | None = MAX_SLIDES
) -> bytes:
    """The deck as .pptx bytes: both main groups, or only `main_group` (rus | psykisk).
    `max_slides`: None for every table (what the workbook has), beyond a presentation."""
    if main_group not in (None, *MAIN_GROUPS):
        raise ValueError(f"unknown main group {main_group!r}")
    threshold = threshold_of(document)
    sizes = group_sizes(document)
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT

    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = f"BrukerPlan {document.get('year', '')}: {scope_name(document)}"
    who = GROUP_LABELS[main_group] if main_group else "Rusproblemer og kun psykiske problemer"
    persons = sizes.get(main_group) if main_group else document.get("persons")
    subtitle = slide.placeholders[1]
    subtitle.text = (
        f"Mottakere med {who[0].lower() + who[1:]}\n"
        f"{format_number(persons, COUNT)} kartlagte personer, 18 år og eldre"
    )
    notes = [
        f"{DASH} {hidden_note(threshold)}. {hidden_counts_note(threshold)}",
        f"{SECONDARY_MARK} {SECONDARY_NOTE}.",
    ]
    if coverage_text(document):  # unit types without legal basis that year
        notes.append(coverage_text(document))
    notes = [*release_lines(document), *notes]
    _footnote(slide, notes)
    # Which municipalities a pool is, or a county's pool; and whether the tables are thin.
    pooled = " ".join(t for t in (pool_text(document), thin_text(document)) if t)
    if pooled:
        height = Inches(0.9)
        top = _footnote_top(notes, 11) - height - Inches(0.1)
        box = slide.shapes.add_textbox(MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, height)
        box.name = "Små kommuner" if pool_text(document) else "Få kartlagte"
        subtitle.height = min(subtitle.height, top - subtitle.top - Inches(0.05))
        box.text_frame.word_wrap = True
        box.text_frame.text = pooled
        box.text_frame.paragraphs[0].font.size = Pt(16)
        box.text_frame.paragraphs[0].font.color.rgb = TEXT

    _notes(
        slide,
        [
            f"{scope_kind(document)}: {scope_name(document)}, {document.get('year', '')}.",
            f"Mottakere med {who[0].lower() + who[1:]}: {format_number(persons, COUNT)} "
            "kartlagte personer, 18 år og eldre.",
            pooled,
            small_numbers_text(threshold),
        ],
    )
    fixed = len(prs.slides) + _findings_slide_count(document)
    blocks = _blocks(document, main_group)
    room = max_slides - fixed if max_slides is not None else sum(b.slides for b in blocks)
    chosen, left_out = _chosen(blocks, room)
    _findings_slides(prs, document)
    for block in blocks:
        if block in chosen:
            block.draw(prs)
    if left_out:
        _left_out_slide(prs, document, left_out)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
