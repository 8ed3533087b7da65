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
