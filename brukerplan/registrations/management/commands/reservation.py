import sys

from django.core.management.base import BaseCommand, CommandError

from brukerplan.registrations import actions


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = (
        "Registrerer at personer reserverer seg mot å bli kartlagt. Fødselsnumrene leses fra "
        "standard input, ett per linje (aldri fra kommandolinjen, som havner i skallets "
        "historikk); bare personnøkkelen lagres, og personenes kartlegginger slettes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--add", action="store_true", required=True, help="les fødselsnumre fra stdin"
        )

    def handle(self, *args, add, **options):
        stdin = options.get("stdin") or sys.stdin
        try:
            new = actions.add_reservations(stdin, by=None)
        except actions.InvalidNumbers as invalid:
            raise CommandError(f"{invalid}. Ingenting er registrert.") from None
        self.stdout.write(f"{new} nye reservasjoner.")
