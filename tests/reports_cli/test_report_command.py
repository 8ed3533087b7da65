"""`brukerplan report`: the document from the database, for every kind of scope."""

import io
import json
import re
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def report(*args: str) -> dict:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("scope", "name", "registrations"),
    [
        ("national", "Hele landet", 311),
        ("county:46", "Vestland", 66),
        ("municipality:0301", "Oslo", 52),
        ("region:helse_vest", "Helse Vest", None),
    ],
)
def test_it_reports_every_kind_of_scope(imported, scope, name, registrations):
    document = report("--scope", scope, "--year", "2025")
    assert document["scope"]["name"] == name
    assert document["year"] == 2025 and document["instrument_version"] == "2026.1"
    if registrations is not None:
        assert document["registrations"] == registrations
    assert set(document["tables"]) >= {
        "kategorier", "rus_psyk_matrise", "levekarsindeks", "levekarsindeks_grupper",
        "levekarsomrader", "nokkeltall",
    }  # fmt: skip


def test_the_national_report_counts_persons_once(imported):
    document = report("--scope", "national", "--year", "2025")
    # 311 registrations, 7 persons mapped twice, 4 persons under 18
    assert document["persons"] == 311 - 7 - 4
    kategorier = {r["key"]: r["values"] for r in document["tables"]["kategorier"]["rows"]}
    assert kategorier["alle"]["antall"] == document["persons"]
    assert kategorier["alle"]["andel"] == 100


def test_drafts_are_not_in_reports(imported):
    from brukerplan.registrations.models import Registration

    Registration.objects.filter(kommunenummer="0301").update(status="draft")
    document = report("--scope", "national", "--year", "2025")
    assert document["registrations"] == 311 - 52


def test_a_municipality_with_fewer_than_five_persons_gets_no_report(imported):
    with pytest.raises(CommandError, match="færre enn 5 kartlagte personer"):
        report("--scope", "municipality:4618", "--year", "2025")


@pytest.mark.parametrize(
    "scope", ["national", "county:46", "region:helse_vest", "municipality:0301"]
)
def test_the_json_document_carries_the_threshold_of_the_setting(
    imported, settings, scope, tmp_path
):
    document = report("--scope", scope, "--year", "2025")
    keys = list(document)
    assert keys[: keys.index("persons")] == ["scope", "year", "instrument_version", "threshold"]
    assert document["threshold"] == 5
    settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD = 10
    out = tmp_path / "rapport.json"
    call_command(
        "report", "--scope", scope, "--year", "2025", "--out", str(out), stderr=io.StringIO()
    )
    document = json.loads(out.read_text())
    assert document["threshold"] == 10
    counts = [r["values"]["antall"] for r in document["tables"]["kategorier"]["rows"]]
    assert all(n is None or n == 0 or n >= 10 for n in counts)


def test_the_commands_messages_state_the_threshold_of_the_setting(imported, settings, tmp_path):
    settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD = 10
    with pytest.raises(CommandError, match="færre enn 10 kartlagte personer"):
        report("--scope", "municipality:4618", "--year", "2025")
    err = io.StringIO()
    call_command(
        "report", "--scope", "county:46", "--year", "2025", "--all-municipalities",
        "--out", str(tmp_path), stderr=err,
    )  # fmt: skip
    assert "Ingen rapport for" in err.getvalue() and "færre enn 10 kartlagte" in err.getvalue()
    assert "færre enn 5" not in err.getvalue()
    for path in tmp_path.glob("*.json"):
        assert json.loads(path.read_text())["threshold"] == 10


def test_an_unknown_scope_is_refused_with_the_forms_that_work(imported):
    with pytest.raises(CommandError, match="county:NN"):
        report("--scope", "fylke:46", "--year", "2025")
    with pytest.raises(CommandError, match="99 er ikke et fylkesnummer i 2025"):
        report("--scope", "county:99", "--year", "2025")


def test_it_writes_one_report_per_municipality_to_a_folder(imported, tmp_path):
    err = io.StringIO()
    call_command(
        "report", "--scope", "county:46", "--year", "2025", "--all-municipalities",
        "--out", str(tmp_path), stderr=err,
    )  # fmt: skip
    written = sorted(p.name for p in tmp_path.iterdir())
    assert "brukerplan-2025-4601.json" in written
    assert "brukerplan-2025-4618.json" not in written
    assert "Ingen rapport for" in err.getvalue() and "Ullensvang" in err.getvalue()


def test_it_renders_the_municipal_files_in_a_pool_of_processes(imported, tmp_path):
    err = io.StringIO()
    call_command(
        "report", "--scope", "county:46", "--year", "2025", "--all-municipalities",
        "--format", "xlsx", "--workers", "2", "--out", str(tmp_path), stderr=err,
    )  # fmt: skip
    written = sorted(p.name for p in tmp_path.iterdir())
    assert "brukerplan-2025-4601.xlsx" in written
    assert all(p.read_bytes()[:2] == b"PK" for p in tmp_path.iterdir())
    assert "Ullensvang" in err.getvalue()  # too few persons: no file, and said so


def test_it_writes_one_deck_per_main_group(imported, tmp_path):
    from pptx import Presentation

    for group in ("rus", "psykisk"):
        out = tmp_path / f"{group}.pptx"
        call_command(
            "report", "--scope", "municipality:0301", "--year", "2025", "--format", "pptx",
            "--main-group", group, "--out", str(out), stderr=io.StringIO(),
        )  # fmt: skip
        title = Presentation(str(out)).slides[0].placeholders[1].text
        expected = "rusproblemer" if group == "rus" else "kun psykiske problemer"
        assert expected in title


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_a_pdf_report_starts_the_chart_helper_and_has_its_charts(imported, tmp_path):
    from brukerplan.reports.render import chart_process

    chart_process.stop()
    out = tmp_path / "oslo.pdf"
    call_command(
        "report", "--scope", "municipality:0301", "--year", "2025", "--format", "pdf",
        "--out", str(out), stderr=io.StringIO(),
    )  # fmt: skip
    assert chart_process._helper is not None and chart_process._helper.alive()
    chart_process.stop()
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"0 +20 +40 +60 +80 +100", text)  # an axis: drawn only in the charts


def test_a_report_runs_no_system_checks(imported, monkeypatch):
    # They import every view, Altair among them: a third of a second before a report starts.
    from django.core.management import execute_from_command_line
    from django.core.management.base import BaseCommand

    monkeypatch.setattr(BaseCommand, "check", lambda *a, **k: pytest.fail("system checks ran"))
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    execute_from_command_line(["brukerplan", "report", "--scope", "county:46", "--year", "2025"])
    assert json.loads(out.getvalue())["scope"]["name"] == "Vestland"
