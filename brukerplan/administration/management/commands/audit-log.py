import datetime

from django.core.management.base import BaseCommand, CommandError

from brukerplan.administration.auditlog import csv_lines
from brukerplan.audit import search, trail
from brukerplan.audit.models import Kind


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since må være en dato som 2026-01-31, ikke {text[:20]!r}") from None


class Command(BaseCommand):
    help = (
        "Viser loggen over hvem som gjorde hva (innlogging, lesing av kartlegginger og "
        "rådata, nedlastinger og endringer), nyeste først; --csv skriver den som CSV. "
        "--prune sletter oppføringer eldre enn AUDIT_RETENTION_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="fra og med dato (ÅÅÅÅ-MM-DD)")
        parser.add_argument("--user", default="", help="brukernavn")
        parser.add_argument("--csv", action="store_true", help="skriv CSV til standard ut")
        parser.add_argument(
            "--prune", action="store_true", help="slett oppføringer eldre enn oppbevaringstiden"
        )

    def handle(self, *args, since=None, user="", csv=False, prune=False, **options):
        if prune:
            deleted = trail.prune(by=None)
            self.stdout.write(
                f"Slettet {deleted} loggoppføringer eldre enn {trail.retention_cutoff():%d.%m.%Y}."
            )
            return
        found = search.entries(user=user, since=_date(since) if since else None)
        if csv:
            for line in csv_lines(found.iterator()):
                self.stdout.write(line, ending="")
            trail.record(Kind.AUDIT_EXPORTED, by=None, what={"since": since or "", "user": user})
            return
        for entry in found.iterator():
            self.stdout.write(
                f"{entry.at:%Y-%m-%d %H:%M:%S} {entry.username or '-'} [{entry.role or '-'}] "
                f"{entry.get_kind_display()} ({entry.get_outcome_display()}) "
                f"{entry.municipality or ''} {entry.what}"
            )
