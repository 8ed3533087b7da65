"""The report dashboard: choose a scope and year, see the tables and charts, download them.

Every rendering – this page, the PDF, the slides, the workbook – is made from
the one report document (`brukerplan.reports.data.report_document`); the page
formats its cells with the same helpers as the PDF (`render.common`) and draws
the same chart specs (`render.charts`), so a number on the web is the number
in the PDF. Built documents, the page's tables and charts, and rendered files
are kept in the cache every web worker shares (`store.shared()`, the database's
cache table) per scope and year, under a key that changes whenever a submitted
registration of the year does, or the report code. They hold only published
numbers (after the small-number rule); raw rows are never cached.

A county's small municipalities are pooled (`data.pools`, report-format.md): the pool
has a dashboard of its own ("pool-46-sma"), and a member municipality's page says it
is in the pool, with a link for whoever may see the pool.
"""

from __future__ import annotations

import json
from functools import cached_property

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from brukerplan.accounts import permissions
from brukerplan.audit import trail
from brukerplan.audit.models import Kind, Outcome
from brukerplan.organisations import register, release
from brukerplan.registrations.models import Registration
from brukerplan.reports import data, publication, store
from brukerplan.reports.document import SCOPE_TYPES
from brukerplan.reports.outputs import output
from brukerplan.reports.render import chart_process, common
from brukerplan.reports.render.chart_svg import FORMAT_LOCALE

CACHE_SECONDS = 15 * 60
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMAT_LABELS = {"pdf": "PDF", "pptx": "PowerPoint", "xlsx": "Excel"}
GROUP_DECK_LABELS = {
    "rus": "PowerPoint: rusproblemer",
    "psykisk": "PowerPoint: kun psykiske problemer",
}
SCOPE_GROUPS = {
    "national": "Landet",
    "region": "Helseregioner",
    "county": "Fylker",
    "pool": "Små kommuner samlet",
    "municipality": "Kommuner",
}


# --- scopes in URLs: "municipality-4601" is "municipality:4601" -----------------------


def _scope_key(slug: str) -> str:
    scope_type, _, code = slug.partition("-")
    if scope_type not in SCOPE_TYPES or (scope_type == "national") != (not code):
        raise Http404
    return f"{scope_type}:{code}" if code else scope_type


def _slug(key: str) -> str:
    return key.replace(":", "-", 1)


def _split(key: str) -> tuple[str, str | None]:
    scope_type, _, code = key.partition(":")
    return scope_type, code or None


# --- the cache --------------------------------------------------------------------------


def _fingerprint(key: str, seen: _Year) -> str:
    return publication.fingerprint(key, seen.year, version=seen.version)


def _cache_key(key: str, year: int, fingerprint: str, part: str) -> str:
    return publication.cache_key(key, year, fingerprint, part)


def _document(key: str, year: int, fingerprint: str) -> dict:
    """{"document": the report document} or {"too_few": message}, from the store (built
    and stored here when nothing has built it)."""
    try:
        return publication.document(key, year, fingerprint)
    except data.UnknownScope:
        raise Http404 from None


def _report(key: str, year: int, fingerprint: str) -> dict:
    """{"document", "sections", "comparisons": {name: label}} or {"too_few": message}.

    The page's sections (every chart spec of the report) are made only here, for the
    page: a download needs the document alone.
    """
    entry = _document(key, year, fingerprint)
    if "too_few" in entry:
        return entry
    document = entry["document"]
    cache_key = _cache_key(key, year, fingerprint, "page")
    page = store.shared().get(cache_key)
    if page is None:
        page = {
            "sections": _sections(document, document.get("tables", {}), "tabell"),
            "comparisons": {
                name: comparison.get("label", name)
                for name, comparison in (document.get("comparisons") or {}).items()
            },
        }
        store.shared().set(cache_key, page, CACHE_SECONDS)
    return {"document": document, **page}


