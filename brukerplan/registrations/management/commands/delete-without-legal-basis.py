from django.core.management.base import BaseCommand

from brukerplan.registrations import actions


class Command(BaseCommand):
    help = (
        "Sletter for godt alle kartlegginger fra enhetstyper som ikke hadde rettslig grunnlag "
        "i kartleggingsåret. De er allerede holdt utenfor rapporter, uttrekk og tellinger."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--yes", action="store_true", help="slett uten å spørre (ellers vises bare antallet)"
        )

    def handle(self, *args, yes, **options):
        from brukerplan.organisations import legal_basis
        from brukerplan.registrations.models import Registration

        found = Registration.objects.filter(legal_basis.refused_q()).count()
        if not found:
            self.stdout.write("Ingen kartlegginger uten rettslig grunnlag er lagret.")
            return
        if not yes:
            self.stdout.write(
                f"{found} kartlegginger er fra enhetstyper uten rettslig grunnlag. "
                "Kjør med --yes for å slette dem for godt."
            )
            return
        deleted = actions.delete_without_legal_basis(by=None)
        self.stdout.write(f"Slettet {deleted} kartlegginger uten rettslig grunnlag.")
