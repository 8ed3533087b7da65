"""Charts as SVG images: a small cache, and charts asked for now and read later.

No Altair here: a PDF asks for its figures' charts (`PendingSvg.of_figure`) and the chart
helper (`chart_process`) builds each Vega-Lite spec with Altair and converts it, so the
process that writes the PDF imports Altair only when it has no helper.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable

import vl_convert

from brukerplan.reports.render import chart_process
from brukerplan.reports.render.common import Figure, figure_as_dict

# d3-format locale for Norwegian bokmål (vl-convert has no nb-NO built in).
FORMAT_LOCALE = {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", " kr"]}
OPTIONS = {"format_locale": FORMAT_LOCALE}

_CACHE: OrderedDict[str, str] = OrderedDict()
_CACHE_SIZE = 512
# A chart the helper has not made by then is made here, and the helper is killed (so the
# rest are made here at once): a hung helper costs one wait, under a web worker's timeout.
HELPER_SECONDS = 15
_LOCK = threading.Lock()


def svg(key: str, spec: Callable[[], dict]) -> str:
    """The SVG of the spec `spec()` (called only when `key` is not cached)."""
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    made = vl_convert.vegalite_to_svg(spec(), **OPTIONS)
    _keep(key, made)
    return made


def _keep(key: str, made: str) -> None:
    with _LOCK:
        _CACHE[key] = made
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)


class PendingSvg:
    """A chart's SVG, asked for now and read later: the chart helper (`chart_process`)
    converts it meanwhile when it runs; otherwise it is made here when read.

    `PendingSvg(spec)` for a Vega-Lite spec; `PendingSvg.of_figure(figure)` for a figure's
    chart (`charts.figure_chart`), whose spec the helper builds too."""

    def __init__(self, spec: dict) -> None:
        self._ask({"spec": spec}, json.dumps(spec, sort_keys=True), lambda: spec)

    @classmethod
    def of_figure(cls, figure: Figure, *, titled: bool = False) -> PendingSvg:
        data = figure_as_dict(figure)

        def spec() -> dict:
            from brukerplan.reports.render.charts import figure_chart

            return figure_chart(figure, titled=titled)

        pending = cls.__new__(cls)
        key = "figure " + json.dumps([data, titled], sort_keys=True)
        pending._ask({"figure": data, "titled": titled}, key, spec)
        return pending

    def _ask(self, request: dict, key: str, spec: Callable[[], dict]) -> None:
        self.key = key
        self._spec = spec
        with _LOCK:
            cached = key in _CACHE
        self._future = None if cached else chart_process.submit({**request, "options": OPTIONS})
        self.made_by_helper = False

    def result(self) -> str:
        if self._future is not None:
            future, self._future = self._future, None
            try:
                _keep(self.key, future.result(timeout=HELPER_SECONDS))
                self.made_by_helper = True
            except TimeoutError:
                chart_process.give_up()
            except chart_process.HelperEnded:
                pass  # made here below, as without a helper
        return svg(self.key, self._spec)
