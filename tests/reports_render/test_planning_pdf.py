"""The municipal PDF carries what a planner needs; the county PDF its municipalities."""

import pytest
from render_helpers import pdf_text

from brukerplan.reports.render import pdf

MUNICIPAL_TABLES = (
    "planarbeid",
    "trend_kategorier",
    "trend_levekarsindeks",
    "trend_tjenester",
    "dekning_per_1000",
    "behov_tjenester",
    "lar_deltakelse",
    "lar_rusmidler",
    "lar_levekar",
)


def words(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.fixture(scope="module")
def bergen(sample_year):
    return sample_year["municipality:4601"]


def test_the_municipal_pdf_shows_the_planning_tables_among_its_core_tables(bergen):
    shown = pdf.shown_table_ids(bergen)
    assert shown == pdf.shown_table_ids(bergen, "core")
    assert set(MUNICIPAL_TABLES) <= set(shown)
    assert "kommuner_fylke" not in shown  # no rows outside a county's document
    assert len(shown) < len(pdf.shown_table_ids(bergen, "all"))


def test_the_municipal_pdf_contains_the_titles_of_the_planning_tables(bergen):
    text = words(pdf_text(pdf.render_pdf(bergen, chart_set="none")))
    for table_id in MUNICIPAL_TABLES:
        assert words(bergen["tables"][table_id]["title"]) in text, table_id


def test_the_county_pdf_has_the_table_of_its_municipalities(sample_year):
    county = sample_year["county:46"]
    assert "kommuner_fylke" in pdf.shown_table_ids(county)
    text = words(pdf_text(pdf.render_pdf(county, chart_set="none")))
    assert words(county["tables"]["kommuner_fylke"]["title"]) in text
    for row in county["tables"]["kommuner_fylke"]["rows"]:
        assert words(row["label"]) in text
