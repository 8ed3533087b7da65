import contextlib
import json
import os
import signal
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from brukerplan.organisations import register
from brukerplan.reports.batch import municipal_documents
from brukerplan.reports.data import (
    TooFewPersons,
    UnknownScope,
    municipalities_with_registrations,
    pools,
    report_document,
    resolve_scope,
    small_number_threshold,
)
from brukerplan.reports.outputs import output, write_output
from brukerplan.reports.render import chart_process, pdf

FORMATS = ("json", "pdf", "pptx", "xlsx")


class Command(BaseCommand):
    # Django's system checks load every URL and view, and with them Altair (0.25 s) and the
    # forms: a third of a second before a report starts, for checks `runserver`, `migrate`
    # and `check` make anyway.
    requires_system_checks = []
    help = (
        "Lager rapporten for et omfang og år. "
        "Omfang: national, county:NN, municipality:NNNN, region:<helseregion> eller "
        "pool:NN-sma (fylkets kommuner med for få kartlagte til en egen rapport, samlet). "
        "Med --all-municipalities: én rapport per kommune i omfanget, og én for de små "
        "kommunene samlet per fylke (pool-NN-sma), skrevet til mappen --out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scope", required=True)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--out", type=Path, help="fil (eller mappe) å skrive til")
        parser.add_argument("--all-municipalities", action="store_true")
        parser.add_argument(
            "--main-group",
            choices=("rus", "psykisk"),
            help="PowerPoint: bare denne hovedgruppen (én presentasjon per hovedgruppe)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="prosesser som lager filene med --all-municipalities (standard: antall kjerner)",
        )

    def handle(self, *args, scope, year, format, out, all_municipalities, workers, **options):
        self.main_group = options.get("main_group")
        try:
            resolved = resolve_scope(scope, year)
        except UnknownScope as error:
            raise CommandError(str(error)) from None
        if (notice := register.notice(year)) is not None:
            self.stderr.write(notice)
        if all_municipalities:
            self._all_municipalities(resolved, year, format, out, workers)
            return
        if out is None and format != "json":
            raise CommandError(f"--format {format} trenger --out FIL")
        if format == "pdf":
            chart_process.start()  # its engine starts while the document is built
            # And WeasyPrint is imported meanwhile (0.4 s in a fresh process). It overlaps
            # only where the document's Polars work releases the GIL: on two busy cores
            # the gain was within noise on 2026-11-30 (README, Benchmarks).
            threading.Thread(target=_import_weasyprint, name="weasyprint-import").start()
        try:
            document = report_document(resolved, year)
        except TooFewPersons as error:
            raise CommandError(str(error)) from None
        if out is None:
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            return
        out.write_bytes(output(document, format, main_group=self.main_group))
        self.stderr.write(f"Skrev rapporten for {resolved.name} {year} til {out}.")

    def _all_municipalities(self, scope, year, format, out: Path | None, workers: int | None):
        if out is None:
            raise CommandError("--all-municipalities trenger --out MAPPE")
        out.mkdir(parents=True, exist_ok=True)
        codes = municipalities_with_registrations(scope, year)
        if not codes:
            raise CommandError(f"Ingen kommuner i {scope.name} har kartlegginger i {year}.")
        # The pools the scope's small municipalities are in (written after them).
        pooled = [p for p in pools(year).values() if set(p.scope.members) & set(codes)]
        total = len(codes) + len(pooled)
        workers = workers or os.cpu_count() or 1
        written, skipped = 0, []
        pool_files, unmade = [], []
        # The documents are built here, one after the other from one national frame (the
        # database stays in this process); the files are rendered in a pool of processes.
        pool = None
        if workers > 1 and format != "json":
            # forkserver: the workers start clean (no copy of this process's database
            # connection or Polars threads); they need no Django, only the renderers.
            pool = ProcessPoolExecutor(workers, mp_context=get_context("forkserver"))
        pending: set[Future] = set()
        # SIGTERM (a stopped job or deploy) ends the batch like Ctrl-C: through the
        # `finally` below, which lets the running files finish and stops the workers.
        previous_handler = signal.signal(signal.SIGTERM, _stop)
        bar = None
        try:
            with tqdm(
                total=total, desc="Rapporter", unit=" rapporter", disable=None, file=sys.stderr
            ) as bar:

                def finish(done: set[Future]) -> None:
                    for future in done:
                        future.result()  # re-raises a failure of the worker
                        bar.update()

                for item in municipal_documents(scope, year, codes):
                    bar.set_postfix_str(item.scope.name)
                    is_pool = item.scope.type == "pool"
                    if item.document is None:
                        (unmade if is_pool else skipped).append(item.scope.name)
                        bar.update()
                        continue
                    suffix = f"-{self.main_group}" if self.main_group else ""
                    path = out / f"{item.stem}{suffix}.{format}"
                    if is_pool:
                        pool_files.append(f"«{item.scope.name}» ({path.name})")
                    else:
                        written += 1
                    if pool is None:
                        write_output(item.document, format, path, main_group=self.main_group)
                        bar.update()
                        continue
                    pending.add(
                        pool.submit(
                            write_output, item.document, format, path, main_group=self.main_group
                        )
                    )
                    if len(pending) >= 2 * workers:  # keep memory bounded
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        finish(done)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    finish(done)
        except KeyboardInterrupt:
            raise CommandError(
                f"Avbrutt etter {bar.n if bar else 0} av {total} rapporter; "
                "filene som er ferdige, "
                f"ligger i {out}."
            ) from None
        finally:
            # None: the handler was not set from Python (the default then).
            signal.signal(signal.SIGTERM, previous_handler or signal.SIG_DFL)
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            # A worker stopped in the middle of a write.
            for pattern in (f".brukerplan-{year}-*.{format}.part", f".pool-*.{format}.part"):
                for partial in out.glob(pattern):
                    partial.unlink(missing_ok=True)
        self.stderr.write(f"Skrev {written} kommunerapporter for {scope.name} {year} til {out}.")
        threshold = small_number_threshold()
        if skipped:
            self.stderr.write(
                f"Ingen rapport for {', '.join(skipped)}: færre enn "
                f"{threshold} kartlagte personer "
                "over 18 år (personvern)."
            )
        if pool_files:
            self.stderr.write(
                "Kommunene med for få kartlagte til en egen rapport er med i "
                f"{', '.join(pool_files)}."
            )
        for name in unmade:
            self.stderr.write(
                f"Ingen rapport for «{name}»: kommunene har til sammen også færre enn "
                f"{threshold} kartlagte personer over 18 år."
            )


def _stop(signum, frame):
    raise KeyboardInterrupt


def _import_weasyprint() -> None:
    # Only WeasyPrint (and what it imports): the document's work imports none of it, so the
    # two threads never wait on each other's modules. A failure here is left to the renderer,
    # which imports it again and reports it.
    with contextlib.suppress(Exception):
        pdf.load_weasyprint()
