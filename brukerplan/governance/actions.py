"""The regional adviser's decisions on mapping periods: each one transaction that makes
the change (`organisations.actions`), keeps it with its reason (`PeriodChange`), writes
it to the audit trail and, when a period closes, tells the county's contact persons by
e-mail after the commit."""

from __future__ import annotations

import datetime
import logging
import smtplib

from django.db import transaction

from brukerplan.accounts import mail
from brukerplan.accounts.models import Membership, Role
from brukerplan.audit import trail
from brukerplan.audit.models import Kind
from brukerplan.organisations import actions as organisation_actions
from brukerplan.organisations.actions import OrganisationError
from brukerplan.organisations.models import County, MappingPeriod, PeriodChange

log = logging.getLogger(__name__)


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise OrganisationError("Skriv en begrunnelse.")
    return reason[:500]


def _keep(period: MappingPeriod, action: str, reason: str, by) -> None:
    PeriodChange.objects.create(
        period=period,
        action=action,
        start=period.start,
        end=period.end,
        reason=reason,
        changed_by=by,
    )


@transaction.atomic(durable=True)
def open_or_move_period(
    county: County, year: int, start: datetime.date, end: datetime.date, reason: str, *, by
) -> MappingPeriod:
    reason = _reason(reason)
    existed = MappingPeriod.objects.filter(county=county, year=year).exists()
    period = organisation_actions.open_period(county, year, start, end, by=by, reason=reason)
    _keep(period, PeriodChange.Action.MOVE if existed else PeriodChange.Action.OPEN, reason, by)
    return period


@transaction.atomic(durable=True)
def close_period(period: MappingPeriod, reason: str, *, by, when=None) -> MappingPeriod:
    """Close now: the registrations become final, the worker builds the county's reports
    (`reports.signals`), and the county's contact persons are told by e-mail."""
    reason = _reason(reason)
    if period.closed_at is not None:
        raise OrganisationError("Perioden er allerede lukket.")
    organisation_actions.mark_closed(period, when, by=by, reason=reason)
    _keep(period, PeriodChange.Action.CLOSE, reason, by)
    addresses = sorted(
        set(
            Membership.objects.filter(
                role=Role.KOMMUNEKONTAKT,
                active=True,
                municipality__county__code=period.county.code,
                user__is_active=True,
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    transaction.on_commit(lambda: _tell(period, addresses))
    return period


def _tell(period: MappingPeriod, addresses: list[str]) -> None:
    for address in addresses:
        try:
            mail.send("period_closed", to=address, context={"period": period})
        except (smtplib.SMTPException, OSError) as error:
            log.warning("period-closed e-mail not sent: %s", type(error).__name__)


@transaction.atomic(durable=True)
def reopen_period(period: MappingPeriod, reason: str, *, by) -> MappingPeriod:
    reason = _reason(reason)
    if period.closed_at is None:
        raise OrganisationError("Perioden er ikke lukket.")
    organisation_actions.mark_reopened(period, by=by, reason=reason)
    _keep(period, PeriodChange.Action.REOPEN, reason, by)
    return period


@transaction.atomic(durable=True)
def set_release_date(period: MappingPeriod, day: datetime.date, reason: str, *, by):
    """From which day the county's results of the year are public: before it, only each
    municipality sees its own report, and regional advisers and analysts see all, marked."""
    reason = _reason(reason)
    if day.year < period.year:
        raise OrganisationError("Resultatene kan ikke bli offentlige før kartleggingsåret.")
    MappingPeriod.objects.filter(pk=period.pk).update(release_on=day)
    period.release_on = day
    _keep(period, PeriodChange.Action.RELEASE, reason, by)
    trail.record(
        Kind.RELEASE_DATE_SET,
        by=by,
        what={
            "county": period.county.code,
            "year": period.year,
            "release_on": day,
            "reason": reason,
        },
    )
    return period
