"""Vega-Lite specs to SVG with vl-convert, and a small cache of what was made.

No Altair and nothing of the report here: `charts` (which builds specs with Altair) and
`chart_images` (charts asked for now and read later) both convert through it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import vl_convert

# d3-format locale for Norwegian bokmål (vl-convert has no nb-NO built in).
FORMAT_LOCALE = {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", " kr"]}
OPTIONS = {"format_locale": FORMAT_LOCALE}

_CACHE: OrderedDict[str, str] = OrderedDict()
_CACHE_SIZE = 512
_LOCK = threading.Lock()


def cached(key: str) -> bool:
    with _LOCK:
        return key in _CACHE


def svg(key: str, spec: Callable[[], dict]) -> str:
    """The SVG of the spec `spec()` (called only when `key` is not cached)."""
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    made = vl_convert.vegalite_to_svg(spec(), **OPTIONS)
    keep(key, made)
    return made


def keep(key: str, made: str) -> None:
    with _LOCK:
        _CACHE[key] = made
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)


def clear() -> None:
    with _LOCK:
        _CACHE.clear()
