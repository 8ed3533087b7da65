"""Many municipal report documents from one load of the year's registrations.

`--all-municipalities` builds one document per municipality from the national
frame of the year (loaded or taken from `brukerplan.reports.store` once), each
municipality filtered from it in Polars. The sections they compare with (the
county, the country, the size class) are computed by the first municipality
that needs them and taken from the store by the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from brukerplan.reports import data
from brukerplan.reports.document import Scope


@dataclass(frozen=True)
class MunicipalDocument:
    code: str
    scope: Scope
    document: dict | None  # None: too few persons for a report


def municipal_documents(scope: Scope, year: int, codes: list[str]) -> Iterator[MunicipalDocument]:
    """The document of every municipality in `codes`, in order, from one national frame."""
    national = data.national_frame(year) if codes else None
    for code in codes:
        municipality = data.resolve_scope(f"municipality:{code}", year)
        try:
            document = data.report_document(municipality, year, national=national)
        except data.TooFewPersons:
            document = None
        yield MunicipalDocument(code, municipality, document)
