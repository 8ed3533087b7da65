"""No fødselsnummer reaches the database, a log line, an error report or an export."""

import csv
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from brukerplan.privacy import MaskFodselsnummerFilter, mask

ROOT = Path(__file__).resolve().parents[1]


def numbers_in(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [row["fodselsnummer"] for row in csv.DictReader(f)]


def brukerplan(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "brukerplan.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_after_an_import_no_fodselsnummer_is_in_the_database_file_or_the_logs(sample_csv, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "BRUKERPLAN_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "DEBUG",  # log SQL too, where a number would show up first
        "DEBUG": "1",
    }
    # One bad row first: the rejected file's errors are logged and printed too.
    rows = list(csv.reader(sample_csv.open(encoding="utf-8")))
    column = rows[0].index("fodselsnummer")
    rows[3][column] = rows[3][column][:10] + str((int(rows[3][column][10]) + 1) % 10)
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)

    runs = [
        brukerplan("setup", env=env),
        brukerplan("import", str(bad), env=env),
        brukerplan("import", str(sample_csv), env=env),
        brukerplan("export", "--municipality", "0301", "--year", "2025",
                   "--out", str(tmp_path / "oslo.csv"), env=env),
    ]  # fmt: skip
    assert [r.returncode for r in runs] == [0, 1, 0, 0], [r.stderr[-2000:] for r in runs]

    numbers = numbers_in(sample_csv) + [rows[3][column]]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("db.sqlite3*"))
    stored += (tmp_path / "oslo.csv").read_bytes()
    printed = "".join(r.stdout + r.stderr for r in runs)
    assert "kontrollsiffer" in printed
    for number in numbers:
        assert number.encode() not in stored
        assert number not in printed


def test_the_log_filter_masks_eleven_digit_numbers():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "got %s and %s", None, None)
    record.args = ("12345678901", "kommune 4601")
    MaskFodselsnummerFilter().filter(record)
    assert record.getMessage() == "got *********** and kommune 4601"


def test_the_log_filter_masks_a_number_inside_a_traceback():
    try:
        raise ValueError("bad 123456 78901")
    except ValueError:
        import sys as _sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "oops", (), _sys.exc_info())
    MaskFodselsnummerFilter().filter(record)
    assert "78901" not in record.exc_text and record.exc_info is None


def test_masking_leaves_other_numbers_alone():
    assert mask("4601 2025 123456789012 12345678901") == "4601 2025 123456789012 ***********"


def test_error_reports_mask_a_number_held_in_a_local_variable(settings):
    settings.DEBUG = False
    request = RequestFactory().post("/", {"fodselsnummer": "12345678901"})

    def view():
        fodselsnummer = "12345678901"  # noqa: F841 - a local in the failing frame
        raise RuntimeError("boom")

    try:
        view()
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        text = reporter.get_traceback_text()
    assert "12345678901" not in text


def test_the_privacy_filter_masks_with_the_pure_module_the_import_uses_too():
    from brukerplan import masking, privacy

    assert privacy.mask is masking.mask and privacy.ELEVEN_DIGITS is masking.ELEVEN_DIGITS


def test_the_masking_and_the_import_checks_import_nothing_from_django():
    code = (
        "import sys; import brukerplan.masking, brukerplan.registrations.exchange, "
        "brukerplan.registrations.importing; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env).returncode == 0
