"""Every write to registrations goes through a function here; views and commands call them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from brukerplan.organisations.models import Municipality, Unit
from brukerplan.registrations.importing import Prepared, RowChecker, RowError
from brukerplan.registrations.keys import pseudonym_key
from brukerplan.registrations.models import Registration

BATCH = 2000


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    already_present: int = 0
    units_created: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def import_registrations(
    header: list[str],
    rows: Iterable[dict[str, str]],
    progress: Callable[[int], None] = lambda n: None,
) -> ImportResult:
    """Check every row, then write all of them in one transaction, or nothing.

    Rows whose `registrering_id` is already in the database are left as they
    are, so importing the same file twice creates nothing new.
    """
    register = _municipality_register()
    checker = RowChecker(header, lambda year: register.get(year, {}).keys(), pseudonym_key())
    result = ImportResult()
    prepared: list[Prepared] = []
    for number, cells in enumerate(rows, start=2):
        checked = checker.check(number, cells)
        if isinstance(checked, list):
            result.errors.extend(checked)
        else:
            prepared.append(checked)
        result.rows += 1
        progress(1)
    if result.errors or not prepared:
        return result

    with transaction.atomic():
        ids = [p.registrering_id for p in prepared if p.registrering_id]
        existing: set[str] = set()
        for start in range(0, len(ids), BATCH):
            existing.update(
                Registration.objects.filter(
                    registrering_id__in=ids[start : start + BATCH]
                ).values_list("registrering_id", flat=True)
            )
        new = [p for p in prepared if p.registrering_id not in existing]
        result.already_present = len(prepared) - len(new)
        units, result.units_created = _units_for(new, register)
        now = timezone.now()
        batch: list[Registration] = []
        for p in new:
            municipality = register[p.aar][p.kommunenummer]
            registration = Registration(
                aar=p.aar,
                kartlagt_dato=p.kartlagt_dato,
                municipality_id=municipality.id,
                kommunenummer=p.kommunenummer,
                fylkesnummer=municipality.county_code,
                unit_id=units[(municipality.id, p.enhet)],
                enhetstype=p.enhetstype,
                instrument_version=p.instrument_version,
                status=Registration.Status.SUBMITTED,
                person_key=p.person_key,
                fodselsaar=p.fodselsaar,
                kjonn=p.kjonn,
                alder=p.alder,
                answers=p.answers,
                levekarsindeks=p.levekarsindeks,
                indeksgruppe=p.indeksgruppe,
                kategori=p.kategori,
                submitted_at=now,
            )
            if p.registrering_id:
                registration.registrering_id = p.registrering_id
            batch.append(registration)
            if len(batch) >= BATCH:
                Registration.objects.bulk_create(batch)
                batch.clear()
        Registration.objects.bulk_create(batch)
        result.created = len(new)
    return result


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
    for pk, code, county_code, valid_from, valid_to in rows:
        for year in range(valid_from, (valid_to or last_year) + 1):
            register.setdefault(year, {})[code] = _MunicipalityRef(pk, county_code)
    return register


def _units_for(
    prepared: list[Prepared], register: dict[int, dict[str, _MunicipalityRef]]
) -> tuple[dict[tuple[int, str], int], int]:
    """Unit ids by (municipality, name), creating the units a file names for the first time."""
    wanted: dict[tuple[int, str], str] = {}
    for p in prepared:
        wanted.setdefault((register[p.aar][p.kommunenummer].id, p.enhet), p.enhetstype)
    municipality_ids = {m for m, _ in wanted}
    units = {
        (u.municipality_id, u.name): u.id
        for u in Unit.objects.filter(municipality_id__in=municipality_ids).only(
            "id", "municipality_id", "name"
        )
    }
    missing = [
        Unit(municipality_id=m, name=name, type=unit_type)
        for (m, name), unit_type in wanted.items()
        if (m, name) not in units
    ]
    for unit in Unit.objects.bulk_create(missing):
        units[(unit.municipality_id, unit.name)] = unit.id
    if any(v is None for v in units.values()):  # backends that return no ids
        units = {
            (u.municipality_id, u.name): u.id
            for u in Unit.objects.filter(municipality_id__in=municipality_ids)
        }
    return units, len(missing)
