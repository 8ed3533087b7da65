from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from brukerplan.audit import trail
from brukerplan.audit.models import Kind
from brukerplan.operations.copies import CopyError, holds_data, restore
from brukerplan.reports import store


class Command(BaseCommand):
    help = (
        "Gjenoppretter databasen fra en kopi laget med «brukerplan backup». Overskriver ikke "
        "en database med brukere, enheter eller kartlegginger uten --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, metavar="FIL")
        parser.add_argument(
            "--force", action="store_true", help="overskriv en database som har innhold"
        )

    def handle(self, *args, file: Path, force: bool, **options):
        if not file.is_file():
            raise CommandError(f"{file} finnes ikke")
        if holds_data() and not force:
            raise CommandError(
                "databasen har innhold (brukere, enheter eller kartlegginger); "
                "bruk --force for å overskrive den med kopien"
            )
        try:
            restore(file)
        except CopyError as error:
            raise CommandError(f"databasen er ikke gjenopprettet: {error}") from None
        store.clear()  # what was kept was made from the data before
        # In the restored trail: the copy's entries, then this one.
        trail.record(Kind.RESTORE, by=None, what={"file": file.name[:80]})
        self.stdout.write(f"Databasen er gjenopprettet fra {file}.")
