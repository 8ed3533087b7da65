"""Reading files of the exchange format, and checking rows, without a database."""

import datetime
import io
import zipfile

import pytest

from brukerplan.masking import shown
from brukerplan.registrations.exchange import (
    UnreadableFile,
    open_table,
    restore_text,
    spreadsheet_row,
    spreadsheet_text,
)
from brukerplan.registrations.importing import RowChecker, RowError

HEADER = ["registrering_id", "aar", "kartlagt_dato", "kommunenummer", "enhet", "enhetstype",
          "fodselsnummer"]  # fmt: skip
ROW = ["R-1", "2025", "2025-03-01", "4601", "Miljøtjenesten", "helse_omsorg", "01018012345"]


def write_csv(path, rows, delimiter=",", encoding="utf-8"):
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def test_it_reads_a_semicolon_separated_windows_1252_file(tmp_path):
    table = open_table(write_csv(tmp_path / "excel.csv", [HEADER, ROW], ";", "cp1252"))
    assert table.form == "semikolonseparert CSV i Windows-1252"
    assert table.header == HEADER
    (row,) = list(table.rows)
    assert row.number == 2 and row.width == len(HEADER)
    assert row.cells["enhet"] == "Miljøtjenesten" and row.cells["aar"] == "2025"


def test_it_reads_comma_separated_utf8_with_or_without_a_bom(tmp_path):
    plain = open_table(write_csv(tmp_path / "plain.csv", [HEADER, ROW]))
    bom = open_table(write_csv(tmp_path / "bom.csv", [HEADER, ROW], ";", "utf-8-sig"))
    assert plain.form == "kommaseparert CSV i UTF-8"
    assert bom.form == "semikolonseparert CSV i UTF-8"
    assert bom.header[0] == "registrering_id"
    assert next(bom.rows).cells == next(plain.rows).cells


def test_a_windows_1252_letter_far_down_an_ascii_file_is_read_as_windows_1252(tmp_path):
    ascii_row = [*ROW[:4], "Rustjenesten", *ROW[5:]]
    rows = [HEADER] + [ascii_row] * 400 + [ROW]  # the ø well past the first 8 kB
    table = open_table(write_csv(tmp_path / "late.csv", rows, ";", "cp1252"))
    assert table.form == "semikolonseparert CSV i Windows-1252"
    assert list(table.rows)[-1].cells["enhet"] == "Miljøtjenesten"


def test_a_bad_byte_past_the_first_8_kb_of_a_utf8_file_is_one_clear_line(tmp_path):
    path = write_csv(tmp_path / "broken.csv", [HEADER] + [ROW] * 400)
    path.write_bytes(path.read_bytes() + b"R-9,2025,2025-03-01,4601,Rus\xe6,helse_omsorg,x\r\n")
    assert path.stat().st_size > 8192
    with pytest.raises(UnreadableFile) as raised:
        open_table(path)
    assert str(raised.value) == (
        "kan ikke lese broken.csv: linje 402 er ikke gyldig UTF-8, som resten av filen er; "
        "lagre filen på nytt som CSV UTF-8"
    )


