"""The deck's comparison slides: the scope's numbers beside the county's, the nation's, …

The documents are the hand-written one with a `comparisons` section written here,
its numbers unlike the scope's own, so that a number on a slide can only have come
from the comparison it stands under.
"""

import io
from dataclasses import replace

import pytest
from pptx import Presentation
from pptx.util import Pt
from render_documents import COMPARED, compared_document, hide
from render_helpers import slide_texts

from brukerplan.reports.render import pptx
from brukerplan.reports.render.common import (
    COUNT,
    DASH,
    NO_VALUE,
    PERCENT,
    SECONDARY_MARK,
    Cell,
    format_number,
    hidden_note,
    nokkeltall_parts,
    short_label,
)

HIDDEN_NOTE = hidden_note(5)  # the hand-written document's threshold


def comparison_value(document: dict, name: str, table_id: str, row_key: str, column: str):
    table = document["comparisons"][name]["tables"][table_id]
    return next(r for r in table["rows"] if r["key"] == row_key)["values"][column]


def shown(value, kind) -> str:
    return format_number(value, kind, unit=True).replace("\u00a0", " ")


def mark(section: dict, row: dict, key: str) -> str:
    """A percentage of a section's `levekarsindeks_grupper` as a slide shows it: the
    number, or the mark of why it is null (its reason, or no value)."""
    value = row["values"][key]
    if value is not None:
        return shown(value, PERCENT)
    reason = section["tables"]["levekarsindeks_grupper"]["suppressed"].get(row["key"], {})
    return {"primary": DASH, "secondary": SECONDARY_MARK}.get(reason.get(key), NO_VALUE)


def comparison_shapes(deck: bytes, table_id: str | None = None) -> list:
    """(slide, shape) of every comparison table of a deck (of one table when given)."""
    found = []
    for slide in Presentation(io.BytesIO(deck)).slides:
        for shape in slide.shapes:
            if shape.has_table and shape.name.endswith("@sammenligning"):
                if table_id is None or shape.name == f"Tabell {table_id}@sammenligning":
                    found.append((slide, shape))
    return found


def read_table(shape) -> tuple[list[str], list[list[str]]]:
    """(column names, body rows) of a comparison table, whatever its header: a column's
    name is the texts over it, top down, joined by « – » («Antall – Vestland» under a
    one-row header and under «Antall» over «Vestland» alike)."""
    table = shape.table
    rows = list(table.rows)
    header_rows = next(i for i, row in enumerate(rows) if row.cells[0].text)
    names = []
    for c in range(len(table.columns)):
        parts = []
        for r in range(header_rows):
            origin = c
            while table.cell(r, origin).is_spanned:
                origin -= 1
            if table.cell(r, origin).text:
                parts.append(table.cell(r, origin).text)
        names.append(" – ".join(parts).replace("\u00a0", " "))
    body = [[cell.text.replace("\u00a0", " ") for cell in row.cells] for row in rows[header_rows:]]
    return names, body


def names_of(deck: bytes, table_id: str) -> list[str]:
    return read_table(comparison_shapes(deck, table_id)[0][1])[0]


def labels_of(deck: bytes, table_id: str) -> list[str]:
    return [
        row[0]
        for _slide, shape in comparison_shapes(deck, table_id)
        for row in read_table(shape)[1]
    ]


def column(deck: bytes, table_id: str, name: str) -> dict[str, str]:
    """Row label -> the text in the column `name`, over every slide of the table."""
    out = {}
    for _slide, shape in comparison_shapes(deck, table_id):
        names, body = read_table(shape)
        index = names.index(name)
        out.update({row[0]: row[index] for row in body})
    return out


def footnote(slide) -> str:
    return next(s for s in slide.shapes if s.name == "Fotnote").text_frame.text.replace(
        "\u00a0", " "
    )


@pytest.fixture(scope="module")
def decks():
    document = compared_document()
    return {
        "document": document,
        "all": pptx.render_pptx(document),
        "rus": pptx.render_pptx(document, "rus"),
        "psykisk": pptx.render_pptx(document, "psykisk"),
    }


