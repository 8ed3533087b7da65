r"""The one place that answers "may this user do this to that".

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
| see a county's reports           | –        | –            | its region | any     | any   |
| see a county's pool's reports    | –        | a member     | its region | any     | any   |
| see a health region's reports    | –        | –            | its region | any     | any   |
| see the national report          | –        | –            | –          | any     | any   |
| see pseudonymised row data       | –        | own munic.   | –          | any     | –     |
| needs a second factor for pages  | setting  | yes          | yes        | yes     | yes   |
| invite/deactivate contact persons| –        | –            | its county | –       | –     |
| invite/deactivate regional, analyst| –      | –            | –          | –       | any   |
| search the audit trail           | –        | –            | –          | –       | any   |
| set the legal basis of unit types| –        | –            | –          | –       | any   |
| record a reservation (objection) | –        | own munic.   | –          | –       | any   |
| run a county's mapping periods   | –        | –            | its region | –       | –     |
| see reports before their release | –        | own munic.*  | its region | any     | any   |
| use the Django admin             | –        | –            | –          | –       | staff |

\* before the release date only its own municipality's report, without comparisons.

Mappers are invited and deactivated by their municipality's contact person
("manage units, mappers"). A regional adviser "of a county" is a county governor's
(a membership with the county); one of a health region (a competence centre) has
reports only, but runs the mapping periods of the region's counties.

A pool is a county's municipalities with too few persons for a report of their own
(report-format.md); who may see the county may see its pool, and so may the contact
person of one of its members. Which municipalities are members depends on the year's
data, which this module does not read: the caller hands them over (`members`).

Whether the mapping period is open is not a permission: it is checked by the
actions in `brukerplan.registrations.actions`, for every role alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from brukerplan.accounts.models import Membership, Role
from brukerplan.organisations.models import County, Municipality, Unit
from brukerplan.organisations.reference import HEALTH_REGIONS

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


def roles_label(user) -> str:
    """The user's active roles, as the audit trail records them ("kartlegger,kommunekontakt")."""
    return ",".join(sorted(str(role) for role in scope_of(user).roles))


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


def may_edit_registration(user, registration) -> bool:
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


# --- reports by scope (the dashboard) ----------------------------------------


@dataclass(frozen=True)
class ReportScope:
    """A scope a report can be made for: type national | region | county | pool |
    municipality."""

    type: str
    code: str | None
    name: str

    @property
    def key(self) -> str:
        """The scope as `brukerplan.reports.data.resolve_scope` reads it: "county:46"."""
        return self.type if self.code is None else f"{self.type}:{self.code}"


def _counties_in(year: int):
    return County.objects.filter(valid_from__lte=year).exclude(valid_to__lt=year).order_by("code")


def may_see_some_report(user) -> bool:
    """Whether the user has any report to see (the menu's «Rapporter»)."""
    scope = scope_of(user)
    return bool(
        scope.analyst
        or scope.administrator
        or scope.contact_municipalities
        or scope.roles & {Role.REGIONAL}
    )


def report_scopes_for(
    user, year: int, pools: Iterable[tuple[str, str, Iterable[str]]] = ()
) -> list[ReportScope]:
    """Every scope whose report the user may see in the year: national, health regions,
    counties, pools, municipalities (in that order, each by code).

    `pools`: the year's pools that are made, as (code, name, members)."""
    scope = scope_of(user)
    everything = scope.analyst or scope.administrator
    if not may_see_some_report(user):
        return []
    found: list[ReportScope] = []
    if everything:
        found.append(ReportScope("national", None, "Hele landet"))
    regions = HEALTH_REGIONS if everything else scope.regional_health_regions
    found += [ReportScope("region", k, v) for k, v in HEALTH_REGIONS.items() if k in regions]
    counties = []
    if everything or scope.regional_counties or scope.regional_health_regions:
        counties = [
            c
            for c in _counties_in(year)
            if everything
            or c.code in scope.regional_counties
            or c.health_region in scope.regional_health_regions
        ]
    found += [ReportScope("county", c.code, c.name) for c in counties]
    found += [
        ReportScope("pool", code, name)
        for code, name, members in sorted(pools)
        if may_view_report(user, "pool", code, year, members=members)
    ]
    municipalities = Municipality.objects.valid_in(year).order_by("code")
    if not everything:
        municipalities = municipalities.filter(
            Q(code__in=scope.contact_municipalities)
            | Q(county__code__in=[c.code for c in counties])
        )
    found += [
        ReportScope("municipality", code, name)
        for code, name in municipalities.values_list("code", "name")
    ]
    return found


