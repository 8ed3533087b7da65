"""The report dashboard: scopes by role, the same numbers as the files, the cache."""

import datetime
import io
import re
import shutil
import subprocess
from html import unescape

import fastexcel
import polars as pl
import pytest
from django.test import Client
from django.urls import reverse
from pptx import Presentation

from brukerplan.registrations import actions
from brukerplan.registrations.models import Registration
from brukerplan.reports import data
from brukerplan.reports.render import chart_process, common, xlsx

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dashboard_url(scope: str, year: int) -> str:
    return reverse("reports:dashboard", args=[scope, year])


def scope_options(html: str) -> list[str]:
    select = re.search(r'<select id="omfang".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]+)"', select)


def cell(html: str, table_id: str, key: str) -> str:
    table = re.search(rf'<table[^>]*data-table="{table_id}".*?</table>', html, re.S).group(0)
    return re.search(rf'data-cell="{re.escape(key)}">([^<]*)<', table).group(1)


def pdf_text(content: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()


def test_the_dashboard_lists_only_the_scopes_each_role_may_see(world):
    year = world.today.year
    seen = {}
    for name in ("contact", "regional", "regional_helse_vest", "analyst", "admin"):
        client = client_for(world.users[name])
        start = client.get(reverse("reports:index"), {"aar": year})
        assert start.status_code == 302, name
        page = client.get(start["Location"])
        assert page.status_code == 200, name
        seen[name] = scope_options(page.content.decode())
    assert seen["contact"] == ["municipality:4601"]
    regional = set(seen["regional"])
    assert {"county:46", "municipality:4601", "municipality:4621"} <= regional
    assert not regional & {"national", "region:helse_vest", "county:03", "municipality:0301"}
    assert all(s == "county:46" or s.startswith("municipality:46") for s in regional)
    region = set(seen["regional_helse_vest"])
    assert {"region:helse_vest", "county:46", "county:11", "municipality:1103"} <= region
    assert not region & {"national", "region:helse_nord", "county:03", "municipality:0301"}
    for everything in ("analyst", "admin"):
        assert seen[everything][0] == "national"
        assert {"region:helse_nord", "county:03", "municipality:0301"} <= set(seen[everything])
    for refused in ("mapper_a", "nobody"):
        assert client_for(world.users[refused]).get(reverse("reports:index")).status_code == 403


def test_a_user_cannot_choose_a_scope_outside_their_own(world):
    client = client_for(world.users["contact"])
    response = client.get(reverse("reports:index"), {"omfang": "municipality:4621"})
    assert response.status_code == 403
    assert client.get(dashboard_url("municipality-4621", world.today.year)).status_code == 403
    assert client.get(dashboard_url("national", world.today.year)).status_code == 403


def test_an_unknown_scope_is_not_found(world):
    client = client_for(world.users["analyst"])
    assert client.get(dashboard_url("municipality-9999", world.today.year)).status_code == 404
    assert client.get(dashboard_url("kommune-4601", world.today.year)).status_code == 404


def test_a_municipality_with_fewer_than_five_persons_shows_why_there_is_no_report(world, helpers):
    for i in range(3):
        registration = actions.start_registration(
            unit=world.unit_a,
            by=world.users["mapper_a"],
            fodselsnummer=helpers.person(datetime.date(1980 + i, 5, 17)),
            today=world.today,
        )
        answers = helpers.complete_answers(registration.kjonn)
        assert actions.submit_registration(registration, answers, by=None, today=world.today) == []
    client = client_for(world.users["contact"])
    page = client.get(dashboard_url("municipality-4601", world.today.year))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Det lages ingen rapport for Bergen" in text and "færre enn 5" in text
    assert 'data-table="' not in text and "Last ned" not in text
    download = client.get(
        reverse("reports:download", args=["municipality-4601", world.today.year, "pdf"])
    )
    assert download.status_code == 302
    assert download["Location"] == dashboard_url("municipality-4601", world.today.year)


def shown_cells(html: str) -> list[tuple[str, str, str]]:
    """(table id, "row|column", text) of every number shown (not hidden) on the page."""
    found = []
    for table_id, table in re.findall(r'<table[^>]*data-table="([^"]+)"(.*?)</table>', html, re.S):
        for key, text in re.findall(r'data-cell="([^"]+)">([^<]+)<', table):
            found.append((table_id, key, text))
    return found


def test_a_number_on_the_web_is_the_same_number_in_the_pdf_and_the_workbook(world, imported):
    client = client_for(world.users["analyst"])
    page = client.get(dashboard_url("national", imported)).content.decode()
    persons = cell(page, "kategorier", "alle|antall")
    assert persons == page.split('id="tall-personer">')[1].split("<")[0]
    cells = shown_cells(page)
    decimal = next(c for c in cells if re.fullmatch(r"\d+,\d", c[2]))
    share = next(c for c in cells if re.fullmatch(r"[1-9]\d\xa0%", c[2]))

    pdf = client.get(reverse("reports:download", args=["national", imported, "pdf"]))
    assert chart_process._helper is not None and chart_process._helper.alive()
    chart_process.stop()
    assert pdf["Content-Type"] == "application/pdf"
    assert 'filename="brukerplan-2025-landet.pdf"' in pdf["Content-Disposition"]
    text = pdf_text(pdf.content).replace("\xa0", " ")
    assert persons in text and decimal[2] in text

    workbook = client.get(reverse("reports:download", args=["national", imported, "xlsx"]))
    document = data.report_document(data.resolve_scope("national", imported), imported)
    names = xlsx.sheet_names(document)

    def sheet_value(table_id: str, row_key: str, column_key: str) -> float:
        """A cell found by the key column and the column's label, as the workbook holds it."""
        sheet = pl.read_excel(
            io.BytesIO(workbook.content),
            sheet_name=names[table_id],
            read_options={"header_row": xlsx.HEADER_ROW},
        )
        table = document["tables"][table_id]
        label = next(c["label"] for c in table["columns"] if c["key"] == column_key)
        return sheet.filter(pl.col("Nøkkel") == row_key)[label][0]

    for table_id, key, text in (decimal, share):
        row_key, column_key = key.split("|")
        value = sheet_value(table_id, row_key, column_key)
        table = document["tables"][table_id]
        row = next(r for r in table["rows"] if r["key"] == row_key)
        kind = common.cell_kind(table, row, column_key)
        assert common.format_number(value, kind, unit=True) == text
    assert "Rådata" not in fastexcel.read_excel(workbook.content).sheet_names


def test_the_dashboard_page_needs_few_queries_and_builds_the_report_once(
    world, imported, django_assert_max_num_queries, monkeypatch
):
    built = []
    real = data.report_document
    monkeypatch.setattr(data, "report_document", lambda *a, **k: built.append(a) or real(*a, **k))
    data.national_frame(imported)  # in the store, as the worker or a first report leaves it
    # A page: session, user, memberships, the year's fingerprint (registrations, population),
    # the previous mapping (none here; else its fingerprint: 2 more), the scopes to choose
    # from (counties, municipalities), the years, the register's last load (1), saving
    # the session (3), the document, page and comparison from the shared cache (3),
    # whether a build of the worker is under way (1), the session's second factor
    # (its django-otp device), and the registrations of the development chapter's years (1).
    for user, scope in (("analyst", "county-46"), ("contact", "municipality-4601")):
        client = client_for(world.users[user])
        url = dashboard_url(scope, imported)
        # Building the report: the fingerprint and previous mapping again, the year's frame and the
        # comparison sections from the report store, keeping what it computed there, and
        # keeping the document, page and comparison in the shared cache (3 each), whether
        # the development chapter's base period has registrations (1), the legal basis (its
        # tiny table) for each fingerprint, query and the document's coverage, and the
        # release state of the scope's periods (fingerprint, document; for a contact person
        # once more: whether it is released).
        with django_assert_max_num_queries(56):
            assert client.get(url).status_code == 200
        for _ in range(2):
            # 3 more for the legal basis, 1 or 2 for the release state of the scope's periods.
            with django_assert_max_num_queries(24):
                assert client.get(url).status_code == 200
    assert len(built) == 2


def test_a_download_builds_the_document_but_not_the_pages_charts(world, imported, monkeypatch):
    from brukerplan.reports import views

    built = []
    real = data.report_document
    monkeypatch.setattr(data, "report_document", lambda *a, **k: built.append(a) or real(*a, **k))
    monkeypatch.setattr(views, "_sections", lambda *a: pytest.fail("the page's sections"))
    client = client_for(world.users["contact"])
    url = reverse("reports:download", args=["municipality-4601", imported, "xlsx"])
    assert client.get(url).status_code == 200
    monkeypatch.undo()
    monkeypatch.setattr(data, "report_document", lambda *a, **k: pytest.fail("built again"))
    # The page that follows finds the same document in the cache.
    assert client.get(dashboard_url("municipality-4601", imported)).status_code == 200
    assert len(built) == 1


def test_a_changed_registration_gives_a_new_report(world, imported):
    client = client_for(world.users["contact"])
    url = dashboard_url("municipality-4601", imported)

    def registrations() -> int:
        page = client.get(url).content.decode()
        return int(page.split('id="tall-registreringer">')[1].split("<")[0])

    before = registrations()
    assert registrations() == before  # from the cache
    one = Registration.objects.filter(kommunenummer="4601", aar=imported).first()
    one.status = Registration.Status.DRAFT
    one.save()
    assert registrations() == before - 1
    one.status = Registration.Status.SUBMITTED
    one.save()
    assert registrations() == before


def test_a_changed_threshold_gives_new_pages_and_files_in_its_own_words(world, imported, settings):
    """The cache keys carry the threshold, and the page and every download word the rule
    from the document's threshold: none states the default's rule under another."""
    client = client_for(world.users["contact"])
    url = dashboard_url("municipality-4601", imported)
    assert 'title="Skjult: færre enn 5 personer"' in client.get(url).content.decode()
    settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD = 10
    page = client.get(url).content.decode()
    assert 'title="Skjult: færre enn 10 personer"' in page
    assert "færre enn 5" not in page and "1 til 4" not in page
    deck = client.get(reverse("reports:download", args=["municipality-4601", imported, "pptx"]))
    text = " ".join(
        shape.text_frame.text
        for slide in Presentation(io.BytesIO(deck.content)).slides
        for shape in slide.shapes
        if shape.has_text_frame
    )
    assert "færre enn 10 personer" in text and "Tall fra 1 til 9 vises ikke." in text
    assert "færre enn 5" not in text and "1 til 4" not in text
    pdf = client.get(reverse("reports:download", args=["municipality-4601", imported, "pdf"]))
    chart_process.stop()
    text = " ".join(pdf_text(pdf.content).replace("\xa0", " ").split())
    assert "færre enn 10 personer" in text and "Antall fra 1 til 9" in text
    assert "færre enn 5" not in text and "1 til 4" not in text


def test_a_municipality_with_too_few_persons_for_another_threshold_says_which(
    world, imported, settings
):
    settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD = 200
    page = client_for(world.users["contact"]).get(dashboard_url("municipality-4601", imported))
    text = page.content.decode()
    assert "Det lages ingen rapport for Bergen" in text and "færre enn 200" in text


def test_a_year_the_municipality_register_does_not_know_is_not_found(world):
    client = client_for(world.users["analyst"])
    assert client.get(dashboard_url("region-helse_vest", 9999)).status_code == 404
    download = reverse("reports:download", args=["region-helse_vest", 9999, "pdf"])
    assert client.get(download).status_code == 404
    assert client.get(dashboard_url("region-helse_vest", 2019)).status_code == 404


def test_a_change_to_the_previous_mapping_gives_new_pages_too(world, imported):
    # Trends and the panel read the previous mapping: its data are part of the cache key.
    from brukerplan.reports import publication

    def earlier_copy(registration_id: str, year: int) -> Registration:
        copy = Registration.objects.filter(aar=imported, kommunenummer="4601").first()
        copy.pk = None
        copy.registrering_id = registration_id
        copy.aar = year
        copy.kartlagt_dato = copy.kartlagt_dato.replace(year=year)
        copy.save()
        return copy

    key = "municipality:4601"
    before = publication.fingerprint(key, imported)
    oslo = publication.fingerprint("municipality:0301", imported)
    two_years_back = earlier_copy("forrige-1", imported - 2)  # Bergen skipped a year
    with_it = publication.fingerprint(key, imported)
    assert with_it != before
    two_years_back.status = Registration.Status.DRAFT
    two_years_back.save()
    assert publication.fingerprint(key, imported) != with_it
    # Oslo has no earlier mapping: Bergen's history leaves its pages alone.
    assert publication.fingerprint("municipality:0301", imported) == oslo


def test_the_tables_are_accessible_and_every_chart_has_its_table(world, imported):
    page = client_for(world.users["contact"]).get(dashboard_url("municipality-4601", imported))
    html = page.content.decode()
    tables = re.findall(r"<table.*?</table>", html, re.S)
    assert len(tables) >= 10
    for table in tables:
        assert "<caption" in table and 'scope="col"' in table and 'scope="row"' in table
    charts = re.findall(r'class="chart-view" id="([^"]+)" data-spec="', html)
    assert charts
    for chart_id in charts:
        item = chart_id.split("-figur-")[0]
        assert f'href="#{item}-tabell"' in html and f'id="{item}-tabell"' in html
    assert "<script>" not in html and "style=" not in html


def test_switching_comparison_swaps_in_its_tables(world, imported, monkeypatch):
    real = data.report_document

    def with_comparisons(scope, year, **options):
        document = real(scope, year, **options)
        landet = {"kategorier": {**document["tables"]["kategorier"], "title": "Landet: kategorier"}}
        fylket = {"vold_kategori": {**document["tables"]["vold_kategori"], "title": "Fylket: vold"}}
        return document | {
            "comparisons": {
                "fylke": {"label": "fylket", "tables": fylket},
                "landet": {"label": "landet", "tables": landet},
            }
        }

    monkeypatch.setattr(data, "report_document", with_comparisons)
    client = client_for(world.users["contact"])
    url = dashboard_url("municipality-4601", imported)
    page = client.get(url).content.decode()
    assert "Fylket: vold" in page and "Landet: kategorier" not in page
    assert 'hx-get="?sammenligning=landet"' in page
    swapped = client.get(url, {"sammenligning": "landet"}, HTTP_HX_REQUEST="true")
    fragment = swapped.content.decode()
    assert "Landet: kategorier" in fragment and "Fylket: vold" not in fragment
    assert "<html" not in fragment and 'data-comparison-shown="landet"' in fragment
    full = client.get(url, {"sammenligning": "landet"}).content.decode()
    assert "<html" in full and "Landet: kategorier" in full


def test_a_comparison_shows_the_compared_scopes_own_n_beside_its_own_numbers(world, imported):
    """Bergen compared with Vestland and with the country: every N beside a comparison's
    percentages is the compared scope's (its own document's `kategorier`, built here
    separately), and so is every number shown, never Bergen's."""
    client = client_for(world.users["analyst"])
    url = dashboard_url("municipality-4601", imported)
    own = data.report_document(data.resolve_scope("municipality:4601", imported), imported)
    marks = {common.DASH, common.SECONDARY_MARK, common.NO_VALUE, common.NOT_APPLICABLE}
    for name, scope in (("fylke", "county:46"), ("landet", "national")):
        other = data.report_document(data.resolve_scope(scope, imported), imported)
        sizes = {r["key"]: r["values"]["antall"] for r in other["tables"]["kategorier"]["rows"]}
        own_sizes = {r["key"]: r["values"]["antall"] for r in own["tables"]["kategorier"]["rows"]}
        assert sizes["alle"] != own_sizes["alle"]
        page = client.get(url, {"sammenligning": name}, HTTP_HX_REQUEST="true").content.decode()
        tables = re.findall(
            rf'<table[^>]*id="sammenligning-{name}-([^"]+)-tabell"[^>]*>(.*?)</table>', page, re.S
        )
        found = {table_id for table_id, _ in tables}
        assert {"levekarsindeks_grupper", "tjenester_kategori", "kategorier"} <= found
        n_checked = numbers_checked = 0
        for table_id, body in tables:
            table = other["tables"][table_id]
            rows = {r["key"]: r for r in table["rows"]}
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
                cells = re.findall(r'data-cell="([^"|]+)\|([^"]+)">(?:<abbr[^>]*>)?([^<]*)<', tr)
                if not cells:
                    continue
                row_key = cells[0][0]
                n = re.search(r'<td class="num num">([^<]*)</td>', tr)
                if n is not None and sizes.get(row_key) is not None and n.group(1) not in marks:
                    assert n.group(1) == common.format_number(sizes[row_key], common.COUNT), (
                        name, table_id, row_key,
                    )  # fmt: skip
                    n_checked += 1
                for row_key, column_key, text in cells:
                    text = unescape(text)  # «>99 %», «<1 %»
                    value = rows[row_key]["values"][column_key]
                    if value is None or text in marks:
                        continue  # hidden there or here (suppressed over other tables)
                    kind = common.cell_kind(table, rows[row_key], column_key)
                    assert text == common.format_number(value, kind, unit=True), (
                        name, table_id, row_key, column_key,
                    )  # fmt: skip
                    numbers_checked += 1
        assert n_checked >= 10 and numbers_checked >= 50, (name, n_checked, numbers_checked)


def test_only_who_may_see_rows_gets_the_workbook_with_raw_data(world, imported):
    url = reverse("reports:download", args=["municipality-4601", imported, "xlsx"])
    contact = client_for(world.users["contact"])
    page = contact.get(dashboard_url("municipality-4601", imported)).content.decode()
    assert "?radata=1" in page
    workbook = contact.get(url, {"radata": "1"})
    assert workbook.status_code == 200
    rows = pl.read_excel(io.BytesIO(workbook.content), sheet_name=xlsx.RAW_SHEET)
    assert rows.height == Registration.objects.filter(kommunenummer="4601", aar=imported).count()
    assert "person_key" not in rows.columns and "fodselsnummer" not in rows.columns
    regional = client_for(world.users["regional"])
    assert (
        "?radata=1"
        not in regional.get(dashboard_url("municipality-4601", imported)).content.decode()
    )
    assert regional.get(url, {"radata": "1"}).status_code == 403
    assert regional.get(url).status_code == 200
    analyst = client_for(world.users["analyst"])
    assert analyst.get(url, {"radata": "1"}).status_code == 200
    county = reverse("reports:download", args=["county-46", imported, "xlsx"])
    assert analyst.get(county, {"radata": "1"}).status_code == 403


def test_the_dashboard_opens_with_the_reports_findings_linked_to_their_tables(world, imported):
    client = client_for(world.users["contact"])
    page = client.get(dashboard_url("municipality-4601", imported)).content.decode()
    document = data.report_document(data.resolve_scope("municipality:4601", imported), imported)
    assert len(document["findings"]) >= 5
    panel = re.search(r'<section class="panel findings".*?</section>', page, re.S).group(0)
    assert page.index(panel) < page.index('id="last-ned"')  # above everything else
    items = re.findall(r"<li>(.*?)</li>", panel, re.S)
    assert [unescape(re.search(r'class="finding">(.*?)</p>', i).group(1)) for i in items] == [
        f["text"] for f in document["findings"]
    ]
    for item, finding in zip(items, document["findings"], strict=True):
        assert f'href="#tabell-{finding["table"]}"' in item
        assert f'id="tabell-{finding["table"]}"' in page


def test_the_dashboard_offers_one_deck_per_main_group_of_at_most_forty_slides(world, imported):
    client = client_for(world.users["contact"])
    page = client.get(dashboard_url("municipality-4601", imported)).content.decode()
    base = reverse("reports:download", args=["municipality-4601", imported, "pptx"])
    for group, who in (("rus", "rusproblemer"), ("psykisk", "kun psykiske problemer")):
        url = f"{base}?hovedgruppe={group}"
        assert f'href="{url}"' in page
        answer = client.get(url)
        assert answer.status_code == 200
        assert (
            f'filename="brukerplan-{imported}-4601-{group}.pptx"' in answer["Content-Disposition"]
        )
        slides = list(Presentation(io.BytesIO(answer.content)).slides)
        assert len(slides) <= 40
        assert f"Mottakere med {who}" in slides[0].placeholders[1].text
    for wrong in (f"{base}?hovedgruppe=alle", f"{base[:-4]}pdf?hovedgruppe=rus"):
        assert client.get(wrong).status_code == 404