def test_it_shows_the_county_and_the_nation_beside_the_municipality(decks):
    document, deck = decks["document"], decks["all"]
    own = column(deck, "kategorier", "Antall – Bergen")
    county = column(deck, "kategorier", "Antall – Vestland")
    nation = column(deck, "kategorier", "Antall – Hele landet")
    assert own["Moderate psykiske problemer"] == "1 234"
    fylke = comparison_value(document, "fylke", "kategorier", "psyk_moderat", "antall")
    landet = comparison_value(document, "landet", "kategorier", "psyk_moderat", "antall")
    assert (fylke, landet) == (1234 * 7 + 5, 1234 * 53 + 5)
    assert county["Moderate psykiske problemer"] == shown(fylke, COUNT) == "8 643"
    assert nation["Moderate psykiske problemer"] == shown(landet, COUNT) == "65 407"
    share = comparison_value(document, "fylke", "kategorier", "psyk_moderat", "andel")
    shares = column(deck, "kategorier", "Andel (%) – Vestland")
    assert shares["Moderate psykiske problemer"] == shown(share, PERCENT)


def test_every_comparison_cell_of_a_table_is_the_documents_number(decks):
    document = decks["document"]
    labels = {r["key"]: r["label"] for r in document["tables"]["levekarsindeks_grupper"]["rows"]}
    for name in ("fylke", "landet"):
        comparison = document["comparisons"][name]
        for key, label in (("gul", "Gul"), ("blalys", "Blålys")):
            name = f"{label} – {comparison['label']}"
            got = column(decks["all"], "levekarsindeks_grupper", name)
            for row in comparison["tables"]["levekarsindeks_grupper"]["rows"]:
                if row["key"] in ("rus", "psykisk", "alle"):
                    continue  # shown as "Alle med …"
                assert got[labels[row["key"]]] == mark(comparison, row, key), row["key"]


def test_a_hidden_comparison_cell_is_a_dash_with_the_small_number_note():
    document = compared_document()
    table = document["comparisons"]["fylke"]["tables"]["kategorier"]
    hide(table, "psyk_mildere", "antall")  # fewer than 5 in the county
    deck = pptx.render_pptx(document)
    assert column(deck, "kategorier", "Antall – Bergen")["Mildere psykiske problemer"] == "9"
    county = column(deck, "kategorier", "Antall – Vestland")
    assert county["Mildere psykiske problemer"] == DASH
    nation = column(deck, "kategorier", "Antall – Hele landet")
    assert nation["Mildere psykiske problemer"] == "482"
    ((slide, _shape),) = comparison_shapes(deck, "kategorier")
    assert HIDDEN_NOTE in footnote(slide)


def test_the_comparison_slide_is_titled_and_states_every_scopes_n(decks):
    ((slide, _shape),) = comparison_shapes(decks["all"], "kategorier")
    assert slide.shapes.title.text == (
        "Sammenligning med Vestland, Hele landet: Antall kartlagte etter kategori"
    )
    note = footnote(slide)
    assert "Bergen N = 1 425" in note
    assert f"Vestland N = {shown(1425 * 7 + 5, COUNT)}" in note
    assert f"Hele landet N = {shown(1425 * 53 + 5, COUNT)}" in note


def test_a_table_by_main_group_states_each_groups_n_in_every_scope(decks):
    slide, _shape = comparison_shapes(decks["all"], "levekarsomrader")[0]
    note = footnote(slide)
    assert "Prosent av hovedgruppen." in note
    # The groups' N of a comparison are its `kategorier` numbers: 57 * 7 + 5 and 1368 * 53 + 5.
    assert "Rusproblemer: Bergen N = 57, Vestland N = 404" in note
    assert "Hele landet N = 72 509" in note


def test_the_comparison_follows_its_table_in_the_deck(decks):
    texts = slide_texts(decks["all"])
    titles = [t.split("\n")[0] for t in texts]
    comparison = titles.index(
        "Sammenligning med Vestland, Hele landet: Antall kartlagte etter kategori"
    )
    assert titles[comparison - 1] == "Antall kartlagte etter kategori"
    names = {shape.name for _slide, shape in comparison_shapes(decks["all"])}
    assert names == {f"Tabell {table_id}@sammenligning" for table_id in COMPARED}


def test_a_national_deck_has_no_comparison_slide():
    deck = pptx.render_pptx(compared_document("national", names=()))
    assert comparison_shapes(deck) == []
    assert not any("Sammenligning" in text for text in slide_texts(deck))