def _comparison(key: str, year: int, fingerprint: str, report: dict, name: str) -> list[dict]:
    """The sections of one comparison; built when it is first shown."""
    cache_key = _cache_key(key, year, fingerprint, f"comparison:{name}")
    sections = store.shared().get(cache_key)
    if sections is None:
        document = report["document"]
        tables = document["comparisons"][name].get("tables", {})
        sections = _sections(document, tables, f"sammenligning-{name}")
        store.shared().set(cache_key, sections, CACHE_SECONDS)
    return sections


# --- the page's tables and charts -------------------------------------------------------


def _sections(document: dict, tables: dict, prefix: str) -> list[dict]:
    """Tables in report order, grouped in sections, each with its charts (as Vega-Lite specs)."""
    # Altair (0.2 s to import) only for a page's charts: a download served from the store
    # needs none of it.
    from brukerplan.reports.render import charts

    instrument = common.instrument_for(document)
    threshold = common.threshold_of(document)
    shown_document = {**document, "tables": tables}
    sections: list[dict] = []
    for table_id in common.ordered_table_ids(shown_document):
        table = tables[table_id]
        info = common.table_info(table_id, table)
        anchor = f"{prefix}-{table_id}"
        shown = common.display_table(table_id, table, document, instrument)
        figures = [
            {
                "id": f"{anchor}-figur-{i}",
                "title": figure.title,
                "note": figure.empty_note if figure.empty else figure.note,
                # Every number hidden: the caption says so, and no empty axes are drawn.
                "spec": "" if figure.empty else json.dumps(chart, ensure_ascii=False),
            }
            for i, (figure, chart) in enumerate(
                charts.charts_for(table_id, table, instrument, threshold=threshold), 1
            )
        ]
        if shown is None and not figures:
            continue
        if not sections or sections[-1]["key"] != info.section:
            title = common.SECTIONS.get(info.section, info.section)
            sections.append({"key": info.section, "title": title, "items": []})
        sections[-1]["items"].append(
            {
                "id": table_id,
                "anchor": anchor,
                "title": table.get("title", table_id),
                "intro": info.intro,
                "figures": figures,
                "table": _table(shown) if shown is not None else None,
            }
        )
    return sections


def _table(shown: common.DisplayTable) -> dict:
    """A display table as the template writes it: header cells, row header, data cells."""

    def cell(c: common.Cell, index: int) -> dict:
        return {
            "text": c.text,
            "kind": c.kind,
            "colour": c.colour or "",
            "colspan": c.colspan,
            "key": "|".join(c.key) if c.key else "",
            "row_header": index == 0 and c.kind == "label",
        }

    return {
        "header": [[cell(c, i) for i, c in enumerate(row)] for row in shown.header],
        "body": [
            {"style": row.style, "cells": [cell(c, i) for i, c in enumerate(row.cells)]}
            for row in shown.body
        ],
        "notes": list(shown.notes),
        "n_text": shown.n_text,
        "width": shown.width,
    }


# --- pools and who may see what ------------------------------------------------------------


class _Year:
    """What one request reads of a year's data, each at most once: the data's fingerprint
    (`store.fingerprint`) and the year's pools (`data.pools`, from the shared store; read
    for a pool's page only, so other pages cost no query more)."""

    def __init__(self, year: int) -> None:
        self.year = year

    @cached_property
    def version(self) -> str:
        return store.fingerprint(self.year)

    @cached_property
    def pools(self) -> dict[str, data.Pool]:
        return data.pools(self.year, version=self.version)

    def pool(self, key: str) -> data.Pool | None:
        """The pool of a "pool:46-sma" key (None: not a pool, or none that year)."""
        scope_type, code = _split(key)
        if scope_type != "pool" or not code:
            return None
        pool = self.pools.get(data.pool_county(code))
        return pool if pool is not None and pool.scope.code == code else None

    def chosen_pools(self, key: str) -> list[tuple[str, str, tuple[str, ...]]]:
        """The pool of the key when it is one that is made, as `permissions.report_scopes_for`
        takes pools: the chooser offers a pool on its own page; the way to it is the link on
        its county's page and on its members' pages."""
        pool = self.pool(key)
        if pool is None or not pool.made:
            return []
        return [(pool.scope.code, pool.scope.name, pool.scope.members)]


