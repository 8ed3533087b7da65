"""Every write to registrations goes through a function here; views and commands call them.

Each write is one transaction, durable (never inside another) where it is the
outermost, and takes the acting user as the keyword `by`: `by=None` is the
command line. A registration records its creator (`created_by`); every write
records `by` in the audit trail (`brukerplan.audit.trail`), in its transaction.
"""

from __future__ import annotations

import contextlib
import datetime
import pickle
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from brukerplan.audit import trail
from brukerplan.audit.models import Kind, Outcome
from brukerplan.instrument import definition
from brukerplan.instrument.definition import AnswerError, Instrument
from brukerplan.organisations import legal_basis, reference
from brukerplan.organisations.models import MappingPeriod, Municipality, Unit
from brukerplan.registrations import mapping
from brukerplan.registrations.exchange import Table
from brukerplan.registrations.importing import Prepared, RowChecker, RowError
from brukerplan.registrations.keys import active_version, pseudonym_key
from brukerplan.registrations.mapping import AlreadyMapped, MappingError
from brukerplan.registrations.models import Registration, Reservation, new_registrering_id
from brukerplan.registrations.pseudonyms import InvalidFodselsnummer, pseudonymise

RESERVED = "Personen har reservert seg mot å bli kartlagt i BrukerPlan."
BATCH = 2000
KEPT_MESSAGES = 1000  # errors (and warnings) kept to be listed; the rest are counted
PROGRESS_EVERY = 500  # rows between two updates of a progress bar


class Progress(Protocol):
    def update(self, n: int) -> object: ...


ProgressFactory = Callable[[str, int | None], contextlib.AbstractContextManager[Progress]]


class _NoProgress:
    def update(self, n: int) -> None:
        pass


def no_progress(stage: str, total: int | None) -> contextlib.AbstractContextManager[Progress]:
    return contextlib.nullcontext(_NoProgress())


@dataclass
class Capped:
    """The first `KEPT_MESSAGES` of many messages, and how many there were."""

    kept: list[RowError] = field(default_factory=list)
    count: int = 0

    def add(self, message: RowError) -> None:
        self.count += 1
        if len(self.kept) < KEPT_MESSAGES:
            self.kept.append(message)

    def extend(self, messages: Iterable[RowError]) -> None:
        for message in messages:
            self.add(message)


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)  # the first KEPT_MESSAGES
    error_count: int = 0
    warnings: list[RowError] = field(default_factory=list)  # the first KEPT_MESSAGES
    warning_count: int = 0
    created: int = 0
    already_present: int = 0
    units_created: int = 0
    rows: int = 0
    years: set[int] = field(default_factory=set)  # of the registrations created

    @property
    def ok(self) -> bool:
        return not self.error_count


def import_registrations(
    table: Table,
    *,
    by,
    progress: ProgressFactory = no_progress,
    source: dict | None = None,
    closed_period_ok: bool = False,
) -> ImportResult:
    """Check every row, then write all of them in one transaction, or nothing.

    Rows whose `registrering_id` is already in the database are left as they
    are, so importing the same file twice creates nothing new. Units the file
    names are created. `by` is the creator of the registrations written
    (`None`: the command line).

    Memory does not grow with the file. The first pass reads the rows as they
    come and checks each; it keeps what checks across rows need (the ids seen,
    as hashes), the first errors and warnings with a count of the rest, and
    writes each checked row, pickled, to an unnamed temporary file that the
    system deletes when it is closed (or the process ends). Only when no row
    has an error does the second pass read that file back and write batches
    of rows in one transaction. Reading the checked rows rather than the file
    again means the check (most of an import's time) runs once, and what is
    written is what was checked even if the file changes meanwhile. The
    temporary file holds pseudonyms and answers, never a fødselsnummer.

    A row for a county whose mapping period of its year has closed changes reports
    already made: it is an error unless `closed_period_ok` (then the reports of the
    closed periods of the years imported are made anew, `reports.signals`).

    `progress(stage, total)` gives a context manager with `update(n)` for
    each pass ("Kontrollerer", then "Skriver" with the number of rows).
    `table.rows` may raise `UnreadableFile` while it is read; nothing is
    written then either.

    The audit trail gets one entry: in the writing transaction, or, for a file
    rejected, on its own. `source` is what it says of the file (its name, sha256).
    """
    register = _municipality_register()
    errors, warnings = Capped(), Capped()
    chain = pseudonym_key()
    refused = legal_basis.refusals()
    reserved = set(Reservation.objects.values_list("person_key", flat=True))
    closed = {} if closed_period_ok else _closed_periods()

    def in_closed_period(year: int, code: str) -> str | None:
        municipality = register.get(year, {}).get(code)
        if municipality is None or (municipality.county_code, year) not in closed:
            return None
        return closed[(municipality.county_code, year)]

    checker = RowChecker(
        table.header,
        lambda year: register.get(year, {}).keys(),
        chain,
        today=timezone.localdate(),
        on_warning=warnings.add,
        has_legal_basis=lambda unit_type, year: legal_basis.has_basis(unit_type, year, refused),
        reserved=reserved.__contains__,
        in_closed_period=in_closed_period,
    )
    result = ImportResult()
    errors.extend(checker.structure_errors())
    wanted_units: dict[tuple[int, str, str], str] = {}
    with tempfile.TemporaryFile(prefix="brukerplan-import-") as spill:
        checked = 0
        if not errors.count:
            checked = _check_rows(table, checker, errors, wanted_units, spill, progress)
        result.rows = checked
        result.errors, result.error_count = errors.kept, errors.count
        result.warnings, result.warning_count = warnings.kept, warnings.count
        if errors.count or not checked:
            _record_import(result, by, source)
            return result
        spill.seek(0)
        with transaction.atomic(), progress("Skriver", checked) as bar:
            if active_version() != len(chain):  # rotate-key ran meanwhile
                raise KeyRotated("Nøkkelen ble byttet under importen; importer filen på nytt.")
            _write_rows(_spilled(spill), register, wanted_units, result, bar, by, len(chain))
            _record_import(result, by, source)
    return result


