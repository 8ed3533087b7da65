"""Small municipalities are pooled, never left out (report-format.md): the pool's document,
its place in the publication the worker builds, its page, and who may see it."""

import datetime
import io

import polars as pl
import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from brukerplan.accounts import permissions
from brukerplan.instrument import definition
from brukerplan.organisations import legal_basis, reference, release
from brukerplan.organisations.models import County, MappingPeriod
from brukerplan.registrations import synth
from brukerplan.registrations.models import Registration
from brukerplan.reports import data, publication
from brukerplan.reports.document import build_report

pytestmark = pytest.mark.django_db

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The sample's Vestland: Bergen (41 persons) and Bjørnafjorden (5) have reports of their
# own; the other thirteen municipalities with registrations have 1 to 3 persons each, 18
# together.
VESTLAND_POOL = (
    "4618", "4621", "4627", "4630", "4635", "4640", "4641",
    "4643", "4645", "4646", "4647", "4649", "4650",
)  # fmt: skip
ALL_USERS = [
    "mapper_a",
    "mapper_b",
    "mapper_voss",
    "contact",
    "contact_voss",
    "regional",
    "regional_oslo",
    "regional_helse_vest",
    "analyst",
    "admin",
    "nobody",
]
# Who may see the county (its region's people, analysts, administrators) and the contact
# person of a member (Voss); not Bergen's, whose municipality has a report of its own.
POOL_READERS = {"contact_voss", "regional", "regional_helse_vest", "analyst", "admin"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dashboard_url(scope: str, year: int) -> str:
    return reverse("reports:dashboard", args=[scope, year])


def adult_persons_in(codes, year: int) -> int:
    """Adults mapped in the municipalities, each person once: straight from the table."""
    return (
        Registration.objects.filter(
            aar=year, status=Registration.Status.SUBMITTED, kommunenummer__in=list(codes)
        )
        .filter(alder__gte=definition.for_year(year).adult_age)
        .values("person_key")
        .distinct()
        .count()
    )


# --- the documents ------------------------------------------------------------------------


def test_every_municipality_with_registrations_is_in_its_own_document_or_a_pool(
    reference_data, tmp_path
):
    year = 2025
    counties = ("46", "11")
    codes = [
        m.code for m in reference.municipalities_in(year).values() if m.county_code in counties
    ]
    csv = tmp_path / "synth.csv"
    lawful = legal_basis.types_with_basis(year)
    synth.write_csv(synth.generate(300, year, 7, codes, unit_types=lawful), csv)
    call_command("import", str(csv), stdout=io.StringIO(), stderr=io.StringIO())
    mapped = set(data.submitted(year).values_list("kommunenummer", flat=True))
    assert len(mapped) > 40
    pools = data.pools(year)
    assert set(pools) == set(counties)
    pooled = {code: pool for pool in pools.values() for code in pool.scope.members}
    own = set()
    for code in sorted(mapped):
        municipality = data.resolve_scope(f"municipality:{code}", year)
        # Small as the table counts it: registrations, but fewer persons than the threshold.
        small = adult_persons_in([code], year) < data.small_number_threshold()
        try:
            document = data.report_document(municipality, year)
        except data.TooFewPersons as error:
            assert small, code
            assert error.pool == pooled[code], code
            continue
        assert not small and code not in pooled, code
        assert document["scope"]["code"] == code
        own.add(code)
    assert own and pooled
    assert own | set(pooled) == mapped and not own & set(pooled)
    for county, pool in pools.items():
        assert pool.made, county  # 300 persons: enough small ones for a pool in each
        document = data.report_document(data.resolve_scope(pool.key, year), year)
        assert document["scope"]["members"] == list(pool.scope.members)
        assert document["persons"] == adult_persons_in(pool.scope.members, year)
        assert data.report_document(data.resolve_scope(f"county:{county}", year), year)["pool"] == {
            "code": f"{county}-sma",
            "name": pool.scope.name,
            "made": True,
            "members": list(pool.scope.members),
        }
        assert f"pool:{county}-sma" in publication.scopes_of_county(county, year)


def test_a_pools_numbers_equal_a_report_over_its_members_registrations(world, imported):
    pool = data.resolve_scope("pool:46-sma", imported)
    assert pool.name == "Små kommuner i Vestland" and pool.members == VESTLAND_POOL
    document = data.report_document(pool, imported)
    assert document["scope"] == {
        "type": "pool",
        "code": "46-sma",
        "name": "Små kommuner i Vestland",
        "members": list(VESTLAND_POOL),
    }
    assert document["persons"] == adult_persons_in(VESTLAND_POOL, imported) == 18
    # The same report, made from the members' registrations as the database gives them, one
    # municipality at a time, and compared with the county and the country like a
    # municipality is.
    members = pl.concat(
        [data.registrations_frame("municipality", code, imported) for code in VESTLAND_POOL]
    )
    assert members.height == document["registrations"] == 19
    expected = build_report(
        pool,
        imported,
        members,
        definition.for_year(imported),
        data.small_number_threshold(),
        comparisons={
            "fylke": data.registrations_frame("county", "46", imported),
            "landet": data.registrations_frame("national", None, imported),
        },
        comparison_labels={"fylke": "Vestland"},
        population=data.population_frame(imported),
    )
    assert document == {
        **expected,
        "unit_types": legal_basis.coverage(imported),
        "release": release.release_of("pool", pool.code, imported).as_dict(),
    }
    assert list(document["comparisons"]) == ["fylke", "landet"]


def test_a_too_small_pool_is_not_made_and_the_county_says_so(world, imported, settings):
    # At 30, only Bergen (41) has persons enough; the other municipalities of Vestland have
    # 24 together: no pool, and Bergen is not taken in to make one.
    settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD = 30
    pool = data.pools(imported)["46"]
    assert not pool.made and "4601" not in pool.scope.members
    assert pool.scope.members == tuple(sorted({*VESTLAND_POOL, "4624"}))
    with pytest.raises(data.TooFewPersons):
        data.report_document(pool.scope, imported)
    assert "pool:46-sma" not in publication.scopes_of_county("46", imported)
    county = data.report_document(data.resolve_scope("county:46", imported), imported)
    assert county["pool"] == {
        "code": "46-sma",
        "name": "Små kommuner i Vestland",
        "made": False,
        "members": list(pool.scope.members),
    }
    page = client_for(world.users["regional"]).get(dashboard_url("county-46", imported))
    text = page.content.decode()
    assert "har til sammen også for få til en samlet rapport" in text
    assert "Voss" in text and "pool-46-sma" not in text
    voss = client_for(world.users["contact_voss"]).get(dashboard_url("municipality-4621", imported))
    text = voss.content.decode()
    assert "Det lages ingen rapport for Voss" in text and "færre enn 30" in text
    assert "til sammen også for få til en samlet rapport" in text
    assert "er med i «" not in text


def test_a_county_without_small_municipalities_has_no_pool(world, imported):
    assert "03" not in data.pools(imported)  # Oslo: one municipality, 52 registrations
    with pytest.raises(data.UnknownScope, match="Ingen kommuner i Oslo"):
        data.resolve_scope("pool:03-sma", imported)
    oslo = data.report_document(data.resolve_scope("county:03", imported), imported)
    assert "pool" not in oslo
    analyst = client_for(world.users["analyst"])
    assert analyst.get(dashboard_url("pool-03-sma", imported)).status_code == 404
    assert analyst.get(dashboard_url("pool-46-sma", 2024)).status_code == 404  # no data


# --- the pages ----------------------------------------------------------------------------


def test_a_pooled_municipality_s_page_says_it_is_in_the_pool_with_a_link(world, imported):
    client = client_for(world.users["contact_voss"])
    page = client.get(dashboard_url("municipality-4621", imported)).content.decode()
    assert (
        "Kommunen har for få kartlagte til en egen rapport og er med i «Små kommuner i Vestland»."
    ) in page
    link = dashboard_url("pool-46-sma", imported)
    assert f'href="{link}"' in page
    pool = client.get(link)
    assert pool.status_code == 200
    html = pool.content.decode()
    assert "Rapport for Små kommuner i Vestland 2025" in html
    assert '<span id="tall-personer">18</span>' in html
    # The chooser offers the pool on its own page, chosen.
    assert '<option value="pool:46-sma" selected>Små kommuner i Vestland</option>' in html
    chosen = client.get(reverse("reports:index"), {"omfang": "pool:46-sma", "aar": imported})
    assert chosen.status_code == 302 and chosen["Location"] == link


def test_a_thin_pool_s_page_says_its_tables_show_all_persons_together(world, imported):
    html = client_for(world.users["regional"]).get(dashboard_url("pool-46-sma", imported))
    html = html.content.decode()
    assert '<p class="notice" id="faa-kartlagte">Færre enn 30 kartlagte personer:' in html
    county = client_for(world.users["regional"]).get(dashboard_url("county-46", imported))
    assert 'id="faa-kartlagte"' not in county.content.decode()  # a county is never thin


def test_a_county_s_page_names_its_pool_with_a_link(world, imported):
    page = client_for(world.users["regional"]).get(dashboard_url("county-46", imported))
    text = page.content.decode()
    assert "er samlet i «Små kommuner i Vestland»" in text
    assert f'href="{dashboard_url("pool-46-sma", imported)}"' in text


def test_the_pool_s_downloads_are_its_document_s(world, imported, rendered):
    client = client_for(world.users["contact_voss"])
    url = reverse("reports:download", args=["pool-46-sma", imported, "pptx"])
    response = client.get(url)
    assert response.status_code == 200 and response.content == b"pptx 46-sma"
    assert response["Content-Disposition"] == 'attachment; filename="brukerplan-2025-46-sma.pptx"'
    rows = reverse("reports:download", args=["pool-46-sma", imported, "xlsx"]) + "?radata=1"
    assert client.get(rows).status_code == 403  # rows: of one municipality only


# --- who may see it (as tests/web/test_permission_matrix.py walks the views) ------------------


@pytest.mark.parametrize(
    "url",
    [
        lambda year: dashboard_url("pool-46-sma", year),
        lambda year: reverse("reports:download", args=["pool-46-sma", year, "xlsx"]),
    ],
    ids=["pool report", "pool report download"],
)
def test_every_role_may_see_the_pool_as_the_rules_say(world, imported, rendered, url):
    target = url(imported)
    wrong = []
    anonymous = Client().get(target)
    if anonymous.status_code != 302 or "/konto/logg-inn/" not in anonymous["Location"]:
        wrong.append(f"anonymous got {anonymous.status_code}, not a redirect to the login")
    for username in ALL_USERS:
        response = client_for(world.users[username]).get(target)
        if username in POOL_READERS and response.status_code != 200:
            wrong.append(f"{username} should be allowed, got {response.status_code}")
        if username not in POOL_READERS and response.status_code != 403:
            wrong.append(f"{username} should be refused, got {response.status_code}")
    assert not wrong, "; ".join(wrong)


def test_pool_permissions_follow_the_county_and_the_members(world):
    year = world.today.year
    members = ("4621", "4650")
    allowed = {
        name
        for name in ALL_USERS
        if permissions.may_view_report(world.users[name], "pool", "46-sma", year, members=members)
    }
    assert allowed == POOL_READERS
    # Without Voss among the members its contact person may not; the county's people still may.
    assert not permissions.may_view_report(
        world.users["contact_voss"], "pool", "46-sma", year, members=("4650",)
    )
    assert permissions.may_view_report(world.users["regional"], "pool", "46-sma", year)
    # Another county's pool: its region's people (and analysts, administrators) only.
    readers_11 = {
        name
        for name in ALL_USERS
        if permissions.may_view_report(world.users[name], "pool", "11-sma", year, members=("1114",))
    }
    assert readers_11 == {"regional_helse_vest", "analyst", "admin"}
    pools = [("46-sma", "Små kommuner i Vestland", members)]
    listed = {
        name
        for name in ALL_USERS
        if "pool:46-sma"
        in {s.key for s in permissions.report_scopes_for(world.users[name], year, pools)}
    }
    assert listed == POOL_READERS


# --- the worker -----------------------------------------------------------------------------


@override_settings(TASKS=DATABASE)
def test_the_worker_builds_and_stores_the_pool(
    world, imported, rendered, monkeypatch, run_worker, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    real = publication.scopes_of_county
    # The county's real list, cut to its pool (the other scopes: test_publication.py).
    monkeypatch.setattr(
        publication, "scopes_of_county", lambda *a: [k for k in real(*a) if k.startswith("pool:")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        MappingPeriod.objects.create(
            county=County.objects.get(code="46"),
            year=imported,
            start=datetime.date(imported, 1, 1),
            end=datetime.date(imported, 3, 1),
            closed_at=timezone.now(),
        )
    (queued,) = DBTaskResult.objects.all()
    run_worker()
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL", queued.exception_class_path
    assert queued.return_value == {"scopes": 1, "files_built": 3}
    assert rendered == [("pool", "46-sma", f) for f in publication.FORMATS]
    seen = publication.fingerprint("pool:46-sma", imported)
    assert publication.stored_file("pool:46-sma", imported, seen, "pdf") == b"pdf 46-sma"
    stored = publication.document("pool:46-sma", imported, seen)
    assert stored["document"]["scope"]["members"] == list(VESTLAND_POOL)
    # A member's answer names the pool (stored by the worker's build or on demand).
    voss = publication.document(
        "municipality:4621", imported, publication.fingerprint("municipality:4621", imported)
    )
    assert voss["pool"] == {
        "key": "pool:46-sma",
        "code": "46-sma",
        "name": "Små kommuner i Vestland",
        "made": True,
        "members": list(VESTLAND_POOL),
    }


def test_a_pool_s_page_shows_its_county_s_build_under_way(world, imported):
    publication._say("46", imported, 3, 47)
    assert publication.progress("pool:46-sma", imported) == {"done": 3, "total": 47}
    assert publication.progress("pool:03-sma", imported) is None
    page = client_for(world.users["regional"]).get(
        dashboard_url("pool-46-sma", imported) + "?lages=1", HTTP_HX_REQUEST="true"
    )
    assert "Rapportene lages … 3 av 47" in page.content.decode()