def _unreleased(user, key: str, year: int) -> bool:
    """Whether the user sees the scope's report before its release date as a municipality
    does: its own report only, without comparisons."""
    if permissions.may_see_unreleased(user):
        return False
    return release.release_of(*_split(key), year).not_public_before is not None


def _may_view(user, key: str, seen: _Year) -> bool:
    """Whether the user may see the scope's report (a pool's: with its members that year).
    A pool that does not exist that year is not found, once the permission is known."""
    scope_type, code = _split(key)
    pool = seen.pool(key)
    members = pool.scope.members if pool is not None else ()
    allowed = permissions.may_view_report(user, scope_type, code, seen.year, members=members)
    if allowed and scope_type != "municipality" and _unreleased(user, key, seen.year):
        return False
    if allowed and scope_type == "pool" and pool is None:
        raise Http404
    return allowed


def _pool_notice(user, entry: dict, year: int) -> dict | None:
    """A member municipality's notice (where its report would have been): its pool's name,
    whether the pool is made, and the link to its report when the user may see it."""
    pool = entry.get("pool")
    if pool is None:
        return None
    allowed = pool["made"] and permissions.may_view_report(
        user, "pool", pool["code"], year, members=pool["members"]
    )
    url = reverse("reports:dashboard", args=[_slug(pool["key"]), year]) if allowed else ""
    return {"name": pool["name"], "made": pool["made"], "url": url}


def _county_pool(user, document: dict | None, year: int) -> dict | None:
    """A county's pool as its page tells it: made (with the link) or not, and its members'
    names (the county's document carries it, `"pool"`)."""
    pool = (document or {}).get("pool")
    if pool is None:
        return None
    names = register.current().municipalities_in(year)
    members = [names[c].name if c in names else c for c in pool["members"]]
    allowed = pool["made"] and permissions.may_view_report(
        user, "pool", pool["code"], year, members=pool["members"]
    )
    slug = _slug(f"pool:{pool['code']}")
    return {
        "name": pool["name"],
        "made": pool["made"],
        "members": ", ".join(members),
        "url": reverse("reports:dashboard", args=[slug, year]) if allowed else "",
    }


# --- views --------------------------------------------------------------------------------


def _years_with_data() -> set[int]:
    return set(
        Registration.objects.filter(status=Registration.Status.SUBMITTED)
        .lawful()
        .values_list("aar", flat=True)
        .distinct()
    )


def _report_year(year: int) -> bool:
    """Whether a year can have a report: the municipality register reaches back to it
    (before it there are no municipalities), and it is not after next year (a mapping is
    of this year or, planned ahead, the next; a later year is a mistyped address)."""
    return register.current().knows(year) and year <= timezone.localdate().year + 1


def _years() -> list[int]:
    """Years with submitted registrations and this year, newest first (those the
    municipality register knows)."""
    known = register.current()
    years = {y for y in _years_with_data() | {timezone.localdate().year} if known.knows(y)}
    return sorted(years, reverse=True)


@login_required
def index(request):
    """The choice of scope and year; sends the user on to that report."""
    try:
        year = int(request.GET.get("aar") or 0) or _released_year(request.user)
    except ValueError:
        raise Http404 from None
    wanted = request.GET.get("omfang")
    scopes = permissions.report_scopes_for(
        request.user, year, _Year(year).chosen_pools(wanted or "")
    )
    if not scopes:
        raise PermissionDenied
    if wanted:
        if wanted not in {s.key for s in scopes}:
            raise PermissionDenied
        key = wanted
    else:
        key = scopes[0].key
    return redirect("reports:dashboard", scope=_slug(key), year=year)


