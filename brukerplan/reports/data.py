"""Fetching the registrations of a scope and year for the report engine.

The answers come out of the database as JSON text and are decoded by Polars,
not row by row in Python. A report other than the national one compares with
the country (and a municipal one with its county and the municipalities of its
size class): the national frame of the year is loaded once, and the scope and
every comparison are filtered from it in Polars. The previous year's frame of
the scope (trends, panel) and the population of the year are one query each.

A county's municipalities with registrations but fewer persons than the threshold are
pooled (report-format.md, "Small municipalities are pooled, never left out"): `pools`
says which, the pool is a scope (`pool:46-sma`) reported like any other, and a member
municipality's `TooFewPersons` names its pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from django.conf import settings
from django.db import connection
from django.db.models import Max, Q, TextField
from django.db.models.functions import Cast

from brukerplan.instrument import definition
from brukerplan.instrument.definition import Instrument
from brukerplan.organisations import legal_basis, register, release
from brukerplan.organisations.models import County, Municipality, Population
from brukerplan.organisations.reference import HEALTH_REGIONS
from brukerplan.registrations import duplicates
from brukerplan.registrations.models import Registration
from brukerplan.reports import development, frame, store, suppression
from brukerplan.reports.comparison import COMPARISON_LABELS, size_class_label, with_size_class
from brukerplan.reports.document import Scope, adult_persons, build_report

COLUMNS = list(frame.METADATA_SCHEMA)


def submitted(year: int):
    """The registrations every report reads: submitted, with a legal basis."""
    return Registration.objects.filter(aar=year, status=Registration.Status.SUBMITTED).lawful()


def scope_filter(queryset, scope_type: str, code: str | None, year: int):
    if scope_type == "national":
        return queryset
    if scope_type == "county":
        return queryset.filter(fylkesnummer=code)
    if scope_type == "municipality":
        return queryset.filter(kommunenummer=code)
    if scope_type == "pool":
        return queryset.filter(kommunenummer__in=sorted(pool_members(code, year)))
    if scope_type == "region":
        counties = (
            County.objects.filter(health_region=code, valid_from__lte=year)
            .exclude(valid_to__lt=year)
            .values_list("code", flat=True)
        )
        return queryset.filter(fylkesnummer__in=list(counties))
    raise ValueError(f"unknown scope type {scope_type}")


def registrations_frame(scope_type: str, code: str | None, year: int) -> pl.DataFrame:
    """The analysis frame of every submitted registration in the scope and year."""
    instrument = definition.for_year(year)
    rows = (
        scope_filter(submitted(year), scope_type, code, year)
        .annotate(answers_text=Cast("answers", TextField()))
        .values_list(*COLUMNS, "answers_text")
    )
    # A plain cursor: Django's per-row converters cost more than the query at 60,000 rows.
    # The backend's own types (SQLite: dates as text, booleans as 0/1) are cast by frame.build.
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if not fetched:
        return frame.empty(instrument)
    # Column by column: building a frame from a list of row tuples costs more than the query.
    columns = list(zip(*fetched, strict=True))
    metadata = zip(COLUMNS, columns[:-1], strict=True)
    raw = pl.DataFrame([pl.Series(name, values, strict=False) for name, values in metadata])
    return frame.build(raw, instrument, answers=columns[-1])


class UnknownScope(ValueError):
    pass


def resolve_scope(text: str, year: int) -> Scope:
    """A scope from its command-line form: national, county:46, municipality:4601,
    region:KEY, pool:46-sma (the county's pooled small municipalities, `pools`)."""
    scope_type, _, code = text.partition(":")
    if scope_type == "national" and not code:
        return Scope("national", None, "Hele landet")
    if scope_type == "county":
        county = County.objects.filter(code=code, valid_from__lte=year).exclude(valid_to__lt=year)
        if not county:
            raise UnknownScope(f"{code} er ikke et fylkesnummer i {year}")
        return Scope("county", code, county[0].name)
    if scope_type == "municipality":
        municipality = Municipality.objects.valid_in(year).filter(code=code).first()
        if municipality is None:
            raise UnknownScope(f"{code} er ikke et kommunenummer i {year}")
        return Scope("municipality", code, municipality.name)
    if scope_type == "region" and code in HEALTH_REGIONS:
        return Scope("region", code, HEALTH_REGIONS[code])
    if scope_type == "pool" and code.endswith(POOL_SUFFIX):
        county_code = pool_county(code)
        county = register.current().counties_in(year).get(county_code)
        if county is None:
            raise UnknownScope(f"{county_code} er ikke et fylkesnummer i {year}")
        pool = pools(year).get(county_code)
        if pool is None:
            raise UnknownScope(f"Ingen kommuner i {county.name} har for få kartlagte i {year}.")
        return pool.scope
    raise UnknownScope(
        f"ukjent omfang '{text}': bruk national, county:NN, municipality:NNNN, "
        f"pool:NN{POOL_SUFFIX} eller region:{'|'.join(HEALTH_REGIONS)}"
    )


def small_number_threshold() -> int:
    """The small-number threshold (`settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD`, env
    `BRUKERPLAN_SMALL_NUMBER_THRESHOLD`, default 5): the one place the reports read it.

    The pure core (`document`, `suppression`, `secondary`) is handed it and has no default;
    the document carries it (`"threshold"`), and the renderings word the rule from there.
    The web's and the store's cache keys carry it, so a changed threshold is never served
    numbers or text made under another."""
    return suppression.checked(settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD)


class TooFewPersons(Exception):
    """A scope with fewer persons than the small-number threshold gets no report.

    `pool`: a municipality's county pool when it is a member (made or not), else None."""

    def __init__(self, message: str, pool: Pool | None = None) -> None:
        super().__init__(message)
        self.pool = pool


# --- pools of small municipalities (report-format.md) ----------------------------------

POOL_SUFFIX = "-sma"
POOL_SECONDS = 7 * 24 * 60 * 60


def pool_code(county_code: str) -> str:
    """The pool's code ("46-sma"); its scope key is "pool:46-sma"."""
    return f"{county_code}{POOL_SUFFIX}"


def pool_county(code: str) -> str:
    """The county of a pool's code ("46-sma" -> "46")."""
    return code.removesuffix(POOL_SUFFIX)


@dataclass(frozen=True)
class Pool:
    """A county's municipalities with at least one registration and fewer persons than the
    threshold (each counted as its own report counts them), pooled into one scope.

    `made`: whether the members together have persons enough for a document (when not,
    no pool document is made and the county's document says so). How many persons the
    pool has is not kept: when it is not made, that is a small number."""

    county: str
    county_name: str
    scope: Scope
    made: bool

    @property
    def key(self) -> str:
        return f"pool:{self.scope.code}"

    def as_dict(self) -> dict:
        """As the county's document carries it (its `"pool"`)."""
        return {
            "code": self.scope.code,
            "name": self.scope.name,
            "made": self.made,
            "members": list(self.scope.members),
        }


def pooled(
    national: pl.DataFrame, year: int, instrument: Instrument, threshold: int
) -> dict[str, Pool]:
    """The pool of every county that has small municipalities, by county code.

    A municipality is small when it has registrations but fewer than `threshold` adult
    persons after the duplicate rule (as its own document counts them,
    `document.adult_persons`); the pool's persons are counted the same way over all of
    its members (a person mapped in two of them counts once). Only the small ones are
    pooled: when they are too few together, no larger municipality is taken in.
    `national`: any frame holding whole counties (the country's, or one county's)."""
    wanted = ["fylkesnummer", "kommunenummer", "alder", *duplicates.ORDER]
    narrow = national.select(list(dict.fromkeys(wanted)))
    small: dict[str, list[str]] = {}
    for (county, code), rows in sorted(
        narrow.partition_by(["fylkesnummer", "kommunenummer"], as_dict=True).items()
    ):
        if adult_persons(rows, instrument).height < threshold:
            small.setdefault(county, []).append(code)
    counties = register.current().counties_in(year)
    found = {}
    for county, members in small.items():
        persons = adult_persons(narrow.filter(pl.col("kommunenummer").is_in(members)), instrument)
        name = counties[county].name if county in counties else county
        scope = Scope("pool", pool_code(county), f"Små kommuner i {name}", tuple(members))
        found[county] = Pool(county, name, scope, made=persons.height >= threshold)
    return found


def pools(
    year: int, *, national: pl.DataFrame | None = None, version: str | None = None
) -> dict[str, Pool]:
    """`pooled` for the year's data under the setting's threshold, by county code.

    Kept in the shared store under the year's fingerprint and the threshold (the dashboard,
    the fingerprint of a pool's pages and its permissions ask often); computed from the
    national frame (`national`, or the store's) once per state of the data."""
    threshold = small_number_threshold()
    version = version or store.fingerprint(year)
    key = f"brukerplan.store.pools:{store.CODE_VERSION}:{year}:{threshold}:{version}"
    found = store.shared().get(key)
    if found is None:
        if national is None:
            national = store.national_frame(
                year, version, lambda: registrations_frame("national", None, year)
            )
        found = pooled(national, year, definition.for_year(year), threshold)
        store.shared().set(key, found, POOL_SECONDS)
    return found


def pool_members(code: str, year: int) -> tuple[str, ...]:
    """The members of the pool with this code in the year (none when there is no pool)."""
    pool = pools(year).get(pool_county(code))
    return pool.scope.members if pool is not None else ()


def pool_of(municipality_code: str, year: int, **known) -> Pool | None:
    """The pool the municipality is a member of in the year (made or not), else None.
    `known`: `national` and `version` as `pools` takes them."""
    return next(
        (p for p in pools(year, **known).values() if municipality_code in p.scope.members),
        None,
    )


def population_frame(year: int) -> pl.DataFrame | None:
    """Inhabitants of every municipality in a year (kommunenummer, year, adults, total)."""
    rows = Population.objects.filter(year=year).values_list(
        "municipality_code", "year", "adults", "total"
    )
    schema = {"kommunenummer": pl.String, "year": pl.Int32, "adults": pl.Int64, "total": pl.Int64}
    frame = pl.DataFrame(list(rows), schema=schema, orient="row")
    return frame if frame.height else None


def counties_of(scope: Scope, year: int) -> list[str]:
    if scope.type == "county":
        return [scope.code]
    counties = County.objects.filter(health_region=scope.code, valid_from__lte=year).exclude(
        valid_to__lt=year
    )
    return list(counties.values_list("code", flat=True))


@dataclass(frozen=True)
class Comparisons:
    """The frames a scope compares with, by name, their labels, and what each frame is
    ("national", "county:46", "size:<class>:<municipalities>"; the key of its cached section)."""

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)


