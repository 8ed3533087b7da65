"""Many municipal report documents from one load of the year's registrations.

`--all-municipalities` builds one document per municipality from the national
frame of the year (loaded or taken from `brukerplan.reports.store` once), each
municipality filtered from it in Polars. The sections they compare with (the
county, the country, the size class) are computed by the first municipality
that needs them and taken from the store by the others. Then the pools
(`data.pools`) those municipalities' small ones are in: every municipality with
registrations is in a document of its own or in its county's pool (report-format.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from brukerplan.reports import data, store
from brukerplan.reports.document import Scope


@dataclass(frozen=True)
class MunicipalDocument:
    """A municipality's document, or a pool's (`scope.type` "pool"; `code` "46-sma")."""

    code: str
    scope: Scope
    document: dict | None  # None: too few persons for a report
    stem: str  # its file's name without the extension: brukerplan-2025-4601, pool-46-sma
    pool: data.Pool | None = None  # a municipality's pool (made or not), or the pool itself


def municipal_documents(scope: Scope, year: int, codes: list[str]) -> Iterator[MunicipalDocument]:
    """The document of every municipality in `codes`, in order, from one national frame;
    then of every pool one of them is in (a pool too small to be made: document None)."""
    national = data.national_frame(year) if codes else None
    version = store.fingerprint(year) if codes else None
    pooled: dict[str, data.Pool] = {}
    for code in codes:
        municipality = data.resolve_scope(f"municipality:{code}", year)
        pool = None
        try:
            document = data.report_document(municipality, year, national=national, version=version)
        except data.TooFewPersons as error:
            document, pool = None, error.pool
            if pool is not None:
                pooled.setdefault(pool.county, pool)
        yield MunicipalDocument(code, municipality, document, f"brukerplan-{year}-{code}", pool)
    for _, pool in sorted(pooled.items()):
        document = None
        if pool.made:
            try:
                document = data.report_document(
                    pool.scope, year, national=national, version=version
                )
            except data.TooFewPersons:
                document = None
        stem = f"pool-{pool.scope.code}"
        yield MunicipalDocument(pool.scope.code, pool.scope, document, stem, pool)