def _released_year(user) -> int:
    """The newest year with data whose first report for the user is final and public (else
    the newest year with data, else this year): where the dashboard opens."""
    years = sorted(_years_with_data(), reverse=True)
    for year in years:
        scopes = permissions.report_scopes_for(user, year)
        if scopes:
            state = release.release_of(*_split(scopes[0].key), year)
            if not state.preliminary and state.not_public_before is None:
                return year
    return years[0] if years else timezone.localdate().year


def _grouped(scopes: list[permissions.ReportScope]) -> list[dict]:
    groups: list[dict] = []
    for scope in scopes:
        if not groups or groups[-1]["type"] != scope.type:
            groups.append({"type": scope.type, "label": SCOPE_GROUPS[scope.type], "scopes": []})
        groups[-1]["scopes"].append(scope)
    return groups


@login_required
def dashboard(request, scope: str, year: int):
    key = _scope_key(scope)
    scope_type, code = _split(key)
    if not _report_year(year):
        raise Http404
    seen = _Year(year)
    if not _may_view(request.user, key, seen):
        raise PermissionDenied
    if request.htmx and "lages" in request.GET:  # the poll of a build under way
        return _progress(request, key, scope, year)
    fingerprint = _fingerprint(key, seen)
    report = _report(key, year, fingerprint)
    comparisons = report.get("comparisons", {})
    if _unreleased(request.user, key, year):  # nothing of the county before the release
        comparisons = {}
    chosen = request.GET.get("sammenligning")
    if chosen not in comparisons:
        chosen = next(iter(comparisons), None)
    context = {
        "key": key,
        "slug": scope,
        "year": year,
        "report": report,
        "comparison_name": chosen,
        "comparison": {
            "label": comparisons[chosen],
            "sections": _comparison(key, year, fingerprint, report, chosen),
        }
        if chosen
        else None,
        "format_locale": json.dumps(FORMAT_LOCALE),
        # The title of a hidden cell, in the words of the document's own threshold.
        "hidden_note": common.hidden_note(common.threshold_of(report["document"]))
        if "document" in report
        else "",
    }
    if request.htmx and "sammenligning" in request.GET:
        return render(request, "reports/dashboard_comparison.html", context)
    scopes = permissions.report_scopes_for(request.user, year, seen.chosen_pools(key))
    document = report.get("document")
    pool = seen.pool(key)
    context |= {
        "pool_notice": _pool_notice(request.user, report, year),
        "register_notice": register.notice(year)
        if permissions.may_see_register_notices(request.user)
        else None,
        "county_pool": _county_pool(request.user, document, year),
        "coverage": common.coverage_text(document) if document else "",
        "release_lines": common.release_lines(document) if document else [],
        "progress": publication.progress(key, year),
        "progress_url": _progress_url(scope, year),
        "scope_groups": _grouped(scopes),
        "years": _years(),
        "name": document["scope"]["name"]
        if document
        else (pool.scope.name if pool else _name(scopes, key)),
        "document": document,
        "findings": _findings(report) if document else [],
        "has_findings": bool(document) and "findings" in document,
        "no_findings": common.NO_FINDINGS,
        "persons": common.format_number(document["persons"], common.COUNT) if document else "",
        "registrations": (
            common.format_number(document["registrations"], common.COUNT) if document else ""
        ),
        "downloads": [
            {
                "label": FORMAT_LABELS[f],
                "format": f,
                "url": reverse("reports:download", args=[scope, year, f]),
            }
            for f in ("pdf", "pptx", "xlsx")
        ],
        "group_decks": [
            {
                "label": GROUP_DECK_LABELS[group],
                "url": reverse("reports:download", args=[scope, year, "pptx"])
                + f"?hovedgruppe={group}",
            }
            for group in common.MAIN_GROUPS
        ],
        "raw_download": (
            reverse("reports:download", args=[scope, year, "xlsx"]) + "?radata=1"
            if document and permissions.may_download_row_data(request.user, scope_type, code, year)
            else ""
        ),
    }
    return render(request, "reports/dashboard.html", context)


