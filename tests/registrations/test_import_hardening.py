"""`brukerplan import` of bad input: numbers where they do not belong, long cells, files in
another form or no form at all. One clear line, exit code 1, nothing written."""

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from brukerplan.organisations.models import Unit
from brukerplan.registrations import synth
from brukerplan.registrations.actions import KEPT_MESSAGES, import_registrations
from brukerplan.registrations.exchange import open_table
from brukerplan.registrations.models import Registration

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
FNR_LINE = "ser ut som et fødselsnummer; fødselsnummer hører bare hjemme i kolonnen fodselsnummer"


@pytest.fixture(scope="module")
def synthetic() -> list[list[str]]:
    """A header and about 30 valid rows of 2025 (dates in the past, ids of their own)."""
    rows = list(synth.generate(28, 2025, 5))
    return [list(rows[0]), *([row[c] for c in rows[0]] for row in rows)]


@pytest.fixture
def rows(synthetic) -> list[list[str]]:
    return [list(row) for row in synthetic]


def write(path: Path, rows: list[list[str]], delimiter=",", encoding="utf-8") -> Path:
    import csv

    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return path


def run_import(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rejected(path: Path) -> tuple[str, str]:
    """stderr and the command's error, for a file that must be refused without a write."""
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import", str(path), stdout=io.StringIO(), stderr=err)
    assert Registration.objects.count() == 0 and Unit.objects.count() == 0
    return err.getvalue(), str(raised.value)


def column(rows, name: str) -> int:
    return rows[0].index(name)


def a_number(rows) -> str:
    return rows[1][column(rows, "fodselsnummer")]


@pytest.mark.parametrize("name", ["registrering_id", "enhet", "okonomi"])
def test_it_rejects_an_eleven_digit_value_outside_fodselsnummer(rows, tmp_path, name):
    number = a_number(rows)
    rows[2][column(rows, name)] = number
    err, error = rejected(write(tmp_path / "fnr.csv", rows))
    assert f"rad 3, kolonne {name}: {FNR_LINE}" in err.splitlines()
    assert number not in err + error
    assert "avvist: 1 feil" in error


def test_a_row_missing_a_cell_is_an_error_and_never_shows_the_number_it_shifted(rows, tmp_path):
    number = a_number(rows)
    del rows[3][column(rows, "enhetstype")]  # the number moves into enhetstype's place
    err, error = rejected(write(tmp_path / "short.csv", rows))
    width = len(rows[0])
    assert f"rad 4: raden har {width - 1} celler, overskriften {width}" in err.splitlines()
    assert number not in err + error


def test_a_row_with_a_cell_too_many_is_an_error(rows, tmp_path):
    rows[5].append("ekstra")
    err, _ = rejected(write(tmp_path / "long.csv", rows))
    width = len(rows[0])
    assert f"rad 6: raden har {width + 1} celler, overskriften {width}" in err.splitlines()


def test_no_message_repeats_a_cell_of_eleven_digits_whatever_its_column(rows, tmp_path):
    rows[0].append("01018012345")  # a header cell
    for row in rows[1:]:
        row.append("")
    rows[4][column(rows, "enhetstype")] = "helse 010180 12345"
    err, error = rejected(write(tmp_path / "numbers.csv", rows))
    assert "rad 1, kolonne ***********: ukjent kolonne for instrumentet" in err
    assert "01018012345" not in err + error and "010180 12345" not in err + error


def test_a_100_kb_cell_is_not_printed_whole(rows, tmp_path):
    rows[2][column(rows, "okonomi")] = "gronn" * 20_000
    rows[3][column(rows, "okonomi")] = "gul" * 30
    err, _ = rejected(write(tmp_path / "big.csv", rows))
    assert "rad 3, kolonne okonomi: cellen har 100000 tegn" in err
    assert f"rad 4, kolonne okonomi: '{('gul' * 14)[:40]}…' er ikke en av" in err
    assert len(err) < 2000


def test_a_semicolon_separated_windows_1252_file_imports_like_comma_utf8(rows, tmp_path):
    rows[1][column(rows, "enhet")] = "Miljøtjenesten på Ås"
    out, _ = run_import(write(tmp_path / "excel.csv", rows, ";", "cp1252"))
    assert "Leste semikolonseparert CSV i Windows-1252." in out.splitlines()
    assert f"Importerte {len(rows) - 1} kartlegginger" in out
    assert Registration.objects.get(registrering_id=rows[1][0]).unit.name == "Miljøtjenesten på Ås"


def test_the_command_says_it_read_comma_separated_utf8(rows, tmp_path):
    out, _ = run_import(write(tmp_path / "plain.csv", rows))
    assert "Leste kommaseparert CSV i UTF-8." in out.splitlines()


def test_importing_a_file_twice_creates_nothing_new(rows, tmp_path):
    path = write(tmp_path / "twice.csv", rows)
    run_import(path)
    units = Unit.objects.count()
    out, _ = run_import(path)
    assert f"Importerte 0 kartlegginger fra twice.csv ({len(rows) - 1} fantes fra før, 0 nye" in out
    assert Registration.objects.count() == len(rows) - 1 and Unit.objects.count() == units


def test_a_file_is_written_only_when_every_row_is_right_even_the_last(rows, tmp_path):
    rows[-1][column(rows, "kommunenummer")] = "0302"
    err, _ = rejected(write(tmp_path / "last.csv", rows))
    assert f"rad {len(rows)}, kolonne kommunenummer: '0302' er ikke et kommunenummer" in err


def test_an_unreadable_cell_far_down_the_file_writes_nothing(rows, tmp_path):
    rows[-1][column(rows, "enhet")] = "x" * 200_000
    _, error = rejected(write(tmp_path / "huge.csv", rows))
    assert error == (
        f"kan ikke lese huge.csv: rad {len(rows)} har en celle på over 128 kB; "
        "ingen gyldig celle er så stor. Ingenting er importert."
    )


def test_errors_past_the_first_thousand_are_counted_not_kept(rows, tmp_path):
    bad = [*rows[1][:1], "20x5", *rows[1][2:]]
    many = [rows[0]] + [[f"ID-{n}", *bad[1:]] for n in range(KEPT_MESSAGES + 250)]
    result = import_registrations(open_table(write(tmp_path / "many.csv", many)), by=None)
    assert result.error_count == KEPT_MESSAGES + 250 and len(result.errors) == KEPT_MESSAGES
    err, error = rejected(tmp_path / "many.csv")
    assert err.splitlines()[-1] == "… og 250 feil til."
    assert f"avvist: {KEPT_MESSAGES + 250} feil i {KEPT_MESSAGES + 250} rader" in error


def test_a_future_date_and_a_unit_name_with_a_line_break_are_warned_about_and_imported(
    rows, tmp_path, monkeypatch
):
    dato = column(rows, "kartlagt_dato")
    rows[2][dato] = "2025-12-30"
    rows[3][column(rows, "enhet")] = "Rus\nteam"
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: datetime.date(2025, 12, 1))
    late = sum(1 for row in rows[1:] if row[dato] > "2025-12-01")
    out, err = run_import(write(tmp_path / "warned.csv", rows))
    assert f"Importerte {len(rows) - 1} kartlegginger" in out
    lines = err.splitlines()
    assert "advarsel: rad 3, kolonne kartlagt_dato: '2025-12-30' er fram i tid" in lines
    assert "advarsel: rad 4, kolonne enhet: navnet har et linjeskift" in lines
    assert len(lines) == late + 1
    assert Unit.objects.filter(name="Rus\nteam").exists()


