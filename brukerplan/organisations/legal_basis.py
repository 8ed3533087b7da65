"""Which unit types may map in a year: the one place that reads `LegalBasis`.

A type's rows say from which year on it has a legal basis or not; a year before its
first row has one. Registrations of a type without a basis in their year are refused by
the form and the import, and left out of every report, export, count, duplicate check
and comparison: the queries that read registrations for those exclude `refused_q()`
(`Registration.objects.lawful()`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from brukerplan.instrument import definition
from brukerplan.organisations.models import LegalBasis


@dataclass(frozen=True)
class Refusal:
    """A unit type without legal basis from `first` to `last` (None: from then on)."""

    unit_type: str
    first: int
    last: int | None

    def covers(self, year: int) -> bool:
        return self.first <= year and (self.last is None or year <= self.last)


def refusals() -> list[Refusal]:
    rows = LegalBasis.objects.order_by("unit_type", "year").values_list(
        "unit_type", "year", "allowed"
    )
    by_type: dict[str, list[tuple[int, bool]]] = {}
    for unit_type, year, allowed in rows:
        by_type.setdefault(unit_type, []).append((year, allowed))
    found = []
    for unit_type, changes in by_type.items():
        for i, (year, allowed) in enumerate(changes):
            if allowed:
                continue
            last = changes[i + 1][0] - 1 if i + 1 < len(changes) else None
            found.append(Refusal(unit_type, year, last))
    return found


def has_basis(unit_type: str, year: int, known: list[Refusal] | None = None) -> bool:
    """`known`: the `refusals()` when the caller has them (an import asks for every row)."""
    found = refusals() if known is None else known
    return not any(r.unit_type == unit_type and r.covers(year) for r in found)


def refusal_message(unit_type: str, year: int) -> str:
    label = definition.current().unit_types.get(unit_type, unit_type)
    return (
        f"Enheter av typen {label} kan ikke kartlegge i {year}: det mangler rettslig grunnlag "
        "for å behandle kartlegginger fra dem."
    )


def types_without_basis(year: int) -> list[str]:
    """The instrument's unit types (in its order) that may not map in the year."""
    refused = {r.unit_type for r in refusals() if r.covers(year)}
    return [t for t in definition.current().unit_types if t in refused]


def types_with_basis(year: int) -> list[str]:
    refused = set(types_without_basis(year))
    return [t for t in definition.current().unit_types if t not in refused]


def refused_q(year_field: str = "aar", type_field: str = "enhetstype") -> Q:
    """Rows (of registrations) whose unit type has no legal basis in their year."""
    where = Q(pk__in=[])
    for r in refusals():
        years = {f"{year_field}__gte": r.first}
        if r.last is not None:
            years[f"{year_field}__lte"] = r.last
        where |= Q(**{type_field: r.unit_type}, **years)
    return where


def state() -> str:
    """Changes whenever the rule does (a part of the reports' fingerprints)."""
    return ";".join(f"{r.unit_type}:{r.first}-{r.last or ''}" for r in refusals())


def coverage(year: int) -> dict:
    """What a report of the year covers, as its document carries it (`"unit_types"`)."""
    types = definition.for_year(year).unit_types
    left_out = types_without_basis(year)
    return {
        "covered": [t for t in types if t not in left_out],
        "left_out": [t for t in types if t in left_out],
    }