def comparison_frames(
    scope: Scope, year: int, national: pl.DataFrame, population: pl.DataFrame | None
) -> tuple[pl.DataFrame, Comparisons]:
    """The scope's registrations and the frames to compare with.

    A municipality: `fylke` (its county), `landet`, `storrelse` (the municipalities
    of its size class, by population of the year, when imported). A pool: `fylke`,
    `landet` (its members are of several size classes). A county or health region:
    `landet`. The country: nothing.
    """
    if scope.type == "national":
        return national, Comparisons()
    comparisons = {"landet": national}
    labels = {"landet": COMPARISON_LABELS["landet"]}
    definitions = {"landet": "national"}
    if scope.type in ("county", "region"):
        return scope_of(national, scope, year), Comparisons(comparisons, labels, definitions)
    scoped = scope_of(national, scope, year)
    if scope.type == "pool":  # its county and the country, as a municipality has them
        county = register.current().counties_in(year).get(pool_county(scope.code))
        if county is not None:
            comparisons = {
                "fylke": national.filter(pl.col("fylkesnummer") == county.code),
                "landet": national,
            }
            labels = {"fylke": county.name, **labels}
            definitions = {"fylke": f"county:{county.code}", **definitions}
        return scoped, Comparisons(comparisons, labels, definitions)
    municipality = (
        Municipality.objects.valid_in(year).filter(code=scope.code).select_related("county").first()
    )
    if municipality is not None:
        county = municipality.county
        comparisons = {"fylke": national.filter(pl.col("fylkesnummer") == county.code)}
        labels = {"fylke": county.name, **labels}
        definitions = {"fylke": f"county:{county.code}", **definitions}
        comparisons["landet"] = national
    if population is not None:
        classes = with_size_class(population)
        own = classes.filter(pl.col("kommunenummer") == scope.code)["storrelse"].to_list()
        if own and own[0] is not None:
            same = classes.filter(pl.col("storrelse") == own[0])["kommunenummer"].to_list()
            comparisons["storrelse"] = national.filter(pl.col("kommunenummer").is_in(same))
            labels["storrelse"] = size_class_label(own[0])
            definitions["storrelse"] = f"size:{own[0]}:{','.join(sorted(same))}"
    return scoped, Comparisons(comparisons, labels, definitions)