def _findings(report: dict) -> list[dict]:
    """The document's main findings, each linked to its table where the page shows it."""
    on_page = {item["id"] for section in report["sections"] for item in section["items"]}
    return [
        {**finding, "anchor": f"tabell-{finding['table']}" if finding["table"] in on_page else ""}
        for finding in common.findings_of(report["document"])
    ]


def _progress(request, key: str, slug: str, year: int):
    """The build under way that includes the scope ("Rapportene lages … 12 av 43"): the
    dashboard asks every few seconds while one runs (htmx), and stops when it ends."""
    context = {
        "progress": publication.progress(key, year),
        "progress_url": _progress_url(slug, year),
    }
    return render(request, "reports/dashboard_progress.html", context)


def _progress_url(slug: str, year: int) -> str:
    return reverse("reports:dashboard", args=[slug, year]) + "?lages=1"


def _name(scopes: list[permissions.ReportScope], key: str) -> str:
    return next((s.name for s in scopes if s.key == key), key)


@login_required
def download(request, scope: str, year: str, format: str):
    year = int(year)
    key = _scope_key(scope)
    scope_type, code = _split(key)
    if not _report_year(year):
        raise Http404
    seen = _Year(year)
    raw = format == "xlsx" and request.GET.get("radata") == "1"
    allowed = _may_view(request.user, key, seen) and (
        not raw or permissions.may_download_row_data(request.user, scope_type, code, year)
    )
    trail.record(
        Kind.ROW_DATA if raw else Kind.REPORT_DOWNLOADED,
        by=request.user,
        outcome=Outcome.ALLOWED if allowed else Outcome.REFUSED,
        municipality=code if scope_type == "municipality" else "",
        what={"scope": key, "year": year, "format": format},
    )
    if not allowed:
        raise PermissionDenied
    main_group = request.GET.get("hovedgruppe") or None  # one main group's deck
    if main_group is not None and (format != "pptx" or main_group not in common.MAIN_GROUPS):
        raise Http404
    fingerprint = _fingerprint(key, seen)
    # What the worker (or an earlier download) stored is served as it is. Rows are never
    # stored: they stay in the database until asked for.
    unreleased = _unreleased(request.user, key, year)
    content = (
        None
        if raw or unreleased
        else publication.stored_file(key, year, fingerprint, format, main_group)
    )
    if content is None:
        if format == "pdf":
            chart_process.start()  # its engine starts while the document is found or built
        entry = _document(key, year, fingerprint)
        if "too_few" in entry:
            return redirect("reports:dashboard", scope=scope, year=year)
        if raw:
            document = entry["document"]
            if unreleased:  # nothing of the county before the release
                document = {**document, "comparisons": {}}
            content = _xlsx_with_rows(document, code, year)
        elif unreleased:  # without comparisons: neither stored nor read from the store
            content = output({**entry["document"], "comparisons": {}}, format)
        else:  # nothing has built it: built now, and stored for every later download
            content = publication.file(key, year, fingerprint, format, main_group)
    suffix = "-radata" if raw else f"-{main_group}" if main_group else ""
    name = f"brukerplan-{year}-{code or 'landet'}{suffix}.{format}"
    response = HttpResponse(content, content_type=CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _xlsx_with_rows(document: dict, code: str, year: int) -> bytes:
    """The workbook with the municipality's export rows (no fødselsnummer, no person key),
    read here and handed to the renderer."""
    from brukerplan.registrations.exports import municipality_export
    from brukerplan.reports.render.xlsx import render_xlsx

    if document["scope"]["type"] != "municipality":
        raise Http404  # row data are exported for one municipality at a time
    return render_xlsx(document, municipality_export(code, year))