def test_a_file_that_mixes_windows_1252_and_utf8_is_unreadable(tmp_path):
    path = write_csv(
        tmp_path / "mixed.csv", [HEADER, [*ROW[:4], "Rus\xe6", *ROW[5:]]], ";", "cp1252"
    )
    path.write_bytes(path.read_bytes() + ";".join(ROW).encode("utf-8") + b"\r\n")
    with pytest.raises(UnreadableFile, match="blander tegnkodinger: linje 3 er UTF-8"):
        open_table(path)


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("notes.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("empty.csv", b"", "filen er tom"),
        ("blank.csv", b"\xef\xbb\xbf\r\n\r\n", "filen er tom"),
        ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "filen er et PNG-bilde, ikke CSV"),
        ("archive.csv", zip_bytes(), "filen er en zip-fil (en Excel-arbeidsbok skal hete .xlsx)"),
        ("binary.csv", b"aar,enhet\x00\x01\x02", "filen inneholder binære data"),
        ("unicode.csv", "aar;enhet\r\n".encode("utf-16"), "lagret som UTF-16"),
        ("prose.csv", b"Kj\xe6re alle, her er tallene.\n", "første rad er ingen overskrift"),
        ("text.xlsx", b"aar,enhet\n", "filen er ingen Excel-arbeidsbok (.xlsx)"),
        ("archive.xlsx", zip_bytes(), "filen er en zip-fil, men ingen Excel-arbeidsbok"),
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "det gamle Excel-formatet (.xls)"),
        ("empty.xlsx", b"", "filen er tom"),
    ],
)
def test_a_file_that_cannot_be_read_says_why_in_one_line(tmp_path, name, content, why):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile) as raised:
        list(open_table(path).rows)
    message = str(raised.value)
    assert message.startswith(f"kan ikke lese {name}: ") and why in message
    assert "\n" not in message


def test_a_cell_over_the_csv_field_limit_is_one_clear_line_naming_the_row(tmp_path):
    huge = [*ROW[:4], "x" * 200_000, *ROW[5:]]
    table = open_table(write_csv(tmp_path / "huge.csv", [HEADER, ROW, huge]))
    rows = table.rows
    assert next(rows).number == 2
    with pytest.raises(UnreadableFile) as raised:
        next(rows)
    assert str(raised.value) == (
        "kan ikke lese huge.csv: rad 3 har en celle på over 128 kB; ingen gyldig celle er så stor"
    )


def test_row_numbers_count_blank_rows_as_a_spreadsheet_does(tmp_path):
    table = open_table(write_csv(tmp_path / "gaps.csv", [HEADER, ROW, [""], ROW, ["," * 6]]))
    assert [row.number for row in table.rows] == [2, 4]


def test_a_file_name_with_eleven_digits_is_masked_in_the_message(tmp_path):
    path = tmp_path / "01018012345.csv"
    path.write_bytes(b"")
    with pytest.raises(UnreadableFile) as raised:
        open_table(path)
    assert "01018012345" not in str(raised.value) and "***********.csv" in str(raised.value)


@pytest.mark.parametrize(
    "text",
    ["=1+2", '=HYPERLINK("http://x","klikk")', "+4712345678", "-5", "@SUM(A1)", "\tx", "\rx",
     "'=x", "''+x", "'abc", "'", "", "Miljøtjenesten", "a=b"],
)  # fmt: skip
def test_spreadsheet_text_is_never_a_formula_and_the_import_restores_it(text):
    written = spreadsheet_text(text)
    assert written[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert restore_text(written) == text


def test_a_row_is_made_safe_cell_by_cell_by_the_one_rule():
    cells = ["R-1", "=cmd|' /C calc'!A0", "0", "-1", "ok"]
    assert spreadsheet_row(cells) == [spreadsheet_text(c) for c in cells]
    assert spreadsheet_row(["a", "b"]) == ["a", "b"]


def test_an_imported_cell_loses_the_quote_the_export_gave_it(tmp_path):
    row = [*ROW[:4], '\'=HYPERLINK("http://x","klikk")', *ROW[5:]]
    table = open_table(write_csv(tmp_path / "back.csv", [HEADER, row], ";"))
    assert next(table.rows).cells["enhet"] == '=HYPERLINK("http://x","klikk")'


def test_a_cell_is_shown_masked_and_cut_short():
    assert shown("gronnn") == "gronnn"
    assert shown("x" * 100) == "x" * 40 + "…"
    assert shown("nr 010180 12345 her") == "nr *********** her"
    # a longer run is no fødselsnummer, but cut to eleven digits it would look like one
    assert shown("a" * 29 + "0" * 15) == "a" * 29 + "***********…"


# --- RowChecker, with a synthetic row and a register of its municipality ----------------


@pytest.fixture(scope="module")
def synthetic() -> tuple[list[str], dict[str, str]]:
    from brukerplan.registrations import synth

    row = next(synth.generate(1, 2025, 11))
    return list(row), row


def checker(header, row, **kwargs) -> RowChecker:
    return RowChecker(header, lambda year: {row["kommunenummer"]}, b"key", **kwargs)


def test_the_synthetic_row_is_valid(synthetic):
    header, row = synthetic
    assert not isinstance(checker(header, row).check(2, row, len(header)), list)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("registrering_id", "270280 12345"),
        ("enhet", "Tjeneste 27028012345"),
        ("enhetstype", "270280-12345"),
        ("kartlagt_dato", "27028012345"),
        ("okonomi", "27028012345"),
    ],
)
def test_it_rejects_an_eleven_digit_value_outside_fodselsnummer(synthetic, column, value):
    header, row = synthetic
    errors = checker(header, row).check(3, {**row, column: value}, len(header))
    assert [str(e) for e in errors] == [
        f"rad 3, kolonne {column}: ser ut som et fødselsnummer; "
        "fødselsnummer hører bare hjemme i kolonnen fodselsnummer"
    ]