def national_frame(year: int) -> pl.DataFrame:
    """The national frame of the year, through the cache of `brukerplan.reports.store`."""
    return store.national_frame(
        year, store.fingerprint(year), lambda: registrations_frame("national", None, year)
    )


def scope_of(national: pl.DataFrame, scope: Scope, year: int) -> pl.DataFrame:
    """The registrations of a scope, filtered from the national frame of the year."""
    if scope.type == "national":
        return national
    if scope.type == "municipality":
        return national.filter(pl.col("kommunenummer") == scope.code)
    if scope.type == "pool":
        return national.filter(pl.col("kommunenummer").is_in(list(scope.members)))
    return national.filter(pl.col("fylkesnummer").is_in(counties_of(scope, year)))


def scope_municipalities(scope_type: str, code: str | None, year: int) -> set[str] | None:
    """The codes of the scope's municipalities in `year` (None: the whole country)."""
    if scope_type == "national":
        return None
    if scope_type == "municipality":
        return {code}
    if scope_type == "pool":
        return set(pool_members(code, year))
    municipalities = register.current().municipalities_in(year).values()
    if scope_type == "county":
        return {m.code for m in municipalities if m.county_code == code}
    counties = {
        c.code for c in register.current().counties_in(year).values() if c.health_region == code
    }
    return {m.code for m in municipalities if m.county_code in counties}


