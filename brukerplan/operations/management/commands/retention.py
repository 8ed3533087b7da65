from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from brukerplan.operations.actions import apply_retention, retention


def _years(by_year: dict[int, int]) -> str:
    return ", ".join(f"{year}: {n}" for year, n in by_year.items())


class Command(BaseCommand):
    help = (
        "Sletter kartlegginger eldre enn oppbevaringstiden (BRUKERPLAN_RETENTION_YEARS) og "
        "rapportene som er lagret av dem. Uten --apply sier den bare hva den ville slette."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="slett for godt")

    def handle(self, *args, apply: bool, **options):
        years = settings.BRUKERPLAN_RETENTION_YEARS
        if years < 1:
            raise CommandError(
                "ingen oppbevaringstid er satt (BRUKERPLAN_RETENTION_YEARS): ingenting slettes"
            )
        this_year = timezone.localdate().year
        if not apply:
            found = retention(years, this_year)
            if not found.total:
                self.stdout.write(f"Ingen kartlegginger er eldre enn {found.keep_from}.")
                return
            self.stdout.write(
                f"Ville slette {found.total} kartlegginger fra før {found.keep_from} "
                f"({_years(found.by_year)}) og rapportene lagret av dem. "
                "Kjør med --apply for å slette."
            )
            return
        found = apply_retention(years, this_year, by=None)
        self.stdout.write(
            f"Slettet {found.total} kartlegginger fra før {found.keep_from}"
            + (f" ({_years(found.by_year)})" if found.total else "")
            + "."
        )
