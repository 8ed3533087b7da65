import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from brukerplan.reports.data import UnknownScope, report_document, resolve_scope

FORMATS = ("json",)


class Command(BaseCommand):
    help = (
        "Lager rapporten for et omfang og år. "
        "Omfang: national, county:NN, municipality:NNNN eller region:<helseregion>."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scope", required=True)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--out", type=Path, help="fil å skrive til (ellers standard ut)")

    def handle(self, *args, scope, year, format, out, **options):
        try:
            resolved = resolve_scope(scope, year)
        except UnknownScope as error:
            raise CommandError(str(error)) from None
        document = report_document(resolved, year)
        text = json.dumps(document, ensure_ascii=False, indent=2)
        if out is None:
            sys.stdout.write(text + "\n")
        else:
            out.write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Skrev rapporten for {resolved.name} {year} til {out}.")
