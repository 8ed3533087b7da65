"""Reading and writing files in the exchange format (registration-format.md).

Rows are dicts of column -> cell text, so CSV and Excel look the same to the
importer. Pure: no Django.

Reading (`open_table`) tells a CSV file's form from the file itself: a UTF-8
BOM, or whether the whole file reads as UTF-8 (else Windows-1252, as Norwegian
Excel saves "CSV (semikolonseparert)"), and the delimiter from the header line
(`;` or `,`). A file that cannot be read at all raises `UnreadableFile` with one
Norwegian line saying why; the rows are streamed, so a fault further down the
file (a cell over the csv module's size limit, a byte that changed) raises it
while they are read.

Writing a CSV file puts every cell through `spreadsheet_text`, so that no text
becomes a formula in a spreadsheet; reading gives such cells back as they were
(`restore_text`), so the import reads the export.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from brukerplan.masking import shown

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
REQUIRED_METADATA = tuple(c for c in METADATA_COLUMNS if c not in OPTIONAL_COLUMNS)

UTF8_BOM = b"\xef\xbb\xbf"
HEAD_BYTES = 8192  # what is looked at to tell a binary file
SCAN_BYTES = 1 << 20  # the encoding is checked over the whole file, this much at a time

# Files that are something else than CSV, by their first bytes.
SIGNATURES = (
    (b"PK\x03\x04", "en zip-fil (en Excel-arbeidsbok skal hete .xlsx)"),
    (b"\xd0\xcf\x11\xe0", "en fil i det gamle Excel-formatet (.xls)"),
    (b"\x89PNG", "et PNG-bilde"),
    (b"\xff\xd8\xff", "et JPEG-bilde"),
    (b"GIF8", "et GIF-bilde"),
    (b"%PDF", "en PDF-fil"),
    (b"\x1f\x8b", "en gzip-fil"),
)
# A UTF-8 character of two or three bytes: in a Windows-1252 file, a sign of mixed encodings.
_UTF8_CHARACTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


class UnreadableFile(ValueError):
    """One Norwegian line saying why a file cannot be read; it quotes no cell."""


class Row(NamedTuple):
    number: int  # as a spreadsheet shows it: the header is row 1
    cells: dict[str, str]
    width: int  # the number of cells on the row; the header's when the row is whole


@dataclass
class Table:
    """A file opened for reading: its header, what form it was read in, and its rows.

    `rows` is read once, as it goes; it raises `UnreadableFile` where the file
    turns out to be unreadable further down. Blank rows are left out.
    """

    name: str
    header: list[str]
    form: str  # e.g. "semikolonseparert CSV i Windows-1252"
    rows: Iterator[Row]


def display_name(path: Path) -> str:
    """A file's name as messages show it (a name can hold a number too)."""
    return shown(path.name, 80)


