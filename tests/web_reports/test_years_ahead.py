"""A year after the last one the register was checked for: 2027 imports, reports, and
shows on the dashboard with its trend against 2026, before and after a KLASS import."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from brukerplan.reports.data import report_document, resolve_scope
from tests.conftest import FIXTURES, sample_as_year

pytestmark = pytest.mark.django_db

KLASS = FIXTURES / "klass"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def imported(path: Path) -> str:
    err = io.StringIO()
    call_command("import", str(path), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def rows(table: dict) -> dict:
    return {row["key"]: row["values"] for row in table["rows"]}


def test_a_2027_mapping_imports_reports_and_shows_with_its_trend_before_the_register_knows_2027(
    world, tmp_path
):
    imported(sample_as_year(tmp_path, 2026))
    said = imported(sample_as_year(tmp_path, 2027))
    assert "kontrollert til og med 2026; 2027 bruker kodene fra 2026" in said
    document = report_document(resolve_scope("municipality:4601", 2027), 2027)
    trend = rows(document["tables"]["trend_kategorier"])
    assert trend["alle"]["denne"] == document["persons"]
    assert 0 < trend["alle"]["forrige"] <= document["persons"]
    url = reverse("reports:dashboard", args=["municipality-4601", 2027])
    admin = client_for(world.users["admin"]).get(url)
    assert admin.status_code == 200
    assert 'id="kommuneregisteret"' in admin.content.decode()
    analyst = client_for(world.users["analyst"]).get(url)
    assert analyst.status_code == 200
    assert 'id="kommuneregisteret"' not in analyst.content.decode()
    assert 'data-table="trend_kategorier"' in analyst.content.decode()


def test_after_a_klass_import_the_2027_trend_follows_a_renumbered_and_a_merged_municipality(
    world, tmp_path
):
    call_command(
        "import-register",
        str(KLASS / "kommuner-2026-2027.csv"),
        str(KLASS / "endringer-2027.csv"),
        stdout=io.StringIO(),
    )
    imported(sample_as_year(tmp_path, 2026))
    said = imported(
        sample_as_year(tmp_path, 2027, {"4601": "4660", "4631": "4690", "4632": "4690"})
    )
    assert "kontrollert" not in said
    bergen_2026 = report_document(resolve_scope("municipality:4601", 2026), 2026)
    document = report_document(resolve_scope("municipality:4660", 2027), 2027)
    assert document["persons"] == bergen_2026["persons"]
    trend = rows(document["tables"]["trend_kategorier"])
    assert trend["alle"]["forrige"] == rows(bergen_2026["tables"]["kategorier"])["alle"]["antall"]
    panel = rows(document["tables"]["panel_endring"])
    assert panel["bosituasjon"]["uendret"] in (None, 100)  # the same persons, linked
    url = reverse("reports:dashboard", args=["municipality-4660", 2027])
    page = client_for(world.users["admin"]).get(url).content.decode()
    assert 'data-table="trend_kategorier"' in page
    assert 'id="kommuneregisteret"' not in page
