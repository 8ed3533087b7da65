"""Every write to the organisation register: reference data, units, periods, population.

Each write is one transaction, durable (never inside another) where it is the
outermost, and takes the acting user as the keyword `by`: `by=None` is the
command line. The models have no field for who acted; the audit trail
(`brukerplan.audit.trail`) records `by`, in the write's transaction.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from brukerplan.audit import trail
from brukerplan.audit.models import Kind
from brukerplan.organisations import population, reference
from brukerplan.organisations import register as registers
from brukerplan.organisations.models import (
    County,
    LegalBasis,
    LegalBasisChange,
    MappingPeriod,
    Municipality,
    MunicipalityChange,
    RegisterLoad,
    Unit,
)


def load_reference_data(*, by=None) -> tuple[int, int]:
    """Load the shipped register (``data/``) unless the database's is checked as far already
    (an imported one is never overwritten by an older); safe to repeat.

    Returns how many counties and municipalities were created.
    """
    latest = RegisterLoad.objects.order_by("-id").values_list("checked_through", flat=True)
    shipped = reference.shipped()
    if latest and latest[0] >= shipped.checked_through:
        return 0, 0
    return save_register(shipped, "data/", by=by)


@transaction.atomic(durable=True)
def save_register(register: reference.Register, source: str, *, by=None) -> tuple[int, int]:
    """Make the database's counties, municipalities and changes those of ``register``
    (checked), all or nothing. A row keeps its identity by code and first year; a row the
    register no longer has is deleted, which is refused while units, periods or
    registrations point at it.

    Returns how many counties and municipalities were created.
    """
    counties_created = 0
    counties = {}
    for c in register.counties:
        county, created = County.objects.update_or_create(
            code=c.code,
            valid_from=c.valid_from,
            defaults={"name": c.name, "valid_to": c.valid_to, "health_region": c.health_region},
        )
        counties[(c.code, c.valid_from)] = county
        counties_created += created
    municipalities_created = 0
    kept = set()
    for m in register.municipalities:
        county = _county_for(counties, m)
        municipality, created = Municipality.objects.update_or_create(
            code=m.code,
            valid_from=m.valid_from,
            defaults={"name": m.name, "valid_to": m.valid_to, "county": county},
        )
        kept.add(municipality.pk)
        municipalities_created += created
    try:
        Municipality.objects.exclude(pk__in=kept).delete()
        County.objects.exclude(pk__in=[c.pk for c in counties.values()]).delete()
    except ProtectedError as error:
        used = next(iter(error.protected_objects))
        raise OrganisationError(
            f"«{used}» hører til en kommune eller et fylke som "
            f"ikke lenger ville finnes med samme første år ({source})"
        ) from None
    MunicipalityChange.objects.all().delete()
    MunicipalityChange.objects.bulk_create(
        MunicipalityChange(year=c.year, old_code=c.old_code, new_code=c.new_code)
        for c in register.changes
    )
    RegisterLoad.objects.create(source=source[:300], checked_through=register.checked_through)
    transaction.on_commit(registers.forget)
    trail.record(
        Kind.REFERENCE_DATA,
        by=by,
        what={
            "source": source[:300],
            "checked_through": str(register.checked_through),
            "counties_created": counties_created,
            "municipalities_created": municipalities_created,
        },
    )
    return counties_created, municipalities_created


def _county_for(counties: dict, municipality: reference.Municipality) -> County:
    """The county row with the municipality's county code that covers its first year."""
    for (code, _), county in counties.items():
        if (
            code == municipality.county_code
            and county.valid_from <= municipality.valid_from
            and (county.valid_to is None or municipality.valid_from <= county.valid_to)
        ):
            return county
    raise LookupError(f"no county {municipality.county_code} for municipality {municipality.code}")


# --- units and mapping periods (the web application's writes) -------------------


class OrganisationError(ValueError):
    """A write that breaks a rule; the message is Norwegian and safe to show."""


@transaction.atomic(durable=True)
def create_unit(municipality: Municipality, name: str, unit_type: str, *, by) -> Unit:
    name = " ".join(name.split())
    if not name:
        raise OrganisationError("Enheten må ha et navn.")
    if unit_type not in Unit.Type.values:
        raise OrganisationError("Ukjent enhetstype.")
    if Unit.objects.filter(municipality=municipality, name__iexact=name).exists():
        raise OrganisationError("Kommunen har allerede en enhet med det navnet.")
    unit = Unit.objects.create(municipality=municipality, name=name, type=unit_type)
    trail.record(Kind.UNIT_CREATED, by=by, municipality=municipality.code, unit=unit)
    return unit


@transaction.atomic(durable=True)
def set_unit_active(unit: Unit, active: bool, *, by) -> Unit:
    """An inactive unit keeps its registrations; its mappers can no longer map in it."""
    Unit.objects.filter(pk=unit.pk).update(active=active)
    unit.active = active
    trail.record(
        Kind.UNIT_CHANGED,
        by=by,
        municipality=unit.municipality.code,
        unit=unit,
        what={"active": active},
    )
    return unit


