"""The register over time: KLASS exports bring it forward, and a later year follows it."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from brukerplan.organisations import klass, reference, register
from brukerplan.organisations.actions import load_reference_data
from brukerplan.organisations.models import Municipality, MunicipalityChange, RegisterLoad
from tests.conftest import FIXTURES

KLASS = FIXTURES / "klass"
CODES = KLASS / "kommuner-2026-2027.csv"
CHANGES = KLASS / "endringer-2027.csv"


def exported(*paths) -> klass.Export:
    return klass.read({p.name: klass.decode(p.read_bytes()) for p in paths})


def test_the_export_says_which_codes_end_and_begin_and_which_year_it_reaches():
    export = exported(CODES, CHANGES)
    assert export.checked_through == 2027
    assert klass.Code("4601", "Bergen", 2026, 2026) in export.codes
    assert klass.Code("4660", "Bergen", 2027, None) in export.codes
    assert "9999" not in {c.code for c in export.codes}  # KLASS's «Uoppgitt»
    assert reference.Change(2027, "4632", "4690") in export.changes


def test_an_updated_register_follows_a_renumbering_and_a_merger_into_the_new_year():
    updated = klass.update(reference.shipped(), exported(CODES, CHANGES))
    assert updated.checked_through == 2027 and updated.first_year == 2020
    assert updated.successors(2027) == {"4601": "4660", "4631": "4690", "4632": "4690"}
    assert "4601" not in updated.municipalities_in(2027)
    assert updated.municipalities_in(2027)["4690"].county_code == "46"
    [bergen] = [m for m in updated.municipalities if m.code == "4601"]
    assert (bergen.valid_from, bergen.valid_to) == (2020, 2026)
    assert updated.codes_before({"4690"}, 2023, 2027) == {"4631", "4632"}
    assert updated.code_in("3024", 2023, 2027) == "3201"  # 2024's renumbering still there
    assert len(updated.municipalities_in(2027)) == len(reference.municipalities_in(2026)) - 1


def test_codes_that_end_without_a_change_table_are_refused():
    with pytest.raises(klass.KlassError, match="endringstabellen sier ikke"):
        klass.update(reference.shipped(), exported(CODES))


def test_a_file_that_is_not_a_klass_export_is_refused_in_one_norwegian_line():
    with pytest.raises(klass.KlassError, match="verken en kodeliste"):
        klass.read({"x.csv": "kommune;navn\n4601;Bergen\n"})
    with pytest.raises(klass.KlassError, match="rad 2: validFromInRequestedRange er ikke en dato"):
        klass.read(
            {
                "x.csv": '"code";"name";"validFromInRequestedRange";"validToInRequestedRange"\n'
                '"4601";"Bergen";"1.1.2026";"2027-01-01"\n'
            }
        )


@pytest.mark.django_db
def test_import_register_brings_the_database_forward_and_setup_does_not_undo_it():
    out = io.StringIO()
    call_command("import-register", str(CODES), str(CHANGES), stdout=out)
    assert "kontrollert til og med 2027" in out.getvalue()
    assert Municipality.objects.valid_in(2027).filter(code="4660").exists()
    assert not Municipality.objects.valid_in(2027).filter(code="4601").exists()
    assert Municipality.objects.get(code="4601").valid_to == 2026
    assert MunicipalityChange.objects.filter(year=2027).count() == 3
    assert register.current().checked_through == 2027
    assert register.notice(2027) is None and register.notice(2028) is not None
    assert load_reference_data() == (0, 0)
    assert register.current().checked_through == 2027


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"kommune;navn\n4601;Bergen\n", "verken en kodeliste"),
        (CODES.read_bytes(), "endringstabellen sier ikke"),
        (b"", "har ingen rader"),
    ],
)
def test_a_bad_register_file_changes_nothing_and_says_why_in_one_line(tmp_path, content, message):
    path = tmp_path / "kommuner.csv"
    path.write_bytes(content)
    loads = RegisterLoad.objects.count()
    with pytest.raises(CommandError) as error:
        call_command("import-register", str(path))
    assert str(error.value).startswith("registeret er ikke endret: ")
    assert message in str(error.value) and "\n" not in str(error.value)
    assert RegisterLoad.objects.count() == loads
    assert Municipality.objects.valid_in(2027).filter(code="4601").exists()


def test_the_fixture_files_are_semicolon_separated_and_quoted_as_klass_writes_them():
    with CODES.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f, delimiter=";"))
    assert header[:4] == ["code", "parentCode", "level", "name"]
    assert CODES.read_text(encoding="utf-8").startswith('"code";')
