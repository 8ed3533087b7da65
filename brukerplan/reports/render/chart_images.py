"""Charts as SVG images: a small cache, and charts asked for now and read later.

No Altair here: a PDF asks for its figures' charts (`PendingSvg.of_figure`) and the chart
helper (`chart_process`) builds each Vega-Lite spec with Altair and converts it, so the
process that writes the PDF imports Altair only when it has no helper.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from brukerplan.reports.render import chart_process, chart_svg
from brukerplan.reports.render.chart_svg import FORMAT_LOCALE, OPTIONS, keep, svg
from brukerplan.reports.render.common import Figure, figure_as_dict

__all__ = ["FORMAT_LOCALE", "HELPER_SECONDS", "PendingSvg", "svg"]

# A chart the helper has not made by then is made here, and the helper is killed (so the
# rest are made here at once): a hung helper costs one wait, under a web worker's timeout.
HELPER_SECONDS = 15


class PendingSvg:
    """A chart's SVG, asked for now and read later: the chart helper (`chart_process`)
    converts it meanwhile when it runs; otherwise it is made here when read.

    `PendingSvg(spec)` for a Vega-Lite spec; `PendingSvg.of_figure(figure, build)` for a figure's
    chart (`charts.figure_chart`), whose spec the helper builds too."""

    def __init__(self, spec: dict) -> None:
        self._ask({"spec": spec}, json.dumps(spec, sort_keys=True), lambda: spec)

    @classmethod
    def of_figure(
        cls, figure: Figure, build: Callable[..., dict], *, titled: bool = False
    ) -> PendingSvg:
        """`build`: `charts.figure_chart`, called here only when the helper does not make
        the chart (the caller imports the module of Altair, so this one never does)."""
        data = figure_as_dict(figure)

        def spec() -> dict:
            return build(figure, titled=titled)

        pending = cls.__new__(cls)
        key = "figure " + json.dumps([data, titled], sort_keys=True)
        pending._ask({"figure": data, "titled": titled}, key, spec)
        return pending

    def _ask(self, request: dict, key: str, spec: Callable[[], dict]) -> None:
        self.key = key
        self._spec = spec
        self._future = (
            None if chart_svg.cached(key) else chart_process.submit({**request, "options": OPTIONS})
        )
        self.made_by_helper = False

    def result(self) -> str:
        if self._future is not None:
            future, self._future = self._future, None
            try:
                keep(self.key, future.result(timeout=HELPER_SECONDS))
                self.made_by_helper = True
            except TimeoutError:
                chart_process.give_up()
            except chart_process.HelperEnded:
                pass  # made here below, as without a helper
        return svg(self.key, self._spec)
