"""Writes to the organisation register."""

from __future__ import annotations

from django.db import transaction

from brukerplan.organisations import reference
from brukerplan.organisations.models import County, Municipality


@transaction.atomic
def load_reference_data() -> tuple[int, int]:
    """Bring counties and municipalities in line with the shipped register; safe to repeat.

    Returns how many counties and municipalities were created.
    """
    counties_created = 0
    counties = {}
    for c in reference.load_counties():
        county, created = County.objects.update_or_create(
            code=c.code,
            valid_from=c.valid_from,
            defaults={"name": c.name, "valid_to": c.valid_to, "health_region": c.health_region},
        )
        counties[(c.code, c.valid_from)] = county
        counties_created += created
    municipalities_created = 0
    for m in reference.load_municipalities():
        county = _county_for(counties, m)
        _, created = Municipality.objects.update_or_create(
            code=m.code,
            valid_from=m.valid_from,
            defaults={"name": m.name, "valid_to": m.valid_to, "county": county},
        )
        municipalities_created += created
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
