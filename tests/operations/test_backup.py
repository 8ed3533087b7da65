"""`brukerplan backup` and `brukerplan restore`: a consistent copy of the database, on SQLite
and on PostgreSQL (the second round of .ci/run), with every report the same after restore."""

import io
import json
import subprocess

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from brukerplan.organisations.actions import load_reference_data
from brukerplan.organisations.models import County
from brukerplan.registrations.models import Registration
from brukerplan.reports import store
from brukerplan.reports.data import report_document, resolve_scope
from tests.conftest import SAMPLE_CSV, TEST_PSEUDONYM_KEY

# pg_dump and pg_restore are other connections: the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

SCOPES = ("national", "county:46", "county:03", "municipality:4601", "municipality:0301")


@pytest.fixture(autouse=True)
def _register():
    """The register, loaded again where an earlier transactional test flushed it."""
    if not County.objects.exists():
        load_reference_data()
    store.clear()
    yield
    store.clear()


def documents(year: int = 2025) -> dict[str, str]:
    return {
        key: json.dumps(report_document(resolve_scope(key, year), year), ensure_ascii=False)
        for key in SCOPES
    }


def readable(path) -> bytes:
    """The copy as text where the format compresses it (pg_dump's custom format)."""
    if connection.vendor == "postgresql":
        return subprocess.run(
            ["pg_restore", "--file=-", str(path)], capture_output=True, check=True
        ).stdout
    return path.read_bytes()


@pytest.mark.slow
def test_a_restored_copy_gives_every_report_document_unchanged(tmp_path):
    call_command("import", str(SAMPLE_CSV), stdout=io.StringIO())
    before = documents()
    copy = tmp_path / "brukerplan.kopi"
    out = io.StringIO()
    call_command("backup", "--out", str(copy), stdout=out)
    assert str(copy) in out.getvalue()
    assert not list(tmp_path.glob(".*.part"))
    assert copy.stat().st_mode & 0o077 == 0
    Registration.objects.filter(kommunenummer="4601").delete()
    assert not Registration.objects.filter(kommunenummer="4601").exists()
    with pytest.raises(CommandError, match="databasen har innhold.*--force"):
        call_command("restore", str(copy))
    call_command("restore", str(copy), "--force", stdout=io.StringIO())
    assert Registration.objects.filter(kommunenummer="4601").exists()
    assert documents() == before


def test_a_copy_holds_neither_the_pseudonym_secret_nor_djangos_secret_key(tmp_path):
    call_command("import", str(SAMPLE_CSV), stdout=io.StringIO())
    copy = tmp_path / "brukerplan.kopi"
    call_command("backup", "--out", str(copy), stdout=io.StringIO())
    content = readable(copy)
    assert b"registrations_registration" in content  # the test reads the real contents
    assert Registration.objects.first().person_key.encode() in content
    assert TEST_PSEUDONYM_KEY.encode() not in content
    assert settings.SECRET_KEY.encode() not in content


def test_a_file_that_is_not_a_copy_of_this_kind_of_database_is_refused_in_one_line(tmp_path):
    wrong = tmp_path / "kopi"
    wrong.write_bytes(b"PGDMP" if connection.vendor == "sqlite" else b"SQLite format 3\x00")
    with pytest.raises(CommandError) as error:
        call_command("restore", str(wrong))
    assert str(error.value).startswith("databasen er ikke gjenopprettet: kopi er ikke en")
    assert "\n" not in str(error.value)


def test_a_backup_that_cannot_be_written_leaves_no_file(tmp_path):
    out = tmp_path / "mangler" / "kopi"
    with pytest.raises(CommandError, match="^ingen sikkerhetskopi: "):
        call_command("backup", "--out", str(out), stdout=io.StringIO())
    assert not out.exists() and not out.parent.exists()
