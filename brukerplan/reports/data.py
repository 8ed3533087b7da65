"""Fetching the registrations of a scope and year for the report engine.

One query per report: the answers come out of the database as JSON text and
are decoded by Polars, not row by row in Python.
"""

from __future__ import annotations

import polars as pl
from django.conf import settings
from django.db.models import TextField
from django.db.models.functions import Cast

from brukerplan.instrument import definition
from brukerplan.organisations.models import County, Municipality
from brukerplan.organisations.reference import HEALTH_REGIONS
from brukerplan.registrations.models import Registration
from brukerplan.reports import frame
from brukerplan.reports.document import Scope, build_report

COLUMNS = list(frame.METADATA_SCHEMA)


def submitted(year: int):
    return Registration.objects.filter(aar=year, status=Registration.Status.SUBMITTED)


def scope_filter(queryset, scope_type: str, code: str | None, year: int):
    if scope_type == "national":
        return queryset
    if scope_type == "county":
        return queryset.filter(fylkesnummer=code)
    if scope_type == "municipality":
        return queryset.filter(kommunenummer=code)
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
    schema = {**frame.METADATA_SCHEMA, "answers": pl.String}
    raw = pl.DataFrame(list(rows), schema=schema, orient="row")
    return frame.build(raw, instrument)


class UnknownScope(ValueError):
    pass


def resolve_scope(text: str, year: int) -> Scope:
    """A scope from its command-line form: national, county:46, municipality:4601, region:KEY."""
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
    raise UnknownScope(
        f"ukjent omfang '{text}': bruk national, county:NN, municipality:NNNN "
        f"eller region:{'|'.join(HEALTH_REGIONS)}"
    )


class TooFewPersons(Exception):
    """A scope with fewer persons than the small-number threshold gets no report."""


def report_document(scope: Scope, year: int) -> dict:
    threshold = settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD
    instrument = definition.for_year(year)
    registrations = registrations_frame(scope.type, scope.code, year)
    document = build_report(scope, year, registrations, instrument, threshold)
    if not document["persons"]:  # null (1 to threshold - 1) or 0
        raise TooFewPersons(
            f"Det lages ingen rapport for {scope.name} {year}: færre enn {threshold} "
            "kartlagte personer over 18 år. Så små tall kan avsløre enkeltpersoner."
        )
    return document


def municipalities_with_registrations(scope: Scope, year: int) -> list[str]:
    codes = scope_filter(submitted(year), scope.type, scope.code, year).values_list(
        "kommunenummer", flat=True
    )
    return sorted(set(codes.distinct()))
