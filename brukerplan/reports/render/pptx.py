"""The report document as a PowerPoint deck (python-pptx), ready to present.

A title slide, then one figure or table per slide: figures as NATIVE charts
(bar / stacked bar, the colours of `common`), other tables as native tables.
A suppressed cell is a missing point in a chart and «–» in a table, with a
footnote on the slide. `main_group` (rus | psykisk) gives that group's deck.
"""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from brukerplan.reports.render.common import (
    COUNT,
    DASH,
    GROUP_LABELS,
    HIDDEN_NOTE,
    MAIN_GROUPS,
    PERCENT,
    Figure,
    Panel,
    display_table,
    figures,
    format_number,
    group_sizes,
    instrument_for,
    n_text,
    ordered_table_ids,
    scope_name,
)

SLIDE_WIDTH = Inches(13.333)
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.5)
TABLE_ROWS_PER_SLIDE = 13
# Tables shown as a table slide even though they have a chart.
ALSO_AS_TABLE = frozenset({"kategorier"})
TEXT = RGBColor(0x21, 0x21, 0x21)
MUTED = RGBColor(0x55, 0x55, 0x55)
HEADER_FILL = RGBColor(0xF1, 0xEF, 0xF6)
BLOCK_FILL = RGBColor(0xF5, 0xF5, 0xF5)


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#"))


def _title(slide, text: str) -> None:
    shape = slide.shapes.title
    shape.left, shape.top = MARGIN, Inches(0.3)
    shape.width, shape.height = SLIDE_WIDTH - 2 * MARGIN, Inches(0.9)
    shape.text = text
    paragraph = shape.text_frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    paragraph.runs[0].font.size = Pt(26)
    paragraph.runs[0].font.bold = True


def _footnote(slide, lines: list[str]) -> None:
    lines = [line for line in lines if line]
    if not lines:
        return
    box = slide.shapes.add_textbox(
        MARGIN, SLIDE_HEIGHT - Inches(0.95), SLIDE_WIDTH - 2 * MARGIN, Inches(0.8)
    )
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(11)
        paragraph.font.color.rgb = MUTED
    box.name = "Fotnote"


def _chart(slide, figure: Figure, panel: Panel, left, top, width, height) -> None:
    data = CategoryChartData(number_format="0" if figure.unit != COUNT else "#,##0")
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
    for plotted, series in zip(plot.series, panel.series, strict=True):
        plotted.format.fill.solid()
        plotted.format.fill.fore_color.rgb = _rgb(series.colour)
        plotted.invert_if_negative = False
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = "0" if figure.unit != COUNT else "#,##0"
    labels.number_format_is_linked = False
    labels.font.size = Pt(11)
    labels.show_value = True


def _chart_slide(prs, figure: Figure, n_line: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    _title(slide, figure.title)
    top = Inches(1.3)
    height = SLIDE_HEIGHT - top - Inches(1.05)
    count = len(figure.panels)
    gap = Inches(0.3)
    width = Emu(int((SLIDE_WIDTH - 2 * MARGIN - gap * (count - 1)) / count))
    for i, panel in enumerate(figure.panels):
        _chart(slide, figure, panel, MARGIN + i * (width + gap), top, width, height)
    notes = [n_line]
    if figure.note:
        notes.append(figure.note)
    _footnote(slide, notes)


def _table_slides(prs, shown, n_line: str) -> None:
    body = list(shown.body)
    chunks = [
        body[i : i + TABLE_ROWS_PER_SLIDE] for i in range(0, len(body), TABLE_ROWS_PER_SLIDE)
    ] or [[]]
    for number, chunk in enumerate(chunks):
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        _title(slide, shown.title + (" (forts.)" if number else ""))
        columns = shown.width
        rows = len(shown.header) + len(chunk)
        top = Inches(1.3)
        height = Inches(0.4) * rows
        frame = slide.shapes.add_table(rows, columns, MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, height)
        frame.name = f"Tabell {shown.table_id}"
        table = frame.table
        first = Inches(4.2) if columns > 2 else Inches(6)
        table.columns[0].width = first
        rest = int((SLIDE_WIDTH - 2 * MARGIN - first) / max(columns - 1, 1))
        for c in range(1, columns):
            table.columns[c].width = Emu(rest)
        table.first_row = True
        for r, header_row in enumerate(shown.header):
            _fill_row(table, r, header_row, header=True)
        for r, row in enumerate(chunk, start=len(shown.header)):
            _fill_row(table, r, row.cells, style=row.style)
        _footnote(slide, [n_line or shown.n_text, *shown.notes])


def _fill_row(table, r: int, cells, *, header: bool = False, style: str = "") -> None:
    c = 0
    for cell in cells:
        target = table.cell(r, c)
        if cell.colspan > 1:
            target.merge(table.cell(r, c + cell.colspan - 1))
        target.text = cell.text
        paragraph = target.text_frame.paragraphs[0]
        paragraph.font.size = Pt(13 if not header else 13)
        paragraph.font.bold = header or style in ("block", "total")
        paragraph.font.color.rgb = TEXT
        numeric = cell.kind in ("num", "hidden", "na") or (header and c > 0)
        paragraph.alignment = PP_ALIGN.RIGHT if numeric else PP_ALIGN.LEFT
        if cell.colspan > 1 and header:
            paragraph.alignment = PP_ALIGN.CENTER
        target.fill.solid()
        fill = (
            HEADER_FILL if header else (BLOCK_FILL if style == "block" else RGBColor(255, 255, 255))
        )
        target.fill.fore_color.rgb = fill
        target.margin_top = target.margin_bottom = Inches(0.03)
        c += cell.colspan


def _n_line(table_id: str, sizes: dict, main_group: str | None) -> str:
    groups = [g for g in MAIN_GROUPS if main_group in (None, g) and g in sizes]
    if table_id in ("levekarsomrader", "nokkeltall") and groups:
        return "Prosent av hovedgruppen. " + ", ".join(
            f"{GROUP_LABELS[g]}: {n_text(sizes[g])}" for g in groups
        )
    if table_id == "levekarsindeks_grupper":
        return "Prosent av kategorien (N: se antall kartlagte etter kategori)."
    return ""


def render_pptx(document: dict, main_group: str | None = None) -> bytes:
    """The deck as .pptx bytes: both main groups, or only `main_group` (rus | psykisk)."""
    if main_group not in (None, *MAIN_GROUPS):
        raise ValueError(f"unknown main group {main_group!r}")
    instrument = instrument_for(document)
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
    _footnote(slide, [f"{DASH} {HIDDEN_NOTE}. Tall fra 1 til 4 vises ikke."])

    tables = document.get("tables", {})
    for table_id in ordered_table_ids(document):
        table = tables[table_id]
        n_line = _n_line(table_id, sizes, main_group)
        found = figures(table_id, table, instrument, main_group)
        for figure in found:
            _chart_slide(prs, figure, n_line)
        if found and table_id not in ALSO_AS_TABLE:
            continue
        shown = display_table(table_id, table, document, instrument, main_group)
        if shown is not None:
            _table_slides(prs, shown, n_line)

    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