def _record_import(result: ImportResult, by, source: dict | None) -> None:
    trail.record(
        Kind.IMPORT,
        by=by,
        outcome=Outcome.ALLOWED if result.ok and result.rows else Outcome.FAILED,
        what={
            **(source or {}),
            "rows": result.rows,
            "errors": result.error_count,
            "warnings": result.warning_count,
            "created": result.created,
            "already_present": result.already_present,
            "units_created": result.units_created,
            "years": sorted(result.years),
        },
    )


def _check_rows(table, checker, errors: Capped, wanted_units, spill, progress) -> int:
    """The first pass: every row checked; while none has failed, each written to `spill`."""
    batch: list[tuple] = []
    rows = 0
    with progress("Kontrollerer", None) as bar:
        for number, cells, width in table.rows:
            checked = checker.check(number, cells, width)
            rows += 1
            if rows % PROGRESS_EVERY == 0:
                bar.update(PROGRESS_EVERY)
            if isinstance(checked, list):  # empty: a header error reported on an earlier row
                errors.extend(checked)
                continue
            if errors.count:
                continue  # nothing will be written: keep checking, but keep nothing
            wanted_units.setdefault(
                (checked.aar, checked.kommunenummer, checked.enhet), checked.enhetstype
            )
            batch.append(_spill_row(checked))
            if len(batch) >= BATCH:
                pickle.dump(batch, spill, protocol=pickle.HIGHEST_PROTOCOL)
                batch.clear()
        bar.update(rows % PROGRESS_EVERY)
    if batch and not errors.count:
        pickle.dump(batch, spill, protocol=pickle.HIGHEST_PROTOCOL)
    return rows


def _spill_row(p: Prepared) -> tuple:
    return (
        p.registrering_id, p.aar, p.kartlagt_dato, p.kommunenummer, p.enhet, p.enhetstype,
        p.person_key, p.fodselsaar, p.kjonn, p.alder, p.instrument_version, p.answers,
        p.levekarsindeks, p.indeksgruppe, p.kategori,
    )  # fmt: skip


def _spilled(spill) -> Iterable[list[Prepared]]:
    """The checked rows back from the first pass's temporary file (this process's own)."""
    while True:
        try:
            batch = pickle.load(spill)  # noqa: S301 - written by this call, unnamed
        except EOFError:
            return
        yield [Prepared(*fields) for fields in batch]


