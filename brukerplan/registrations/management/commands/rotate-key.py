from django.core.management.base import BaseCommand, CommandError

from brukerplan.registrations.actions import rotate_key
from brukerplan.registrations.keys import MissingSecret, active_version, variable


class Command(BaseCommand):
    help = (
        "Flytter alle lagrede personnøkler til neste nøkkelversjon (hemmeligheten i "
        "BRUKERPLAN_PSEUDONYM_KEY_<n>) uten fødselsnummer. Behold alle tidligere hemmeligheter."
    )

    def handle(self, *args, **options):
        try:
            version, moved = rotate_key()
        except MissingSecret as missing:
            raise CommandError(
                f"nøkkelen er ikke byttet: {missing} (den nye hemmeligheten for versjon "
                f"{active_version() + 1}, {variable(active_version() + 1)})"
            ) from None
        self.stdout.write(
            f"Personnøklene er flyttet til versjon {version} ({moved} kartlegginger). "
            f"Nye fødselsnumre går gjennom hemmelighetene 1–{version}: ingen av dem kan mistes."
        )
