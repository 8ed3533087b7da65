import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from brukerplan.registrations.actions import import_registrations
from brukerplan.registrations.exchange import UnreadableFile, read_rows
from brukerplan.reports import data

MAX_ERRORS_SHOWN = 1000


class Command(BaseCommand):
    help = (
        "Importerer kartlegginger fra en .csv- eller .xlsx-fil i utvekslingsformatet. "
        "Alle rader kontrolleres før noe skrives; en fil med feil avvises i sin helhet."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            header, rows = read_rows(file)
        except UnreadableFile as error:
            raise CommandError(str(error)) from None
        # A progress bar only on a terminal; tqdm stays silent otherwise.
        with tqdm(desc="Kontrollerer", unit=" rader", disable=None, file=sys.stderr) as bar:
            result = import_registrations(header, rows, progress=bar.update)
        if result.errors:
            for error in result.errors[:MAX_ERRORS_SHOWN]:
                self.stderr.write(str(error))
            if len(result.errors) > MAX_ERRORS_SHOWN:
                self.stderr.write(f"… og {len(result.errors) - MAX_ERRORS_SHOWN} feil til.")
            raise CommandError(
                f"{file.name} er avvist: {len(result.errors)} feil i {result.rows} rader. "
                "Ingenting er importert."
            )
        self.stdout.write(
            f"Importerte {result.created} kartlegginger fra {file.name} "
            f"({result.already_present} fantes fra før, {result.units_created} nye enheter)."
        )
        # After a bulk import reports follow: build the years' analysis frames now, once,
        # instead of in the first report (brukerplan/reports/store.py).
        for year in sorted(result.years):
            data.national_frame(year)
            self.stdout.write(f"Rapportgrunnlaget for {year} er klart.")
