"""The mapping form's rules: the county's period, the instrument and the asked answers.

Nothing here writes. The writes (start, save, submit, delete, choose the
representative) are actions in `brukerplan.registrations.actions`, which check
these rules on the server and raise the errors defined here.
"""

from __future__ import annotations

import datetime
from typing import Any

from brukerplan.instrument import definition
from brukerplan.instrument.definition import Instrument
from brukerplan.organisations.models import MappingPeriod, Municipality
from brukerplan.registrations.models import Registration


class MappingError(Exception):
    """A refused write. The message is Norwegian, safe to show, and never holds a number."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PeriodClosed(MappingError):
    pass


class AlreadyMapped(MappingError):
    """The unit has already mapped this person this year; `existing` is that registration."""

    def __init__(self, existing: Registration):
        super().__init__(
            f"Enheten har allerede kartlagt denne personen i {existing.aar} "
            f"(kartlegging {existing.registrering_id}).",
            field="fodselsnummer",
        )
        self.existing = existing


# --- periods -------------------------------------------------------------------


def current_period(municipality: Municipality, today: datetime.date) -> MappingPeriod | None:
    """The county's period of this year, open or not."""
    return (
        MappingPeriod.objects.filter(county__code=municipality.county.code, year=today.year)
        .order_by("closed_at")
        .first()
    )


def open_period(municipality: Municipality, today: datetime.date) -> MappingPeriod:
    period = current_period(municipality, today)
    if period is None:
        raise PeriodClosed(
            f"{municipality.county.name} har ingen kartleggingsperiode i {today.year}."
        )
    if not period.is_open_on(today):
        raise PeriodClosed(_closed_message(period, today))
    return period


def check_open(registration: Registration, today: datetime.date) -> MappingPeriod:
    period = MappingPeriod.objects.filter(
        county__code=registration.fylkesnummer, year=registration.aar
    ).first()
    if period is None or not period.is_open_on(today):
        if period is None:
            raise PeriodClosed(f"Kartleggingen for {registration.aar} er ikke åpen.")
        raise PeriodClosed(_closed_message(period, today))
    return period


def _closed_message(period: MappingPeriod, today: datetime.date) -> str:
    if period.closed_at is None and today < period.start:
        return (
            f"Kartleggingsperioden åpner {period.start:%d.%m.%Y}. "
            "Kartlegginger kan ikke opprettes eller endres før da."
        )
    return (
        f"Kartleggingsperioden {period.start:%d.%m.%Y}–{period.end:%d.%m.%Y} er avsluttet. "
        "Kartleggingene er nå endelige og kan ikke opprettes eller endres."
    )


# --- the form's rules -------------------------------------------------------------


def instrument_of(registration: Registration) -> Instrument:
    return definition.load(registration.instrument_version)


def derived_of(registration: Registration) -> dict[str, Any]:
    return {"kjonn": registration.kjonn}


def asked_answers(
    instrument: Instrument, answers: dict[str, Any], derived: dict[str, Any]
) -> dict[str, Any]:
    """The answers without those to questions that are not asked (repeated until stable)."""
    kept = {k: v for k, v in answers.items() if instrument.has_question(k)}
    while True:
        values = {**kept, **derived}
        pruned = {
            k: v for k, v in kept.items() if instrument.is_asked(instrument.question(k), values)
        }
        if pruned == kept:
            return pruned
        kept = pruned


def answer_errors(registration: Registration, answers: dict[str, Any]) -> list:
    """What submitting these answers would refuse (reads only; the actions decide)."""
    instrument = instrument_of(registration)
    derived = derived_of(registration)
    return instrument.validate(asked_answers(instrument, answers, derived), derived)


def sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."
