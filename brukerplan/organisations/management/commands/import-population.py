from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from brukerplan.audit.trail import file_digest
from brukerplan.organisations import population
from brukerplan.organisations.actions import import_population
from brukerplan.organisations.models import Municipality


class Command(BaseCommand):
    help = (
        "Importerer folketall per kommune og år fra Statistisk sentralbyrås CSV-format "
        "(f.eks. tabell 07459, med alder for å få antall voksne)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = file.read_text(encoding="latin-1")  # older StatBank downloads
        except OSError as error:
            raise CommandError(f"kan ikke lese {file}: {error}") from None
        try:
            rows = population.parse(text)
        except population.PopulationFormatError as error:
            raise CommandError(f"{file.name} er avvist: {error}") from None
        unknown = sorted(
            f"{r.municipality_code} ({r.year})"
            for r in rows
            if not Municipality.objects.valid_in(r.year).filter(code=r.municipality_code).exists()
        )
        if unknown:
            raise CommandError(
                f"{file.name} er avvist: ukjente kommunenumre for året: {', '.join(unknown[:20])}"
            )
        source = {"file": file.name[:80], "sha256": file_digest(file)}
        created, updated = import_population(rows, source=source)
        self.stdout.write(f"Folketall: {created} nye og {updated} oppdaterte kommune-år.")