def _write_rows(batches, register, wanted_units, result: ImportResult, bar, by, version) -> None:
    """The second pass, in the caller's transaction: the rows not yet in the database."""
    units = _Units(register, wanted_units)
    for prepared in batches:
        ids = [p.registrering_id for p in prepared if p.registrering_id]
        existing = set(
            Registration.objects.filter(registrering_id__in=ids).values_list(
                "registrering_id", flat=True
            )
        ) if ids else set()  # fmt: skip
        new = [p for p in prepared if p.registrering_id not in existing]
        result.already_present += len(prepared) - len(new)
        _insert(new, register, units.ids_for(new), by, version)
        result.created += len(new)
        result.years.update(p.aar for p in new)
        bar.update(len(prepared))
    result.units_created = units.created


INSERT_FIELDS = (
    "registrering_id", "aar", "kartlagt_dato", "municipality_id", "kommunenummer",
    "fylkesnummer", "unit_id", "enhetstype", "instrument_version", "status", "person_key",
    "fodselsaar", "kjonn", "alder", "answers", "levekarsindeks", "indeksgruppe", "kategori",
    "foretrukket", "created_at", "updated_at", "submitted_at", "created_by_id", "key_version",
)  # fmt: skip


def _insert(prepared: list[Prepared], register, units, by, key_version: int) -> None:
    """Insert many registrations with one prepared statement.

    bulk_create spends most of a large import compiling every value of every
    row; here only the date, the JSON document and the timestamps go through
    Django's own field adaptation, once per value, so both SQLite and
    PostgreSQL get the representation they expect.
    """
    meta = Registration._meta
    adapt_date = meta.get_field("kartlagt_dato").get_db_prep_save
    adapt_json = meta.get_field("answers").get_db_prep_save
    now = meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in INSERT_FIELDS)
    placeholders = ", ".join(["%s"] * len(INSERT_FIELDS))
    table = connection.ops.quote_name(meta.db_table)
    # Only model metadata is interpolated; every value is a query parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
    submitted = Registration.Status.SUBMITTED.value
    creator = None if by is None else by.pk
    rows = []
    with connection.cursor() as cursor:
        for p in prepared:
            municipality = register[p.aar][p.kommunenummer]
            rows.append((
                p.registrering_id or new_registrering_id(), p.aar,
                adapt_date(p.kartlagt_dato, connection), municipality.id, p.kommunenummer,
                municipality.county_code, units[(municipality.id, p.enhet)], p.enhetstype,
                p.instrument_version, submitted, p.person_key, p.fodselsaar, p.kjonn, p.alder,
                adapt_json(p.answers, connection), p.levekarsindeks, p.indeksgruppe, p.kategori,
                False, now, now, now, creator, key_version,
            ))  # fmt: skip
            if len(rows) >= BATCH:
                cursor.executemany(sql, rows)
                rows.clear()
        if rows:
            cursor.executemany(sql, rows)


def _closed_periods() -> dict[tuple[str, int], str]:
    """The county name of every closed period, by (county code, year)."""
    rows = MappingPeriod.objects.filter(closed_at__isnull=False).values_list(
        "county__code", "year", "county__name"
    )
    return {(code, year): name for code, year, name in rows}


@dataclass(frozen=True)
class _MunicipalityRef:
    id: int
    county_code: str


def _municipality_register() -> dict[int, dict[str, _MunicipalityRef]]:
    """Municipality codes valid in each year, with their row and county."""
    rows = Municipality.objects.values_list("id", "code", "county__code", "valid_from", "valid_to")
    if not rows:
        return {}
    last_year = max(timezone.now().year + 1, max(r[3] for r in rows))
    register: dict[int, dict[str, _MunicipalityRef]] = {}
    first_year = min(r[3] for r in rows)
    for pk, code, county_code, valid_from, valid_to in rows:
        if valid_from == first_year:  # historic years take the register's first codes
            valid_from = min(valid_from, reference.HISTORIC_FROM)
        for year in range(valid_from, (valid_to or last_year) + 1):
            register.setdefault(year, {})[code] = _MunicipalityRef(pk, county_code)
    return register