def previous_mapping(scope_type: str, code: str | None, year: int) -> int | None:
    """The year of the scope's previous mapping: the latest earlier year with submitted
    registrations in its municipalities (by their codes of that year). Municipalities
    do not map every year, so it may be two or three years back; None if never.

    One query (the index on year, status and municipality)."""
    known = register.current()
    if not known.knows(year):
        return None
    codes = scope_municipalities(scope_type, code, year)
    earlier_years = range(known.first_year, year)
    found = Registration.objects.filter(
        status=Registration.Status.SUBMITTED, aar__in=list(earlier_years)
    ).lawful()
    if codes is not None:
        where = Q(pk__in=[])
        for earlier in earlier_years:
            before = known.codes_before(codes, earlier, year)
            if before:
                where |= Q(aar=earlier, kommunenummer__in=sorted(before))
        found = found.filter(where)
    return found.aggregate(latest=Max("aar"))["latest"]


def previous_frame(scope: Scope, year: int) -> tuple[pl.DataFrame | None, Instrument | None]:
    """The registrations of the scope's previous mapping (`previous_mapping`), and that
    year's instrument.

    Seen in this year's division: a renumbered municipality's rows carry its new code and
    county (Bærum's 2023 rows as 3201 in Akershus), so trends and the panel follow it;
    a split municipality's rows cannot be divided and keep their old code. From the cached
    national frame of that year when there is one of the current data, else from the
    database (the scope's rows only, when no municipality changed code in between; a pool's
    are this year's members, so always through the national frame of that year)."""
    earlier = previous_mapping(scope.type, scope.code, year)
    if earlier is None:
        return None, None
    try:
        instrument = definition.for_year(earlier)
    except LookupError:  # no instrument, so no registrations, that year
        return None, None
    known = register.current()
    renumbered = any(known.successors(y) for y in range(earlier + 1, year + 1))
    cached = store.cached_national_frame(earlier, store.fingerprint(earlier))
    if cached is None and scope.type not in ("national", "pool") and not renumbered:
        return registrations_frame(scope.type, scope.code, earlier), instrument
    national = cached if cached is not None else national_frame(earlier)
    return scope_of(in_division_of(national, earlier, year), scope, year), instrument


def in_division_of(frame: pl.DataFrame, earlier: int, year: int) -> pl.DataFrame:
    """Registrations of `earlier` with `year`'s municipality and county codes.

    A split municipality's rows keep their old code: they are in no municipality's trend
    and in no comparable selection (which needs the same code both years), but still in
    the panel and the previous mapping of the county, region and country."""
    renumbered = {}
    known = register.current()
    for code in known.municipalities_in(earlier):
        new = known.code_in(code, earlier, year)
        if new is not None and new != code:
            renumbered[code] = new
    if not renumbered:
        return frame
    counties = {code: m.county_code for code, m in known.municipalities_in(year).items()}
    frame = frame.with_columns(pl.col("kommunenummer").replace(renumbered))
    return frame.with_columns(
        pl.col("kommunenummer")
        .replace_strict(counties, default=pl.col("fylkesnummer"))
        .alias("fylkesnummer")
    )


def development_years(year: int) -> tuple[int, ...]:
    """The years besides `year` that its development chapter reads (none when the base
    period and the report's would overlap)."""
    base = development.BASE_YEAR
    return (year - 1, base, base - 1) if year - 1 > base else ()


