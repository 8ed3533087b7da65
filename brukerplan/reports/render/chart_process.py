"""Charts converted to SVG in a helper process, while this process does the rest of a PDF.

vl-convert holds the GIL while it converts, and its engine takes a moment to start (0.3 to
0.7 s). In a process of its own, started before the report's document is built, the engine
is ready when the charts are, and the charts are converted while this process writes the
HTML and WeasyPrint reads it. Callers who wait for one PDF start it (`start`): the
`report` command for one file, the dashboard for a download. A batch, whose processes are
busy anyway, converts in each process (`submit` gives None when no helper runs).

The helper ends when its stdin closes, so it never outlives this process. The specs sent to
it hold published numbers only (after the small-number rule and secondary suppression).
If the helper fails or ends, the charts it had are converted here instead.
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

_lock = threading.Lock()
_helper: _Helper | None = None


class HelperEnded(RuntimeError):
    pass


class _Helper:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "brukerplan.reports.render.chart_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.pending: dict[int, Future[str]] = {}
        self.ids = itertools.count()
        self.ended = False
        threading.Thread(target=self._read, name="chart-helper", daemon=True).start()

    def alive(self) -> bool:
        return not self.ended and self.process.poll() is None

    def submit(self, spec: dict, options: dict) -> Future[str]:
        future: Future[str] = Future()
        with _lock:
            if self.ended:
                future.set_exception(HelperEnded("the chart helper has ended"))
                return future
            number = next(self.ids)
            self.pending[number] = future
            line = json.dumps({"id": number, "spec": spec, "options": options})
            try:
                self.process.stdin.write(line.encode() + b"\n")
                self.process.stdin.flush()
            except OSError as error:
                self._end(str(error))
        return future

    def _read(self) -> None:
        try:
            for line in self.process.stdout:
                answer = json.loads(line)
                with _lock:
                    future = self.pending.pop(answer["id"], None)
                if future is None:
                    continue
                if "svg" in answer:
                    future.set_result(answer["svg"])
                else:
                    future.set_exception(HelperEnded(answer.get("error", "")))
        except (OSError, ValueError) as error:
            with _lock:
                self._end(str(error))
            return
        with _lock:
            self._end("the process ended")

    def _end(self, reason: str | None) -> None:
        """Called with `_lock` held: every waiting chart is converted by its caller.
        `reason`: why, when it was not asked for."""
        if reason is not None and not self.ended:
            logger.warning("Hjelpeprosessen for figurer stoppet: %s", reason)
        self.ended = True
        for future in self.pending.values():
            future.set_exception(HelperEnded("the chart helper has ended"))
        self.pending.clear()
        try:
            self.process.stdin.close()
        except OSError:
            pass


def start() -> None:
    """Starts the helper unless it runs. Cheap when it does (one check)."""
    global _helper
    with _lock:
        if _helper is not None and _helper.alive():
            return
    try:
        helper = _Helper()
    except OSError as error:
        logger.warning("Fikk ikke startet hjelpeprosessen for figurer: %s", error)
        return
    with _lock:
        _helper = helper


def submit(spec: dict, options: dict) -> Future[str] | None:
    """The SVG of `spec` from the helper, or None when no helper runs."""
    helper = _helper
    if helper is None or not helper.alive():
        return None
    return helper.submit(spec, options)


def stop() -> None:
    """Ends the helper (tests; a process that will make no more PDFs)."""
    global _helper
    with _lock:
        helper, _helper = _helper, None
        if helper is not None:
            helper._end(None)
    if helper is not None:
        helper.process.wait(timeout=10)
