"""Thin reports (issue 18): a municipality or pool with fewer than 30 persons shows the
tables by category for all its persons together, and says so."""

import polars as pl
import pytest

from brukerplan.instrument import definition
from brukerplan.registrations import synth
from brukerplan.reports import thin
from brukerplan.reports.document import Scope, build_report

YEAR = 2025
THRESHOLD = 5


@pytest.fixture(scope="module")
def frames(make_frame) -> dict[int, pl.DataFrame]:
    """Bergen's registrations for a few persons (thin) and for more (not thin)."""
    return {n: make_frame(list(synth.generate(n, YEAR, 3, ["4601"]))) for n in (25, 60)}


def report(frame: pl.DataFrame, scope_type: str = "municipality") -> dict:
    scope = Scope(scope_type, "4601" if scope_type == "municipality" else "46", "Bergen")
    return build_report(scope, YEAR, frame, definition.for_year(YEAR), THRESHOLD)


def adults(frame: pl.DataFrame) -> pl.DataFrame:
    from brukerplan.reports.document import adult_persons

    return adult_persons(frame, definition.for_year(YEAR))


def row_keys(document: dict, table_id: str) -> list[str]:
    return [row["key"] for row in document["tables"][table_id]["rows"]]


def test_a_municipality_under_30_persons_shows_its_categories_together(frames):
    persons = adults(frames[25]).height
    assert persons < thin.THIN_PERSONS
    document = report(frames[25])
    assert document["thin"] == {"persons_below": thin.THIN_PERSONS}
    assert row_keys(document, "kategorier") == ["rus", "psykisk", "alle"]
    assert row_keys(document, "selvmord_kategori") == ["alle"]
    assert row_keys(document, "overdose_kategori") == ["rus"]
    assert document["tables"]["kategorier"]["rows"][2]["values"]["antall"] == persons


def test_a_table_by_main_group_gets_all_persons_together_where_that_is_exact(frames):
    document = report(frames[25])
    persons = adults(frames[25])
    services = document["tables"]["tjenester_nav"]
    assert [c["key"] for c in services["columns"]] == ["alle"]
    from brukerplan.reports.tables import any_service

    instrument = definition.for_year(YEAR)
    checked = 0
    for row in services["rows"]:
        value = row["values"]["alle"]
        if value is None:
            assert services["suppressed"][row["key"]]["alle"] in ("primary", "secondary")
            continue
        if row["key"] == "nav":
            mask = any_service(instrument, "tjenester", "nav")
        else:
            mask = pl.col(f"tjenester.{row['key']}") == 1
        assert value == pytest.approx(100 * persons.filter(mask).height / persons.height)
        checked += value > 0
    assert checked  # some shown share that is not zero was checked
    # Injection is asked of persons with substance problems only: not of all of them.
    key_figures = document["tables"]["nokkeltall"]
    assert [c["key"] for c in key_figures["columns"]] == ["alle"]
    (injecting,) = [r for r in key_figures["rows"] if r["key"] == "injiserer"]
    assert injecting["values"]["alle"] is None
    assert "injiserer" not in key_figures["suppressed"]


def test_a_table_of_categories_only_gets_one_row_for_all_of_them_together(frames):
    document = report(frames[25])
    table = document["tables"]["varighet_kategori"]
    assert row_keys(document, "varighet_kategori") == [thin.TOGETHER]
    # An independent count: the adults with mental problems, by duration.
    persons = adults(frames[25])
    with_mental = persons.filter(pl.col("psykisk_problem") == 1)
    assert with_mental.height >= THRESHOLD
    for code, value in table["rows"][0]["values"].items():
        hits = with_mental.filter(pl.col("varighet_psykisk") == code).height
        if value is None:
            assert table["suppressed"][thin.TOGETHER][code] in ("primary", "secondary")
        else:
            assert value == pytest.approx(100 * hits / with_mental.height)


def test_a_thin_document_hides_fewer_numbers_and_shows_more(frames):
    document = report(frames[25])

    def hidden(doc: dict) -> int:
        return sum(len(c) for t in doc["tables"].values() for c in t["suppressed"].values())

    def shown(doc: dict) -> int:
        return sum(
            1
            for t in doc["tables"].values()
            for r in t["rows"]
            for v in r["values"].values()
            if v not in (None, 0)
        )

    scope = Scope("county", "46", "Vestland")  # a county is never thin: the same persons
    by_category = build_report(scope, YEAR, frames[25], definition.for_year(YEAR), THRESHOLD)
    assert "thin" not in by_category
    assert hidden(document) < hidden(by_category) / 1.5
    assert shown(document) > shown(by_category)


def test_a_municipality_of_30_persons_or_more_is_by_category(frames):
    assert adults(frames[60]).height >= thin.THIN_PERSONS
    document = report(frames[60])
    assert "thin" not in document
    assert len(row_keys(document, "kategorier")) == 9


def test_cells_are_combined_only_where_that_is_exact():
    from brukerplan.reports.tables import Count, Mean, Share

    assert thin._combined([Count(2), Count(3)]) == Count(5)
    assert thin._combined([Share(1, 4), Share(2, 6)]) == Share(3, 10)
    assert thin._combined([Mean(30.0, 2), Mean(40.0, 3)]) is None
