"""`brukerplan import`: every row checked first, all or nothing, idempotent."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from brukerplan.instrument import definition
from brukerplan.organisations.models import Unit
from brukerplan.registrations.actions import import_registrations
from brukerplan.registrations.exchange import open_table
from brukerplan.registrations.models import Registration

pytestmark = pytest.mark.django_db


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def run_import(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_the_sample_file(sample_csv):
    out, _ = run_import(sample_csv)
    assert "Importerte 311 kartlegginger" in out
    assert Registration.objects.count() == 311
    registration = Registration.objects.get(registrering_id="S7-000000")
    assert registration.status == Registration.Status.SUBMITTED
    assert registration.kommunenummer == "1870" and registration.fylkesnummer == "18"
    assert registration.alder == registration.aar - registration.fodselsaar
    assert registration.kategori and registration.indeksgruppe
    assert 138 <= registration.levekarsindeks <= 552
    assert "fodselsnummer" not in registration.answers


def test_importing_the_same_file_twice_creates_nothing_new(sample_csv):
    run_import(sample_csv)
    units = Unit.objects.count()
    out, _ = run_import(sample_csv)
    assert "Importerte 0 kartlegginger" in out and "311 fantes fra før" in out
    assert Registration.objects.count() == 311
    assert Unit.objects.count() == units


def test_the_same_person_in_two_units_gets_the_same_person_key(sample_csv):
    run_import(sample_csv)
    first = Registration.objects.get(registrering_id="S7-000005")
    second = Registration.objects.get(registrering_id="S7-000022")
    assert first.person_key == second.person_key
    assert first.unit != second.unit


def test_a_file_with_one_bad_cell_is_rejected_whole_and_names_the_bad_value(sample_csv, tmp_path):
    rows = read(sample_csv)
    rows[17][rows[0].index("okonomi")] = "gronnn"
    bad = write(tmp_path / "bad.csv", rows)
    with pytest.raises(CommandError, match="avvist: 1 feil i 311 rader"):
        _, err = run_import(bad)
    assert Registration.objects.count() == 0
    assert Unit.objects.count() == 0


def test_every_error_is_listed_by_row_and_column(sample_csv, tmp_path, capsys):
    rows = read(sample_csv)
    header = rows[0]
    rows[17][header.index("okonomi")] = "gronnn"
    rows[30][header.index("kommunenummer")] = "0302"
    rows[40][header.index("barn_omsorg")] = "tre"
    rows[50][header.index("kartlagt_dato")] = "2024-05-01"
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", str(write(tmp_path / "bad.csv", rows)), stderr=err)
    lines = err.getvalue().splitlines()
    assert "rad 18, kolonne okonomi: 'gronnn' er ikke en av gronn, gul, rod" in lines
    assert "rad 31, kolonne kommunenummer: '0302' er ikke et kommunenummer i 2025" in lines
    assert "rad 41, kolonne barn_omsorg: 'tre' er ikke et heltall" in lines
    assert "rad 51, kolonne kartlagt_dato: '2024-05-01' er ikke i kartleggingsåret 2025" in lines


def test_an_invalid_fodselsnummer_is_an_error_that_never_repeats_the_number(sample_csv, tmp_path):
    rows = read(sample_csv)
    column = rows[0].index("fodselsnummer")
    number = rows[5][column]
    rows[5][column] = number[:10] + str((int(number[10]) + 1) % 10)
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import", str(write(tmp_path / "bad.csv", rows)), stderr=err)
    assert "rad 6, kolonne fodselsnummer: fødselsnummeret har feil kontrollsiffer" in err.getvalue()
    assert rows[5][column] not in err.getvalue() + str(raised.value)
    assert number not in err.getvalue() + str(raised.value)


def test_a_missing_or_unknown_column_is_an_error(sample_csv, tmp_path):
    rows = read(sample_csv)
    header = rows[0]
    drop = header.index("nettverk")
    rows = [row[:drop] + row[drop + 1 :] for row in rows]
    rows[0].append("favorittfarge")
    for row in rows[1:]:
        row.append("")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", str(write(tmp_path / "bad.csv", rows)), stderr=err)
    assert "rad 1, kolonne nettverk: kolonnen mangler" in err.getvalue()
    assert "rad 1, kolonne favorittfarge: ukjent kolonne" in err.getvalue()


def test_a_person_key_with_birth_year_and_sex_can_stand_instead_of_a_fodselsnummer(
    sample_csv, tmp_path
):
    rows = read(sample_csv)
    header = rows[0]
    column = header.index("fodselsnummer")
    gravid = header.index("gravid")
    for row in rows[1:]:
        kjonn = "mann" if row[gravid] == "" else "kvinne"  # gravid is asked of women only
        row[column : column + 1] = ["ab" * 32, "1970", kjonn]
    header[column : column + 1] = ["person_key", "fodselsaar", "kjonn"]
    run_import(write(tmp_path / "keys.csv", rows))
    registration = Registration.objects.get(registrering_id="S7-000000")
    assert (registration.person_key, registration.fodselsaar) == ("ab" * 32, 1970)


def test_an_xlsx_file_imports_like_the_csv(sample_csv, tmp_path):
    import xlsxwriter

    rows = read(sample_csv)
    path = tmp_path / "sample.xlsx"
    with xlsxwriter.Workbook(str(path)) as workbook:
        sheet = workbook.add_worksheet()
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                # numbers as Excel numbers, as a person typing them would get
                if r and value.isdigit() and rows[0][c] != "enhet":
                    sheet.write_number(r, c, int(value))
                else:
                    sheet.write_string(r, c, value)
    out, _ = run_import(path)
    assert "Importerte 311 kartlegginger" in out
    assert Registration.objects.get(registrering_id="S7-000001").kommunenummer == "0301"


def test_a_municipality_code_must_be_valid_in_the_rows_year(sample_csv, tmp_path):
    rows = read(sample_csv)
    header = rows[0]
    rows = [header, rows[1]]
    rows[1][header.index("kommunenummer")] = "1507"  # Ålesund until 2023, then 1508
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", str(write(tmp_path / "old.csv", rows)), stderr=err)
    assert "'1507' er ikke et kommunenummer i 2025" in err.getvalue()


def test_an_unknown_unit_type_is_an_error_that_names_the_instruments_unit_types(
    sample_csv, tmp_path
):
    rows = read(sample_csv)
    rows[3][rows[0].index("enhetstype")] = "sykehus"
    err = io.StringIO()
    with pytest.raises(CommandError, match="avvist: 1 feil"):
        call_command("import", str(write(tmp_path / "bad.csv", rows)), stderr=err)
    message = "rad 4, kolonne enhetstype: 'sykehus' er ikke en av "
    assert message + "helse_omsorg, nav, barnevern, fastlege, annen" in err.getvalue()
    assert list(definition.for_year(2025).unit_types) == list(Unit.Type.values)


def test_the_age_limit_of_an_import_is_the_instruments(sample_csv, tmp_path, monkeypatch):
    instrument = definition.for_year(2025)
    monkeypatch.setattr(instrument, "maximum_age", 30)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", str(sample_csv), stderr=err)
    assert f"er utenfor {instrument.minimum_age}–30\n" in err.getvalue()
    assert Registration.objects.count() == 0


def test_the_unit_model_offers_the_instruments_unit_types_and_no_others():
    assert Unit.Type.choices == list(definition.current().unit_types.items())
    assert Unit.Type.HELSE_OMSORG == "helse_omsorg" and Unit.Type.NAV.label == "NAV"


def test_an_import_records_who_made_the_registrations(sample_csv, django_user_model):
    user = django_user_model.objects.create_user("importer", password="x" * 20)
    result = import_registrations(open_table(sample_csv), by=user)
    assert result.created == 311
    assert set(Registration.objects.values_list("created_by", flat=True)) == {user.pk}


def test_an_import_from_the_command_line_records_no_creator(sample_csv):
    run_import(sample_csv)
    assert set(Registration.objects.values_list("created_by", flat=True)) == {None}


def test_an_import_without_the_acting_user_is_refused(sample_csv):
    with pytest.raises(TypeError, match="by"):
        import_registrations(open_table(sample_csv))
    assert Registration.objects.count() == 0