def test_a_county_deck_compares_with_the_nation_only():
    document = compared_document("county", names=("landet",))
    deck = pptx.render_pptx(document)
    ((slide, _shape),) = comparison_shapes(deck, "kategorier")
    assert slide.shapes.title.text.startswith("Sammenligning med Hele landet: ")
    assert names_of(deck, "kategorier") == [
        "",
        "Antall – Vestland",
        "Antall – Hele landet",
        "Andel (%) – Vestland",
        "Andel (%) – Hele landet",
    ]
    nation = column(deck, "kategorier", "Antall – Hele landet")
    assert nation["Kun rusproblem (ikke ROP)"] == "641"


def test_the_rus_deck_compares_only_the_rus_group(decks):
    document = decks["document"]
    deck = decks["rus"]
    assert labels_of(deck, "kategorier") == [
        "Kun rusproblem (ikke ROP)",
        "Mindre alvorlig ROP",
        "Alvorlig ROP",
        "Alle med rusproblemer",
    ]
    assert column(deck, "kategorier", "Antall – Vestland")["Alle med rusproblemer"] == "404"
    names = names_of(deck, "levekarsomrader")
    assert not any("Kun psykiske problemer" in name for name in names)
    assert len(names) == 1 + 3  # Bergen, Vestland, Hele landet
    value = comparison_value(document, "landet", "levekarsomrader", "okonomi:gul", "rus")
    # Every scope's N beside its name: its own `kategorier`' (57 * 53 + 5 for the nation).
    nation = column(deck, "levekarsomrader", "Rusproblemer – Hele landet (N = 3 026)")
    assert nation["Økonomi: Gul"] == shown(value, PERCENT)
    # A cell hidden in the scope stays hidden beside the comparisons' numbers.
    own = column(deck, "levekarsomrader", "Rusproblemer – Bergen (N = 57)")
    assert own["Bosituasjon: Rød"] == DASH
    text = "\n".join(slide_texts(decks["rus"]))
    assert "Kun psykiske problemer:" not in text


def test_the_psykisk_deck_compares_only_the_psykisk_group(decks):
    deck = decks["psykisk"]
    labels = labels_of(deck, "levekarsindeks_grupper")
    assert "Mildere psykiske problemer" in labels
    assert not {"Kun rusproblem (ikke ROP)", "Alle med rusproblemer", "Alle"} & set(labels)
    assert "Rusproblemer" not in labels  # no group heading in one group's deck
    assert all("Rusproblemer" not in name for name in names_of(deck, "nokkeltall"))
    name = "Kun psykiske problemer – Vestland (N = 9 581)"  # 1368 * 7 + 5
    assert column(deck, "nokkeltall", name)["Menn"] == "41 %"


def test_a_comparison_table_too_wide_for_a_slide_is_split_with_the_row_labels_in_each_part():
    document = compared_document(names=("fylke", "landet", "storrelse"))
    deck = pptx.render_pptx(document)
    found = comparison_shapes(deck, "levekarsindeks_grupper")
    # The label, the N of Bergen and of each of the three comparisons, then four colours
    # for each: 21 columns, whose headers ("innbyggere") no font of a slide fits in one.
    count = len(found)
    assert count > 1
    titles = [slide.shapes.title.text for slide, _shape in found]
    assert [t.rsplit(" (del ", 1)[1] for t in titles] == [
        f"{i} av {count})" for i in range(1, count + 1)
    ]
    tables = [read_table(shape) for _slide, shape in found]
    scopes = ["Bergen", "Vestland", "Hele landet", "Kommuner med 100 000 innbyggere eller flere"]
    for names, body in tables:
        assert names[1:5] == [f"N – {scope}" for scope in scopes]  # each part has the N
        assert [row[0] for row in body] == [row[0] for row in tables[0][1]]  # and every row
    colours = [name for names, _body in tables for name in names[5:]]
    expected = [f"{c} – {scope}" for c in ("Grønn", "Gul", "Rød", "Blålys") for scope in scopes]
    assert colours == expected  # every column once, in order
    sizes = {
        p.font.size
        for _slide, shape in found
        for row in shape.table.rows
        for c in row.cells
        if not c.is_spanned
        for p in c.text_frame.paragraphs
    }
    assert None not in sizes and min(sizes) >= Pt(pptx.SMALLEST_FONT)