def _period_entry(period, reason: str, **more) -> dict:
    """What the trail says of a period: its county and year, and the reason given."""
    return {
        "county": period.county.code,
        "year": period.year,
        **more,
        **({"reason": reason} if reason else {}),
    }


@transaction.atomic  # not durable: the admin saves it inside its own transaction
def open_period(
    county: County,
    year: int,
    start: datetime.date,
    end: datetime.date,
    *,
    by,
    reason: str = "",
):
    """Create or move the county's mapping period for a year. A closed period stays
    closed (reopening is `reopen_period`, a decision of its own)."""
    if end < start:
        raise OrganisationError("Perioden må slutte etter at den starter.")
    if start.year != year or end.year != year:
        raise OrganisationError("Perioden må ligge i kartleggingsåret.")
    period, created = MappingPeriod.objects.update_or_create(
        county=county, year=year, defaults={"start": start, "end": end}
    )
    trail.record(
        Kind.PERIOD_OPENED if created else Kind.PERIOD_MOVED,
        by=by,
        what=_period_entry(period, reason, start=start, end=end),
    )
    return period


@transaction.atomic(durable=True)
def reopen_period(period, *, by):
    """Open a closed period again: its registrations can be changed until it closes anew."""
    return mark_reopened(period, by=by)


@transaction.atomic  # not durable: inside the caller's decision (governance.actions)
def mark_reopened(period, *, by, reason: str = ""):
    MappingPeriod.objects.filter(pk=period.pk).update(closed_at=None)
    period.closed_at = None
    trail.record(Kind.PERIOD_REOPENED, by=by, what=_period_entry(period, reason))
    return period


@transaction.atomic(durable=True)
def close_period(period, when: datetime.datetime | None = None, *, by):
    """Close the period now: from here on its registrations are final for reporting."""
    return mark_closed(period, when, by=by)


@transaction.atomic  # not durable: inside the caller's decision (governance.actions)
def mark_closed(period, when: datetime.datetime | None = None, *, by, reason: str = ""):
    period.closed_at = when or timezone.now()
    # save(), not update(): the reports app hears of the close and builds the county.
    period.save(update_fields=["closed_at"])
    trail.record(Kind.PERIOD_CLOSED, by=by, what=_period_entry(period, reason))
    return period


@transaction.atomic(durable=True)
def set_legal_basis(unit_type: str, year: int, allowed: bool, reason: str, *, by) -> LegalBasis:
    """Whether units of the type may map from the year on (until the type's next change);
    every change is kept with its reason and who made it (`LegalBasisChange`)."""
    if unit_type not in Unit.Type.values:
        raise OrganisationError("Ukjent enhetstype.")
    if not 2000 <= year <= timezone.localdate().year + 5:
        raise OrganisationError("Året er utenfor det systemet kan kartlegge.")
    reason = " ".join(reason.split())
    if not reason:
        raise OrganisationError("Skriv hvorfor det rettslige grunnlaget endres.")
    row, _ = LegalBasis.objects.update_or_create(
        unit_type=unit_type, year=year, defaults={"allowed": allowed}
    )
    LegalBasisChange.objects.create(
        unit_type=unit_type, year=year, allowed=allowed, reason=reason[:500], changed_by=by
    )
    trail.record(
        Kind.LEGAL_BASIS_CHANGED,
        by=by,
        what={"unit_type": unit_type, "year": year, "allowed": allowed, "reason": reason[:500]},
    )
    return row


@transaction.atomic(durable=True)
def import_population(
    rows: list[population.Population], *, by=None, source: dict | None = None
) -> tuple[int, int]:
    """Store population figures; a figure already there for a municipality and year is replaced.

    Returns how many were created and how many updated.
    """
    from brukerplan.organisations.models import Population

    existing = {
        (p.municipality_code, p.year): p
        for p in Population.objects.filter(year__in={r.year for r in rows})
    }
    created, updated = [], []
    for row in rows:
        current = existing.get((row.municipality_code, row.year))
        if current is None:
            created.append(
                Population(
                    municipality_code=row.municipality_code,
                    year=row.year,
                    total=row.total,
                    adults=row.adults,
                )
            )
        elif (current.total, current.adults) != (row.total, row.adults):
            current.total, current.adults = row.total, row.adults
            updated.append(current)
    Population.objects.bulk_create(created)
    Population.objects.bulk_update(updated, ["total", "adults"])
    trail.record(
        Kind.POPULATION_IMPORT,
        by=by,
        what={
            **(source or {}),
            "rows": len(rows),
            "created": len(created),
            "updated": len(updated),
        },
    )
    return len(created), len(updated)
