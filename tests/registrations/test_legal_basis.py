"""The legal basis per unit type and year: refused in the import, left out of every output,
deleted for good by a command, changed by the administrator with the change kept."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from brukerplan.contact import overview
from brukerplan.organisations import actions as organisation_actions
from brukerplan.organisations import legal_basis
from brukerplan.organisations.models import LegalBasis, LegalBasisChange, Municipality
from brukerplan.registrations.exports import municipality_export
from brukerplan.registrations.models import Registration
from brukerplan.reports import data, store
from brukerplan.reports.render.common import coverage_text

pytestmark = pytest.mark.django_db


def rows_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def with_nav_row(sample_csv, tmp_path) -> Path:
    """The sample, with S7-000022 (the second registration of S7-000005's person, in 1103)
    from a NAV unit."""
    rows = rows_of(sample_csv)
    assert rows[23][0] == "S7-000022"
    rows[23][rows[0].index("enhetstype")] = "nav"
    rows[23][rows[0].index("enhet")] = "NAV Stavanger"
    return write(tmp_path / "nav.csv", rows)


@pytest.fixture
def stored_nav_row(sample_csv, tmp_path):
    """The NAV row stored as if imported before the rule (the basis lifted for the import)."""
    organisation_actions.set_legal_basis("nav", 2025, True, "test", by=None)
    call_command("import", str(with_nav_row(sample_csv, tmp_path)), stdout=io.StringIO())
    LegalBasis.objects.filter(year=2025).delete()
    assert not legal_basis.has_basis("nav", 2025)
    return Registration.objects.get(registrering_id="S7-000022")


def test_the_seeded_legal_basis_leaves_nav_and_child_welfare_out_from_2020():
    assert legal_basis.types_without_basis(2019) == []
    for year in (2020, 2025, 2030):
        assert legal_basis.types_without_basis(year) == ["nav", "barnevern"]
        assert legal_basis.types_with_basis(year) == ["helse_omsorg", "fastlege", "annen"]


def test_the_import_refuses_a_row_from_a_unit_type_without_legal_basis(sample_csv, tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError, match="avvist: 1 feil"):
        call_command("import", str(with_nav_row(sample_csv, tmp_path)), stderr=err)
    assert (
        "rad 24, kolonne enhetstype: 'nav' har ikke rettslig grunnlag i 2025: "
        "kartlegginger fra slike enheter kan ikke behandles"
    ) in err.getvalue().splitlines()
    assert not Registration.objects.exists()


def test_stored_registrations_without_legal_basis_are_left_out_of_every_output(
    stored_nav_row, tmp_path
):
    assert Registration.objects.filter(aar=2025).count() == 311
    # Reports and comparisons: the one query they read.
    assert data.submitted(2025).count() == 310
    assert "S7-000022" not in set(data.submitted(2025).values_list("registrering_id", flat=True))
    national = data.registrations_frame("national", None, 2025)
    assert national.height == 310 and "nav" not in national["enhetstype"].to_list()
    document = data.report_document(data.resolve_scope("national", 2025), 2025)
    assert document["registrations"] == 310
    assert document["unit_types"]["left_out"] == ["nav", "barnevern"]
    # The export.
    _, rows = municipality_export("1103", 2025)
    exported = {row["registrering_id"] for row in rows}
    assert "S7-000005" in exported and "S7-000022" not in exported
    # The contact person's counts and duplicate check: the person is mapped once.
    stavanger = Municipality.objects.valid_in(2025).get(code="1103")
    groups = overview.duplicate_groups(stavanger, 2025)
    assert not any("S7-000022" in [e.registrering_id for e in g.entries] for g in groups)


def test_the_fingerprint_of_a_year_changes_with_the_legal_basis(stored_nav_row):
    before = store.fingerprint(2025)
    organisation_actions.set_legal_basis("nav", 2025, True, "ny hjemmel", by=None)
    assert store.fingerprint(2025) != before
    assert data.submitted(2025).count() == 311


def test_the_command_deletes_registrations_without_legal_basis_for_good(stored_nav_row):
    out = io.StringIO()
    call_command("delete-without-legal-basis", stdout=out)
    assert "1 kartlegginger er fra enhetstyper uten rettslig grunnlag" in out.getvalue()
    assert Registration.objects.filter(pk=stored_nav_row.pk).exists()
    out = io.StringIO()
    call_command("delete-without-legal-basis", "--yes", stdout=out)
    assert "Slettet 1 kartlegginger" in out.getvalue()
    assert not Registration.objects.filter(pk=stored_nav_row.pk).exists()
    assert Registration.objects.count() == 310


def test_a_change_of_the_legal_basis_is_kept_with_its_reason_and_who_made_it(
    django_user_model,
):
    admin = django_user_model.objects.create_user(username="adm", password=None)
    organisation_actions.set_legal_basis("nav", 2027, True, "Ny forskrift", by=admin)
    assert legal_basis.has_basis("nav", 2027) and legal_basis.has_basis("nav", 2031)
    assert not legal_basis.has_basis("nav", 2026)
    organisation_actions.set_legal_basis("nav", 2029, False, "Forskriften opphevet", by=admin)
    assert legal_basis.has_basis("nav", 2028) and not legal_basis.has_basis("nav", 2029)
    changes = list(LegalBasisChange.objects.order_by("pk").values_list("year", "allowed", "reason"))
    assert changes == [(2027, True, "Ny forskrift"), (2029, False, "Forskriften opphevet")]
    assert set(LegalBasisChange.objects.values_list("changed_by", flat=True)) == {admin.pk}
    with pytest.raises(organisation_actions.OrganisationError):
        organisation_actions.set_legal_basis("nav", 2027, True, "  ", by=admin)


def test_every_report_says_which_unit_types_it_leaves_out():
    document = {"year": 2020, "unit_types": legal_basis.coverage(2020)}
    assert coverage_text(document) == (
        "Kartlegginger fra NAV og barnevern er ikke med i 2020: det manglet rettslig grunnlag."
    )
    organisation_actions.set_legal_basis("barnevern", 2024, True, "test", by=None)
    assert coverage_text({"year": 2024, "unit_types": legal_basis.coverage(2024)}) == (
        "Kartlegginger fra NAV er ikke med i 2024: det manglet rettslig grunnlag."
    )
    organisation_actions.set_legal_basis("nav", 2024, True, "test", by=None)
    assert coverage_text({"year": 2024, "unit_types": legal_basis.coverage(2024)}) == ""