def test_every_comparison_table_fits_between_the_title_and_the_footnote():
    document = compared_document(names=("fylke", "landet", "storrelse"))
    # A long table: nokkeltall with many rows, in parts, over several slides.
    for one in (document, *document["comparisons"].values()):
        table = (one.get("tables") or {}).get("nokkeltall")
        rows = list(table["rows"])
        table["rows"] = [
            {**row, "key": f"{row['key']}{i}", "label": f"{row['label']} {i}"}
            for i in range(6)
            for row in rows
        ]
    deck = pptx.render_pptx(document)
    found = comparison_shapes(deck, "nokkeltall")
    assert len(found) > 2
    labels = []
    for slide, shape in found:
        foot = next(s for s in slide.shapes if s.name == "Fotnote")
        assert shape.top + shape.height <= foot.top
        assert shape.left + shape.width <= pptx.SLIDE_WIDTH
        assert sum(c.width for c in shape.table.columns) <= pptx.SLIDE_WIDTH - 2 * pptx.MARGIN
        labels += [row[0] for row in read_table(shape)[1]]
        # A part's heading is never left alone at the foot of a slide.
        last = list(shape.table.rows)[-1]
        assert any(c.text for c in list(last.cells)[1:])
    titles = [slide.shapes.title.text for slide, _ in found]
    assert titles[0].startswith("Sammenligning med ")
    assert all(t.endswith("(forts.)") for t in titles[1:])
    rows = document["tables"]["nokkeltall"]["rows"]
    parts = nokkeltall_parts(document["tables"]["nokkeltall"])
    expected = [title for _key, title, _rows in parts]
    expected += [short_label(r["label"], "") for _key, _title, rows in parts for r in rows]
    assert sorted(labels) == sorted(expected)  # every row once, and every part's heading
    assert len(labels) == len(rows) + len(parts)


def two_level(shown):
    """A comparison table with a two-level header: the column label over the scope names."""
    if shown is None or len(shown.header) > 1:
        return shown  # already two rows (as `common` may make it)
    last = shown.header[-1]
    top, names = [Cell("", "label")], [last[0]]
    for cell in last[1:]:
        group, sep, name = cell.text.partition(" – ")
        names.append(replace(cell, text=name if sep else cell.text))
        if sep and top[-1].text == group and len(top) > 1:
            top[-1] = replace(top[-1], colspan=top[-1].colspan + 1)
        else:
            top.append(Cell(group if sep else "", "label"))
    return replace(shown, header=(tuple(top), tuple(names)))


@pytest.fixture
def two_level_header(monkeypatch):
    original = pptx.comparison_display_table
    monkeypatch.setattr(
        pptx, "comparison_display_table", lambda *args, **kw: two_level(original(*args, **kw))
    )


@pytest.mark.usefixtures("two_level_header")
def test_a_two_level_header_is_merged_over_its_columns():
    document = compared_document()
    deck = pptx.render_pptx(document)
    ((_slide, shape),) = comparison_shapes(deck, "kategorier")
    table = shape.table
    assert [table.cell(0, c).text for c in (1, 4)] == ["Antall", "Andel (%)"]
    assert table.cell(0, 1).is_merge_origin and table.cell(0, 1).span_width == 3
    assert table.cell(0, 2).is_spanned
    assert [table.cell(1, c).text for c in range(1, 4)] == ["Bergen", "Vestland", "Hele landet"]
    row = next(r for r in table.rows if r.cells[0].text == "Moderate psykiske problemer")
    assert [c.text.replace("\u00a0", " ") for c in row.cells][1:4] == ["1 234", "8 643", "65 407"]


@pytest.mark.usefixtures("two_level_header")
def test_one_groups_deck_keeps_only_its_part_of_a_two_level_header():
    document = compared_document()
    deck = pptx.render_pptx(document, "rus")
    _slide, shape = comparison_shapes(deck, "levekarsomrader")[0]
    table = shape.table
    assert len(table.columns) == 1 + 3
    assert table.cell(0, 1).text.startswith("Rusproblemer")
    assert table.cell(0, 1).span_width == 3
    texts = [c.text for row in table.rows for c in row.cells]
    assert not any("Kun psykiske problemer" in text for text in texts)
    assert [table.cell(1, c).text.replace("\u00a0", " ") for c in (2, 3)] == [
        "Vestland (N = 404)",
        "Hele landet (N = 3 026)",
    ]