def may_view_report(
    user, scope_type: str, code: str | None, year: int, *, members: Iterable[str] = ()
) -> bool:
    """The report of one scope (as `report_scopes_for` lists them) in a year.

    A pool's (code "46-sma"): whoever may see its county's, and the contact person of one
    of its `members`."""
    scope = scope_of(user)
    if scope.analyst or scope.administrator:
        return True
    if scope_type == "pool":
        county = (code or "").partition("-")[0]
        return bool(scope.contact_municipalities.intersection(members)) or may_view_report(
            user, "county", county, year
        )
    if scope_type == "region":
        return code in scope.regional_health_regions
    if scope_type == "county":
        return code in scope.regional_counties or any(
            c.health_region in scope.regional_health_regions
            for c in _counties_in(year).filter(code=code)
        )
    if scope_type == "municipality":
        if code in scope.contact_municipalities:
            return True
        municipality = (
            Municipality.objects.valid_in(year).filter(code=code).select_related("county").first()
        )
        return municipality is not None and may_view_reports(user, municipality)
    return False


def may_download_row_data(user, scope_type: str, code: str | None, year: int) -> bool:
    """The report's workbook with the raw rows: only a municipality's, and only for whoever
    may see its rows (as `may_view_row_data`: its contact person, analysts)."""
    scope = scope_of(user)
    return scope_type == "municipality" and (scope.analyst or code in scope.contact_municipalities)


def may_see_register_notices(user) -> bool:
    """Administrators are told when a year is past what the municipality register has been
    checked for (they are the ones to import a newer one)."""
    return scope_of(user).administrator


# --- users and the audit trail -----------------------------------------------------


def may_manage_contacts(user, county_code: str) -> bool:
    """Invite and deactivate the contact persons of the county's municipalities."""
    return county_code in scope_of(user).regional_counties


def may_manage_staff(user) -> bool:
    """Invite and deactivate regional advisers and analysts."""
    return scope_of(user).administrator


def may_view_audit(user) -> bool:
    """Search the audit trail and download it."""
    return scope_of(user).administrator


def may_manage_legal_basis(user) -> bool:
    """Which unit types may map in which years: the national administrator."""
    return scope_of(user).administrator


def may_record_reservation(user, municipality: Municipality) -> bool:
    """That a person objects to being mapped: the municipality's contact person, or the
    national administrator."""
    scope = scope_of(user)
    return scope.administrator or municipality.code in scope.contact_municipalities


def may_run_periods(user, county: County) -> bool:
    """Open, move, close and reopen the county's mapping periods: its regional advisers
    (the county's, or its health region's)."""
    scope = scope_of(user)
    return county.code in scope.regional_counties or (
        county.health_region in scope.regional_health_regions
    )


def period_counties_for(user, year: int) -> list[County]:
    """The counties of the year whose periods the user runs."""
    return [c for c in _counties_in(year) if may_run_periods(user, c)]


def may_see_unreleased(user) -> bool:
    """Every report the user may see, before its release date too (marked): regional
    advisers, analysts, the administrator. Anyone else sees only a municipality's own
    report before then, without comparisons (`brukerplan.organisations.release`)."""
    scope = scope_of(user)
    return bool(scope.analyst or scope.administrator or Role.REGIONAL in scope.roles)


def may_use_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


# --- the second factor ---------------------------------------------------------


def needs_second_factor(user) -> bool:
    """Whether the user's pages wait for a second factor (brukerplan/accounts/second_factor.py):
    every role that sees row data or more than one municipality (contact person, regional
    adviser, analyst, administrator, staff), and mappers when the setting asks for it."""
    if user is None or not user.is_authenticated:
        return False
    scope = scope_of(user)
    if user.is_staff or scope.roles - {Role.KARTLEGGER}:
        return True
    return bool(scope.unit_ids) and settings.BRUKERPLAN_SECOND_FACTOR_FOR_MAPPERS
