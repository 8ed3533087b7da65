from django.core.management import call_command
from django.core.management.base import BaseCommand

from brukerplan.organisations.actions import load_reference_data


class Command(BaseCommand):
    help = (
        "Oppretter eller oppgraderer databasen og laster referansedata. Trygt å kjøre flere ganger."
    )

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)  # the reports' shared cache
        counties, municipalities = load_reference_data()
        self.stdout.write(
            f"Databasen er klar ({counties} nye fylker, {municipalities} nye kommuner)."
        )
