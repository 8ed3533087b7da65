"""The report document: the JSON data of report-format.md for one scope and year.

Pure: no Django. The caller loads the registrations of the scope and year
(drafts excluded) into an analysis frame (`brukerplan.reports.frame`);
`build_report` removes duplicates with the documented rule
(`brukerplan.registrations.duplicates.representatives`), keeps the adults,
computes every registered table (`brukerplan.reports.tables`) and turns each
typed cell into a number or null with the small-number rule
(`brukerplan.reports.suppression`, then `brukerplan.reports.secondary`). Every
column says what its numbers are (`"kind"`) and every table why each suppressed
cell is null (`"suppressed"`: primary or secondary). Renderings (PDF, slides, spreadsheet, web)
format the numbers of this document and never compute or suppress any.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from brukerplan.instrument.definition import Instrument
from brukerplan.registrations.duplicates import representatives
from brukerplan.reports import findings, secondary, suppression, thin
from brukerplan.reports.comparison import COMPARISON_LABELS
from brukerplan.reports.registry import compute, compute_notes
from brukerplan.reports.tables import Context, Count, Table, check_kinds

PRIMARY, SECONDARY = "primary", "secondary"  # the reasons of `suppressed` (report-format.md)
SCOPE_TYPES = ("national", "county", "municipality", "region", "pool")
# The scopes whose documents can be thin (`brukerplan.reports.thin`): the larger ones
# have persons enough by far.
THIN_SCOPES = ("municipality", "pool")
# The fixed tables computed over every comparison frame (the document's "comparisons").
COMPARISON_TABLES = (
    "kategorier",
    "levekarsindeks",
    "levekarsindeks_grupper",
    "levekarsomrader",
    "nokkeltall",
    "tjenester_kategori",
)


@dataclass(frozen=True)
class Scope:
    """What a report covers.

    type: national | county | municipality | region (health region) | pool (a county's
    municipalities with too few persons for a document of their own, report-format.md).
    code: None for national; the county ("46") or municipality ("4601") number;
    the health region's key ("helse_vest"); the pool's ("46-sma"). name: as the reader
    sees it. members: a pool's municipality numbers (empty for every other type).
    """

    type: str
    code: str | None
    name: str
    members: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in SCOPE_TYPES:
            raise ValueError(f"unknown scope type {self.type!r}")
        if (self.type == "national") != (self.code is None):
            raise ValueError("a national scope has no code, every other scope has one")
        if (self.type == "pool") != bool(self.members):
            raise ValueError("a pool has members, no other scope has")

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"type": self.type, "code": self.code, "name": self.name}
        if self.members:
            found["members"] = list(self.members)
        return found


def adult_persons(frame: pl.DataFrame, instrument: Instrument) -> pl.DataFrame:
    """One row per person (the registration that represents them), adults only."""
    return representatives(frame).filter(pl.col("alder") >= instrument.adult_age)


def minor_persons(frame: pl.DataFrame, instrument: Instrument) -> pl.DataFrame:
    """One row per person under the adult age (the under-18 chapter), after the duplicate rule."""
    return representatives(frame).filter(pl.col("alder") < instrument.adult_age)


def build_report(
    scope: Scope,
    year: int,
    frame: pl.DataFrame,
    instrument: Instrument,
    threshold: int,
    tables: Iterable[str] | None = None,
    *,
    previous: pl.DataFrame | None = None,
    previous_instrument: Instrument | None = None,
    comparisons: Mapping[str, pl.DataFrame] | None = None,
    comparison_labels: Mapping[str, str] | None = None,
    population: pl.DataFrame | None = None,
    comparison_sections: Mapping[str, dict] | None = None,
    forced: frozenset[tuple[str, str, str, int]] = frozenset(),
    comparison_forced: Mapping[str, frozenset[tuple[str, str, str, int]]] | None = None,
    development: Any = None,
) -> dict[str, Any]:
    """The report document for a scope and year.

    `frame`: every registration of the scope and year, duplicates and persons
    under 18 included. `threshold`: the small-number threshold (required: the caller
    reads the setting, `brukerplan.reports.data.small_number_threshold`); the document
    carries it as `"threshold"`, and every rendering words the rule from it.
    `tables`: ids to compute (default: every registered table).
    `previous`: every registration of the same scope in its previous mapping, one
    earlier year (trends, panel), read with `previous_instrument` (default `instrument`).
    `comparisons`: every registration of the frames to compare with, by name
    (`fylke`, `landet`, `storrelse`; see `brukerplan.reports.comparison`),
    labelled by `comparison_labels` (default `COMPARISON_LABELS`).
    `population`: inhabitants of every municipality in `year` (columns
    kommunenummer, year, adults, total).
    `comparison_sections`: sections (see below) already computed for some of the
    `comparisons`, by name; those are taken as they are (with this call's label).
    `development`: the persons of the chapter against a base year
    (`brukerplan.reports.development.select`), when there is one.
    `forced`: quantities to hide beyond the document's own protection (what protecting
    the year's publication as a whole asks of it, `brukerplan.reports.linked`), and
    `comparison_forced` those of each comparison's scope, by name.

    A municipality or pool with fewer than `thin.THIN_PERSONS` persons gets its tables by
    category for all of them together (`thin.together`) and says so: `"thin":
    {"persons_below": 30}`.

    The document ends with its `findings` (`brukerplan.reports.findings`): the main
    findings in sentences, each with the table it comes from, made from its shown numbers.

    With comparisons the document gets a `comparisons` section (after `tables`):
    per name, its label, its persons and the `COMPARISON_TABLES` computed over
    its adult persons, each cell through the small-number rule (and secondary
    suppression over that frame):

        "comparisons": {"fylke": {"label": "Vestland", "persons": 1234,
                                  "tables": {"kategorier": {...}, ...}}, ...}
    """
    suppression.checked(threshold)
    if frame.height and (frame["aar"] != year).any():
        raise ValueError(f"the frame holds registrations of another year than {year}")
    if previous is not None and previous.height:
        if (previous["aar"] >= year).any() or previous["aar"].n_unique() > 1:
            raise ValueError(f"the previous frame must hold one mapping year before {year}")
    comparisons = dict(comparisons or {})
    for name, other in comparisons.items():
        if other.height and (other["aar"] != year).any():
            raise ValueError(f"comparison {name!r} holds registrations of another year than {year}")
    persons = adult_persons(frame, instrument)
    previous_persons = None
    if previous is not None:
        previous_persons = adult_persons(previous, previous_instrument or instrument)
    compared = {name: adult_persons(other, instrument) for name, other in comparisons.items()}
    ctx = Context(
        persons=persons,
        instrument=instrument,
        previous=previous_persons,
        comparisons=compared,
        minors=minor_persons(frame, instrument),
        population=population,
        year=year,
        scope_type=scope.type,
        previous_instrument=previous_instrument if previous is not None else None,
        development=development,
    )
    computed = compute(ctx, tables)
    thin_document = scope.type in THIN_SCOPES and thin.is_thin(persons.height)
    if thin_document:
        computed = thin.together(computed, instrument)
    hidden = secondary.hidden_cells(computed, persons, threshold, forced)
    labels = {**COMPARISON_LABELS, **(comparison_labels or {})}
    document = {
        "scope": scope.as_dict(),
        "year": year,
        "instrument_version": instrument.version,
        "threshold": threshold,
        "persons": suppression.apply(Count(persons.height), threshold),
        "registrations": suppression.apply(Count(frame.height), threshold),
        "tables": {
            table_id: table_document(table, threshold, hidden)
            for table_id, table in computed.items()
        },
    }
    if thin_document:
        document["thin"] = {"persons_below": thin.THIN_PERSONS}
    table_notes = compute_notes(ctx, computed)
    if table_notes:  # e.g. what a trend across two instrument versions leaves out
        document["notes"] = table_notes
    if compared:
        ready = comparison_sections or {}
        document["comparisons"] = {
            name: {**ready[name], "label": labels.get(name, name)}
            if name in ready
            else comparison_document(
                labels.get(name, name),
                other,
                instrument,
                year,
                threshold,
                forced=(comparison_forced or {}).get(name, frozenset()),
            )
            for name, other in compared.items()
        }
    # Last: the sentences read the document's numbers as it publishes them.
    document["findings"] = findings.findings(document)
    return document


def comparison_document(
    label: str,
    persons: pl.DataFrame,
    instrument: Instrument,
    year: int,
    threshold: int,
    *,
    forced: frozenset[tuple[str, str, str, int]] = frozenset(),
) -> dict[str, Any]:
    """One frame to compare with: its label, persons and the `COMPARISON_TABLES` over it.

    A section of its document, not a document: the document's `threshold` is its rule.
    Protected as the compared scope's own document is (every table, and `forced`: what
    the publication hides in it), so its numbers are hidden alike in both."""
    ctx = Context(persons=persons, instrument=instrument, year=year)
    everything = compute(ctx, None)
    hidden = secondary.hidden_cells(everything, persons, threshold, forced)
    computed = {table_id: everything[table_id] for table_id in COMPARISON_TABLES}
    return {
        "label": label,
        "persons": suppression.apply(Count(persons.height), threshold),
        "tables": {
            table_id: table_document(table, threshold, hidden)
            for table_id, table in computed.items()
        },
    }


def table_document(
    table: Table,
    threshold: int,
    hidden: frozenset[tuple[str, str, str]] = frozenset(),
) -> dict:
    """One table as the document carries it: every cell through the small-number rule.

    `hidden`: (table id, row key, column key) of the cells secondary suppression hides.
    Every column has its `kind` (ValueError when it has none or its cells are of another,
    `tables.check_kinds`); a row whose cells are of another kind than their columns' says
    its own. `suppressed` gives the reason of every null that is a suppression: "primary"
    (`suppression.primary`) or "secondary" (`hidden`); a null of no value or not
    applicable is not one and is not listed.
    """
    check_kinds(table)
    rows = []
    suppressed: dict[str, dict[str, str]] = {}
    for row in table.rows:
        values: dict[str, Any] = {}
        for key, cell in row.values.items():
            if (table.id, row.key, key) in hidden:
                values[key] = None
                suppressed.setdefault(row.key, {})[key] = SECONDARY
                continue
            values[key] = suppression.apply(cell, threshold)
            if values[key] is None and suppression.primary(cell, threshold):
                suppressed.setdefault(row.key, {})[key] = PRIMARY
        shown: dict[str, Any] = {"key": row.key, "label": row.label}
        if row.kind is not None:
            shown["kind"] = row.kind
        rows.append({**shown, "values": values})
    return {
        "title": table.title,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
        "rows": rows,
        "suppressed": suppressed,
    }
