"""The report document as a PDF (A4), through an HTML template and WeasyPrint.

Title page, a short text per table, the colour legend with the instrument's
help texts, every table with its denominators, and the main charts as SVG.
Numbers are the document's, formatted by `common`; nothing is computed here.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.template import Context, Engine

from brukerplan.reports.render.chart_images import PendingSvg
from brukerplan.reports.render.common import (
    COLOUR_LABELS,
    COLOURS,
    COUNT,
    GROUP_LABELS,
    MAIN_GROUPS,
    NO_FINDINGS,
    SECTIONS,
    TABLES,
    DisplayTable,
    comparison_display_table,
    coverage_text,
    display_table,
    figures,
    findings_of,
    format_number,
    group_sizes,
    instrument_for,
    n_text,
    ordered_table_ids,
    pool_text,
    release_lines,
    scope_kind,
    scope_name,
    scope_place,
    small_numbers_text,
    table_info,
    thin_text,
    threshold_of,
)
from brukerplan.reports.render.fitting import (
    Fit,
    Setting,
    fit,
    least_widths,
    parts_of,
    with_legend,
)

TEMPLATES = Path(__file__).parent / "templates"
# Figures drawn in the PDF ("main"): the seed's figures. The rest of `nokkeltall`
# is shown as tables (the slides have every figure as a native chart).
MAIN_FIGURES = frozenset(
    {
        "kategorier",
        "levekarsindeks_grupper",
        "levekarsomrader",
        "nokkeltall.alder",
        "nokkeltall.bor_med",
        "nokkeltall.aktiviteter",
        "nokkeltall.livsopphold",
    }
)


@cache
def _engine() -> Engine:
    return Engine(dirs=[str(TEMPLATES)], autoescape=True)


@cache
def _css() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def _cell(cell) -> dict:
    return {
        "text": cell.text,
        "kind": cell.kind,
        "colspan": cell.colspan,
        "colour": cell.colour if cell.colour in COLOURS else None,
        "hex": COLOURS.get(cell.colour) if cell.colour else None,
    }


# --- a table's layout: columns as wide as their words, the page and the parts it needs ---

MM = 72 / 25.4  # pt
# The width of a page's text (report.css: A4 with 18 mm margins on either side).
PORTRAIT_ROOM = (210 - 36) * MM
LANDSCAPE_ROOM = (297 - 36) * MM
# report.css: the font size and a cell's left and right padding of a table, and of a
# compared one; a colour swatch with its margin.
SIZE, COMPARED_SIZE = 8.5, 7.5
PADDING, COMPARED_PADDING = 2 * 1.6 * MM, 2 * 1.4 * MM
SWATCH = (2.6 + 1.2) * MM
# Room kept free for what the widths do not know (kerning, rounding): the text's room in a
# column is this much narrower than its width.
SLACK = 1.5
# A header of more lines than this reads badly, and so does a row label squeezed into
# more lines than that, and than it would take in the room it would like: the table is
# set another way (see `table_layout`).
MOST_HEADER_LINES = 5
MOST_LABEL_LINES = 2
# A table with more rows than this may break across pages; a shorter one is kept whole (a
# few rows carried over read badly).
SHORT_ROWS = 30


@cache
def _dictionary():
    import pyphen

    # report.css: hyphenate-limit-chars 10 3 3, as WeasyPrint asks pyphen.
    return pyphen.Pyphen(lang="nb", left=3, right=3)


@cache
def hyphenations(word: str) -> tuple[tuple[str, str], ...]:
    """Where WeasyPrint may hyphenate a word (Norwegian; a long word only, of at least 10
    letters, 3 on either side): (first part, rest), longest first part first."""
    core = word.strip(",.;:()«»")
    if len(core) < 10 or not core.isalpha():
        return ()
    start = word.index(core)
    before, after = word[:start], word[start + len(core) :]
    return tuple((before + first, rest + after) for first, rest in _dictionary().iterate(core))


@dataclass(frozen=True)
class TableLayout:
    """How the PDF sets a shown table: its parts (the table itself, or the parts of one too
    wide for a page, each with the row labels) with their column widths (pt), on landscape
    pages or not, the font size (pt), and the notes under it (a legend of shortened headers,
    then the marks)."""

    parts: tuple[tuple[DisplayTable, Fit], ...]
    landscape: bool
    size: float
    notes: tuple[str, ...]

    @property
    def room(self) -> float:
        return LANDSCAPE_ROOM if self.landscape else PORTRAIT_ROOM


def _setting(size: float, compared: bool, hyphenate: bool) -> Setting:
    padding = (COMPARED_PADDING if compared else PADDING) + SLACK
    return Setting(size, padding, SWATCH, hyphenations if hyphenate else None)


def _fitted(shown: DisplayTable, setting: Setting, room: float, compared: bool) -> Fit | None:
    share = (0.2 if room > PORTRAIT_ROOM else 0.28) if compared else 0.36
    found = fit(shown, setting, room, label_share=share)
    if found is None or found.header_lines > MOST_HEADER_LINES:
        return None
    squeezed = found.label_squeeze > 0 and found.label_lines > MOST_LABEL_LINES
    return None if squeezed else found


def table_layout(shown: DisplayTable, *, compared: bool = False) -> TableLayout:
    """The first way the table fits (every word and number in its column, headers and row
    labels on few lines): on a portrait page with whole words, with long headers shortened
    (a legend under the table), with long words hyphenated, with both; the same on a
    landscape page, then in a font a point smaller; else in parts, each with the row
    labels."""
    size = COMPARED_SIZE if compared else SIZE
    legended = with_legend(shown)
    ways = [(shown, False), (legended, False), (shown, True), (legended, True)]
    if legended is shown:
        ways = ways[::2]
    for landscape in (False, True):
        room = LANDSCAPE_ROOM if landscape else PORTRAIT_ROOM
        for table, hyphenate in ways:
            found = _fitted(table, _setting(size, compared, hyphenate), room, compared)
            if found is not None:
                return TableLayout(((table, found),), landscape, size, table.notes)
    smaller = size - 1
    found = _fitted(legended, _setting(smaller, compared, True), LANDSCAPE_ROOM, compared)
    if found is not None:
        return TableLayout(((legended, found),), True, smaller, legended.notes)

    def fits(part: DisplayTable, way: tuple[bool, float]) -> Fit | None:
        landscape, one = way
        room = LANDSCAPE_ROOM if landscape else PORTRAIT_ROOM
        return _fitted(part, _setting(one, compared, True), room, compared)

    found = parts_of(legended, ((False, size), (True, size), (True, smaller)), fits)
    if found is not None:
        (landscape, one), parts = found
        return TableLayout(tuple(parts), landscape, one, legended.notes)
    # Nothing fits (a table of very many columns): its least widths, in the room there is.
    least = least_widths(legended, _setting(smaller, compared, True))
    widths = tuple(w * LANDSCAPE_ROOM / sum(least) for w in least)
    return TableLayout(((legended, Fit(widths, 0, 0)),), True, smaller, legended.notes)


def _table_context(shown: DisplayTable, *, compared: bool = False) -> dict:
    layout = table_layout(shown, compared=compared)
    count = len(layout.parts)
    parts = []
    for number, (part, found) in enumerate(layout.parts, start=1):
        total = sum(found.widths)
        parts.append(
            {
                "of": f"{number} av {count}" if count > 1 else "",
                "suffix": f"-{number}" if number > 1 else "",
                "columns": [f"{100 * w / total:.2f}" for w in found.widths],
                "header": [[_cell(c) for c in row] for row in part.header],
                "body": [
                    {"style": row.style, "cells": [_cell(c) for c in row.cells]}
                    for row in part.body
                ],
            }
        )
    base = COMPARED_SIZE if compared else SIZE
    return {
        "table_id": shown.table_id,
        "compared": compared,
        "wide": layout.landscape,
        "font_size": f"{layout.size:g}pt" if layout.size != base else "",
        "short": len(shown.body) <= SHORT_ROWS,
        "title": shown.title,
        "n_text": shown.n_text,
        "notes": layout.notes,
        "parts": parts,
    }


def _figure_n(figure, sizes: dict) -> str:
    if figure.table_id in ("levekarsomrader", "nokkeltall"):
        parts = [
            f"{GROUP_LABELS[g]}: {n_text(sizes.get(g))}"
            for g in MAIN_GROUPS
            if g in sizes and any(s.key == g or p.key == g for p in figure.panels for s in p.series)
        ]
        return ", ".join(parts)
    if figure.table_id == "levekarsindeks_grupper":
        return "N: se tabellen over kategorier"
    return ""


def shown_table_ids(document: dict, table_set: str | None = None) -> list[str]:
    """The tables the PDF shows. `table_set`: "core" (those of `TABLES`: report-format.md's
    fixed list and what a municipal planner needs, the summary, coverage, services needed
    against received, LAR, the trend against the previous mapping) or "all"; None: "core"
    for a municipality and for a pool of small ones (read as a municipality's), "all"
    otherwise. Tables without rows are left out."""
    if table_set is None:
        scope_type = (document.get("scope") or {}).get("type")
        table_set = "core" if scope_type in ("municipality", "pool") else "all"
    tables = document.get("tables", {})
    ids = [t for t in ordered_table_ids(document) if tables[t].get("rows")]
    if table_set == "core":
        ids = [t for t in ids if t in TABLES]
    return ids


CHART_URL = "brukerplan-chart:"


@dataclass
class Page:
    """The report as HTML for WeasyPrint, whose charts (`CHART_URL` + a digest of the spec)
    are read through `fetcher()` when WeasyPrint lays them out: until then they are being
    converted."""

    html: str
    charts: dict[str, PendingSvg]

    def fetcher(self):
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        charts = self.charts

        class ChartFetcher(URLFetcher):
            def fetch(self, url, headers=None):
                if url in charts:
                    svg = charts[url].result().encode()
                    return URLFetcherResponse(url, svg, {"Content-Type": "image/svg+xml"})
                return super().fetch(url, headers)

        # A chart that cannot be had stops the PDF (WeasyPrint would leave it out).
        return ChartFetcher(allowed_protocols=("file",), fail_on_errors=True)


def page(document: dict, *, chart_set: str = "main", table_set: str | None = None) -> Page:
    """`chart_set`: main | all | none; `table_set`: core | all | None (see
    `shown_table_ids`)."""
    context, charts = _page_context(document, chart_set, table_set)
    return Page(_html(context), charts)


def _html(context: dict) -> str:
    made = (
        _engine()
        .get_template("report.html")
        .render(Context(context, autoescape=True, use_l10n=False, use_tz=False))
    )
    return made.rstrip()


def _css_string(text: str) -> str:
    """`text` inside a CSS string in double quotes (and a <style> element)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ")
    return escaped.replace("\n", " ")


def _page_context(document: dict, chart_set: str, table_set: str | None):
    instrument = instrument_for(document)
    threshold = threshold_of(document)
    sizes = group_sizes(document)
    tables = document.get("tables", {})
    table_ids = shown_table_ids(document, table_set)
    left_out = len(shown_table_ids(document, "all")) - len(table_ids)

    # The charts are asked for first: the chart helper converts them while the rest is made.
    # A figure with every number hidden gets its caption and a line saying so, not a chart.
    svg_by_key: dict[str, PendingSvg | None] = {}
    if chart_set != "none":
        for table_id in table_ids:
            for figure in figures(table_id, tables[table_id], instrument, threshold=threshold):
                if chart_set == "all" or figure.key in MAIN_FIGURES:
                    # Built (Altair) and converted by the chart helper when one runs.
                    pending = (
                        None
                        if figure.empty
                        else PendingSvg.of_figure(figure, _figure_chart, titled=False)
                    )
                    svg_by_key[figure.key] = pending
    charts: dict[str, PendingSvg] = {}

    sections: list[dict] = []
    table_number = figure_number = 0
    for table_id in table_ids:
        table = tables[table_id]
        info = table_info(table_id, table)
        shown = display_table(table_id, table, document, instrument)
        figs = []
        for figure in figures(table_id, table, instrument, threshold=threshold):
            if figure.key not in svg_by_key:
                continue
            figure_number += 1
            pending = svg_by_key[figure.key]
            src = ""
            if pending is not None:
                src = CHART_URL + hashlib.sha256(pending.key.encode()).hexdigest()[:24]
                charts[src] = pending
            figs.append(
                {
                    "number": figure_number,
                    "title": figure.title,
                    "n": _figure_n(figure, sizes),
                    "src": src,
                    "note": figure.note if src else figure.empty_note,
                }
            )
        compared = comparison_display_table(table_id, document, instrument)
        if shown is None and not figs and compared is None:
            continue
        shown_tables = []
        # With comparisons, the table beside them holds the scope's own numbers too.
        candidates = ((compared, True),) if compared is not None else ((shown, False),)
        for one, is_compared in candidates:
            if one is not None:
                table_number += 1
                context = _table_context(one, compared=is_compared)
                shown_tables.append({"number": table_number, **context})
        title = SECTIONS.get(info.section, info.section)
        if not sections or sections[-1]["key"] != info.section:
            sections.append({"key": info.section, "title": title, "items": []})
        wide = any(t["wide"] for t in shown_tables)
        if not sections[-1]["items"]:
            sections[-1]["wide_heading"] = wide  # the heading goes with its first item
        sections[-1]["items"].append(
            {
                "table_id": table_id,
                "title": table["title"],
                "intro": info.intro,
                "figures": figs,
                "tables": shown_tables,
                "wide": wide,
            }
        )

    levekar = instrument.section("levekar")
    help_rows = [
        {"label": q.label, **{c: q.colours.get(c, "") for c in ("gronn", "gul", "rod")}}
        for q in levekar.questions
    ]
    points = {k: _decimal(v) for k, v in instrument.index_points.items()}
    group_texts = {
        "gronn": "Grønn på alle de åtte levekårsområdene.",
        "gul": "Hovedsakelig grønne og gule områder.",
        "rod": "Hovedvekt av gule områder, i kombinasjon med noen grønne og røde.",
        "blalys": "Særlig dårlige levekår: flest røde områder. Et signal om å handle raskt.",
    }
    index_groups = [
        {
            "label": COLOUR_LABELS.get(g.code, g.code),
            "hex": COLOURS.get(g.code, "#999"),
            "range": _decimal(g.minimum)
            if g.minimum == g.maximum
            else f"{_decimal(g.minimum)}–{_decimal(g.maximum)}",
            "text": group_texts.get(g.code, ""),
        }
        for g in instrument.index_groups
    ]
    colour_legend = [
        {"label": "Grønn", "hex": COLOURS["gronn"], "text": "god fungering"},
        {"label": "Gul", "hex": COLOURS["gul"], "text": "noe svikt"},
        {"label": "Rød", "hex": COLOURS["rod"], "text": "svært dårlig fungering"},
        {"label": "Blålys", "hex": COLOURS["blalys"], "text": "særlig dårlige levekår (indeks)"},
    ]
    group_figures = [
        {"key": g, "n": format_number(sizes.get(g), COUNT), "label": _group_figure_label(g)}
        for g in MAIN_GROUPS
        if g in sizes
    ]
    scope = document.get("scope") or {}
    context = {
        "css": _css(),
        "year": str(document.get("year", "")),
        "scope_name": scope_name(document),
        "scope_kind": scope_kind(document),
        "scope_place": scope_place(document),
        "pool_text": pool_text(document),
        "thin_text": thin_text(document),
        "coverage_text": coverage_text(document),
        "release_lines": release_lines(document),
        "is_pool": scope.get("type") == "pool",
        "persons": format_number(document.get("persons"), COUNT),
        "registrations": format_number(document.get("registrations"), COUNT),
        "instrument_version": document.get("instrument_version", ""),
        "group_figures": group_figures,
        "small_numbers": small_numbers_text(threshold),
        "colour_legend": colour_legend,
        "sections": sections,
        "levekar_help": levekar.help,
        "help_rows": help_rows,
        "points": points,
        "index_groups": index_groups,
        "left_out": left_out,
        "findings": findings_of(document),
        "has_findings": "findings" in document,
        "no_findings": NO_FINDINGS,
        "front": True,  # the title page, "Hovedfunn" and "Om rapporten"
        "appendix": True,
        "all_sections": sections,  # the table of contents lists them all in either half
        "footer_css": _css_string(
            f"BrukerPlan {document.get('year', '')} – {scope_name(document)}"
        ),
    }
    return context, charts


def _group_figure_label(group: str) -> str:
    return {"rus": "med rusproblemer", "psykisk": "med kun psykiske problemer"}[group]


def _decimal(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def render_pdf(document: dict, *, chart_set: str = "main", table_set: str | None = None) -> bytes:
    """The report as PDF bytes."""
    return render_page(page(document, chart_set=chart_set, table_set=table_set))


_load_lock = threading.Lock()
_loaded = False


def load_weasyprint() -> None:
    """Imports WeasyPrint and reads the Norwegian hyphenation patterns (0.14 s; the compared
    tables hyphenate their headers), once per process: the `report` command calls it in a
    thread while the document is built."""
    global _loaded
    with _load_lock:
        if _loaded:
            return
        import pyphen
        import weasyprint  # noqa: F401

        pyphen.Pyphen(lang="nb")  # kept in pyphen's cache, where WeasyPrint finds it
        _loaded = True


# Tagged (PDF/UA-1): a screen reader follows the structure (headings, lists, tables), the
# language is the page's (`<html lang="nb">`) and each chart has its `alt` as its text.
PDF_VARIANT = "pdf/ua-1"


def render_page(made: Page) -> bytes:
    load_weasyprint()  # heavy, and only the PDF needs it
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    html = HTML(string=made.html, base_url=str(TEMPLATES), url_fetcher=made.fetcher())
    try:
        return html.write_pdf(pdf_variant=PDF_VARIANT)
    except FatalURLFetchingError as error:
        # A BaseException: as an ordinary error it is logged and answered like any other.
        raise RuntimeError(str(error)) from error.__cause__


def _figure_chart(figure, *, titled: bool) -> dict:
    """A figure's Vega-Lite spec, made here when the chart helper does not make it (Altair
    is imported only then)."""
    from brukerplan.reports.render.charts import figure_chart

    return figure_chart(figure, titled=titled)
