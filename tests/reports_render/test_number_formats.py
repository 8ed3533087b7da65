"""Renderings format every number by the kind its column has in the document, and word a
primary suppression, a secondary one and a null of no value apart."""

import copy

import pytest
from django.template.loader import render_to_string
from render_documents import compared_document, hand_document, hide
from render_helpers import pdf_text, slide_texts, table_cells, workbook_cells

from brukerplan.reports import tables, views
from brukerplan.reports.render import charts, common, pdf, pptx, xlsx
from brukerplan.reports.render.common import (
    COUNT,
    DASH,
    INDEX,
    MEAN,
    NO_VALUE,
    NO_VALUE_NOTE,
    PERCENT,
    RATE,
    SD,
    SECONDARY_MARK,
    SECONDARY_NOTE,
    format_number,
)

FEWER = "færre enn"


def words(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


# --- numbers ---------------------------------------------------------------------------


def test_the_renderings_know_the_kinds_of_the_document():
    assert common.KINDS == tables.KINDS


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (15349, COUNT, "15 349"),  # the national children table printed «15 349 %»
        (105, COUNT, "105"),  # the panel's «105 %»
        (0, COUNT, "0"),
        (1.43, MEAN, "1,4"),  # services per person printed «1 %»
        (49.04, MEAN, "49,0"),
        (54.25, SD, "54,3"),
        (230.2, INDEX, "230,2"),
        (12.5, RATE, "12,5"),
        (21.05, PERCENT, "21 %"),
        (0.0, PERCENT, "0 %"),
        (0.3, PERCENT, "<1 %"),  # above 0 never printed as 0 %
        (0.5, PERCENT, "1 %"),
        (99.4, PERCENT, "99 %"),
        (99.6, PERCENT, ">99 %"),  # below 100 never printed as 100 %
        (99.5, PERCENT, ">99 %"),
        (100.0, PERCENT, "100 %"),
        (100, PERCENT, "100 %"),
    ],
)
def test_a_number_is_formatted_by_its_kind(value, kind, text):
    assert format_number(value, kind, unit=True).replace("\u00a0", " ") == text
    if kind != PERCENT:
        assert format_number(value, kind) == format_number(value, kind, unit=True)


def test_a_percentage_without_its_unit_still_says_below_one_and_above_ninety_nine():
    assert format_number(0.3, PERCENT) == "<1" and format_number(53.4, PERCENT) == "53"
    assert format_number(99.7, PERCENT) == ">99"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        format_number(3, "age")


@pytest.mark.parametrize("render", [pdf.render_pdf, pptx.render_pptx, xlsx.render_xlsx])
def test_a_document_whose_column_has_no_kind_is_refused(render):
    document = hand_document()
    del document["tables"]["kategorier"]["columns"][0]["kind"]
    with pytest.raises(ValueError, match="no kind"):
        render(document)


@pytest.mark.parametrize("render", [pdf.render_pdf, pptx.render_pptx, xlsx.render_xlsx])
def test_a_document_whose_table_has_no_reasons_is_refused(render):
    document = hand_document()
    del document["tables"]["kategorier"]["suppressed"]
    with pytest.raises(ValueError, match="suppressed"):
        render(document)


@pytest.fixture
def with_panel() -> dict:
    """The hand document with a panel table: counts and percentages of the same colours."""
    document = hand_document()
    document["tables"]["panel_levekarsomrader"] = {
        "title": "Samme personer begge år: levekårsområdene ved forrige kartlegging og i år",
        "columns": [
            {"key": "antall", "label": "Antall personer kartlagt i 2024 og 2025", "kind": COUNT},
            {"key": "gronn", "label": "Grønn i 2025", "kind": COUNT},
            {"key": "andel_gronn", "label": "Grønn i 2025 (%)", "kind": PERCENT},
        ],
        "rows": [
            {
                "key": "okonomi:gronn",
                "label": "Økonomi: grønn i 2024",
                "values": {"antall": 140, "gronn": 105, "andel_gronn": 75.0},
            }
        ],
        "suppressed": {},
    }
    return document


