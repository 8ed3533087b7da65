import json

from brukerplan.reports.render import charts
from brukerplan.reports.render.common import COLOURS, figure_values, figures


def test_the_areas_chart_has_a_stacked_bar_per_area_and_main_group(document):
    chart = charts.chart_for(
        "levekarsomrader", document["tables"]["levekarsomrader"], threshold=document["threshold"]
    )
    spec = json.loads(charts.to_vega_lite_json(chart))
    assert len(spec["hconcat"]) == 2
    first = spec["hconcat"][0]["layer"][0]
    assert first["mark"]["type"] == "bar"
    assert first["encoding"]["x"]["stack"] == "zero"
    assert first["encoding"]["color"]["scale"]["range"] == [
        COLOURS["gronn"],
        COLOURS["gul"],
        COLOURS["rod"],
    ]


def test_a_suppressed_cell_is_left_out_of_the_chart_and_named_in_its_note(document):
    table = document["tables"]["levekarsomrader"]
    chart = charts.chart_for("levekarsomrader", table, threshold=document["threshold"])
    spec = json.loads(charts.to_vega_lite_json(chart))
    data = spec["datasets"]  # each panel's data by name, at the top level
    points = [p for panel in spec["hconcat"] for p in data[panel["data"]["name"]]]
    rus = [p for p in points if p["p"] == "rus"]
    assert not any(p["c"] == "Bosituasjon" and p["k"] == "rod" for p in rus)
    assert all(p["v"] is not None for p in points)
    assert len(rus) == 8 * 3 - 1
    assert len([p for p in points if p["p"] == "psykisk"]) == 8 * 3
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "færre enn 5 personer" in subtitle
    assert "Bosituasjon – Rød" in subtitle


def test_the_index_group_chart_uses_the_same_four_colours(document):
    (figure,) = figures(
        "levekarsindeks_grupper",
        document["tables"]["levekarsindeks_grupper"],
        threshold=document["threshold"],
    )
    assert [s.colour for s in figure.panels[0].series] == [
        COLOURS["gronn"],
        COLOURS["gul"],
        COLOURS["rod"],
        COLOURS["blalys"],
    ]


def test_a_figure_carries_exactly_the_documents_numbers(document):
    table = document["tables"]["levekarsindeks_grupper"]
    (figure,) = figures("levekarsindeks_grupper", table, threshold=document["threshold"])
    plotted = figure_values(figure)
    for row in table["rows"]:
        for key, value in row["values"].items():
            assert plotted[(None, row["label"], key)] == value


def test_a_table_without_a_figure_has_no_chart(document):
    assert (
        charts.chart_for(
            "levekarsindeks", document["tables"]["levekarsindeks"], threshold=document["threshold"]
        )
        is None
    )


def test_the_key_figures_become_one_chart_per_part(document):
    found = figures("nokkeltall", document["tables"]["nokkeltall"], threshold=document["threshold"])
    keys = [f.key for f in found]
    assert "nokkeltall.kjonn" in keys and "nokkeltall.tjenester.nav" in keys
    overdose = next(f for f in found if f.key == "nokkeltall.overdose")
    # Not asked of the psykisk group: no series for it, and not called suppressed.
    assert [s.key for s in overdose.panels[0].series] == ["rus"]
    assert all("Kun psykiske" not in h for h in overdose.hidden)


def test_a_chart_becomes_svg_and_png_without_a_browser(document):
    chart = charts.chart_for(
        "levekarsindeks_grupper",
        document["tables"]["levekarsindeks_grupper"],
        threshold=document["threshold"],
    )
    svg = charts.to_svg(chart)
    assert svg.startswith("<svg") and "Mildere psykiske problemer" in svg
    assert charts.to_svg(chart) is svg  # made once, then cached
    png = charts.to_png(chart, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_chart_of_a_document_is_valid_vega_lite(document):
    # The specs are put together without Altair's validation (it copied and checked
    # every data row); the schema check is done here instead.
    from altair.vegalite.v6.schema.core import TopLevelSpec

    specs = [
        spec
        for table_id, table in document["tables"].items()
        for titled in (True, False)
        for _, spec in charts.charts_for(
            table_id, table, titled=titled, threshold=document["threshold"]
        )
    ]
    specs.append(
        charts.chart_for(
            "nokkeltall", document["tables"]["nokkeltall"], threshold=document["threshold"]
        )
    )
    assert len(specs) > 20
    for spec in specs:
        TopLevelSpec.validate(spec)


def test_a_figure_survives_the_trip_to_the_chart_helper_unchanged(document):
    from brukerplan.reports.render.common import figure_as_dict, figure_from_dict

    found = [
        f
        for t in document["tables"]
        for f in figures(t, document["tables"][t], threshold=document["threshold"])
    ]
    assert found
    for figure in found:
        data = json.loads(json.dumps(figure_as_dict(figure)))
        assert figure_from_dict(data) == figure


def test_a_chart_speaks_norwegian_to_the_mouse_and_the_screen_reader(document):
    import re

    found = [
        (figure, spec)
        for table_id, table in document["tables"].items()
        for figure, spec in charts.charts_for(table_id, table, threshold=document["threshold"])
    ]
    assert found
    for figure, spec in found:
        assert spec["description"] == f"Diagram: {figure.title}"
        units = spec.get("layer") or [
            layer for part in spec.get("hconcat", []) for layer in part["layer"]
        ]
        tooltips = [unit["encoding"]["tooltip"] for unit in units if "tooltip" in unit["encoding"]]
        assert tooltips
        for tooltip in tooltips:  # every field named, never by its key ("s", "t")
            assert all(t.get("title") and t["title"] not in ("s", "t", "c") for t in tooltip)
            assert {t["title"] for t in tooltip} >= {"Prosent" if figure.unit == "percent"
                                                     else "Antall personer"}  # fmt: skip
        rows = [row for rows in spec["datasets"].values() for row in rows]
        assert all(re.fullmatch(r".+, .+: .+", row["d"]) for row in rows)
        svg = charts.to_svg(spec)
        labels = re.findall(r'aria-label="([^"]*)"', svg)
        assert not [label for label in labels if re.search(r"axis|legend|Vega", label)]
        assert any(label == rows[0]["d"] for label in labels)  # each bar, in Norwegian
