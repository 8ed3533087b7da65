import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from brukerplan.audit.trail import file_digest
from brukerplan.organisations import register
from brukerplan.registrations.actions import KeyRotated, import_registrations
from brukerplan.registrations.exchange import UnreadableFile, display_name, open_table
from brukerplan.registrations.keys import MissingSecret
from brukerplan.registrations.signals import registrations_imported


def _bar(stage: str, total: int | None) -> tqdm:
    # A progress bar only on a terminal; tqdm stays silent otherwise.
    return tqdm(desc=stage, total=total, unit=" rader", disable=None, file=sys.stderr)


class Command(BaseCommand):
    help = (
        "Importerer kartlegginger fra en .csv- eller .xlsx-fil i utvekslingsformatet. "
        "Alle rader kontrolleres før noe skrives; en fil med feil avvises i sin helhet."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--closed-period-ok",
            action="store_true",
            help="importer også rader for fylker med lukket kartleggingsperiode det året "
            "(rapportene for året lages da på nytt)",
        )

    def handle(self, *args, file: Path, closed_period_ok: bool = False, **options):
        name = display_name(file)
        try:
            table = open_table(file)
            self.stdout.write(f"Leste {table.form}.")
            source = {"file": name, "sha256": file_digest(file)}
            result = import_registrations(
                table, by=None, progress=_bar, source=source, closed_period_ok=closed_period_ok
            )
        except UnreadableFile as error:
            raise CommandError(f"{error}. Ingenting er importert.") from None
        except (KeyRotated, MissingSecret) as error:
            raise CommandError(f"{name} er ikke importert: {error}") from None
        self._list(result.warnings, result.warning_count, "advarsel: ", "advarsler")
        if result.error_count:
            self._list(result.errors, result.error_count, "", "feil")
            where = f"i {result.rows} rader" if result.rows else "i overskriften"
            raise CommandError(
                f"{name} er avvist: {result.error_count} feil {where}. Ingenting er importert."
            )
        self.stdout.write(
            f"Importerte {result.created} kartlegginger fra {name} "
            f"({result.already_present} fantes fra før, {result.units_created} nye enheter)."
        )
        for year in sorted(result.years):
            if (line := register.notice(year)) is not None:
                self.stderr.write(line)
        # The apps above registrations (reports) prepare what follows an import.
        for _, lines in registrations_imported.send(sender=Command, years=sorted(result.years)):
            for line in lines or ():
                self.stdout.write(line)

    def _list(self, messages, count: int, prefix: str, plural: str) -> None:
        for message in messages:
            self.stderr.write(f"{prefix}{message}")
        if count > len(messages):
            self.stderr.write(f"… og {count - len(messages)} {plural} til.")
