"""The published reports: every document and file of a scope and year, built once, stored.

A scope's document and its PDF, PowerPoint and Excel files are kept in the shared report
store (`store.shared()`, the database's cache table) under a key of the scope, the year,
the small-number threshold, the data's fingerprint (`fingerprint`: the year's and its
previous mapping's) and the code version (`store.CODE_VERSION`): changed data or code
give new keys, so nothing stale is ever served. They hold published numbers only; raw
rows are never stored.

The worker (`tasks.build_publication`) builds what a county's closed period publishes
(`scopes_of_county`: its municipalities, the pool of its small ones, the county, its
health region and the nation)
and says how far it has come (`progress`); the dashboard and the downloads serve what is
stored and build on demand only what nothing has built (`document`, `file`).
"""

from __future__ import annotations

import time

from brukerplan.organisations import register, release
from brukerplan.reports import data, store
from brukerplan.reports.outputs import output

FORMATS = ("pdf", "pptx", "xlsx")
# Stored entries are replaced by new keys when the data or the code change; this only
# bounds how long an entry of a year nobody asks for stays in the cache table.
STORED_SECONDS = 90 * 24 * 60 * 60
# A build that has said nothing for this long has stopped (its worker was killed).
PROGRESS_STALE_SECONDS = 10 * 60


def split(key: str) -> tuple[str, str | None]:
    scope_type, _, code = key.partition(":")
    return scope_type, code or None


def fingerprint(key: str, year: int, *, version: str | None = None) -> str:
    """What the stored document and files of a scope and year depend on: the year's data,
    its previous mapping's (trends and the panel) and the other years of the development
    chapter (`data.development_years`). `version`: the year's
    `store.fingerprint` when the caller has it."""
    version = version or store.fingerprint(year)
    # (A pool's members are the year's data's: `version` changes when they may.)
    earlier = data.previous_mapping(*split(key), year)
    before = store.fingerprint(earlier) if earlier is not None else "-"
    # and the years of the development chapter against its base year
    base = store.registrations_fingerprint(data.development_years(year))
    # Preliminary or not yet public: the documents and files say so (`release`).
    state = release.release_of(*split(key), year).key
    return f"{version}+{earlier}:{before}+{base}+{state}"


def cache_key(key: str, year: int, fingerprint: str, part: str) -> str:
    # The threshold the document is built under: its numbers and every text about them.
    threshold = data.small_number_threshold()
    # "dashboard" sorts before "store": when the cache table is full, Django's database
    # cache culls the lowest keys first, so pages and files go before frames and sections.
    version = store.CODE_VERSION
    return f"brukerplan.dashboard:{version}:{key}:{year}:{threshold}:{fingerprint}:{part}"


def document(key: str, year: int, fingerprint: str) -> dict:
    """{"document": the report document} or {"too_few": message}: stored, or built and
    stored. A municipality in a pool has the pool with its message, `"pool"`: {"key",
    "name", "members", "made"} (report-format.md: it is told so where its own report would
    have been). Raises data.UnknownScope."""
    entry_key = cache_key(key, year, fingerprint, "document")
    entry = store.shared().get(entry_key)
    if entry is None:
        scope = data.resolve_scope(key, year)
        try:
            entry = {"document": data.report_document(scope, year)}
        except data.TooFewPersons as error:
            entry = {"too_few": str(error)}
            if error.pool is not None:
                entry["pool"] = {"key": error.pool.key, **error.pool.as_dict()}
        store.shared().set(entry_key, entry, STORED_SECONDS)
    return entry


def _part(format: str, main_group: str | None) -> str:
    return f"{format}-{main_group}" if main_group else format


def stored_file(
    key: str, year: int, fingerprint: str, format: str, main_group: str | None = None
) -> bytes | None:
    return store.shared().get(cache_key(key, year, fingerprint, _part(format, main_group)))


