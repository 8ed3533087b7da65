"""What the contact person sees of a municipality's mapping: progress per unit and duplicates.

Read-only queries. Person keys are used to find duplicates and then dropped:
nothing returned from here carries one.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl
from django.db.models import Count, Max, Q

from brukerplan.accounts.models import Invitation, Membership, Role
from brukerplan.organisations import legal_basis
from brukerplan.organisations.models import MappingPeriod, Municipality, Unit
from brukerplan.registrations import duplicates
from brukerplan.registrations.mapping import current_period
from brukerplan.registrations.models import Registration

SUBMITTED = Registration.Status.SUBMITTED
DRAFT = Registration.Status.DRAFT


@dataclass
class UnitRow:
    unit: Unit
    drafts: int = 0
    submitted: int = 0
    previous: int | None = None


@dataclass
class DuplicateEntry:
    registrering_id: str
    unit_name: str
    kartlagt_dato: datetime.date
    chosen: bool  # the contact person chose it
    counts: bool  # the rule picks it (see registrations/duplicates.py)


@dataclass
class DuplicateGroup:
    number: int
    entries: list[DuplicateEntry]

    @property
    def settled(self) -> bool:
        return any(e.chosen for e in self.entries)


@dataclass
class Overview:
    municipality: Municipality
    year: int
    period: MappingPeriod | None
    period_open: bool
    units: list[UnitRow]
    drafts: int
    submitted: int
    persons: int
    previous_year: int | None
    previous_submitted: int | None
    previous_persons: int | None
    duplicates: list[DuplicateGroup] = field(default_factory=list)


def municipality_overview(municipality: Municipality, today: datetime.date) -> Overview:
    period = current_period(municipality, today)
    year = period.year if period else today.year
    refused = legal_basis.refused_q()  # read once for the page's queries
    this_year = Registration.objects.filter(kommunenummer=municipality.code, aar=year).exclude(
        refused
    )
    rows: dict[int, UnitRow] = {
        u.id: UnitRow(u) for u in Unit.objects.filter(municipality__code=municipality.code)
    }
    for unit_id, status, n in this_year.values_list("unit_id", "status").annotate(n=Count("id")):
        row = rows.get(unit_id)
        if row is None:
            continue
        if status == SUBMITTED:
            row.submitted = n
        else:
            row.drafts = n
    persons = this_year.filter(status=SUBMITTED).aggregate(n=Count("person_key", distinct=True))[
        "n"
    ]

    earlier = Registration.objects.filter(
        kommunenummer=municipality.code, aar__lt=year, status=SUBMITTED
    ).exclude(refused)
    previous_year = earlier.aggregate(y=Max("aar"))["y"]
    previous_submitted = previous_persons = None
    if previous_year is not None:
        previous = earlier.filter(aar=previous_year)
        for row in rows.values():
            row.previous = 0
        previous_submitted = 0
        for unit_id, n in previous.values_list("unit_id").annotate(n=Count("id")):
            previous_submitted += n
            if unit_id in rows:
                rows[unit_id].previous = n
        previous_persons = previous.aggregate(p=Count("person_key", distinct=True))["p"]

    units = sorted(rows.values(), key=lambda r: (not r.unit.active, r.unit.name))
    return Overview(
        municipality=municipality,
        year=year,
        period=period,
        period_open=bool(period and period.is_open_on(today)),
        units=units,
        drafts=sum(r.drafts for r in units),
        submitted=sum(r.submitted for r in units),
        persons=persons,
        previous_year=previous_year,
        previous_submitted=previous_submitted,
        previous_persons=previous_persons,
        duplicates=duplicate_groups(municipality, year, refused),
    )


def duplicate_groups(
    municipality: Municipality, year: int, refused: Q | None = None
) -> list[DuplicateGroup]:
    """Persons with more than one submitted registration in the municipality and year
    (with a legal basis; `refused`: `legal_basis.refused_q()` when the caller has it)."""
    submitted = Registration.objects.filter(
        kommunenummer=municipality.code, aar=year, status=SUBMITTED
    ).exclude(legal_basis.refused_q() if refused is None else refused)
    repeated = (
        submitted.values("person_key").annotate(n=Count("id")).filter(n__gt=1).values("person_key")
    )
    rows = list(
        submitted.filter(person_key__in=repeated).values_list(
            "person_key", "foretrukket", "kartlagt_dato", "registrering_id", "unit__name"
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
    groups = []
    for number, ids in enumerate(duplicates.duplicate_groups(frame), start=1):
        entries = [
            DuplicateEntry(
                registrering_id=rid,
                unit_name=by_id[rid][4],
                kartlagt_dato=by_id[rid][2],
                chosen=by_id[rid][1],
                counts=position == 0,
            )
            for position, rid in enumerate(ids)
        ]
        groups.append(DuplicateGroup(number, entries))
    return groups


def units_with_mappers(municipality: Municipality):
    """The municipality's units, each with its mapper memberships (active first)."""
    units = list(Unit.objects.filter(municipality__code=municipality.code).order_by("name"))
    memberships = defaultdict(list)
    for m in (
        Membership.objects.filter(role=Role.KARTLEGGER, unit__in=units)
        .select_related("user")
        .order_by("-active", "user__last_name", "user__first_name", "user__username")
    ):
        memberships[m.unit_id].append(m)
    return [(unit, memberships[unit.id]) for unit in units]


def open_offers(municipality: Municipality, now):
    """Roles offered to existing accounts in the municipality's units, not yet taken up."""
    return list(
        Invitation.objects.filter(
            unit__municipality__code=municipality.code,
            for_new_account=False,
            used_at=None,
            withdrawn_at=None,
            expires_at__gt=now,
        )
        .select_related("user", "unit")
        .order_by("unit__name", "created_at")
    )