class _Units:
    """Unit ids by (municipality, name): the ones there are, and those the rows written name
    for the first time, created as they come (with the type the file gives them first)."""

    def __init__(self, register, wanted: dict[tuple[int, str, str], str]):
        self.register = register
        self.types: dict[tuple[int, str], str] = {}
        for (aar, code, name), unit_type in wanted.items():
            self.types.setdefault((register[aar][code].id, name), unit_type)
        municipality_ids = {m for m, _ in self.types}
        self.ids = {
            (u.municipality_id, u.name): u.id
            for u in Unit.objects.filter(municipality_id__in=municipality_ids).only(
                "id", "municipality_id", "name"
            )
        }
        self.created = 0

    def ids_for(self, prepared: list[Prepared]) -> dict[tuple[int, str], int]:
        missing: dict[tuple[int, str], None] = {}
        for p in prepared:
            key = (self.register[p.aar][p.kommunenummer].id, p.enhet)
            if key not in self.ids:
                missing[key] = None
        if missing:
            made = Unit.objects.bulk_create(
                Unit(municipality_id=m, name=name, type=self.types[(m, name)])
                for m, name in missing
            )
            self.created += len(made)
            for unit in made:
                self.ids[(unit.municipality_id, unit.name)] = unit.id
            if any(u.id is None for u in made):  # backends that return no ids
                for u in Unit.objects.filter(municipality_id__in={m for m, _ in missing}):
                    self.ids[(u.municipality_id, u.name)] = u.id
        return self.ids


# --- the mapping form's writes ---------------------------------------------------
#
# Each is one durable transaction (never inside another) and checks, on the server,
# that the county's mapping period is open. A fødselsnummer is handed straight to
# `pseudonymise` and dropped; the registration keeps only the person key and the
# derived birth year and sex.


@dataclass
class SaveResult:
    saved: bool
    errors: list[AnswerError] = field(default_factory=list)


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