def test_a_header_says_percent_only_over_a_percentage(with_panel):
    shown = common.display_table(
        "panel_levekarsomrader", with_panel["tables"]["panel_levekarsomrader"], with_panel
    )
    header = [c.text for c in shown.header[-1]]
    assert header == [
        "",
        "Antall personer kartlagt i 2024 og 2025",
        "Grønn i 2025",
        "Grønn i 2025 (%)",
    ]
    cells = [c.text.replace("\u00a0", " ") for c in shown.body[0].cells]
    assert cells == ["Økonomi: grønn i 2024", "140", "105", "75 %"]
    rows = table_cells(pptx.render_pptx(with_panel), "panel_levekarsomrader")
    assert [c.replace("\u00a0", " ") for c in rows[1]] == cells


def test_a_percentage_column_gets_its_unit_where_neither_label_nor_title_says_it():
    table = {
        "title": "Tjenester mottatt siste 12 måneder og behov de neste 12 månedene",
        "columns": [
            {"key": "mottatt", "label": "Mottatt siste 12 måneder", "kind": COUNT},
            {"key": "andel", "label": "Andel mottatt", "kind": PERCENT},
            {"key": "snitt", "label": "Snitt antall", "kind": MEAN},
        ],
        "rows": [
            {
                "key": "nav",
                "label": "NAV",
                "values": {"mottatt": 37506, "andel": 0.2, "snitt": 1.43},
            }
        ],
        "suppressed": {},
    }
    document = {**hand_document(), "tables": {"behov_tjenester": table}}
    shown = common.display_table("behov_tjenester", table, document)
    assert [c.text for c in shown.header[-1]][1:] == [
        "Mottatt siste 12 måneder",
        "Andel mottatt (%)",
        "Snitt antall",
    ]
    assert [c.text.replace("\u00a0", " ") for c in shown.body[0].cells][1:] == [
        "37 506",  # the planning table printed «37 506 %»
        "<1 %",
        "1,4",
    ]


def test_the_workbook_formats_each_cell_by_its_kind(with_panel):
    cells = workbook_cells(xlsx.render_xlsx(with_panel))
    sheet = cells[xlsx.sheet_names(with_panel)["levekarsindeks"]]
    row = xlsx.HEADER_ROW + 1  # ikke_rop
    assert [sheet[(row, c)]["format"] for c in (1, 2, 3)] == ["#,##0", "0.0", "0.0"]
    sheet = cells[xlsx.sheet_names(with_panel)["panel_levekarsomrader"]]
    assert [sheet[(row, c)]["format"] for c in (1, 2, 3)] == ["#,##0", "#,##0", '0.0" %"']
    assert [sheet[(row, c)]["value"] for c in (1, 2, 3)] == [140, 105, 75.0]


def test_a_chart_label_of_a_small_share_says_below_one():
    document = hand_document()
    table = document["tables"]["levekarsindeks_grupper"]
    (figure,) = common.figures("levekarsindeks_grupper", table, threshold=5)
    labels = {row["t"] for rows in charts._datasets(figure).values() for row in rows}
    assert "<1" in labels  # psyk_moderat blålys: 0.5 rounds to 1, psykisk 0.3 to «<1»
    assert "0" in labels  # a true 0 stays 0
    assert pptx.PERCENT_LABELS == '[=0]0;[<0.5]"<1";0'


# --- suppressions ------------------------------------------------------------------------


def display(document: dict, table_id: str) -> dict[tuple[str, str], common.Cell]:
    shown = common.display_table(table_id, document["tables"][table_id], document)
    return {c.key: c for row in shown.body for c in row.cells if c.key is not None}


