"""Decks worth presenting: at most 40 slides, the rest named as left to the workbook,
speaker notes on every slide, axis titles on every chart."""

import io
import re

import pytest
from pptx import Presentation

from brukerplan.reports.render import pptx


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def deck(document: dict, main_group=None, **kwargs):
    return list(Presentation(io.BytesIO(pptx.render_pptx(document, main_group, **kwargs))).slides)


def title_of(slide) -> str:
    return flat(slide.shapes.title.text) if slide.shapes.title is not None else ""


@pytest.fixture(scope="module")
def decks(sample_year) -> dict:
    """Bergen's and the nation's decks: both main groups, and one per main group."""
    return {
        (key, group): deck(sample_year[key], group)
        for key in ("municipality:4601", "national")
        for group in (None, "rus", "psykisk")
    }


@pytest.fixture(scope="module")
def whole_decks(sample_year) -> dict:
    """The same decks without the slide limit: every table the renderer can show."""
    return {
        (key, group): deck(sample_year[key], group, max_slides=None)
        for key in ("municipality:4601", "national")
        for group in (None, "rus", "psykisk")
    }


def test_no_deck_has_more_than_forty_slides_and_the_last_names_what_is_left_out(
    decks, whole_decks, sample_year
):
    for (key, group), slides in decks.items():
        assert len(slides) <= pptx.MAX_SLIDES, (key, group)
        last = slides[-1]
        assert title_of(last) == "Flere tabeller i regnearket"
        text = flat(" ".join(s.text_frame.text for s in last.shapes if s.has_text_frame))
        assert "regnearket (Excel)" in text
        # Every table of the document that no slide shows is named on the last slide.
        shown = {title_of(s).split(" (del ")[0].split(" (forts.)")[0] for s in slides}
        full = {title_of(s) for s in whole_decks[(key, group)]}
        missing = {t.split(" (del ")[0].split(" (forts.)")[0] for t in full} - shown
        assert missing
        for title in missing:
            assert f"• {title}" in text, (key, group, title)


def test_a_deck_keeps_its_charts_and_main_tables_first(decks, whole_decks):
    for (key, group), slides in decks.items():
        everything = whole_decks[(key, group)]
        assert len(everything) > pptx.MAX_SLIDES  # the limit is what leaves tables out
        charts = sum(1 for s in everything for shape in s.shapes if shape.has_chart)
        kept = sum(1 for s in slides for shape in s.shapes if shape.has_chart)
        assert kept == charts  # no chart is left out for a table
        names = {shape.name for s in slides for shape in s.shapes if shape.has_table}
        assert "Tabell kategorier" in names


def test_a_small_deck_is_whole_and_says_nothing_is_left_out(sample_year):
    document = dict(sample_year["municipality:4601"])
    document["tables"] = {k: document["tables"][k] for k in ("kategorier", "levekarsindeks")}
    slides = deck(document)
    assert len(slides) < pptx.MAX_SLIDES
    assert all(title_of(s) != "Flere tabeller i regnearket" for s in slides)


def test_every_slide_has_speaker_notes_saying_what_it_shows(decks, sample_year):
    for (key, _group), slides in decks.items():
        document = sample_year[key]
        said = {f["table"]: f["text"] for f in document["findings"]}
        for slide in slides:
            notes = flat(slide.notes_slide.notes_text_frame.text) if slide.has_notes_slide else ""
            assert notes, (key, title_of(slide))
            title = title_of(slide).split(" (del ")[0].split(" (forts.)")[0]
            if slide.shapes.title is not None and not title.startswith(
                ("BrukerPlan", "Hovedfunn", "Flere tabeller")
            ):
                assert flat(title) in notes
        # A slide of a table a finding comes from says that finding in its notes.
        for slide in slides:
            for shape in slide.shapes:
                if shape.has_table and shape.name.removeprefix("Tabell ") in said:
                    finding = said[shape.name.removeprefix("Tabell ")]
                    assert flat(finding) in flat(slide.notes_slide.notes_text_frame.text)


def test_every_chart_has_titled_axes(decks):
    seen = 0
    for slides in decks.values():
        for slide in slides:
            for shape in slide.shapes:
                if not shape.has_chart:
                    continue
                chart = shape.chart
                value = chart.value_axis
                assert value.has_title and value.axis_title.text_frame.text in (
                    "Prosent",
                    "Antall personer",
                )
                category = chart.category_axis
                assert category.has_title and category.axis_title.text_frame.text
                seen += 1
    assert seen > 30
