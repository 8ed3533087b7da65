"""The report document as an Excel workbook (XlsxWriter).

A front sheet (scope, year, persons, the small-number note), one sheet per
table with the document's numbers as numbers (percentages unrounded, shown
with one decimal), a suppressed cell as an empty cell with a note, a native
Excel chart where the table has a figure, and optionally the raw rows
("Rådata"). Nothing is computed: the cells are the document's.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

import xlsxwriter

from brukerplan.reports.render.common import (
    COUNT,
    FINDINGS_TITLE,
    HIDDEN,
    HIDDEN_SECONDARY,
    INDEX,
    MEAN,
    NA,
    NO_FINDINGS,
    NONE,
    NOT_APPLICABLE_NOTE,
    PERCENT,
    PERCENT_LABELS,
    RATE,
    SD,
    SHOWN,
    Figure,
    cell_kind,
    cell_state,
    compared_table,
    coverage_text,
    figures,
    findings_of,
    format_number,
    group_sizes,
    hidden_note,
    instrument_for,
    ordered_table_ids,
    pool_text,
    release_lines,
    scope_kind,
    scope_name,
    small_numbers_text,
    state_note,
    table_info,
    thin_text,
    threshold_of,
)

HEADER_ROW = 3  # 0-based row of the column headings on a table sheet
RAW_SHEET = "Rådata"
FRONT_SHEET = "Om rapporten"
FINDINGS_SHEET = FINDINGS_TITLE
_INVALID = re.compile(r"[\[\]:*?/\\]")
# By kind (report-format.md): counts whole, percentages (0 to 100) with one decimal and
# a percent sign (a literal one: Excel's own % would multiply by 100), the rest one decimal.
_FORMATS = {
    COUNT: "#,##0",
    PERCENT: '0.0" %"',
    **dict.fromkeys((MEAN, SD, RATE, INDEX), "0.0"),
}
# The fill of an empty cell, by why it is empty (`common.cell_state`).
_FILLS = {HIDDEN: "#EEEEEE", HIDDEN_SECONDARY: "#FFF1D0", NA: "#EEEEEE", NONE: None}
_FILL_WORDS = {HIDDEN: "grå", HIDDEN_SECONDARY: "gule", NONE: "hvite"}


def sheet_names(document: dict) -> dict[str, str]:
    """A sheet name per table id: ≤ 31 characters, valid, unique (case-insensitive)."""
    taken = {FRONT_SHEET.lower(), RAW_SHEET.lower(), FINDINGS_SHEET.lower()}
    names = {}
    for table_id in ordered_table_ids(document):
        base = _INVALID.sub(" ", table_info(table_id, document["tables"][table_id]).sheet)
        base = base.strip("'")[:31] or "Tabell"
        name, n = base, 2
        while name.lower() in taken:
            suffix = f" ({n})"
            name = base[: 31 - len(suffix)] + suffix
            n += 1
        taken.add(name.lower())
        names[table_id] = name
    return names


def render_xlsx(document: dict, raw_rows: tuple[list[str], Iterable[dict]] | None = None) -> bytes:
    """The workbook as .xlsx bytes. `raw_rows` (header, rows), fetched by the caller (a
    municipality's registrations from `registrations.exports`, for roles allowed to see row
    data), add the sheet «Rådata»."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "nan_inf_to_errors": True})
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "bold": book.add_format({"bold": True}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "header": book.add_format(
            {"bold": True, "bg_color": "#F1EFF6", "bottom": 1, "text_wrap": True, "valign": "top"}
        ),
        "note": book.add_format({"italic": True, "font_color": "#555555"}),
        "hidden": book.add_format({"bg_color": "#EEEEEE"}),
        "link": book.add_format(
            {"font_color": "blue", "underline": 1, "text_wrap": True, "valign": "top"}
        ),
        **{
            f"empty:{state}": book.add_format({"bg_color": colour} if colour else {})
            for state, colour in _FILLS.items()
        },
        **{kind: book.add_format({"num_format": f}) for kind, f in _FORMATS.items()},
    }
    instrument = instrument_for(document)
    names = sheet_names(document)
    _findings(book, document, names, fmt)
    _front(book, document, names, fmt)
    for table_id in ordered_table_ids(document):
        _table_sheet(book, names[table_id], table_id, document, instrument, fmt)
    if raw_rows is not None:
        _raw(book, raw_rows, fmt)
    book.close()
    return out.getvalue()


