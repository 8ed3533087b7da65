"""When reports are built: a county's mapping period closes, or data of a closed year change.

Connected in `apps.ReportsConfig.ready`. `MappingPeriod` saved with `closed_at` set, and
a `Registration` saved or deleted in a county and year whose period is closed, ask for
the county's build after the commit (`tasks.request_build`: once per county and year per
transaction; a registration's check is one indexed query, skipped when the build is
pending already). A bulk import creates its rows without signals and sends
`registrations_imported` after its commit: every closed county of its years is built.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from brukerplan.organisations.models import LegalBasis, MappingPeriod
from brukerplan.registrations.models import Registration
from brukerplan.registrations.signals import registrations_imported
from brukerplan.reports import tasks


def period_saved(sender, instance: MappingPeriod, raw: bool = False, using=None, **kwargs):
    if raw or instance.closed_at is None:
        return
    tasks.request_build(instance.county.code, instance.year, using)


def registration_changed(sender, instance: Registration, using=None, **kwargs):
    if kwargs.get("raw"):
        return
    # A draft is in no report (and a registration never goes back to draft): no query.
    if instance.status != Registration.Status.SUBMITTED:
        return
    county, year = instance.fylkesnummer, instance.aar
    if not county or tasks.pending(county, year, using):
        return
    closed = MappingPeriod.objects.using(using).filter(
        county__code=county, year=year, closed_at__isnull=False
    )
    if closed.exists():
        tasks.request_build(county, year, using)


def legal_basis_changed(sender, instance: LegalBasis, raw: bool = False, using=None, **kwargs):
    # Which registrations count changed from the row's year on: the closed ones made anew.
    if raw:
        return
    closed = MappingPeriod.objects.using(using).filter(
        year__gte=instance.year, closed_at__isnull=False
    )
    for county, year in closed.values_list("county__code", "year"):
        tasks.request_build(county, year, using)


def registrations_were_imported(sender, years, **kwargs) -> list[str]:
    closed = MappingPeriod.objects.filter(year__in=years, closed_at__isnull=False)
    for county, year in closed.values_list("county__code", "year"):
        tasks.request_build(county, year)
    return []


def connect() -> None:
    registrations_imported.connect(
        registrations_were_imported, dispatch_uid="reports.registrations_imported"
    )
    post_save.connect(period_saved, sender=MappingPeriod, dispatch_uid="reports.period_saved")
    post_save.connect(
        legal_basis_changed, sender=LegalBasis, dispatch_uid="reports.legal_basis_changed"
    )
    for signal, name in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(
            registration_changed,
            sender=Registration,
            dispatch_uid=f"reports.registration_{name}",
        )