def test_a_primary_a_secondary_and_a_valueless_null_each_have_their_mark_and_note():
    document = hand_document()
    cells = display(document, "levekarsindeks_grupper")
    primary = cells[("mindre_alvorlig_rop", "gronn")]
    secondary = cells[("mindre_alvorlig_rop", "blalys")]
    nobody = cells[("psyk_alvorlig", "gul")]  # a group of 0 persons: no share at all
    assert (primary.text, primary.kind) == (DASH, "hidden")
    assert (secondary.text, secondary.kind) == (SECONDARY_MARK, "secondary")
    assert (nobody.text, nobody.kind) == (NO_VALUE, "none")
    shown = common.display_table(
        "levekarsindeks_grupper", document["tables"]["levekarsindeks_grupper"], document
    )
    assert shown.notes == (
        f"{DASH} Skjult: færre enn 5 personer",
        f"{SECONDARY_MARK} {SECONDARY_NOTE}",
        f"{NO_VALUE} {NO_VALUE_NOTE}",
    )


def only_secondary(document: dict, table_id: str) -> dict:
    """The document with every suppression of the table made secondary."""
    document = copy.deepcopy(document)
    table = document["tables"][table_id]
    for reasons in table["suppressed"].values():
        for key in reasons:
            reasons[key] = "secondary"
    return document


def test_no_rendering_says_fewer_than_of_a_table_with_only_secondary_suppressions():
    document = only_secondary(hand_document(), "levekarsindeks")
    shown = common.display_table("levekarsindeks", document["tables"]["levekarsindeks"], document)
    assert not any(FEWER in note for note in shown.notes)
    assert f"{SECONDARY_MARK} {SECONDARY_NOTE}" in shown.notes
    deck = pptx.render_pptx(document)
    slide = next(t for t in slide_texts(deck) if t.startswith("Levekårsindeks og"))
    assert SECONDARY_NOTE in slide and FEWER not in slide
    text = words(pdf_text(pdf.render_pdf(document, chart_set="none")))
    part = text.split("Tabell 3. Levekårsindeks og standardavvik")[1].split("Tabell 4.")[0]
    assert SECONDARY_NOTE in part and FEWER not in part
    sheet = workbook_cells(xlsx.render_xlsx(document))[xlsx.sheet_names(document)["levekarsindeks"]]
    comments = [c["comment"] for c in sheet.values() if c.get("comment")]
    assert comments and SECONDARY_NOTE in comments and not any(FEWER in c for c in comments)
    notes = [c["value"] for c in sheet.values() if isinstance(c["value"], str)]
    assert f"Tomme gule celler: {SECONDARY_NOTE}." in notes
    assert not any(FEWER in n for n in notes)


def test_the_dashboard_titles_each_null_by_its_reason():
    document = hand_document()
    sections = views._sections(document, document["tables"], "tabell")
    page = render_to_string(
        "reports/dashboard_sections.html",
        {"sections": sections, "hidden_note": common.hidden_note(5)},
    )
    cell = 'data-cell="mindre_alvorlig_rop|{}"><abbr title="{}">{}</abbr>'
    assert cell.format("gronn", "Skjult: færre enn 5 personer", DASH) in page
    assert cell.format("blalys", SECONDARY_NOTE, SECONDARY_MARK) in page
    nobody = f'data-cell="psyk_alvorlig|gul"><abbr title="{NO_VALUE_NOTE}">{NO_VALUE}</abbr>'
    assert nobody in page
    assert '<td class="num na" data-cell="injiserer|psykisk">i.a.</td>' in page


def test_a_figure_names_its_hidden_cells_under_their_reasons():
    document = hand_document()
    table = document["tables"]["levekarsindeks_grupper"]
    (figure,) = common.figures("levekarsindeks_grupper", table, threshold=5)
    assert "Mindre alvorlig ROP – Blålys" in figure.secondary
    assert "Mindre alvorlig ROP – Grønn" in figure.hidden
    assert "Alvorlige psykiske problemer – Gul" in figure.missing
    note = figure.note
    assert "Ikke vist (skjult: færre enn 5 personer): " in note
    assert f"Ikke vist ({SECONDARY_NOTE[0].lower()}{SECONDARY_NOTE[1:]}): " in note
    assert "Ingen verdi: " in note
    assert common.figure_from_dict(common.figure_as_dict(figure)) == figure


