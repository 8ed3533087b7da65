"""Reading and writing files in the exchange format (registration-format.md).

Rows are dicts of column -> cell text, so CSV and Excel look the same to the
importer. Pure: no Django.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

IDENTITY_COLUMNS = ("fodselsnummer", "person_key", "fodselsaar", "kjonn")
METADATA_COLUMNS = (
    "registrering_id",
    "aar",
    "kartlagt_dato",
    "kommunenummer",
    "enhet",
    "enhetstype",
    *IDENTITY_COLUMNS,
)
# Columns a file may leave out: the id, and one of the two identity forms.
OPTIONAL_COLUMNS = ("registrering_id", *IDENTITY_COLUMNS)
EXPORT_METADATA = ("registrering_id", "aar", "kartlagt_dato", "kommunenummer", "enhet",
                   "enhetstype", "fodselsaar", "kjonn")  # fmt: skip


class UnreadableFile(ValueError):
    pass


def read_rows(path: Path) -> tuple[list[str], Iterator[dict[str, str]]]:
    """The header and the rows of a .csv or .xlsx file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    raise UnreadableFile(f"ukjent filtype '{suffix}': bruk .csv eller .xlsx")


def _read_csv(path: Path) -> tuple[list[str], Iterator[dict[str, str]]]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
        reader = csv.reader(handle)
        header = next(reader)
    except (OSError, UnicodeDecodeError, StopIteration) as error:
        raise UnreadableFile(f"kan ikke lese {path.name}: {error}") from None

    def rows() -> Iterator[dict[str, str]]:
        with handle:
            for cells in reader:
                if not any(cells):
                    continue
                yield dict(zip(header, cells, strict=False))

    return [h.strip() for h in header], rows()


_INTEGRAL_FLOAT = re.compile(r"^(\d+)\.0+$")


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[dict[str, str]]]:
    import fastexcel

    try:
        sheet = fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string")
        frame = sheet.to_polars()
    except Exception as error:  # fastexcel raises its own exception types
        raise UnreadableFile(f"kan ikke lese {path.name}: {error}") from None
    header = [str(c).strip() for c in frame.columns]

    def rows() -> Iterator[dict[str, str]]:
        for record in frame.iter_rows():
            cells = {h: _xlsx_cell(h, v) for h, v in zip(header, record, strict=True)}
            if any(cells.values()):
                yield cells

    return header, rows()


def _xlsx_cell(column: str, value: object) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    if match := _INTEGRAL_FLOAT.match(text):
        text = match.group(1)
    # Excel drops leading zeros from numbers typed into a cell.
    if column == "kommunenummer" and text.isdigit() and len(text) < 4:
        text = text.zfill(4)
    if column == "fodselsnummer" and text.isdigit() and len(text) == 10:
        text = text.zfill(11)
    return text


def write_rows(path: Path, header: list[str], rows: Iterable[dict[str, str]]) -> int:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _write_csv(path, header, rows)
    if suffix == ".xlsx":
        return _write_xlsx(path, header, rows)
    raise UnreadableFile(f"ukjent filtype '{suffix}': bruk .csv eller .xlsx")


def _write_csv(path: Path, header: list[str], rows: Iterable[dict[str, str]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _write_xlsx(path: Path, header: list[str], rows: Iterable[dict[str, str]]) -> int:
    import xlsxwriter

    count = 0
    with xlsxwriter.Workbook(str(path), {"constant_memory": True}) as workbook:
        sheet = workbook.add_worksheet("kartlegginger")
        sheet.write_row(0, 0, header)
        for count, row in enumerate(rows, start=1):
            # Everything as text, so 0301 keeps its leading zero.
            for col, key in enumerate(header):
                sheet.write_string(count, col, row.get(key, ""))
    return count
