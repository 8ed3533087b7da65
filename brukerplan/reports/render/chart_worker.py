"""The helper process of `chart_process`: charts in, SVGs out, one JSON line each.

Reads `{"id": 1, "spec": {...}, "options": {...}}` (a Vega-Lite spec) or `{"id": 1,
"figure": {...}, "titled": false, "options": {...}}` (a figure, whose spec
`charts.figure_chart` builds here) from stdin and answers each with `{"id": 1, "svg":
"..."}` or `{"id": 1, "error": "..."}` on stdout. It starts vl-convert's engine and imports
Altair before it reads anything, and ends when stdin closes: when its parent ends, however
that happens, the helper ends too. No Django: vl-convert, Altair and the renderers' pure
modules.
"""

import json
import os
import signal
import sys

_WARM_UP = {
    "data": {"values": [{"a": 1}]},
    "mark": "bar",
    "encoding": {"x": {"field": "a", "type": "quantitative"}},
}


def main() -> None:
    # Ctrl-C in the parent's terminal reaches this process too: the parent decides, and
    # its end closes stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The answers get the real stdout; anything else printed here (by vl-convert's
    # engine, say) goes to stderr and cannot be mistaken for an answer.
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    import vl_convert

    vl_convert.vegalite_to_svg(_WARM_UP)  # the engine's start, while the parent works
    from brukerplan.reports.render.charts import figure_chart
    from brukerplan.reports.render.common import figure_from_dict

    for line in sys.stdin.buffer:
        request = json.loads(line)
        try:
            if "figure" in request:
                figure = figure_from_dict(request["figure"])
                spec = figure_chart(figure, titled=request.get("titled", False))
            else:
                spec = request["spec"]
            answer = {
                "id": request["id"],
                "svg": vl_convert.vegalite_to_svg(spec, **request.get("options", {})),
            }
        except Exception as error:  # the parent converts this one itself
            answer = {"id": request["id"], "error": f"{type(error).__name__}: {error}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