def open_table(path: Path) -> Table:
    """The header and the rows of a .csv or .xlsx file in the exchange format."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _read_csv(path)
    elif suffix == ".xlsx":
        table = _read_xlsx(path)
    else:
        raise UnreadableFile(f"ukjent filtype {shown(suffix)!r}: bruk .csv eller .xlsx")
    if not any(table.header):
        raise _unreadable(path, "første rad er tom; den skal være overskriften")
    if not set(table.header) & set(REQUIRED_METADATA):
        raise _unreadable(
            path,
            "første rad er ingen overskrift i utvekslingsformatet "
            f"(ingen av kolonnene {', '.join(REQUIRED_METADATA)})",
        )
    return table


def _unreadable(path: Path, why: str) -> UnreadableFile:
    return UnreadableFile(f"kan ikke lese {display_name(path)}: {why}")


def _os_reason(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "filen finnes ikke"
    if isinstance(error, IsADirectoryError):
        return "det er en mappe, ikke en fil"
    if isinstance(error, PermissionError):
        return "mangler tilgang til å lese filen"
    return f"feil ved lesing ({error.strerror or type(error).__name__})"


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError as error:
        raise _unreadable(path, _os_reason(error)) from None


# --- CSV -------------------------------------------------------------------------------


def _read_csv(path: Path) -> Table:
    head = _head(path)
    if len(head) < HEAD_BYTES and not head.removeprefix(UTF8_BOM).strip():
        raise _unreadable(path, "filen er tom")
    _refuse_binary(path, head)
    codec, encoding = _encoding(path, head)
    try:
        text = path.open(encoding=codec, newline="")
        first = text.readline()
    except (OSError, UnicodeDecodeError):  # the file changed since it was scanned
        raise _unreadable(path, f"filen er ikke gyldig {encoding}") from None
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
    try:
        header = [h.strip() for h in _restored(next(reader))]
    except StopIteration:
        text.close()
        raise _unreadable(path, "filen er tom") from None
    except csv.Error as error:
        text.close()
        raise _unreadable(path, _csv_reason(error, 1)) from None
    form = f"{'semikolonseparert' if delimiter == ';' else 'kommaseparert'} CSV i {encoding}"

    def rows() -> Iterator[Row]:
        number = 1
        try:
            with text:
                for number, cells in enumerate(reader, start=2):  # noqa: B007 - used below
                    if not any(cells):
                        continue
                    if "'" in "".join(cells):
                        cells = _restored(cells)
                    yield Row(number, dict(zip(header, cells, strict=False)), len(cells))
        except csv.Error as error:
            raise _unreadable(path, _csv_reason(error, number + 1)) from None
        except UnicodeDecodeError:
            raise _unreadable(path, f"rad {number + 1} er ikke gyldig {encoding}") from None
        except OSError as error:
            raise _unreadable(path, _os_reason(error)) from None

    return Table(display_name(path), header, form, rows())


def _csv_reason(error: csv.Error, row: int) -> str:
    if "field larger than field limit" in str(error):
        limit = csv.field_size_limit()
        return f"rad {row} har en celle på over {limit // 1024} kB; ingen gyldig celle er så stor"
    return f"rad {row} er ikke gyldig CSV"


def _refuse_binary(path: Path, head: bytes) -> None:
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            raise _unreadable(path, f"filen er {what}, ikke CSV")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _unreadable(
            path, "filen er lagret som UTF-16 (Unicode-tekst); lagre den som CSV UTF-8"
        )
    if b"\x00" in head:
        raise _unreadable(path, "filen inneholder binære data og er ingen CSV-fil")


def _encoding(path: Path, head: bytes) -> tuple[str, str]:
    """The codec to read the file with and its name, from the whole file.

    UTF-8 when the whole file reads as UTF-8 (with or without a BOM);
    Windows-1252 when the first byte UTF-8 cannot read comes before any other
    non-ASCII character and the rest reads as Windows-1252 without UTF-8 in it.
    Anything else (a UTF-8 file with a bad byte on its last line, a file of
    both) is unreadable, with the line it went wrong on.
    """
    bom = head.startswith(UTF8_BOM)
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0  # newlines before the chunk being read
    non_ascii = False
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(SCAN_BYTES):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    line = lines + chunk.count(b"\n", 0, error.start) + 1
                    if bom or non_ascii or not chunk[: error.start].isascii():
                        raise _unreadable(
                            path,
                            f"linje {line} er ikke gyldig UTF-8, som resten av filen er; "
                            "lagre filen på nytt som CSV UTF-8",
                        ) from None
                    _check_windows_1252(path, handle, chunk, lines)
                    return "cp1252", "Windows-1252"
                non_ascii = non_ascii or not chunk.isascii()
                lines += chunk.count(b"\n")
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise _unreadable(path, f"linje {lines + 1} slutter midt i et UTF-8-tegn") from None
    except OSError as error:
        raise _unreadable(path, _os_reason(error)) from None
    return ("utf-8-sig" if bom else "utf-8"), "UTF-8"


def _check_windows_1252(path: Path, handle, chunk: bytes, lines: int) -> None:
    """The rest of the file, from `chunk` on, is Windows-1252 (and not UTF-8 in part)."""
    while chunk:
        try:
            chunk.decode("cp1252")
        except UnicodeDecodeError as error:
            line = lines + chunk.count(b"\n", 0, error.start) + 1
            raise _unreadable(
                path, f"linje {line} har et tegn som verken er UTF-8 eller Windows-1252"
            ) from None
        if match := _UTF8_CHARACTER.search(chunk):
            line = lines + chunk.count(b"\n", 0, match.start()) + 1
            raise _unreadable(
                path,
                f"filen blander tegnkodinger: linje {line} er UTF-8, resten Windows-1252; "
                "lagre filen på nytt som CSV UTF-8",
            )
        lines += chunk.count(b"\n")
        chunk = handle.read(SCAN_BYTES)


# --- Excel -----------------------------------------------------------------------------

_INTEGRAL_FLOAT = re.compile(r"^(\d+)\.0+$")


def _read_xlsx(path: Path) -> Table:
    head = _head(path)
    if not head:
        raise _unreadable(path, "filen er tom")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _unreadable(path, "filen er i det gamle Excel-formatet (.xls); lagre den som .xlsx")
    if not head.startswith(b"PK\x03\x04"):
        raise _unreadable(path, "filen er ingen Excel-arbeidsbok (.xlsx)")
    import fastexcel

    try:
        workbook = fastexcel.read_excel(str(path))
        if not workbook.sheet_names:
            raise _unreadable(path, "arbeidsboken har ingen ark")
        frame = workbook.load_sheet(0, dtypes="string").to_polars()
    except UnreadableFile:
        raise
    except Exception:  # fastexcel raises its own exception types, with English text
        raise _unreadable(path, "filen er en zip-fil, men ingen Excel-arbeidsbok") from None
    header = [h.strip() for h in _restored([str(c) for c in frame.columns])]

    def rows() -> Iterator[Row]:
        for number, record in enumerate(frame.iter_rows(), start=2):
            cells = [_xlsx_cell(h, v) for h, v in zip(header, record, strict=True)]
            if not any(cells):
                continue
            if "'" in "".join(cells):
                cells = _restored(cells)
            yield Row(number, dict(zip(header, cells, strict=True)), len(cells))

    return Table(display_name(path), header, "Excel-arbeidsbok (.xlsx)", rows())


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


# --- Text a spreadsheet would take for a formula ---------------------------------------

FORMULA_STARTS = frozenset("=+-@\t\r")
_FORMULA_IN_ROW = re.compile(r"(?:^|\n)'*[=+\-@\t\r]")


def spreadsheet_text(cell: str) -> str:
    """A cell as every CSV export writes it: never a formula when a spreadsheet opens it.

    OWASP's rule against CSV injection: text starting with `=`, `+`, `-`, `@`,
    a tab or a carriage return gets a leading `'`, which a spreadsheet shows as
    text. The rule applies to every cell, whatever its column: the exchange
    format has no negative numbers, so nothing that should stay a number
    starts with `-`.

    The import strips that `'` again (`restore_text`): one leading `'` is
    removed from a cell whose first character after its `'`s is one of those.
    So that this gives back exactly what was written, a cell that already is
    `'` + `=`… (after any number of `'`s) gets one more `'` too: a unit named
    `=SUM(A1)` is exported as `'=SUM(A1)` and imported as `=SUM(A1)`, and one
    named `'=x` is exported as `''=x` and imported as `'=x`.
    """
    if cell.lstrip("'")[:1] in FORMULA_STARTS:
        return "'" + cell
    return cell


def restore_text(cell: str) -> str:
    """A cell as read from a file: the `'` that `spreadsheet_text` adds taken off again."""
    if cell[:1] == "'" and cell.lstrip("'")[:1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def spreadsheet_row(cells: list[str]) -> list[str]:
    """`spreadsheet_text` of every cell; one search of the row when none needs it (the rule
    for a cell is `spreadsheet_text`'s alone)."""
    if _FORMULA_IN_ROW.search("\n".join(cells)) is None:
        return cells
    return [spreadsheet_text(cell) for cell in cells]


def _restored(cells: list[str]) -> list[str]:
    return [restore_text(cell) for cell in cells]


# --- Writing ---------------------------------------------------------------------------


def write_rows(path: Path, header: list[str], rows: Iterable[dict[str, str]]) -> int:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _write_csv(path, header, rows)
    if suffix == ".xlsx":
        return _write_xlsx(path, header, rows)
    raise UnreadableFile(f"ukjent filtype {shown(suffix)!r}: bruk .csv eller .xlsx")


def csv_values(header: list[str], row: dict[str, str]) -> list[str]:
    """A row's cells in the header's order, made safe for a spreadsheet (missing ones empty;
    a column the header does not have is an error, as csv.DictWriter's extrasaction="raise")."""
    if len(row) != len(header) and (extra := row.keys() - set(header)):
        raise ValueError(f"dict contains fields not in fieldnames: {', '.join(map(repr, extra))}")
    return spreadsheet_row([row.get(column, "") for column in header])


def _write_csv(path: Path, header: list[str], rows: Iterable[dict[str, str]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(spreadsheet_row(list(header)))
        for row in rows:
            writer.writerow(csv_values(header, row))
            count += 1
    return count


def _write_xlsx(path: Path, header: list[str], rows: Iterable[dict[str, str]]) -> int:
    import xlsxwriter

    count = 0
    with xlsxwriter.Workbook(str(path), {"constant_memory": True}) as workbook:
        sheet = workbook.add_worksheet("kartlegginger")
        for col, key in enumerate(header):
            sheet.write_string(0, col, key)
        for count, row in enumerate(rows, start=1):
            # Everything as text (never a formula), so 0301 keeps its leading zero.
            for col, key in enumerate(header):
                sheet.write_string(count, col, row.get(key, ""))
    return count
