"""Fixtures for the report engine: an analysis frame from the spec's sample CSV, no database."""

import polars as pl
import pytest

from brukerplan.instrument import definition


@pytest.fixture(autouse=True)
def _pseudonym_key():
    """These tests run without Django (-p no:django): replaces tests/conftest.py's fixture."""


@pytest.fixture(scope="session")
def instrument():
    return definition.current()


@pytest.fixture(scope="session")
def sample_rows(read_rows) -> list[dict[str, str]]:
    """The rows of the spec's sample CSV (one year), as the csv module reads them."""
    return read_rows()


@pytest.fixture(scope="session")
def sample_frame(sample_rows, make_frame) -> pl.DataFrame:
    """Every registration of the sample CSV (one year), duplicates and under-18s included."""
    return make_frame(sample_rows)


@pytest.fixture(scope="session")
def sample_year(sample_frame) -> int:
    (year,) = sample_frame["aar"].unique().to_list()
    return year
