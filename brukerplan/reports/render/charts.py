"""Charts of a report document as Altair (Vega-Lite) specs, and their SVG/PNG images.

One chart per figure-like table (see `common.figures`): the data are the
document's cells, the colours are `common.COLOURS` / `common.GROUP_COLOURS`, a
suppressed cell is left out of the chart (never drawn as 0) and named in the
chart's note. Images are made by vl-convert (no browser); an SVG is made once
per chart spec and kept in a small cache (`chart_svg`).
"""

from __future__ import annotations

import copy
import json
import textwrap

import altair as alt
import vl_convert
from altair.utils import schemapi

from brukerplan.reports.render import chart_svg
from brukerplan.reports.render.chart_svg import FORMAT_LOCALE
from brukerplan.reports.render.common import (
    COLOURS,
    COUNT,
    PERCENT,
    Figure,
    Panel,
    category_title,
    figures,
    format_number,
    value_title,
)

# Altair validates every schema object against Vega-Lite's schema as it is made (its
# "debug mode", meant for interactive use): a third of the time of a chart. The specs made
# here are validated whole in the tests (test_charts) instead.
schemapi.disable_debug_mode()

FONT = "DejaVu Sans"
BAR_WIDTH = 330
LABEL_WIDTH = 210
_DARK_TEXT = ("gul",)


def _rows(figure: Figure, panel: Panel) -> list[dict]:
    """The plotted points: one per non-null cell, with its display text."""
    rows = []
    for i, category in enumerate(panel.categories):
        for j, series in enumerate(panel.series):
            value = series.values[i]
            if value is None:
                continue
            shown = format_number(value, figure.unit, unit=True)
            rows.append(
                {
                    "p": panel.key or "",
                    "c": category,
                    "o": i,
                    "s": series.label,
                    "k": series.key,
                    "so": j,
                    "v": value,
                    "t": format_number(value, figure.unit),
                    # What a screen reader says of the bar, in Norwegian.
                    "d": f"{category}, {series.label}: {shown}",
                }
            )
    return rows


def series_title(figure: Figure, panel: Panel) -> str:
    """What a chart's series are, as its tooltip names them: colours or groups."""
    if all(series.key in COLOURS for series in panel.series):
        return "Farge"
    return "Gruppe"


def _x_axis(figure: Figure) -> alt.X:
    if figure.unit == PERCENT:
        return alt.X(
            "v:Q",
            title="Prosent",
            stack="zero" if figure.kind != "grouped" else None,
            scale=alt.Scale(domain=[0, 100], nice=False),
            axis=alt.Axis(
                values=[0, 20, 40, 60, 80, 100],
                grid=True,
                gridColor="#e0e0e0",
            ),
        )
    return alt.X(
        "v:Q",
        title="Antall" if figure.unit == COUNT else None,
        stack="zero" if figure.kind != "grouped" else None,
        # About five labels, and one that would touch its neighbour left out: a count's
        # label ("20 000") is wider than a percentage's.
        axis=alt.Axis(
            format=",d",
            tickMinStep=1,
            tickCount=5,
            labelOverlap="greedy",
            labelSeparation=6,
            grid=True,
            gridColor="#e0e0e0",
        ),
    )


def _data_name(figure: Figure, index: int) -> str:
    return f"{figure.key}/{index}"


def _datasets(figure: Figure) -> dict[str, list[dict]]:
    """The data of every panel, by name, for the top level's `datasets`."""
    return {_data_name(figure, i): _rows(figure, p) for i, p in enumerate(figure.panels)}


