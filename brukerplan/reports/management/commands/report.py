import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from brukerplan.reports.data import (
    TooFewPersons,
    UnknownScope,
    municipalities_with_registrations,
    report_document,
    resolve_scope,
)
from brukerplan.reports.outputs import output

FORMATS = ("json", "pdf", "pptx", "xlsx")


class Command(BaseCommand):
    help = (
        "Lager rapporten for et omfang og år. "
        "Omfang: national, county:NN, municipality:NNNN eller region:<helseregion>. "
        "Med --all-municipalities: én rapport per kommune i omfanget, skrevet til mappen --out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scope", required=True)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--out", type=Path, help="fil (eller mappe) å skrive til")
        parser.add_argument("--all-municipalities", action="store_true")

    def handle(self, *args, scope, year, format, out, all_municipalities, **options):
        try:
            resolved = resolve_scope(scope, year)
        except UnknownScope as error:
            raise CommandError(str(error)) from None
        if all_municipalities:
            self._all_municipalities(resolved, year, format, out)
            return
        if out is None and format != "json":
            raise CommandError(f"--format {format} trenger --out FIL")
        try:
            document = report_document(resolved, year)
        except TooFewPersons as error:
            raise CommandError(str(error)) from None
        if out is None:
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            return
        out.write_bytes(output(document, format))
        self.stderr.write(f"Skrev rapporten for {resolved.name} {year} til {out}.")

    def _all_municipalities(self, scope, year, format, out: Path | None):
        if out is None:
            raise CommandError("--all-municipalities trenger --out MAPPE")
        out.mkdir(parents=True, exist_ok=True)
        codes = municipalities_with_registrations(scope, year)
        if not codes:
            raise CommandError(f"Ingen kommuner i {scope.name} har kartlegginger i {year}.")
        written, skipped = 0, []
        with tqdm(codes, desc="Rapporter", unit=" kommuner", disable=None, file=sys.stderr) as bar:
            for code in bar:
                municipality = resolve_scope(f"municipality:{code}", year)
                bar.set_postfix_str(municipality.name)
                try:
                    document = report_document(municipality, year)
                except TooFewPersons:
                    skipped.append(municipality.name)
                    continue
                path = out / f"brukerplan-{year}-{code}.{format}"
                path.write_bytes(output(document, format))
                written += 1
        self.stderr.write(f"Skrev {written} kommunerapporter for {scope.name} {year} til {out}.")
        if skipped:
            self.stderr.write(
                f"Ingen rapport for {', '.join(skipped)}: færre enn "
                f"{settings.BRUKERPLAN_SMALL_NUMBER_THRESHOLD} kartlagte personer "
                "over 18 år (personvern)."
            )