def development_of(
    scope: Scope, year: int, national: pl.DataFrame
) -> development.Development | None:
    """The persons of the chapter against the base year (`development`) for the scope:
    the base year and the year before, this year (`national`) and the year before, each
    earlier year in this year's division. None when the periods overlap or have no
    municipality in common."""
    base_year = development.BASE_YEAR
    if not development_years(year):
        return None
    # Most years have no base period in the database: then load nothing.
    if not Registration.objects.filter(
        status=Registration.Status.SUBMITTED, aar__in=[base_year - 1, base_year]
    ).exists():
        return None
    periods: list[list[tuple[pl.DataFrame, Instrument]]] = [[], []]
    for period, years in enumerate(((year, year - 1), (base_year, base_year - 1))):
        for y in years:
            try:
                instrument = definition.for_year(y)
            except LookupError:  # no version, so no registrations that year
                continue
            if y == year:
                found = national
            elif submitted(y).exists():
                found = in_division_of(national_frame(y), y, year)
            else:
                continue
            periods[period].append((scope_of(found, scope, year), instrument))
    if not periods[0] or not periods[1]:
        return None
    return development.select(base_year, year, periods[1], periods[0])


def report_document(
    scope: Scope,
    year: int,
    *,
    national: pl.DataFrame | None = None,
    version: str | None = None,
) -> dict:
    """The report document of a scope and year, with trends and comparisons.

    `national`: the national frame of the year when the caller has it already;
    otherwise from the cache of `brukerplan.reports.store`, or loaded (and kept
    there). Comparison sections (county, country, size class) are taken from
    that cache too, and the ones computed here are kept for the next report.
    `version`: the year's `store.fingerprint` when the caller has it.
    """
    threshold = small_number_threshold()
    instrument = definition.for_year(year)
    version = version or store.fingerprint(year)
    if national is None:
        national = store.national_frame(
            year, version, lambda: registrations_frame("national", None, year)
        )
    population = population_frame(year)
    registrations, compared = comparison_frames(scope, year, national, population)
    if registrations.height < threshold:  # fewer persons still: spare the comparisons
        raise too_few_persons(scope, year, threshold, national=national, version=version)
    ready = store.comparison_sections(compared.definitions, year, version, threshold)
    previous, previous_instrument = previous_frame(scope, year)
    document = build_report(
        scope,
        year,
        registrations,
        instrument,
        threshold,
        previous=previous,
        previous_instrument=previous_instrument,
        comparisons=compared.frames,
        comparison_labels=compared.labels,
        population=population,
        comparison_sections=ready,
        development=development_of(scope, year, national),
    )
    if not document["persons"]:  # null (1 to threshold - 1) or 0
        raise too_few_persons(scope, year, threshold, national=national, version=version)
    computed = {
        name: section
        for name, section in document.get("comparisons", {}).items()
        if name not in ready
    }
    if computed:
        store.keep_comparison_sections(computed, compared.definitions, year, version, threshold)
    document["unit_types"] = legal_basis.coverage(year)
    document["release"] = release.release_of(scope.type, scope.code, year).as_dict()
    if scope.type == "county":
        # Its small municipalities' pool, made or not: when not, the county says so. (From
        # the county's own registrations: `pools` would read and keep the whole country's.)
        pool = pooled(registrations, year, instrument, threshold).get(scope.code)
        if pool is not None:
            document["pool"] = pool.as_dict()
    return document


def too_few_persons(
    scope: Scope,
    year: int,
    threshold: int,
    *,
    national: pl.DataFrame | None = None,
    version: str | None = None,
) -> TooFewPersons:
    """The refusal of a scope's report; a municipality's names its pool when it is in a
    pool that is made (`national`, `version`: as `pools` takes them)."""
    message = (
        f"Det lages ingen rapport for {scope.name} {year}: færre enn {threshold} "
        "kartlagte personer over 18 år. Så små tall kan avsløre enkeltpersoner."
    )
    pool = None
    if scope.type == "municipality":
        pool = pool_of(scope.code, year, national=national, version=version)
    if pool is not None and pool.made:
        message = (
            f"{scope.name} har for få kartlagte til en egen rapport for {year} (færre enn "
            f"{threshold} kartlagte personer over 18 år) og er med i «{pool.scope.name}»: "
            f"brukerplan report --scope {pool.key} --year {year}"
        )
    elif pool is not None:
        message += (
            f" Kommunene i {pool.county_name} med for få kartlagte har til sammen også for "
            "få til en samlet rapport."
        )
    return TooFewPersons(message, pool)


def municipalities_with_registrations(scope: Scope, year: int) -> list[str]:
    codes = scope_filter(submitted(year), scope.type, scope.code, year).values_list(
        "kommunenummer", flat=True
    )
    return sorted(set(codes.distinct()))
