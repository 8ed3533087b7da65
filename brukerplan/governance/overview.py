"""What the regional adviser sees of a county's mapping: persons mapped in more than one of
its municipalities. Person keys find the groups and are dropped: nothing returned carries
one."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import polars as pl
from django.db.models import Count

from brukerplan.registrations import duplicates
from brukerplan.registrations.models import Registration


@dataclass
class Entry:
    registrering_id: str
    municipality_name: str
    unit_name: str
    kartlagt_dato: datetime.date
    chosen: bool
    counts: bool  # the county's duplicate rule picks it


@dataclass
class Group:
    number: int
    entries: list[Entry]


def county_duplicate_groups(county_code: str, year: int) -> list[Group]:
    submitted = Registration.objects.filter(
        fylkesnummer=county_code, aar=year, status=Registration.Status.SUBMITTED
    ).lawful()
    repeated = (
        submitted.values("person_key")
        .annotate(n=Count("kommunenummer", distinct=True))
        .filter(n__gt=1)
        .values("person_key")
    )
    rows = list(
        submitted.filter(person_key__in=repeated).values_list(
            "person_key",
            "foretrukket",
            "kartlagt_dato",
            "registrering_id",
            "municipality__name",
            "unit__name",
        )
    )
    if not rows:
        return []
    frame = pl.DataFrame(
        [r[:4] for r in rows],
        schema={
            "person_key": pl.String,
            "foretrukket": pl.Boolean,
            "kartlagt_dato": pl.Date,
            "registrering_id": pl.String,
        },
        orient="row",
    )
    by_id = {r[3]: r for r in rows}
    return [
        Group(
            number,
            [
                Entry(rid, by_id[rid][4], by_id[rid][5], by_id[rid][2], by_id[rid][1], i == 0)
                for i, rid in enumerate(ids)
            ],
        )
        for number, ids in enumerate(duplicates.duplicate_groups(frame), start=1)
    ]