def _findings(book, document: dict, names: dict, fmt: dict) -> None:
    """The first sheet, «Hovedfunn»: the document's sentences, each with a link to the sheet
    of the table it comes from."""
    if "findings" not in document:
        return
    sheet = book.add_worksheet(FINDINGS_SHEET)
    sheet.set_column(0, 0, 100)
    sheet.set_column(1, 1, 50)
    sheet.write(0, 0, f"{FINDINGS_TITLE}: {scope_name(document)} {document.get('year', '')}",
                fmt["title"])  # fmt: skip
    found = findings_of(document)
    if not found:
        sheet.write(2, 0, NO_FINDINGS, fmt["wrap"])
        sheet.activate()
        return
    sheet.write(2, 0, "Funn", fmt["header"])
    sheet.write(2, 1, "Kilde", fmt["header"])
    for r, finding in enumerate(found, start=3):
        sheet.write_string(r, 0, finding["text"], fmt["wrap"])
        sheet.set_row(r, 15 * -(-len(finding["text"]) // 95))
        title = (document["tables"].get(finding["table"]) or {}).get("title", "")
        if finding["table"] in names:
            name = names[finding["table"]]
            sheet.write_url(r, 1, f"internal:'{name}'!A1", fmt["link"], string=title)
        else:
            sheet.write_string(r, 1, title, fmt["wrap"])
    sheet.activate()


def _front(book, document: dict, names: dict, fmt: dict) -> None:
    sheet = book.add_worksheet(FRONT_SHEET)
    threshold = threshold_of(document)
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 70)
    scope = document.get("scope") or {}
    sheet.write(
        0, 0, f"BrukerPlan {document.get('year', '')}: {scope_name(document)}", fmt["title"]
    )
    rows = [
        ("Område", scope_name(document)),
        ("Type", scope_kind(document)),
        ("Kode", scope.get("code") or ""),
        ("År", document.get("year")),
        ("Kartlagte personer (18 år og eldre)", document.get("persons")),
        ("Registreringer i alt", document.get("registrations")),
        ("Kartleggingsskjema, versjon", document.get("instrument_version", "")),
    ]
    pooled = pool_text(document)  # which municipalities a pool is, or a county's pool
    if pooled:
        rows.append(("Små kommuner", pooled))
    if thin_text(document):
        rows.append(("Få kartlagte", thin_text(document)))
    rows += [("Status", line) for line in release_lines(document)]
    if coverage_text(document):  # unit types without legal basis that year
        rows.append(("Enhetstyper", coverage_text(document)))
    for r, (label, value) in enumerate(rows, start=2):
        sheet.write(r, 0, label, fmt["bold"])
        if value is None:
            sheet.write_blank(r, 1, None, fmt["hidden"])
            sheet.write_comment(r, 1, hidden_note(threshold))
        elif isinstance(value, int | float):
            sheet.write_number(r, 1, value, fmt[COUNT] if label != "År" else None)
        else:
            sheet.write_string(r, 1, str(value), fmt["wrap"])
            if len(str(value)) > 70:  # wider than the column: as many lines as it takes
                sheet.set_row(r, 15 * -(-len(str(value)) // 60))
    r = len(rows) + 3
    sheet.write(r, 0, "Små tall", fmt["bold"])
    text = small_numbers_text(threshold) + " I regnearket er skjulte celler tomme."
    sheet.write(r, 1, text, fmt["wrap"])
    sheet.set_row(r, 60)
    sheet.write(r + 2, 0, "Prosent", fmt["bold"])
    sheet.write(
        r + 2,
        1,
        "Prosent er tall fra 0 til 100, ikke avrundet; cellene viser én desimal.",
        fmt["wrap"],
    )
    sheet.write(r + 4, 0, "Tabeller", fmt["bold"])
    for i, (table_id, name) in enumerate(names.items()):
        sheet.write_url(
            r + 4 + i,
            1,
            f"internal:'{name}'!A1",
            string=document["tables"][table_id]["title"],
        )
    if "findings" not in document:
        sheet.activate()


def _table_sheet(book, name: str, table_id: str, document: dict, instrument, fmt: dict) -> None:
    # With comparisons (county, nation, size class) their numbers stand beside the scope's.
    table = compared_table(table_id, document) or document["tables"][table_id]
    sheet = book.add_worksheet(name)
    threshold = threshold_of(document)
    sheet.write(0, 0, table["title"], fmt["title"])
    info = table_info(table_id, table)
    note = info.intro
    if info.denominator == "column":
        sizes = [
            (
                c["label"],
                group_sizes(_section(document, c.get("section"))).get(c.get("base_key", c["key"])),
            )
            for c in table["columns"]
        ]
        sizes = [(label, n) for label, n in sizes if n is not None]
        if sizes:
            note += " N: " + ", ".join(f"{label} {format_number(n, COUNT)}" for label, n in sizes)
    sheet.write(1, 0, note.strip(), fmt["note"])
    columns = table["columns"]
    sheet.write(HEADER_ROW, 0, "Gruppe", fmt["header"])
    for c, column in enumerate(columns, start=1):
        sheet.write(HEADER_ROW, c, column["label"], fmt["header"])
    key_col = len(columns) + 1
    sheet.write(HEADER_ROW, key_col, "Nøkkel", fmt["header"])
    empty: set[str] = set()
    for r, row in enumerate(table["rows"], start=HEADER_ROW + 1):
        sheet.write_string(r, 0, row["label"])
        for c, column in enumerate(columns, start=1):
            state = cell_state(table_id, table, row, column["key"])
            if state == SHOWN:
                kind = cell_kind(table, row, column["key"])
                sheet.write_number(r, c, row["values"][column["key"]], fmt[kind])
                continue
            empty.add(state)
            sheet.write_blank(r, c, None, fmt[f"empty:{state}"])
            sheet.write_comment(r, c, state_note(state, threshold))
        sheet.write_string(r, key_col, row["key"])
    last = HEADER_ROW + len(table["rows"])
    why = empty_sheet_text(table_id, table)
    if why:
        sheet.write(2, 0, why, fmt["bold"])
    notes = [
        f"Tomme {_FILL_WORDS[state]} celler: {state_note(state, threshold)}."
        for state in (HIDDEN, HIDDEN_SECONDARY, NONE)
        if state in empty
    ]
    if NA in empty:
        notes.append(NOT_APPLICABLE_NOTE)
    for i, text in enumerate(notes):
        sheet.write(last + 2 + i, 0, text, fmt["note"])
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, len(columns), 16)
    sheet.set_column(key_col, key_col, 24)
    sheet.freeze_panes(HEADER_ROW + 1, 1)
    sheet.set_row(HEADER_ROW, 30)

    # Charts to the right of the table; their data blocks below it.
    chart_at = [HEADER_ROW, key_col + 2]
    data_row = last + 2 + len(notes) + 2
    for figure in figures(table_id, document["tables"][table_id], instrument, threshold=threshold):
        data_row = _chart(book, sheet, name, figure, data_row, chart_at, fmt)


ALL_HIDDEN = "Alle tall er skjult for å beskytte små tall."
_NO_ROWS = {
    "unge_": "Ingen data: ingen kartlagte under 18 år.",
    "trend_": "Ingen data: ingen tidligere kartlegging å sammenligne med.",
    "panel_": "Ingen data: ingen tidligere kartlegging å sammenligne med.",
    "dekning_": "Ingen data: folketallet for året mangler, så dekningen kan ikke regnes ut.",
}


def empty_sheet_text(table_id: str, table: dict) -> str:
    """Why a table's sheet shows no number ("" when it shows one): no rows, every number
    hidden, or none with a value."""
    if not table["rows"]:
        prefix = next((p for p in _NO_ROWS if table_id.startswith(p)), None)
        return _NO_ROWS[prefix] if prefix else "Ingen data: ingen kartlagte i tabellens grupper."
    states = {
        cell_state(table_id, table, row, column["key"])
        for row in table["rows"]
        for column in table["columns"]
    }
    if SHOWN in states:
        return ""
    if states & {HIDDEN, HIDDEN_SECONDARY}:
        return ALL_HIDDEN
    return "Ingen data: ingen av tallene i tabellen har en verdi."


def _chart(book, sheet, name: str, figure: Figure, row: int, chart_at: list, fmt: dict) -> int:
    """A native chart over a data block of the figure (the document's numbers, as placed
    in the chart), written from `row` in column A. Returns the next free row."""
    if figure.empty:
        sheet.write(row, 0, f"{figure.title}: {figure.empty_note}", fmt["note"])
        return row + 2
    quoted = "'" + name.replace("'", "''") + "'"
    col = 0
    for panel in figure.panels:
        title = figure.title + (f" – {panel.title}" if panel.title else "")
        sheet.write(row, col, f"Data for diagram: {title}", fmt["bold"])
        top = row + 1
        sheet.write(top, col, "", fmt["header"])
        for j, series in enumerate(panel.series, start=1):
            sheet.write(top, col + j, series.label, fmt["header"])
        for i, category in enumerate(panel.categories, start=1):
            sheet.write_string(top + i, col, category)
            for j, series in enumerate(panel.series, start=1):
                value = series.values[i - 1]
                if value is None:
                    sheet.write_blank(top + i, col + j, None, fmt["hidden"])
                else:
                    sheet.write_number(top + i, col + j, value, fmt[figure.unit])
        bottom = top + len(panel.categories)
        stacked = figure.kind in ("stacked", "bar")
        chart = book.add_chart(
            {"type": "bar", "subtype": "stacked"} if stacked else {"type": "bar"}
        )
        for j, series in enumerate(panel.series, start=1):
            chart.add_series(
                {
                    "name": [name, top, col + j],
                    "categories": f"={quoted}!$A${top + 2}:$A${bottom + 1}",
                    "values": [name, top + 1, col + j, bottom, col + j],
                    "fill": {"color": series.colour},
                    "border": {"none": True},
                    "gap": 40 if stacked else 60,
                    **({"overlap": 100} if stacked else {}),
                    "data_labels": {
                        "value": True,
                        "num_format": "#,##0" if figure.unit == COUNT else PERCENT_LABELS,
                    },
                }
            )
        chart.set_title({"name": title, "name_font": {"size": 12}})
        chart.set_y_axis({"reverse": True})  # categories top to bottom, as in the document
        x_axis = {"major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}}
        if figure.unit == PERCENT:
            x_axis.update({"min": 0, "max": 100, "major_unit": 20, "name": "Prosent"})
        chart.set_x_axis(x_axis)
        chart.set_legend({"position": "bottom"} if len(panel.series) > 1 else {"none": True})
        chart.show_blanks_as("gap")  # a suppressed cell is missing, never 0
        height = max(300, 24 * len(panel.categories) * (1 if stacked else 2) + 120)
        chart.set_size({"width": 640, "height": height})
        sheet.insert_chart(chart_at[0], chart_at[1], chart)
        chart_at[0] += int(height / 20) + 2
        row = bottom + 2
    if figure.note:
        sheet.write(row, col, figure.note, fmt["note"])
        row += 1
    return row + 1


def _section(document: dict, name: str | None) -> dict:
    """The document (None) or its comparison section of that name."""
    return document if name is None else document["comparisons"][name]


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _raw(book, raw_rows, fmt: dict) -> None:
    header, rows = raw_rows
    sheet = book.add_worksheet(RAW_SHEET)
    for c, label in enumerate(header):
        sheet.write_string(0, c, str(label), fmt["header"])
    for r, row in enumerate(rows, start=1):
        for c, key in enumerate(header):
            value = row.get(key)
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_number(r, c, int(value))
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    sheet.freeze_panes(1, 0)
    if header:
        sheet.autofilter(0, 0, 0, len(header) - 1)
