"""`brukerplan report` and the pools of small municipalities (report-format.md)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from brukerplan.reports import data

pytestmark = pytest.mark.django_db

# The sample's Vestland municipalities with 1 to 3 persons each (18 together).
VESTLAND_POOL = [
    "4618", "4621", "4627", "4630", "4635", "4640", "4641",
    "4643", "4645", "4646", "4647", "4649", "4650",
]  # fmt: skip


def report(*args: str) -> dict:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return json.loads(out.getvalue())


def all_municipalities(scope: str, out, *more: str) -> str:
    err = io.StringIO()
    call_command(
        "report", "--scope", scope, "--year", "2025", "--all-municipalities",
        "--out", str(out), *more, stderr=err,
    )  # fmt: skip
    return err.getvalue()


def test_a_pooled_municipality_is_told_which_pool_it_is_in(imported):
    with pytest.raises(CommandError) as refused:
        report("--scope", "municipality:4621", "--year", "2025")
    assert str(refused.value) == (
        "Voss har for få kartlagte til en egen rapport for 2025 (færre enn 5 kartlagte "
        "personer over 18 år) og er med i «Små kommuner i Vestland»: "
        "brukerplan report --scope pool:46-sma --year 2025"
    )


def test_the_pool_is_reported_as_a_scope_of_its_own(imported):
    document = report("--scope", "pool:46-sma", "--year", "2025")
    assert document["scope"] == {
        "type": "pool",
        "code": "46-sma",
        "name": "Små kommuner i Vestland",
        "members": VESTLAND_POOL,
    }
    assert document["persons"] == 18 and document["registrations"] == 19
    assert [c["label"] for c in document["comparisons"].values()] == ["Vestland", "Hele landet"]
    county = report("--scope", "county:46", "--year", "2025")
    assert county["pool"] == {
        "code": "46-sma",
        "name": "Små kommuner i Vestland",
        "made": True,
        "members": VESTLAND_POOL,
    }


def test_a_county_without_small_municipalities_has_no_pool_to_report(imported):
    with pytest.raises(CommandError, match="Ingen kommuner i Oslo har for få kartlagte i 2025"):
        report("--scope", "pool:03-sma", "--year", "2025")
    with pytest.raises(CommandError, match="pool:NN-sma"):
        report("--scope", "pool:46", "--year", "2025")


def test_all_municipalities_of_a_county_writes_its_pool_too(imported, tmp_path):
    err = all_municipalities("county:46", tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["brukerplan-2025-4601.json", "brukerplan-2025-4624.json", "pool-46-sma.json"]
    pooled = json.loads((tmp_path / "pool-46-sma.json").read_text())
    assert pooled == report("--scope", "pool:46-sma", "--year", "2025")
    assert "Ingen rapport for" in err and "Voss" in err
    assert "er med i «Små kommuner i Vestland» (pool-46-sma.json)" in err
    # Every municipality with registrations is in one of the files.
    mapped = set(
        data.municipalities_with_registrations(data.resolve_scope("county:46", 2025), 2025)
    )
    own = {json.loads((tmp_path / n).read_text())["scope"]["code"] for n in written[:2]}
    assert own | set(pooled["scope"]["members"]) == mapped


def test_all_municipalities_of_the_country_writes_every_county_s_pool(imported, tmp_path):
    all_municipalities("national", tmp_path, "--format", "xlsx", "--workers", "2")
    pools = sorted(p.name for p in tmp_path.glob("pool-*"))
    made = sorted(f"pool-{p.scope.code}.xlsx" for p in data.pools(2025).values() if p.made)
    assert pools == made and "pool-46-sma.xlsx" in pools
    assert all(p.read_bytes()[:2] == b"PK" for p in tmp_path.iterdir())
    assert not list(tmp_path.glob(".*.part"))


def test_a_too_small_pool_is_not_written_and_the_command_says_so(imported, tmp_path, settings):
    settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD = 30  # only Bergen has enough; the rest, 24
    err = all_municipalities("county:46", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brukerplan-2025-4601.json"]
    assert (
        "Ingen rapport for «Små kommuner i Vestland»: kommunene har til sammen også færre "
        "enn 30 kartlagte personer over 18 år."
    ) in err
    with pytest.raises(CommandError, match="til sammen også for få til en samlet rapport"):
        report("--scope", "municipality:4621", "--year", "2025")
    with pytest.raises(CommandError, match="færre enn 30"):
        report("--scope", "pool:46-sma", "--year", "2025")
    assert report("--scope", "county:46", "--year", "2025")["pool"]["made"] is False