def file(
    key: str, year: int, fingerprint: str, format: str, main_group: str | None = None
) -> bytes | None:
    """The rendered file (pdf | pptx | xlsx without rows): stored, or rendered and stored;
    None when the scope has too few persons for a report. `main_group` (rus | psykisk):
    that main group's deck (built on demand only: the worker builds the whole deck)."""
    content = stored_file(key, year, fingerprint, format, main_group)
    if content is None:
        entry = document(key, year, fingerprint)
        if "too_few" in entry:
            return None
        content = output(entry["document"], format, main_group=main_group)
        part = _part(format, main_group)
        store.shared().set(cache_key(key, year, fingerprint, part), content, STORED_SECONDS)
    return content


def scopes_of_county(county_code: str, year: int) -> list[str]:
    """What a county's closed period publishes: its municipalities, the pool of its small
    ones (when it has persons enough to be made), the county, its health region and the
    nation (scope keys, in that order)."""
    county = register.current().counties_in(year).get(county_code)
    if county is None:
        raise data.UnknownScope(f"{county_code} er ikke et fylkesnummer i {year}")
    municipalities = sorted(
        m.code
        for m in register.current().municipalities_in(year).values()
        if m.county_code == county_code
    )
    pool = data.pools(year).get(county_code)
    return [
        *(f"municipality:{code}" for code in municipalities),
        *([pool.key] if pool is not None and pool.made else []),
        f"county:{county_code}",
        f"region:{county.health_region}",
        "national",
    ]


def build(county_code: str, year: int) -> dict:
    """Builds and stores the document and every file of each scope of `scopes_of_county`
    that nothing has stored yet, saying how far it has come (`progress`)."""
    keys = scopes_of_county(county_code, year)
    total = len(keys)
    built = 0
    # A municipality without a submitted registration has nothing to publish (its page
    # says so when asked); one query instead of a document each.
    mapped = set(data.submitted(year).values_list("kommunenummer", flat=True).distinct())
    _say(county_code, year, 0, total)
    try:
        for done, key in enumerate(keys):
            scope_type, code = split(key)
            if scope_type == "municipality" and code not in mapped:
                _say(county_code, year, done + 1, total)
                continue
            seen = fingerprint(key, year)
            entry = document(key, year, seen)
            if "document" in entry:
                for format in FORMATS:
                    if stored_file(key, year, seen, format) is None:
                        file(key, year, seen, format)
                        built += 1
            _say(county_code, year, done + 1, total)
    finally:
        store.shared().delete(_progress_key(county_code, year))
    return {"scopes": total, "files_built": built}


def _progress_key(county_code: str, year: int) -> str:
    return f"brukerplan.dashboard.progress:{year}:{county_code}"


def _say(county_code: str, year: int, done: int, total: int) -> None:
    entry = {"done": done, "total": total, "at": time.time()}
    store.shared().set(_progress_key(county_code, year), entry, PROGRESS_STALE_SECONDS)


def _counties_covering(key: str, year: int) -> list[str]:
    """The counties whose build includes the scope."""
    scope_type, code = split(key)
    counties = register.current().counties_in(year)
    if scope_type == "municipality":
        municipality = register.current().municipalities_in(year).get(code)
        return [municipality.county_code] if municipality else []
    if scope_type == "county":
        return [code] if code in counties else []
    if scope_type == "pool":
        county = data.pool_county(code)
        return [county] if county in counties else []
    if scope_type == "region":
        return [c.code for c in counties.values() if c.health_region == code]
    return list(counties)


def progress(key: str, year: int) -> dict | None:
    """{"done": n, "total": m} of a running build that includes the scope (the one furthest
    from its end when several run), else None. One query."""
    keys = [_progress_key(c, year) for c in _counties_covering(key, year)]
    now = time.time()
    running = [
        entry
        for entry in store.shared().get_many(keys).values()
        if now - entry["at"] < PROGRESS_STALE_SECONDS
    ]
    if not running:
        return None
    slowest = min(running, key=lambda e: e["done"] / max(e["total"], 1))
    return {"done": slowest["done"], "total": slowest["total"]}