def _panel_chart(figure: Figure, panel: Panel, index: int, *, show_categories: bool, legend: bool):
    # Built from Altair's constructors, not its method chains (`mark_bar().encode()`,
    # `properties()`): each of those deep-copies the chart and validates shorthand
    # strings against the schema, which was most of the time of a chart (a dashboard
    # makes 40). The data by name (the top level's `datasets`), not inline, for the same
    # reason.
    series_labels = [s.label for s in panel.series]
    colours = [s.colour for s in panel.series]
    y = alt.Y(
        "c:N",
        sort=list(panel.categories),
        title=None,
        axis=alt.Axis(labelLimit=LABEL_WIDTH, labels=show_categories, ticks=False, domain=False),
        scale=alt.Scale(domain=list(panel.categories)),
    )
    colour = alt.Color(
        "s:N",
        scale=alt.Scale(domain=series_labels, range=colours),
        legend=alt.Legend(orient="bottom", title=None, direction="horizontal") if legend else None,
    )
    data = alt.NamedData(name=_data_name(figure, index))
    # Named in Norwegian: a tooltip without a title shows the field's name ("s", "t").
    tooltip = [
        alt.Tooltip("c:N", title=category_title(figure) or "Kategori"),
        alt.Tooltip("s:N", title=series_title(figure, panel)),
        alt.Tooltip("t:N", title=value_title(figure)),
    ]
    description = alt.Description("d:N")
    x = _x_axis(figure)
    # The labels repeat the bars' numbers: a screen reader hears each bar once.
    label = {
        "type": "text",
        "align": "left",
        "dx": 3,
        "fontSize": 10,
        "color": "#212121",
        "aria": False,
    }
    if figure.kind == "grouped":
        y_offset = alt.YOffset("s:N", sort=series_labels)
        bars = _unit(
            data,
            alt.MarkDef(type="bar", height={"band": 0.9}),
            y=y,
            x=x,
            color=colour,
            yOffset=y_offset,
            tooltip=tooltip,
            description=description,
        )
        text = _unit(
            data,
            alt.MarkDef(**label),
            y=y,
            x=alt.X("v:Q", stack=None),
            yOffset=y_offset,
            text=alt.Text("t:N"),
        )
        step = 13
    else:
        order = alt.Order("so:Q")
        bars = _unit(
            data,
            "bar",
            y=y,
            x=x,
            color=colour,
            order=order,
            tooltip=tooltip,
            description=description,
        )
        if figure.kind == "bar":
            text = _unit(data, alt.MarkDef(**label), y=y, x=x, order=order, text=alt.Text("t:N"))
        else:
            # Inside the segment, at its right end; only where the segment is wide enough.
            text = _unit(
                data,
                alt.MarkDef(type="text", align="right", dx=-3, fontSize=10, aria=False),
                y=y,
                x=x,
                order=order,
                text=alt.Text("t:N"),
                color=alt.ColorValue(
                    value="#ffffff",
                    condition={
                        "test": {"field": "k", "oneOf": list(_DARK_TEXT)},
                        "value": "#000000",
                    },
                ),
            )
            text.transform = [alt.FilterTransform(filter="datum.v >= 6")]
        step = 22
    width = BAR_WIDTH if len(figure.panels) == 1 else BAR_WIDTH * 2 // 3
    layered = alt.LayerChart(layer=[bars, text], width=width, height=alt.Step(step))
    if panel.title:
        layered.title = alt.TitleParams(text=panel.title, aria=False)
    return layered


def _unit(data, mark, **encoding) -> alt.Chart:
    return alt.Chart(data, mark=mark, encoding=alt.FacetedEncoding(**encoding))


def _note_lines(figure: Figure, width: int = 95) -> list[str]:
    return textwrap.wrap(figure.note, width) if figure.note else []


# The look every chart shares, set on the top-level spec (in place of Altair's
# configure_* chain, which copies the whole chart at every call).
CONFIG = {
    "font": FONT,
    "view": {"continuousWidth": 300, "continuousHeight": 300, "stroke": None},
    # Vega words the axes and the legend for screen readers in English ("X-axis titled …"):
    # they are left out, and the chart says itself in Norwegian (its `description`, each
    # bar's "kategori, gruppe: tall"); the table beside it has every number.
    "axis": {"labelFontSize": 11, "titleFontSize": 11, "labelColor": "#212121", "aria": False},
    "legend": {"labelFontSize": 11, "symbolType": "square", "aria": False},
    "title": {"fontSize": 12, "anchor": "start"},
}


