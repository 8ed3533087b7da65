"""Fixtures: the hand-written document and, when the report engine is there, real ones."""

import copy
import sys
from pathlib import Path

import pytest

# The helpers next to this file are plain modules (no __init__.py here).
sys.path.insert(0, str(Path(__file__).parent))

from render_documents import SAMPLE_CSV, hand_document  # noqa: E402
from render_documents import sample_year as sample_year_documents  # noqa: E402

from brukerplan.instrument import definition  # noqa: E402


@pytest.fixture
def document() -> dict:
    return copy.deepcopy(hand_document())


@pytest.fixture(scope="session")
def real_documents(read_rows, make_frame) -> dict:
    """Documents from the sample CSV via build_report: national, county 46, municipality 0301."""
    import polars as pl

    from brukerplan.reports import document as document_module

    full = make_frame(read_rows(SAMPLE_CSV))
    instrument = definition.current()
    year = int(full["aar"][0])
    full = full.filter(pl.col("aar") == year)
    Scope = document_module.Scope
    scopes = {
        "national": (Scope("national", None, "Hele landet"), full),
        "county:46": (
            Scope("county", "46", "Vestland"),
            full.filter(pl.col("fylkesnummer") == "46"),
        ),
        "municipality:0301": (
            Scope("municipality", "0301", "Oslo"),
            full.filter(pl.col("kommunenummer") == "0301"),
        ),
    }
    return {
        key: document_module.build_report(scope, year, frame, instrument, 5)
        for key, (scope, frame) in scopes.items()
    }


@pytest.fixture(scope="session")
def sample_year(read_rows, make_frame) -> dict[str, dict]:
    """The sample year's documents with comparisons, trends and coverage
    (`render_documents.sample_year`): national, county:46, municipality:4601."""
    return sample_year_documents(read_rows, make_frame)
