from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from brukerplan.organisations import legal_basis
from brukerplan.registrations import synth


class Command(BaseCommand):
    help = (
        "Lager syntetiske kartlegginger i utvekslingsformatet, kalibrert mot årsrapporten 2020. "
        "Bare syntetiske testnumre (måned + 80)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, required=True)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument(
            "--municipality",
            action="append",
            dest="municipalities",
            help="bare denne kommunen (kan gjentas); ellers hele landet",
        )

    def handle(self, *args, persons, year, seed, out, municipalities, **options):
        if persons < 1:
            raise CommandError("--persons må være minst 1")
        if out.suffix.lower() != ".csv":
            raise CommandError("--out må slutte på .csv")
        rows = synth.generate(
            persons,
            year,
            seed,
            municipalities=municipalities,
            unit_types=legal_basis.types_with_basis(year),
        )
        count = synth.write_csv(rows, out)
        self.stdout.write(f"Skrev {count} kartlegginger for {persons} personer i {year} til {out}.")
