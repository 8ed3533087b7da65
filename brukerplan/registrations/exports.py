"""Raw-data exports. A municipality's export carries no fødselsnummer and no
person_key: its rows must not hold the key that links persons nationally."""

from __future__ import annotations

from collections.abc import Iterator

from brukerplan.instrument import definition
from brukerplan.instrument.cells import to_cells
from brukerplan.organisations.models import Municipality
from brukerplan.registrations.exchange import EXPORT_METADATA
from brukerplan.registrations.models import Registration


def municipality_export(code: str, year: int) -> tuple[list[str], Iterator[dict[str, str]]]:
    if not Municipality.objects.valid_in(year).filter(code=code).exists():
        raise LookupError(f"{code} er ikke et kommunenummer i {year}")
    instrument = definition.for_year(year)
    header = [*EXPORT_METADATA, *instrument.answer_columns]
    registrations = (
        Registration.objects.filter(
            kommunenummer=code, aar=year, status=Registration.Status.SUBMITTED
        )
        .lawful()
        .select_related("unit")
        .order_by("registrering_id")
    )

    def rows() -> Iterator[dict[str, str]]:
        for r in registrations.iterator(chunk_size=2000):
            yield {
                "registrering_id": r.registrering_id,
                "aar": str(r.aar),
                "kartlagt_dato": r.kartlagt_dato.isoformat(),
                "kommunenummer": r.kommunenummer,
                "enhet": r.unit.name,
                "enhetstype": r.enhetstype,
                "fodselsaar": str(r.fodselsaar),
                "kjonn": r.kjonn,
                **to_cells(definition.load(r.instrument_version), r.answers),
            }

    return header, rows()
