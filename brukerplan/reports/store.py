"""What report building keeps between processes: the year's analysis frame and comparisons.

Every municipal report compares with its county, the country and its size class,
and many processes build reports (the command, the workers of
`--all-municipalities`, every web worker). Two things are kept in the database's
cache table (Django cache alias "reports"), so that each is computed once per
state of the data instead of once per report:

  * the national analysis frame of a year (Parquet), one entry per year,
    replaced when the data changes and expiring after `FRAME_SECONDS`;
  * comparison sections (county, country, size class): aggregate numbers after
    the small-number rule and secondary suppression, as in the document, under the
    threshold they were made with (the caller's, `data.small_number_threshold`).

Both are stored under the year's `fingerprint`, which changes whenever a
submitted registration of the year is added, changed or removed, a contact
person chooses another of a person's duplicates, or the population figures of
the year change; and under `CODE_VERSION`, so a deployment with other report
code never reads what older code wrote.

Privacy: the frame holds what the registrations table holds (pseudonymous
person keys, birth year, sex; never a fødselsnummer) and lives in the same
database; there is at most one frame per year, it is replaced on every change,
and it is gone after an hour.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import polars as pl
from django.core.cache import caches
from django.db.models import Count, Max, Q, Sum

from brukerplan.organisations import legal_basis
from brukerplan.organisations.models import Population
from brukerplan.registrations.models import Registration

CACHE_ALIAS = "reports"
FRAME_SECONDS = 60 * 60
SECTION_SECONDS = 7 * 24 * 60 * 60


def _code_version() -> str:
    """A digest of the code that computes frames and report numbers, and renders them."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for folder in ("reports", "instrument", "registrations", "organisations"):
        for path in sorted((package / folder).rglob("*")):
            if path.suffix in {".py", ".html", ".css", ".yaml", ".csv"}:
                digest.update(str(path.relative_to(package)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


def shared():
    """The cache every process shares (the database's cache table)."""
    return caches[CACHE_ALIAS]


def fingerprint(year: int) -> str:
    """Changes whenever the submitted registrations of the year, its population or the
    legal basis do.

    One aggregate query over the year's registrations (its index: year, status)
    and one over the population table.
    """
    found = Registration.objects.filter(aar=year, status=Registration.Status.SUBMITTED).aggregate(
        n=Count("pk"), last=Max("updated_at"), chosen=Sum("pk", filter=Q(foretrukket=True))
    )
    last = found["last"].timestamp() if found["last"] else 0
    people = Population.objects.filter(year=year).aggregate(n=Count("pk"), total=Sum("total"))
    # The legal basis decides which of those rows count (`Registration.objects.lawful`).
    lawful = hashlib.sha256(legal_basis.state().encode()).hexdigest()[:8]
    return (
        f"{found['n']}.{last}.{found['chosen'] or 0}.{people['n']}.{people['total'] or 0}.{lawful}"
    )


def registrations_fingerprint(years: tuple[int, ...]) -> str:
    """Changes whenever the submitted registrations of any of the years do: one query."""
    if not years:
        return "-"
    found = Registration.objects.filter(
        aar__in=list(years), status=Registration.Status.SUBMITTED
    ).aggregate(n=Count("pk"), last=Max("updated_at"), chosen=Sum("pk", filter=Q(foretrukket=True)))
    last = found["last"].timestamp() if found["last"] else 0
    return f"{found['n']}.{last}.{found['chosen'] or 0}"


def _frame_key(year: int) -> str:
    return f"brukerplan.store.frame:{CODE_VERSION}:{year}"


def national_frame(year: int, version: str, load) -> pl.DataFrame:
    """The national frame of the year: from the cache when it is of this `version` of the
    data, else `load()` (and kept for the next report)."""
    cache = shared()
    entry = cache.get(_frame_key(year))
    if entry is not None and entry[0] == version:
        return pl.read_parquet(io.BytesIO(entry[1]))
    frame = load()
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    cache.set(_frame_key(year), (version, buffer.getvalue()), FRAME_SECONDS)
    return frame


def cached_national_frame(year: int, version: str) -> pl.DataFrame | None:
    """The national frame of the year when the cache has this version of it, else None."""
    entry = shared().get(_frame_key(year))
    if entry is None or entry[0] != version:
        return None
    return pl.read_parquet(io.BytesIO(entry[1]))


def _section_key(definition: str, year: int, version: str, threshold: int) -> str:
    # The section's numbers are the threshold's: another threshold, another entry.
    digest = hashlib.sha256(f"{definition}|{version}".encode()).hexdigest()[:24]
    return f"brukerplan.store.comparison:{CODE_VERSION}:{year}:{threshold}:{digest}"


def comparison_sections(
    definitions: dict[str, str], year: int, version: str, threshold: int
) -> dict[str, dict]:
    """The cached comparison sections, by name, of those `definitions` (name -> what the
    frame is, e.g. "county:46") that the cache has, made under `threshold`."""
    keys = {name: _section_key(d, year, version, threshold) for name, d in definitions.items()}
    found = shared().get_many(list(keys.values()))
    return {name: found[key] for name, key in keys.items() if key in found}


def keep_comparison_sections(
    sections: dict[str, dict],
    definitions: dict[str, str],
    year: int,
    version: str,
    threshold: int,
) -> None:
    shared().set_many(
        {
            _section_key(definitions[name], year, version, threshold): s
            for name, s in sections.items()
        },
        SECTION_SECONDS,
    )


def clear() -> None:
    """Forget everything kept (tests, and after deleting registrations for good)."""
    shared().clear()