def zip_bytes() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    return buffer.getvalue()


UNREADABLE = {
    "empty.csv": (b"", "filen er tom"),
    "picture.csv": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "filen er et PNG-bilde"),
    "archive.csv": (zip_bytes(), "filen er en zip-fil"),
    "workbook.xlsx": (b"registrering_id,aar\n", "filen er ingen Excel-arbeidsbok (.xlsx)"),
    "document.xlsx": (zip_bytes(), "filen er en zip-fil, men ingen Excel-arbeidsbok"),
}


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_a_file_that_cannot_be_read_gets_one_clear_line(tmp_path, name):
    content, why = UNREADABLE[name]
    (tmp_path / name).write_bytes(content)
    err, error = rejected(tmp_path / name)
    assert error.startswith(f"kan ikke lese {name}: {why}")
    assert error.endswith("Ingenting er importert.") and "\n" not in error
    assert err == ""


def test_a_bad_byte_past_the_first_8_kb_gets_one_clear_line(rows, tmp_path):
    rows[1][column(rows, "enhet")] = "Miljøtjenesten"
    path = write(tmp_path / "broken.csv", rows)
    data = path.read_bytes()
    assert len(data) > 8192
    last = data.rindex(b"\r\n", 0, len(data) - 2)
    path.write_bytes(data[:last] + b"\r\nBad\xff" + data[last + 5 :])
    _, error = rejected(path)
    assert error.startswith(f"kan ikke lese broken.csv: linje {len(rows)} er ikke gyldig UTF-8")


@pytest.fixture(scope="module")
def command_line(tmp_path_factory):
    """The real command line, with a database of its own."""
    tmp = tmp_path_factory.mktemp("cli")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "BRUKERPLAN_VAR_DIR": str(tmp / "var"),
        "BRUKERPLAN_PSEUDONYM_KEY": "test-cli-key",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    brukerplan = str(Path(sys.executable).with_name("brukerplan"))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [brukerplan, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    assert run("setup").returncode == 0
    return run


@pytest.mark.parametrize("name", ["empty.csv", "picture.csv", "workbook.xlsx", "huge.csv"])
def test_the_command_line_refuses_an_unreadable_file_without_a_traceback(
    command_line, rows, tmp_path, name
):
    path = tmp_path / name
    if name == "huge.csv":
        rows[-1][column(rows, "enhet")] = "x" * 200_000
        write(path, rows)
        why = f"rad {len(rows)} har en celle på over 128 kB"
    else:
        content, why = UNREADABLE[name]
        path.write_bytes(content)
    done = command_line("import", str(path))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"kan ikke lese {name}: {why}" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