def test_a_figure_of_secondary_suppressions_only_is_replaced_by_the_one_sentence():
    document = hand_document()
    table = document["tables"]["kategorier"]
    for row in table["rows"]:
        hide(table, row["key"], "antall", "secondary")
    (figure,) = common.figures("kategorier", table, threshold=5)
    assert figure.empty and figure.empty_note == common.EMPTY_FIGURE_TEXT
    assert FEWER not in figure.empty_note + figure.note
    texts = slide_texts(pptx.render_pptx(document, "rus"))
    slide = next(t for t in texts if t.startswith(figure.title))
    assert common.EMPTY_FIGURE_TEXT in slide


def test_a_figure_of_nobody_says_it_has_no_numbers():
    document = hand_document()
    table = document["tables"]["kategorier"]
    for row in table["rows"]:
        row["values"]["antall"] = None
        table["suppressed"].pop(row["key"], None)
    (figure,) = common.figures("kategorier", table, threshold=5)
    assert figure.empty and figure.empty_note == common.NO_NUMBERS_TEXT


# --- comparisons ----------------------------------------------------------------------


def test_a_comparison_sections_table_shows_that_sections_n():
    """The dashboard shows a comparison's tables on their own: N is the comparison's."""
    document = compared_document()
    section = document["comparisons"]["fylke"]
    table = section["tables"]["levekarsindeks_grupper"]
    shown = common.display_table("levekarsindeks_grupper", table, document)
    sizes = {r["key"]: r["values"]["antall"] for r in section["tables"]["kategorier"]["rows"]}
    by_label = {row.cells[0].text: row.cells[1].text for row in shown.body if row.style != "block"}
    assert by_label["Moderate psykiske problemer"] == format_number(sizes["psyk_moderat"], COUNT)
    assert sizes["psyk_moderat"] == 1234 * 7 + 5
    own = common.display_table(
        "levekarsindeks_grupper", document["tables"]["levekarsindeks_grupper"], document
    )
    own_by_label = {r.cells[0].text: r.cells[1].text for r in own.body if r.style != "block"}
    assert own_by_label["Moderate psykiske problemer"] == format_number(1234, COUNT)
    # A copy of the section's table (e.g. from a cache) is found by its contents.
    copied = common.display_table("levekarsindeks_grupper", copy.deepcopy(table), document)
    assert copied.body == shown.body


def test_a_compared_table_has_each_scopes_own_n_beside_its_numbers():
    document = compared_document()
    shown = common.comparison_display_table("levekarsindeks_grupper", document)
    top, bottom = shown.header
    assert [c.text for c in top[:2]] == ["", "N"] and top[1].colspan == 3
    assert [c.text for c in bottom[1:4]] == ["Bergen", "Vestland", "Hele landet"]
    row = next(r for r in shown.body if r.cells[0].text == "Moderate psykiske problemer")
    assert [c.text.replace("\u00a0", " ") for c in row.cells[1:4]] == [
        "1 234",
        "8 643",  # 1234 * 7 + 5: Vestland's own
        "65 407",  # 1234 * 53 + 5: the country's own
    ]
    assert shown.n_columns == 3


def test_a_compared_main_group_column_states_each_scopes_n():
    document = compared_document()
    shown = common.comparison_display_table("levekarsomrader", document)
    names = [c.text.replace("\u00a0", " ") for c in shown.header[-1]]
    assert "Vestland (N = 404)" in names and "Hele landet (N = 3 026)" in names  # 57 * 7 + 5
