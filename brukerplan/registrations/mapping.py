"""The mapping actions: every write the web form makes to a registration.

Each function is one transaction and checks, on the server, that the county's
mapping period is open; views parse input and check permission, then call one
of these. A fødselsnummer is handed straight to `pseudonymise` and dropped; the
registration keeps only the person key and the derived birth year and sex.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from brukerplan.instrument import definition
from brukerplan.instrument.definition import AnswerError, Instrument
from brukerplan.organisations.models import MappingPeriod, Municipality, Unit
from brukerplan.registrations.keys import pseudonym_key
from brukerplan.registrations.models import Registration
from brukerplan.registrations.pseudonyms import InvalidFodselsnummer, pseudonymise

MAXIMUM_AGE = 120


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


@dataclass
class SaveResult:
    saved: bool
    errors: list[AnswerError] = field(default_factory=list)


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


def _check_open(registration: Registration, today: datetime.date) -> MappingPeriod:
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


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


# --- registrations ---------------------------------------------------------------


@transaction.atomic
def start_registration(
    *,
    unit: Unit,
    user,
    fodselsnummer: str,
    kartlagt_dato: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Registration:
    """A new draft for the person with this number, mapped by the unit.

    Raises MappingError (with `field`) for a closed period, an invalid number,
    an age outside the instrument's range, a date outside the period, or a
    person the unit has already mapped this year (AlreadyMapped).
    """
    today = _today(today)
    municipality = unit.municipality
    period = open_period(municipality, today)
    if not unit.active:
        raise MappingError("Enheten er deaktivert.")
    try:
        identity = pseudonymise(fodselsnummer, pseudonym_key(), today)
    except InvalidFodselsnummer as invalid:
        raise MappingError(_sentence(str(invalid)), field="fodselsnummer") from None
    aar = period.year
    instrument = definition.for_year(aar)
    alder = aar - identity.fodselsaar
    if alder < instrument.minimum_age:
        raise MappingError(
            f"Personen er under {instrument.minimum_age} år i {aar} og skal ikke kartlegges.",
            field="fodselsnummer",
        )
    if alder > MAXIMUM_AGE:
        raise MappingError("Fødselsnummeret gir en alder over 120 år.", field="fodselsnummer")
    kartlagt_dato = kartlagt_dato or today
    last_day = min(today, period.end)
    if not period.start <= kartlagt_dato <= last_day:
        raise MappingError(
            f"Datoen må være mellom {period.start:%d.%m.%Y} og {last_day:%d.%m.%Y}.",
            field="kartlagt_dato",
        )
    existing = Registration.objects.filter(
        unit=unit, aar=aar, person_key=identity.person_key
    ).first()
    if existing is not None:
        raise AlreadyMapped(existing)
    return Registration.objects.create(
        aar=aar,
        kartlagt_dato=kartlagt_dato,
        municipality=municipality,
        kommunenummer=municipality.code,
        fylkesnummer=municipality.county.code,
        unit=unit,
        enhetstype=unit.type,
        instrument_version=instrument.version,
        status=Registration.Status.DRAFT,
        person_key=identity.person_key,
        fodselsaar=identity.fodselsaar,
        kjonn=identity.kjonn,
        alder=alder,
        answers={},
        created_by=user,
    )


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


def _locked(registration: Registration) -> Registration:
    return Registration.objects.select_for_update().get(pk=registration.pk)


@transaction.atomic
def save_draft(
    registration: Registration,
    answers: dict[str, Any],
    user,
    today: datetime.date | None = None,
) -> SaveResult:
    """Keep the answers so far.

    A draft keeps whatever it is given (answers to questions that are not asked
    are dropped). A submitted registration only changes to answers that pass
    validation in full, so it never stops counting half-way through an edit.
    """
    today = _today(today)
    _check_open(registration, today)
    current = _locked(registration)
    instrument = instrument_of(current)
    derived = derived_of(current)
    answers = asked_answers(instrument, answers, derived)
    if current.status == Registration.Status.SUBMITTED:
        errors = instrument.validate(answers, derived)
        if errors:
            return SaveResult(saved=False, errors=errors)
        _apply_scores(current, instrument, answers)
    else:
        current.answers = answers
    current.save()
    _copy(current, registration)
    return SaveResult(saved=True)


@transaction.atomic
def submit_registration(
    registration: Registration,
    answers: dict[str, Any],
    user,
    today: datetime.date | None = None,
) -> list[AnswerError]:
    """Validate everything; on success the registration is submitted and scored.

    On errors a draft still keeps the answers (nothing typed is lost) and the
    errors are returned; a submitted registration is left as it was.
    """
    today = _today(today)
    _check_open(registration, today)
    current = _locked(registration)
    instrument = instrument_of(current)
    derived = derived_of(current)
    answers = asked_answers(instrument, answers, derived)
    errors = instrument.validate(answers, derived)
    if errors:
        if current.status == Registration.Status.DRAFT:
            current.answers = answers
            current.save()
            _copy(current, registration)
        return errors
    _apply_scores(current, instrument, answers)
    if current.status != Registration.Status.SUBMITTED:
        current.status = Registration.Status.SUBMITTED
        current.submitted_at = timezone.now()
    current.save()
    _copy(current, registration)
    return []


def _apply_scores(registration: Registration, instrument: Instrument, answers: dict) -> None:
    index = instrument.levekarsindeks(answers)
    registration.answers = answers
    registration.levekarsindeks = index
    registration.indeksgruppe = instrument.index_group(index)
    registration.kategori = instrument.kategori(answers)


@transaction.atomic
def delete_draft(registration: Registration, user, today: datetime.date | None = None) -> None:
    _check_open(registration, _today(today))
    current = _locked(registration)
    if current.status != Registration.Status.DRAFT:
        raise MappingError("Bare utkast kan slettes.")
    current.delete()


@transaction.atomic
def choose_representative(
    registration: Registration, user, today: datetime.date | None = None
) -> Registration:
    """The contact person's choice among one person's registrations in the municipality and year.

    The chosen one gets `foretrukket`; the person's other registrations there lose it.
    """
    _check_open(registration, _today(today))
    same_person = Registration.objects.select_for_update().filter(
        person_key=registration.person_key,
        aar=registration.aar,
        kommunenummer=registration.kommunenummer,
    )
    same_person.exclude(pk=registration.pk).update(foretrukket=False)
    same_person.filter(pk=registration.pk).update(foretrukket=True)
    registration.foretrukket = True
    return registration


def _copy(source: Registration, target: Registration) -> None:
    if source is target:
        return
    for name in (
        "answers",
        "status",
        "levekarsindeks",
        "indeksgruppe",
        "kategori",
        "submitted_at",
        "updated_at",
    ):
        setattr(target, name, getattr(source, name))


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."
