"""Reading rendered files back: PDF text, slide contents, sheets."""

import io
import shutil
import subprocess

import polars as pl
import pytest
from pptx import Presentation

from brukerplan.reports.render import xlsx
from brukerplan.reports.render.common import compared_table


def pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8").replace("\u00a0", " ")


def table_lines(text: str, label: str) -> list[str]:
    """The lines of PDF text that start with a row label."""
    return [line for line in text.splitlines() if line.strip().startswith(label)]


def slides(data: bytes):
    return list(Presentation(io.BytesIO(data)).slides)


def charts_of(data: bytes) -> dict[str, object]:
    """Every chart of a deck by shape name ("Diagram <figure key>[ <panel>]")."""
    return {
        shape.name: shape.chart
        for slide in slides(data)
        for shape in slide.shapes
        if shape.has_chart
    }


def table_cells(data: bytes, table_id: str) -> list[list[str]]:
    """The text of a native table's cells, all slides of it together."""
    rows = []
    for slide in slides(data):
        for shape in slide.shapes:
            if shape.has_table and shape.name == f"Tabell {table_id}":
                rows += [[c.text for c in row.cells] for row in shape.table.rows]
    return rows


def slide_texts(data: bytes) -> list[str]:
    texts = []
    for slide in slides(data):
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [c.text for row in shape.table.rows for c in row.cells]
        texts.append("\n".join(parts))
    return texts


def sheet(data: bytes, name: str, n_rows: int) -> pl.DataFrame:
    return pl.read_excel(
        io.BytesIO(data),
        sheet_name=name,
        read_options={"header_row": xlsx.HEADER_ROW, "n_rows": n_rows},
    )


def sheet_values(data: bytes, document: dict, table_id: str) -> dict[tuple[str, str], object]:
    """(row key, column key) -> the sheet's value, for a table of the document."""
    table = document["tables"][table_id]
    # With comparisons the sheet has their columns too ("<key>@<name>"), labelled apart.
    shown = compared_table(table_id, document) or table
    name = xlsx.sheet_names(document)[table_id]
    frame = sheet(data, name, len(table["rows"]))
    out = {}
    for record in frame.iter_rows(named=True):
        for column in shown["columns"]:
            out[(record["Nøkkel"], column["key"])] = record[column["label"]]
    return out


def document_values(document: dict, table_id: str) -> dict[tuple[str, str], object]:
    table = document["tables"][table_id]
    return {
        (row["key"], column["key"]): row["values"].get(column["key"])
        for row in table["rows"]
        for column in table["columns"]
    }


# --- a workbook read back as written: values, number formats, comments -------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# The built-in number formats a cell may refer to by id alone (ECMA-376, 18.8.30).
_BUILT_IN = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%"}


def _cell_position(ref: str) -> tuple[int, int]:
    """ "B5" -> (4, 1): 0-based row and column."""
    letters = "".join(c for c in ref if c.isalpha())
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(ref[len(letters) :]) - 1, column - 1


def workbook_cells(data: bytes) -> dict[str, dict[tuple[int, int], dict]]:
    """Every written cell of every sheet, by sheet name and (row, column), 0-based:
    {"value": number, string or None, "format": its number format, "comment": text or None}.
    Read from the file's XML (the project has no openpyxl)."""
    import posixpath
    import zipfile
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as z:

        def xml(name: str):
            return ElementTree.fromstring(z.read(name))  # noqa: S314 (our own file)

        strings = [
            "".join(t.text or "" for t in si.iter(f"{_MAIN}t"))
            for si in xml("xl/sharedStrings.xml").iter(f"{_MAIN}si")
        ]
        styles = xml("xl/styles.xml")
        formats = dict(_BUILT_IN)
        for fmt in styles.iter(f"{_MAIN}numFmt"):
            formats[int(fmt.get("numFmtId"))] = fmt.get("formatCode")
        cell_formats = [
            formats.get(int(xf.get("numFmtId", 0)), "General")
            for xf in styles.find(f"{_MAIN}cellXfs")
        ]
        targets = {
            rel.get("Id"): rel.get("Target")
            for rel in xml("xl/_rels/workbook.xml.rels").iter(f"{_PACKAGE}Relationship")
        }
        out = {}
        for sheet in xml("xl/workbook.xml").iter(f"{_MAIN}sheet"):
            path = posixpath.join("xl", targets[sheet.get(f"{_REL}id")])
            cells: dict[tuple[int, int], dict] = {}
            for c in xml(path).iter(f"{_MAIN}c"):
                v = c.find(f"{_MAIN}v")
                value = None if v is None else v.text
                if value is not None and c.get("t") == "s":
                    value = strings[int(value)]
                elif value is not None and c.get("t") not in ("str", "inlineStr"):
                    value = float(value)
                elif c.get("t") == "inlineStr":
                    value = "".join(t.text or "" for t in c.iter(f"{_MAIN}t"))
                style = cell_formats[int(c.get("s", 0))]
                cells[_cell_position(c.get("r"))] = {
                    "value": value,
                    "format": style,
                    "comment": None,
                }
            rels = posixpath.join(
                posixpath.dirname(path), "_rels", posixpath.basename(path) + ".rels"
            )
            if rels in z.namelist():
                for rel in xml(rels).iter(f"{_PACKAGE}Relationship"):
                    if rel.get("Type", "").endswith("/comments"):
                        name = posixpath.normpath(
                            posixpath.join(posixpath.dirname(path), rel.get("Target"))
                        )
                        for comment in xml(name).iter(f"{_MAIN}comment"):
                            text = "".join(t.text or "" for t in comment.iter(f"{_MAIN}t"))
                            position = _cell_position(comment.get("ref"))
                            cells.setdefault(position, {"value": None, "format": "General"})
                            cells[position]["comment"] = text
            out[sheet.get("name")] = cells
    return out
