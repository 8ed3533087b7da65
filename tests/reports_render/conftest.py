"""Fixtures: the hand-written document and, when the report engine is there, real ones."""

import copy
import csv
import datetime
import json
import sys
from pathlib import Path

import pytest

# The helpers next to this file are plain modules (no __init__.py here).
sys.path.insert(0, str(Path(__file__).parent))

from render_documents import SAMPLE_CSV, hand_document  # noqa: E402


@pytest.fixture
def document() -> dict:
    return copy.deepcopy(hand_document())


def _sample_frame():
    import polars as pl

    from brukerplan.instrument import definition
    from brukerplan.instrument.cells import parse_cells
    from brukerplan.registrations.pseudonyms import pseudonymise
    from brukerplan.reports import frame

    instrument = definition.current()
    records = []
    with SAMPLE_CSV.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ident = pseudonymise(row["fodselsnummer"], b"render-tests")
            answers, _errors = parse_cells(instrument, row, {"kjonn": ident.kjonn})
            index = instrument.levekarsindeks(answers)
            records.append(
                {
                    "registrering_id": row["registrering_id"],
                    "aar": int(row["aar"]),
                    "kartlagt_dato": datetime.date.fromisoformat(row["kartlagt_dato"]),
                    "kommunenummer": row["kommunenummer"],
                    "fylkesnummer": row["kommunenummer"][:2],
                    "enhetstype": row["enhetstype"],
                    "person_key": ident.person_key,
                    "fodselsaar": ident.fodselsaar,
                    "kjonn": ident.kjonn,
                    "alder": int(row["aar"]) - ident.fodselsaar,
                    "levekarsindeks": index,
                    "indeksgruppe": instrument.index_group(index),
                    "kategori": instrument.kategori(answers),
                    "foretrukket": False,
                    "answers": json.dumps(answers),
                }
            )
    return frame.build(pl.DataFrame(records), instrument), instrument


@pytest.fixture(scope="session")
def real_documents() -> dict:
    """Documents from the sample CSV via build_report: national, county 46, municipality 0301."""
    document_module = pytest.importorskip("brukerplan.reports.document")
    if not SAMPLE_CSV.exists():
        pytest.skip("the sample CSV is not there")
    import polars as pl

    full, instrument = _sample_frame()
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
        key: document_module.build_report(scope, year, frame, instrument)
        for key, (scope, frame) in scopes.items()
    }
