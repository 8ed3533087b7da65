from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from brukerplan.audit import trail
from brukerplan.audit.models import Kind
from brukerplan.registrations.exchange import write_rows
from brukerplan.registrations.exports import municipality_export


class Command(BaseCommand):
    help = (
        "Eksporterer en kommunes innsendte kartlegginger for et år (.csv eller .xlsx), "
        "uten fødselsnummer og uten personnøkkel."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="kommunenummer, f.eks. 4601")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, municipality, year, out: Path, **options):
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError("--out må slutte på .csv eller .xlsx")
        try:
            header, rows = municipality_export(municipality, year)
        except LookupError as error:
            raise CommandError(str(error)) from None
        count = write_rows(out, header, rows)
        trail.record(
            Kind.ROW_DATA,
            by=None,
            municipality=municipality,
            what={"scope": f"municipality:{municipality}", "year": year, "rows": count},
        )
        self.stdout.write(f"Skrev {count} kartlegginger til {out}.")
