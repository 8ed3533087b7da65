"""Many municipal report documents from one load of the year's registrations.

`--all-municipalities` builds one document per municipality. Loading the
national frame of the year once (the comparisons need it anyway) and filtering
each municipality from it in Polars is much faster than one query per report.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import polars as pl

from brukerplan.reports import data
from brukerplan.reports import document as document_module
from brukerplan.reports.document import Scope


@dataclass(frozen=True)
class MunicipalDocument:
    code: str
    scope: Scope
    document: dict | None  # None: too few persons for a report


def _takes_national() -> bool:
    return "national" in inspect.signature(data.report_document).parameters


def municipal_documents(scope: Scope, year: int, codes: list[str]) -> Iterator[MunicipalDocument]:
    """The document of every municipality in `codes`, in order, from one national frame."""
    shared = {}
    if codes and _takes_national():
        shared["national"] = data.registrations_frame("national", None, year)
    with _shared_comparisons():
        for code in codes:
            municipality = data.resolve_scope(f"municipality:{code}", year)
            try:
                document = data.report_document(municipality, year, **shared)
            except data.TooFewPersons:
                document = None
            yield MunicipalDocument(code, municipality, document)


@contextmanager
def _shared_comparisons():
    """Every municipality of a county compares with the same county and the same country:
    their part of the document (`document.comparison_document`) is computed once per frame
    of persons (and label) and reused, not once per municipality."""
    original = getattr(document_module, "comparison_document", None)
    if original is None:
        yield
        return
    cache: dict[tuple, dict] = {}

    def shared(label, persons: pl.DataFrame, instrument, year, *args, **kwargs):
        ids = persons["registrering_id"] if "registrering_id" in persons.columns else None
        fingerprint = int(ids.hash().sum()) if ids is not None else id(persons)
        key = (label, year, persons.height, fingerprint, instrument.version, args, *kwargs.items())
        if key not in cache:
            cache[key] = original(label, persons, instrument, year, *args, **kwargs)
        return copy.deepcopy(cache[key])

    document_module.comparison_document = shared
    try:
        yield
    finally:
        document_module.comparison_document = original