def test_a_person_key_may_hold_a_run_of_eleven_digits(synthetic):
    header, row = synthetic
    header = [c if c != "fodselsnummer" else "person_key" for c in header]
    header += ["fodselsaar", "kjonn"]
    row = {c: row.get(c, "") for c in header}
    row.update(person_key="12345678901" + "a" * 53, fodselsaar="1980", kjonn="mann")
    checked = checker(header, row).check(2, row, len(header))
    assert not any(
        "fødselsnummer" in str(e) for e in (checked if isinstance(checked, list) else [])
    )


def test_a_row_with_fewer_or_more_cells_than_the_header_is_an_error(synthetic):
    header, row = synthetic
    n = len(header)
    assert [str(e) for e in checker(header, row).check(5, row, n - 1)] == [
        f"rad 5: raden har {n - 1} celler, overskriften {n}"
    ]
    assert [str(e) for e in checker(header, row).check(6, row, n + 1)] == [
        f"rad 6: raden har {n + 1} celler, overskriften {n}"
    ]


def test_a_long_cell_is_an_error_that_does_not_print_it(synthetic):
    header, row = synthetic
    errors = checker(header, row).check(2, {**row, "okonomi": "y" * 100_000}, len(header))
    assert [str(e) for e in errors] == [
        "rad 2, kolonne okonomi: cellen har 100000 tegn; ingen gyldig verdi har over 200"
    ]


def test_a_quoted_bad_value_is_cut_short(synthetic):
    header, row = synthetic
    for column in ("enhetstype", "okonomi"):
        errors = checker(header, row).check(2, {**row, column: "feil" * 20}, len(header))
        (line,) = [str(e) for e in errors]
        assert line.startswith(f"rad 2, kolonne {column}: '{'feil' * 10}…' er ikke en av ")


def test_a_header_cell_is_masked_and_cut_in_a_message():
    error = RowError(1, "12345678901", "ukjent kolonne for instrumentet 2026")
    assert str(error) == "rad 1, kolonne ***********: ukjent kolonne for instrumentet 2026"
    assert str(RowError(1, "k" * 1000, "kolonnen står to ganger")) == (
        f"rad 1, kolonne {'k' * 40}…: kolonnen står to ganger"
    )


def test_a_future_date_and_a_unit_name_with_a_line_break_are_warnings(synthetic):
    header, row = synthetic
    warnings = []
    today = datetime.date.fromisoformat(row["kartlagt_dato"]) - datetime.timedelta(days=1)
    check = checker(header, row, today=today, on_warning=warnings.append)
    checked = check.check(2, {**row, "enhet": "Rus\nteam"}, len(header))
    assert not isinstance(checked, list)
    assert [str(w) for w in warnings] == [
        f"rad 2, kolonne kartlagt_dato: '{row['kartlagt_dato']}' er fram i tid",
        "rad 2, kolonne enhet: navnet har et linjeskift",
    ]
