"""Fixtures for the report engine: an analysis frame from the spec's sample CSV, no database."""

import csv
import datetime
import json
import os
from pathlib import Path

import polars as pl
import pytest

from brukerplan.instrument import definition
from brukerplan.instrument.cells import parse_cells
from brukerplan.registrations.pseudonyms import pseudonymise
from brukerplan.reports import frame

SAMPLE_CSV = Path(
    os.environ.get("BRUKERPLAN_SAMPLE_CSV", "/work/shared/spec/sample-registrations.csv")
)
FRAME_TEST_KEY = b"report-engine-test-key"


@pytest.fixture(autouse=True)
def _pseudonym_key():
    """These tests run without Django (-p no:django): replaces tests/conftest.py's fixture."""


def read_rows(path: Path = SAMPLE_CSV) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def frame_from_rows(rows: list[dict[str, str]], key: bytes = FRAME_TEST_KEY) -> pl.DataFrame:
    """An analysis frame from rows of the exchange format, as the database loader would give."""
    instrument = definition.current()
    records = []
    for row in rows:
        identity = pseudonymise(row["fodselsnummer"], key)
        answers, errors = parse_cells(instrument, row, {"kjonn": identity.kjonn})
        assert not errors, (row["registrering_id"], errors)
        index = instrument.levekarsindeks(answers)
        records.append(
            {
                "registrering_id": row["registrering_id"],
                "aar": int(row["aar"]),
                "kartlagt_dato": datetime.date.fromisoformat(row["kartlagt_dato"]),
                "kommunenummer": row["kommunenummer"],
                "fylkesnummer": row["kommunenummer"][:2],
                "enhetstype": row["enhetstype"],
                "person_key": identity.person_key,
                "fodselsaar": identity.fodselsaar,
                "kjonn": identity.kjonn,
                "alder": int(row["aar"]) - identity.fodselsaar,
                "levekarsindeks": index,
                "indeksgruppe": instrument.index_group(index),
                "kategori": instrument.kategori(answers),
                "foretrukket": False,
                "answers": json.dumps(answers),
            }
        )
    if not records:
        return frame.empty(instrument)
    return frame.build(pl.DataFrame(records), instrument)


@pytest.fixture(scope="session")
def instrument():
    return definition.current()


@pytest.fixture(scope="session")
def sample_rows() -> list[dict[str, str]]:
    """The rows of the spec's sample CSV (one year), as the csv module reads them."""
    return read_rows()


@pytest.fixture(scope="session")
def make_frame():
    """Build an analysis frame from rows of the exchange format."""
    return frame_from_rows


@pytest.fixture(scope="session")
def sample_frame(sample_rows) -> pl.DataFrame:
    """Every registration of the sample CSV (one year), duplicates and under-18s included."""
    return frame_from_rows(sample_rows)


@pytest.fixture(scope="session")
def sample_year(sample_frame) -> int:
    (year,) = sample_frame["aar"].unique().to_list()
    return year
