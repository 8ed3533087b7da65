from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from brukerplan.organisations import klass, register
from brukerplan.organisations.actions import OrganisationError, save_register


class Command(BaseCommand):
    help = (
        "Oppdaterer fylker og kommuner fra Statistisk sentralbyrås KLASS-eksport: kodelister "
        "(klassifikasjon 131 og 104, codes.csv med from og to) og endringstabeller "
        "(changes.csv). Alt eller ingenting."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FIL")

    def handle(self, *args, files: list[Path], **options):
        texts = {}
        for file in files:
            try:
                texts[file.name] = klass.decode(file.read_bytes())
            except OSError as error:
                raise CommandError(f"kan ikke lese {file}: {error.strerror}") from None
        try:
            before = register.current()
            updated = klass.update(before, klass.read(texts))
            counties, municipalities = save_register(updated, ", ".join(texts))
        except (klass.KlassError, OrganisationError) as error:
            raise CommandError(f"registeret er ikke endret: {error}") from None
        self.stdout.write(
            f"Kommuneregisteret er kontrollert til og med {updated.checked_through} "
            f"({counties} nye fylker, {municipalities} nye kommuner, "
            f"{len(updated.changes) - len(before.changes)} nye endringer)."
        )
