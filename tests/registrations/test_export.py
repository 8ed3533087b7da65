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


# --- Text a spreadsheet would take for a formula ----------------------------------------

FORMULA = '=HYPERLINK("http://x","klikk")'


@pytest.fixture(scope="module")
def synthetic_rows() -> list[dict[str, str]]:
    from brukerplan.registrations import synth

    return list(synth.generate(12, 2025, 9))


@pytest.fixture
def formula_unit(synthetic_rows, tmp_path) -> str:
    """Imports synthetic rows, the first with a unit named like a formula; its municipality."""
    from brukerplan.registrations import synth

    rows = [dict(row) for row in synthetic_rows]
    rows[0]["enhet"] = FORMULA
    path = tmp_path / "formula.csv"
    synth.write_csv(rows, path)
    call_command("import", str(path), stdout=io.StringIO())
    return rows[0]["kommunenummer"]


def export(code: str, out) -> None:
    call_command(
        "export", "--municipality", code, "--year", "2025", "--out", str(out),
        stdout=io.StringIO(),
    )  # fmt: skip


def test_a_csv_export_writes_a_unit_named_like_a_formula_as_text(formula_unit, tmp_path):
    out = tmp_path / "x.csv"
    export(formula_unit, out)
    with out.open(encoding="utf-8", newline="") as f:
        names = {row["enhet"] for row in csv.DictReader(f)}
    assert "'" + FORMULA in names and FORMULA not in names
    assert "'=HYPERLINK(" in out.read_text(encoding="utf-8")


def test_an_export_imports_back_with_the_unit_name_it_had(formula_unit, tmp_path):
    out = tmp_path / "back.csv"
    export(formula_unit, out)
    with out.open(encoding="utf-8", newline="") as f:
        exported = list(csv.reader(f))
    # The export carries no person key; give it one, and ids of its own, to import it again.
    exported[0].append("person_key")
    for n, row in enumerate(exported[1:]):
        row[0] = f"BACK-{n}"
        row.append("ab" * 32)
    back = tmp_path / "again.csv"
    with back.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(exported)
    call_command("import", str(back), stdout=io.StringIO())
    assert Registration.objects.get(registrering_id="BACK-0").unit.name == FORMULA


def test_the_xlsx_export_writes_a_unit_named_like_a_formula_as_a_string(formula_unit, tmp_path):
    import html
    import zipfile

    out = tmp_path / "x.xlsx"
    export(formula_unit, out)
    with zipfile.ZipFile(out) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
        strings = (
            book.read("xl/sharedStrings.xml").decode("utf-8")
            if "xl/sharedStrings.xml" in book.namelist()
            else ""
        )
    assert "<f>" not in sheet and "<f " not in sheet
    assert f"<t>{html.escape(FORMULA, quote=False)}</t>" in sheet + strings


def test_synthetic_csv_writes_a_cell_like_a_formula_as_text(synthetic_rows, tmp_path):
    from brukerplan.registrations import synth

    rows = [dict(row) for row in synthetic_rows[:2]]
    rows[1]["enhet"] = "@SUM(A1)"
    path = tmp_path / "synth.csv"
    assert synth.write_csv(rows, path) == 2
    with path.open(encoding="utf-8", newline="") as f:
        assert [row["enhet"] for row in csv.DictReader(f)][1] == "'@SUM(A1)"
