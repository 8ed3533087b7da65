"""`brukerplan export`: a municipality's rows, without fødselsnummer and person_key."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from brukerplan.registrations.models import Registration

pytestmark = pytest.mark.django_db


def test_the_export_has_birth_year_and_sex_but_no_fodselsnummer_or_person_key(sample_csv, tmp_path):
    call_command("import", str(sample_csv), stdout=io.StringIO())
    out = tmp_path / "bergen.csv"
    call_command(
        "export", "--municipality", "4601", "--year", "2025", "--out", str(out),
        stdout=io.StringIO(),
    )  # fmt: skip
    with out.open(encoding="utf-8") as f:
        exported = list(csv.DictReader(f))
    assert len(exported) == Registration.objects.filter(kommunenummer="4601").count() == 42
    assert "fodselsnummer" not in exported[0] and "person_key" not in exported[0]
    assert {"fodselsaar", "kjonn"} <= exported[0].keys()
    text = out.read_text(encoding="utf-8")
    for key in Registration.objects.values_list("person_key", flat=True):
        assert key not in text


def test_exported_answers_equal_the_imported_cells(sample_csv, tmp_path):
    call_command("import", str(sample_csv), stdout=io.StringIO())
    out = tmp_path / "oslo.xlsx"
    call_command(
        "export", "--municipality", "0301", "--year", "2025", "--out", str(out),
        stdout=io.StringIO(),
    )  # fmt: skip
    import fastexcel

    sheet = fastexcel.read_excel(str(out)).load_sheet(0, dtypes="string").to_polars()
    exported = {row["registrering_id"]: row for row in sheet.to_dicts()}
    with sample_csv.open(encoding="utf-8") as f:
        original = [r for r in csv.DictReader(f) if r["kommunenummer"] == "0301"]
    assert len(exported) == len(original) == 52
    for row in original:
        mine = exported[row["registrering_id"]]
        for column in mine:
            if column in row:
                assert (mine[column] or "") == row[column], column


def test_an_unknown_municipality_is_refused(tmp_path):
    with pytest.raises(CommandError, match="9999 er ikke et kommunenummer i 2025"):
        call_command(
            "export", "--municipality", "9999", "--year", "2025",
            "--out", str(tmp_path / "x.csv"),
        )  # fmt: skip
