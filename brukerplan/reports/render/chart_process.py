"""Charts converted to SVG in a helper process, while this process does the rest of a PDF.

vl-convert holds the GIL while it converts, its engine takes a moment to start (0.3 to
0.7 s), and Altair takes 0.2 s to import and a little to build each spec. In a process of
its own, started before the report's document is built, the engine and Altair are ready
when the figures are, and the charts are built and converted while this process writes
the HTML and WeasyPrint reads it. Callers who wait for one PDF start it (`start`): the
`report` command for one file, the dashboard for a download it has not cached. A batch,
whose processes are busy anyway, converts in each process (`submit` gives None when no
helper runs).

The helper ends when its stdin closes, so it never outlives this process. The specs and
figures sent to it hold published numbers only (after the small-number rule and secondary
suppression). If the helper fails, ends or stops answering, the charts it had are converted
here instead (and a helper that stopped answering is killed).
"""

from __future__ import annotations

import itertools
import json
import logging
import subprocess
import sys
import threading
from concurrent.futures import Future

logger = logging.getLogger(__name__)

_start_lock = threading.Lock()  # held while a helper is found or started
_helper: _Helper | None = None


class HelperEnded(RuntimeError):
    pass


class _Helper:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            # -P: the working directory is not put on sys.path (nothing there can shadow).
            [sys.executable, "-P", "-m", "brukerplan.reports.render.chart_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        # Two locks, and neither is held while waiting on the other side: the pipes are
        # finite, so a writer blocked on a full stdin must not keep the reader from
        # emptying stdout (the helper would wait on its stdout, and all three would wait).
        self._state = threading.Lock()  # `pending`, `ended`
        self._write = threading.Lock()  # one request written at a time
        self.pending: dict[int, Future[str]] = {}
        self.ids = itertools.count()
        self.ended = False
        threading.Thread(target=self._read, name="chart-helper", daemon=True).start()

    def alive(self) -> bool:
        return not self.ended and self.process.poll() is None

    def submit(self, request: dict) -> Future[str]:
        future: Future[str] = Future()
        with self._state:
            if self.ended:
                future.set_exception(HelperEnded("the chart helper has ended"))
                return future
            number = next(self.ids)
            self.pending[number] = future
        line = json.dumps({"id": number, **request}).encode() + b"\n"
        try:
            with self._write:
                self.process.stdin.write(line)
                self.process.stdin.flush()
        except (OSError, ValueError) as error:  # ValueError: stdin closed by `end`
            self.end(str(error))
        return future

    def _read(self) -> None:
        reason = "the process ended"
        try:
            for line in self.process.stdout:
                answer = json.loads(line)
                with self._state:
                    future = self.pending.pop(answer["id"], None)
                if future is None:
                    continue
                if "svg" in answer:
                    future.set_result(answer["svg"])
                else:
                    future.set_exception(HelperEnded(answer.get("error", "")))
        except Exception as error:  # an answer it cannot read: nothing it says is trusted
            reason = f"{type(error).__name__}: {error}"
            self.process.kill()
        self.end(reason)
        self.process.wait()  # reaped, not left a zombie

    def end(self, reason: str | None, *, kill: bool = False) -> None:
        """Every waiting chart is converted by its caller. `reason`: why, when it was not
        asked for (logged). `kill`: for a helper that stopped answering."""
        with self._state:
            if reason is not None and not self.ended:
                logger.warning("Hjelpeprosessen for figurer stoppet: %s", reason)
            self.ended = True
            pending, self.pending = self.pending, {}
        for future in pending.values():
            future.set_exception(HelperEnded("the chart helper has ended"))
        if kill:
            self.process.kill()
        try:
            self.process.stdin.close()
        except OSError:
            pass


def start() -> None:
    """Starts the helper unless it runs. Cheap when it does (one check)."""
    global _helper
    with _start_lock:
        if _helper is not None and _helper.alive():
            return
        try:
            _helper = _Helper()
        except OSError as error:
            logger.warning("Fikk ikke startet hjelpeprosessen for figurer: %s", error)


def submit(request: dict) -> Future[str] | None:
    """The SVG the helper makes for `request`, or None when no helper runs.

    `request`: {"spec": a Vega-Lite spec} or {"figure": `common.figure_as_dict(figure)`,
    "titled": bool} (the spec `charts.figure_chart` builds), and "options" for vl-convert."""
    helper = _helper
    if helper is None or not helper.alive():
        return None
    return helper.submit(request)


def give_up() -> None:
    """The helper stopped answering in time: it is killed, and what it had is made here."""
    helper = _helper
    if helper is not None:
        helper.end("no answer in time", kill=True)


def stop() -> None:
    """Ends the helper (tests; a process that will make no more PDFs)."""
    global _helper
    with _start_lock:
        helper, _helper = _helper, None
    if helper is None:
        return
    helper.end(None)
    try:
        helper.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        helper.process.kill()
        helper.process.wait()