def _top_level(chart, datasets: dict[str, list[dict]], config: dict) -> dict:
    """The Vega-Lite spec: the chart built by Altair, its config and its data by name.

    The data never pass through Altair: it would copy and validate every row.
    """
    spec = chart.to_dict(validate=False)
    spec["config"] = copy.deepcopy(config)  # a spec of its own, whatever a caller changes
    spec["datasets"] = datasets
    return spec


def figure_chart(figure: Figure, *, titled: bool = True) -> dict:
    """The chart (Vega-Lite spec) of one figure. `titled`: title and the note of hidden
    cells in the chart (the web); the PDF puts both in its own caption instead."""
    parts = [
        _panel_chart(figure, panel, i, show_categories=(i == 0), legend=True)
        for i, panel in enumerate(figure.panels)
    ]
    if len(parts) == 1:
        chart = parts[0]
    else:
        chart = alt.HConcatChart(
            hconcat=parts,
            spacing=12,
            resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="shared")),
        )
    if titled:
        # Set on the chart made here (no copy): the figure's title over the panel's.
        chart.title = alt.TitleParams(
            text=figure.title,
            subtitle=_note_lines(figure) or alt.Undefined,
            anchor="start",
            fontSize=13,
            subtitleFontSize=10,
            subtitleColor="#555555",
            aria=False,  # said by the chart's description
        )
    spec = _top_level(chart, _datasets(figure), CONFIG)
    spec["description"] = f"Diagram: {figure.title}"  # not Vega's «Vega visualization»
    return spec


def charts_for(
    table_id: str,
    table: dict,
    instrument=None,
    main_group: str | None = None,
    titled=True,
    *,
    threshold: int,
) -> list[tuple[Figure, dict]]:
    """Every chart of a table, with the figure it shows (`threshold`: the document's)."""
    return [
        (figure, figure_chart(figure, titled=titled))
        for figure in figures(table_id, table, instrument, main_group, threshold=threshold)
    ]


def chart_for(
    table_id: str,
    table: dict,
    instrument=None,
    main_group: str | None = None,
    *,
    threshold: int,
) -> dict | None:
    """The chart of a table, or None when the table is shown as a table only.

    A table with several figures (`nokkeltall`: one per part) gives them one
    below the other. `threshold`: the document's, which the notes state.
    """
    found = figures(table_id, table, instrument, main_group, threshold=threshold)
    if not found:
        return None
    if len(found) == 1:
        return figure_chart(found[0])
    datasets = {name: rows for f in found for name, rows in _datasets(f).items()}
    chart = alt.VConcatChart(vconcat=[_unconfigured(f) for f in found], spacing=24)
    spec = _top_level(chart, datasets, {"font": FONT, "view": CONFIG["view"]})
    spec["description"] = "Diagrammer: " + ", ".join(f.title for f in found)
    return spec


def _unconfigured(figure: Figure):
    parts = [
        _panel_chart(figure, panel, i, show_categories=(i == 0), legend=True)
        for i, panel in enumerate(figure.panels)
    ]
    chart = parts[0] if len(parts) == 1 else alt.HConcatChart(hconcat=parts)
    chart.title = alt.TitleParams(
        text=figure.title, subtitle=_note_lines(figure) or alt.Undefined, anchor="start", aria=False
    )
    return chart


# --- images ----------------------------------------------------------------


def _spec(chart) -> dict:
    return chart if isinstance(chart, dict) else chart.to_dict()


def to_vega_lite_json(chart) -> str:
    """The Vega-Lite spec as JSON, for the web dashboard (vega-embed)."""
    return json.dumps(_spec(chart), ensure_ascii=False)


def to_svg(chart) -> str:
    """The chart as SVG (text kept as text, DejaVu Sans); cached by spec."""
    spec = _spec(chart)
    return chart_svg.svg(json.dumps(spec, sort_keys=True), lambda: spec)


def to_png(chart, scale: float = 2) -> bytes:
    """The chart as PNG (for places that cannot show SVG)."""
    return vl_convert.vegalite_to_png(_spec(chart), scale=scale, format_locale=FORMAT_LOCALE)