@transaction.atomic(durable=True)
def start_registration(
    *,
    unit: Unit,
    by,
    fodselsnummer: str,
    kartlagt_dato: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Registration:
    """A new draft for the person with this number, mapped by the unit; `by` is its creator.

    Raises MappingError (with `field`) for a closed period, an invalid number,
    an age outside the instrument's range, a date outside the period, or a
    person the unit has already mapped this year (AlreadyMapped).
    """
    today = _today(today)
    municipality = unit.municipality
    period = mapping.open_period(municipality, today)
    if not unit.active:
        raise MappingError("Enheten er deaktivert.")
    if not legal_basis.has_basis(unit.type, period.year):
        raise MappingError(legal_basis.refusal_message(unit.type, period.year))
    try:
        identity = pseudonymise(fodselsnummer, pseudonym_key(), today)
    except InvalidFodselsnummer as invalid:
        raise MappingError(mapping.sentence(str(invalid)), field="fodselsnummer") from None
    if Reservation.objects.filter(person_key=identity.person_key).exists():
        raise MappingError(RESERVED, field="fodselsnummer")
    aar = period.year
    instrument = definition.for_year(aar)
    alder = aar - identity.fodselsaar
    if alder < instrument.minimum_age:
        raise MappingError(
            f"Personen er under {instrument.minimum_age} år i {aar} og skal ikke kartlegges.",
            field="fodselsnummer",
        )
    if alder > instrument.maximum_age:
        raise MappingError(
            f"Fødselsnummeret gir en alder over {instrument.maximum_age} år.",
            field="fodselsnummer",
        )
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
    registration = Registration.objects.create(
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
        key_version=identity.key_version,
        fodselsaar=identity.fodselsaar,
        kjonn=identity.kjonn,
        alder=alder,
        answers={},
        created_by=by,
    )
    _record(Kind.REGISTRATION_STARTED, registration, by)
    return registration


def _record(kind: str, registration: Registration, by, **what) -> None:
    """An entry about one registration: its number, year, unit and municipality only."""
    trail.record(
        kind,
        by=by,
        municipality=registration.kommunenummer,
        unit=registration.unit_id,
        what={"registrering_id": registration.registrering_id, "aar": registration.aar, **what},
    )


def _locked(registration: Registration) -> Registration:
    return Registration.objects.select_for_update().get(pk=registration.pk)


@transaction.atomic(durable=True)
def save_draft(
    registration: Registration,
    answers: dict[str, Any],
    *,
    by,
    today: datetime.date | None = None,
) -> SaveResult:
    """Keep the answers so far.

    A draft keeps whatever it is given (answers to questions that are not asked
    are dropped). A submitted registration only changes to answers that pass
    validation in full, so it never stops counting half-way through an edit.
    """
    today = _today(today)
    mapping.check_open(registration, today)
    current = _locked(registration)
    instrument = mapping.instrument_of(current)
    derived = mapping.derived_of(current)
    answers = mapping.asked_answers(instrument, answers, derived)
    if current.status == Registration.Status.SUBMITTED:
        errors = instrument.validate(answers, derived)
        if errors:
            return SaveResult(saved=False, errors=errors)
        _apply_scores(current, instrument, answers)
    else:
        current.answers = answers
    current.save()
    _copy(current, registration)
    _record(Kind.REGISTRATION_CHANGED, current, by, status=current.status)
    return SaveResult(saved=True)


@transaction.atomic(durable=True)
def submit_registration(
    registration: Registration,
    answers: dict[str, Any],
    *,
    by,
    today: datetime.date | None = None,
) -> list[AnswerError]:
    """Validate everything; on success the registration is submitted and scored.

    On errors a draft still keeps the answers (nothing typed is lost) and the
    errors are returned; a submitted registration is left as it was.
    """
    today = _today(today)
    mapping.check_open(registration, today)
    current = _locked(registration)
    instrument = mapping.instrument_of(current)
    derived = mapping.derived_of(current)
    answers = mapping.asked_answers(instrument, answers, derived)
    errors = instrument.validate(answers, derived)
    if errors:
        if current.status == Registration.Status.DRAFT:
            current.answers = answers
            current.save()
            _copy(current, registration)
            _record(Kind.REGISTRATION_CHANGED, current, by, status=current.status)
        return errors
    _apply_scores(current, instrument, answers)
    kind = Kind.REGISTRATION_CHANGED
    if current.status != Registration.Status.SUBMITTED:
        current.status = Registration.Status.SUBMITTED
        current.submitted_at = timezone.now()
        kind = Kind.REGISTRATION_SUBMITTED
    current.save()
    _copy(current, registration)
    _record(kind, current, by, status=current.status)
    return []


def _apply_scores(registration: Registration, instrument: Instrument, answers: dict) -> None:
    scores = instrument.scores(answers)
    registration.answers = answers
    registration.levekarsindeks = scores.levekarsindeks
    registration.indeksgruppe = scores.indeksgruppe
    registration.kategori = scores.kategori


@transaction.atomic(durable=True)
def delete_draft(registration: Registration, *, by, today: datetime.date | None = None) -> None:
    mapping.check_open(registration, _today(today))
    current = _locked(registration)
    if current.status != Registration.Status.DRAFT:
        raise MappingError("Bare utkast kan slettes.")
    _record(Kind.DRAFT_DELETED, current, by)
    current.delete()


@transaction.atomic(durable=True)
def choose_representative(
    registration: Registration, *, by, today: datetime.date | None = None
) -> Registration:
    """The contact person's choice among one person's registrations in the municipality and year.

    The chosen one gets `foretrukket`; the person's other registrations there lose it.
    """
    mapping.check_open(registration, _today(today))
    same_person = Registration.objects.select_for_update().filter(
        person_key=registration.person_key,
        aar=registration.aar,
        kommunenummer=registration.kommunenummer,
    )
    same_person.exclude(pk=registration.pk).update(foretrukket=False)
    same_person.filter(pk=registration.pk).update(foretrukket=True)
    registration.foretrukket = True
    _record(Kind.DUPLICATE_SETTLED, registration, by)
    return registration


@transaction.atomic(durable=True)
def choose_county_representative(
    registration: Registration, *, by, today: datetime.date | None = None
) -> Registration:
    """The regional adviser's choice among one person's registrations in the county and year
    (mapped in more than one of its municipalities): the chosen one gets `foretrukket`, the
    person's others in the county lose it, so the county's duplicate rule picks it."""
    mapping.check_open(registration, _today(today))
    same_person = Registration.objects.select_for_update().filter(
        person_key=registration.person_key,
        aar=registration.aar,
        fylkesnummer=registration.fylkesnummer,
    )
    same_person.exclude(pk=registration.pk).update(foretrukket=False)
    same_person.filter(pk=registration.pk).update(foretrukket=True)
    registration.foretrukket = True
    _record(Kind.DUPLICATE_SETTLED, registration, by, county=registration.fylkesnummer)
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


# --- the pseudonym key over time ---------------------------------------------------------


class KeyRotated(RuntimeError):
    """The key version changed while an import was under way; Norwegian message."""


ROTATE_BATCH = 2000


@transaction.atomic(durable=True)
def rotate_key(*, by=None) -> tuple[int, int]:
    """Move every stored person key to the next key version, without a fødselsnummer:
    the new key is `pseudonyms.next_key` of the old one under each later secret in turn,
    so a key made from a number through the whole chain is the same. Rows an import left
    behind on an older version are moved all the way. Marks the rows changed (`updated_at`),
    so the reports' caches, which hold keys, are not reused.

    Returns the new version and how many registrations were moved. Raises
    `keys.MissingSecret` when the new version's secret is not configured.
    """
    from brukerplan.registrations.keys import secret
    from brukerplan.registrations.models import KeyRotation
    from brukerplan.registrations.pseudonyms import next_key

    target = active_version() + 1
    if connection.vendor == "postgresql":  # no import may write while the keys move
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(Registration._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")  # noqa: S608
    versions = sorted(
        set(Registration.objects.values_list("key_version", flat=True).distinct()) - {target}
    )
    later = {v: secret(v) for v in range(min(versions, default=target) + 1, target + 1)}
    now = timezone.now()
    moved = 0
    for version in versions:
        steps = [later[v] for v in range(version + 1, target + 1)]
        rows = Registration.objects.filter(key_version=version).order_by("pk")
        last = 0
        while batch := list(
            rows.filter(pk__gt=last).values_list("pk", "person_key")[:ROTATE_BATCH]
        ):
            changed = []
            for pk, key in batch:
                for step in steps:
                    key = next_key(key, step)
                changed.append(
                    Registration(pk=pk, person_key=key, key_version=target, updated_at=now)
                )
            Registration.objects.bulk_update(changed, ["person_key", "key_version", "updated_at"])
            moved += len(changed)
            last = batch[-1][0]
    # Reservations are keys too (always of the active version: every rotation moves them).
    from brukerplan.registrations.models import Reservation

    step = later[target]
    Reservation.objects.bulk_update(
        [
            Reservation(pk=pk, person_key=next_key(key, step))
            for pk, key in Reservation.objects.values_list("pk", "person_key")
        ],
        ["person_key"],
    )
    KeyRotation.objects.create(version=target, registrations=moved)
    return target, moved


# --- the law's writes --------------------------------------------------------------


@transaction.atomic(durable=True)
def delete_without_legal_basis(*, by) -> int:
    """Delete for good every registration whose unit type had no legal basis in its year
    (already left out of every output). Returns how many were deleted; the reports of
    closed periods are made anew (`reports.signals`)."""
    doomed = Registration.objects.filter(legal_basis.refused_q())
    per_year = {
        str(row["aar"]): row["n"]
        for row in doomed.order_by("aar").values("aar").annotate(n=Count("pk"))
    }
    doomed.delete()
    trail.record(Kind.UNLAWFUL_DELETED, by=by, what={"deleted": per_year})
    return sum(per_year.values())


class InvalidNumbers(ValueError):
    """Lines that are no valid fødselsnummer: their line numbers, never their text."""

    def __init__(self, lines: list[int]):
        shown = ", ".join(str(n) for n in lines[:20]) + (" …" if len(lines) > 20 else "")
        super().__init__(f"{len(lines)} linjer er ikke gyldige fødselsnumre (linje {shown})")
        self.lines = lines


@transaction.atomic(durable=True)
def add_reservations(numbers: Iterable[str], *, by, municipality: str = "") -> int:
    """Record that the persons with these numbers object to being mapped, and delete every
    registration of theirs, all years (the reports of closed periods are made anew by the
    worker, `reports.signals`; open ones follow the data). Each number goes straight to
    `pseudonymise` and is dropped: only the person key is kept. All or nothing: a number
    that is not valid raises InvalidNumbers and nothing is recorded. Blank lines are
    skipped. `municipality`: where it was recorded, for the audit trail (none on the
    command line). Returns how many persons were not reserved before."""
    key = pseudonym_key()
    keys: set[str] = set()
    invalid = []
    for line, number in enumerate(numbers, start=1):
        number = number.strip()
        if not number:
            continue
        try:
            keys.add(pseudonymise(number, key).person_key)
        except InvalidFodselsnummer:
            invalid.append(line)
    if invalid:
        raise InvalidNumbers(invalid)
    known = set(
        Reservation.objects.filter(person_key__in=keys).values_list("person_key", flat=True)
    )
    Reservation.objects.bulk_create(Reservation(person_key=k) for k in sorted(keys - known))
    _, deleted = Registration.objects.filter(person_key__in=keys).delete()
    # Counts only: the trail never holds a person key.
    trail.record(
        Kind.RESERVATION_RECORDED,
        by=by,
        municipality=municipality,
        what={
            "new": len(keys - known),
            "registrations_deleted": deleted.get(Registration._meta.label, 0),
        },
    )
    return len(keys - known)
