"""Every write to registrations goes through a function here; views and commands call them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from brukerplan.organisations.models import Municipality, Unit
from brukerplan.registrations.importing import Prepared, RowChecker, RowError
from brukerplan.registrations.keys import pseudonym_key
from brukerplan.registrations.models import Registration, new_registrering_id

BATCH = 2000


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    already_present: int = 0
    units_created: int = 0
    rows: int = 0
    years: set[int] = field(default_factory=set)  # of the registrations created

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
        _insert(new, register, units)
        result.created = len(new)
        result.years = {p.aar for p in new}
    return result


INSERT_FIELDS = (
    "registrering_id", "aar", "kartlagt_dato", "municipality_id", "kommunenummer",
    "fylkesnummer", "unit_id", "enhetstype", "instrument_version", "status", "person_key",
    "fodselsaar", "kjonn", "alder", "answers", "levekarsindeks", "indeksgruppe", "kategori",
    "foretrukket", "created_at", "updated_at", "submitted_at",
)  # fmt: skip


def _insert(prepared: list[Prepared], register, units) -> None:
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
                False, now, now, now,
            ))  # fmt: skip
            if len(rows) >= BATCH:
                cursor.executemany(sql, rows)
                rows.clear()
        if rows:
            cursor.executemany(sql, rows)


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
