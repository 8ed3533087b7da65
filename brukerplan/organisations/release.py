"""Whether a report's numbers are preliminary or not yet public: the one place that reads
the periods' state and release dates for it.

A report of a scope and year covers the periods of its counties (a municipality's or a
pool's county, a county, a health region's counties, the country's counties with a
period that year). It is preliminary while one of them is open (not closed), and not
public before the latest of their release dates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from brukerplan.organisations.models import County, MappingPeriod, Municipality

PRELIMINARY = "Foreløpige tall – kartleggingen pågår"


@dataclass(frozen=True)
class Release:
    preliminary: bool
    not_public_before: datetime.date | None  # None: public

    @property
    def key(self) -> str:
        """Part of the publication's fingerprint: a change makes documents and files anew."""
        day = self.not_public_before.isoformat() if self.not_public_before else "public"
        return f"{'p' if self.preliminary else 'f'}{day}"

    def as_dict(self) -> dict:
        """As the report document carries it (`"release"`)."""
        return {
            "preliminary": self.preliminary,
            "not_public_before": self.not_public_before.isoformat()
            if self.not_public_before
            else None,
        }


def _county_codes(scope_type: str, code: str | None, year: int):
    """The scope's county codes (a list, or a subquery: one query in all); None: all."""
    if scope_type == "national":
        return None
    if scope_type == "county":
        return [code]
    if scope_type == "pool":
        return [(code or "").partition("-")[0]]
    if scope_type == "municipality":
        return Municipality.objects.valid_in(year).filter(code=code).values("county__code")
    counties = County.objects.filter(health_region=code, valid_from__lte=year).exclude(
        valid_to__lt=year
    )
    return counties.values("code")


def release_of(
    scope_type: str, code: str | None, year: int, today: datetime.date | None = None
) -> Release:
    today = today or timezone.localdate()
    periods = MappingPeriod.objects.filter(year=year)
    counties = _county_codes(scope_type, code, year)
    if counties is not None:
        periods = periods.filter(county__code__in=counties)
    rows = list(periods.values_list("closed_at", "release_on"))
    preliminary = any(closed is None for closed, _ in rows)
    dates = [day for _, day in rows if day is not None and today < day]
    return Release(preliminary, max(dates) if dates else None)
