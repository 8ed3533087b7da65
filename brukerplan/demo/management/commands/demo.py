import base64
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from brukerplan.demo.accounts import DEMO_TOTP_KEY, create_demo_accounts
from brukerplan.organisations import legal_basis
from brukerplan.organisations.actions import import_population
from brukerplan.organisations.models import Population
from brukerplan.registrations import synth
from brukerplan.registrations.models import Registration

PAST_YEARS = 2  # mapped years before this one, so that trends have something to show
DEMO_PERSONS = 6000
DEMO_SEED = 2026


class Command(BaseCommand):
    help = "Laster demodata (to kartleggingsår med syntetiske data) og demobrukere."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=DEMO_PERSONS)

    def handle(self, *args, persons, **options):
        this_year = timezone.localdate().year
        for year in range(this_year - PAST_YEARS, this_year):
            if Registration.objects.filter(aar=year).exists():
                self.stdout.write(f"Demodata for {year} finnes fra før.")
                continue
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"demo-{year}.csv"
                lawful = legal_basis.types_with_basis(year)
                synth.write_csv(synth.generate(persons, year, DEMO_SEED, unit_types=lawful), path)
                call_command("import", str(path), stdout=self.stdout, stderr=self.stderr)
        for year in range(this_year - PAST_YEARS, this_year + 1):
            if Population.objects.filter(year=year).exists():
                continue
            created, _ = import_population(synth.population(year, DEMO_SEED))
            self.stdout.write(
                f"Syntetiske folketall for {year} (ikke fra SSB): {created} kommuner."
            )
        logins = create_demo_accounts()
        self.stdout.write("\nDemobrukere (brukernavn / passord):")
        for username, password, role in logins:
            self.stdout.write(f"  {username:<18} {password:<20} {role}")
        secret = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
        self.stdout.write(
            "\nKommunekontakt, regional rådgiver, analytiker og administrator trenger også en"
            f"\nengangskode (TOTP). Legg nøkkelen {secret} inn i en autentiseringsapp,"
            f"\neller skriv: oathtool --totp -b {secret}"
        )
        self.stdout.write("\nÅpne http://127.0.0.1:8000 og logg inn.\n")
