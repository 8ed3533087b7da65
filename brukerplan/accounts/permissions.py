"""The one place that answers "may this user do this to that".

Every view and command asks a function here; nothing else looks at roles.
`tests/web/test_permission_matrix.py` walks every role × view × own/other
place. The rules:

| may …                            | mapper   | contact      | regional   | analyst | admin |
|----------------------------------|----------|--------------|------------|---------|-------|
| see a unit's registration list   | own unit | own munic.   | –          | –       | –     |
| create/edit/delete registrations | own unit | –            | –          | –       | –     |
| see a municipality's overview    | –        | own munic.   | –          | –       | any   |
| manage units, mappers, duplicates| –        | own munic.   | –          | –       | –     |
| see a municipality's reports     | –        | own munic.   | its region | any     | any   |
| see pseudonymised row data       | –        | own munic.   | –          | any     | –     |
| use the Django admin             | –        | –            | –          | –       | staff |

Whether the mapping period is open is not a permission: it is checked by the
actions in `brukerplan.registrations.mapping`, for every role alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from brukerplan.accounts.models import Membership, Role
from brukerplan.organisations.models import Municipality, Unit
from brukerplan.registrations.models import Registration

_CACHE_ATTRIBUTE = "_brukerplan_scope"


@dataclass(frozen=True)
class Scope:
    """What a user's active memberships cover; read once per request."""

    unit_ids: frozenset[int] = frozenset()
    contact_municipalities: frozenset[str] = frozenset()  # municipality codes
    regional_counties: frozenset[str] = frozenset()  # county codes
    regional_health_regions: frozenset[str] = frozenset()
    analyst: bool = False
    administrator: bool = False

    @property
    def roles(self) -> set[str]:
        roles = set()
        if self.unit_ids:
            roles.add(Role.KARTLEGGER)
        if self.contact_municipalities:
            roles.add(Role.KOMMUNEKONTAKT)
        if self.regional_counties or self.regional_health_regions:
            roles.add(Role.REGIONAL)
        if self.analyst:
            roles.add(Role.ANALYTIKER)
        if self.administrator:
            roles.add(Role.ADMINISTRATOR)
        return roles


NOBODY = Scope()


def scope_of(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    units, municipalities, counties, regions = set(), set(), set(), set()
    analyst = False
    administrator = user.is_superuser
    rows = Membership.objects.filter(user=user, active=True).values_list(
        "role", "unit_id", "unit__active", "municipality__code", "county__code", "health_region"
    )
    for role, unit_id, unit_active, municipality_code, county_code, health_region in rows:
        if role == Role.KARTLEGGER and unit_active:
            units.add(unit_id)
        elif role == Role.KOMMUNEKONTAKT:
            municipalities.add(municipality_code)
        elif role == Role.REGIONAL:
            if county_code:
                counties.add(county_code)
            if health_region:
                regions.add(health_region)
        elif role == Role.ANALYTIKER:
            analyst = True
        elif role == Role.ADMINISTRATOR:
            administrator = True
    scope = Scope(
        frozenset(units),
        frozenset(municipalities),
        frozenset(counties),
        frozenset(regions),
        analyst,
        administrator,
    )
    setattr(user, _CACHE_ATTRIBUTE, scope)
    return scope


def forget(user) -> None:
    """Drop the cached scope (after a membership of this user changed)."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


# --- registrations -----------------------------------------------------------


def may_view_unit(user, unit: Unit) -> bool:
    """The unit's list: registration numbers, dates, birth years, sexes, statuses."""
    scope = scope_of(user)
    return unit.id in scope.unit_ids or unit.municipality.code in scope.contact_municipalities


def may_map_in_unit(user, unit: Unit) -> bool:
    """Create registrations for the unit (the period is the action's business)."""
    return unit.active and unit.id in scope_of(user).unit_ids


def may_edit_registration(user, registration: Registration) -> bool:
    """Open, change, submit or delete one registration: its own unit's mappers only."""
    return registration.unit_id in scope_of(user).unit_ids


# --- municipalities ------------------------------------------------------------


def may_view_overview(user, municipality: Municipality) -> bool:
    scope = scope_of(user)
    return municipality.code in scope.contact_municipalities or scope.administrator


def may_manage_municipality(user, municipality: Municipality) -> bool:
    """Units, mappers and duplicates of the municipality."""
    return municipality.code in scope_of(user).contact_municipalities


def may_view_reports(user, municipality: Municipality) -> bool:
    """Aggregated, suppressed report tables of a municipality."""
    scope = scope_of(user)
    if scope.analyst or scope.administrator:
        return True
    if municipality.code in scope.contact_municipalities:
        return True
    county = municipality.county
    return (
        county.code in scope.regional_counties
        or county.health_region in scope.regional_health_regions
    )


def may_view_row_data(user, municipality: Municipality) -> bool:
    """Pseudonymised rows (the raw-data export): the municipality's contact person, analysts."""
    scope = scope_of(user)
    return scope.analyst or municipality.code in scope.contact_municipalities


def may_view_national_reports(user) -> bool:
    scope = scope_of(user)
    return scope.analyst or scope.administrator


def may_use_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)
