from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from brukerplan.registrations.duplicates import DESCENDING, ORDER, representatives


def frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "registrering_id": pl.String,
            "person_key": pl.String,
            "foretrukket": pl.Boolean,
            "kartlagt_dato": pl.Date,
            "kommunenummer": pl.String,
        },
        orient="row",
    )


def test_the_chosen_registration_then_the_latest_then_the_greatest_id_represents_a_person():
    chosen = representatives(
        frame(
            [
                ("r1", "a", True, date(2025, 1, 3), "4601"),
                ("r2", "a", False, date(2025, 1, 9), "4602"),
                ("r3", "b", False, date(2025, 1, 5), "4601"),
                ("r9", "b", False, date(2025, 1, 5), "4601"),
                ("r4", "b", False, date(2025, 1, 4), "4603"),
                ("r5", "c", False, date(2025, 1, 1), "4601"),
                ("r6", "d", False, date(2025, 1, 1), "4601"),
                ("r7", "d", False, date(2025, 1, 2), "4611"),
            ]
        )
    )
    assert chosen["registrering_id"].to_list() == ["r1", "r5", "r7", "r9"]
    assert chosen["kommunenummer"].to_list() == ["4601", "4601", "4611", "4601"]


def test_an_empty_frame_has_no_representatives_and_keeps_its_columns():
    empty = frame([])
    assert representatives(empty).schema == empty.schema


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("abcdef"),
            st.booleans(),
            st.dates(date(2025, 1, 1), date(2025, 1, 4)),
            st.sampled_from(["4601", "4602"]),
        ),
        max_size=30,
    )
)
def test_it_picks_the_rows_sorting_the_whole_rows_would(rows):
    registrations = frame([(f"r{i:03}", *row) for i, row in enumerate(rows)])
    whole_rows = (
        registrations.sort(ORDER, descending=DESCENDING)
        .unique(subset=["person_key"], keep="first", maintain_order=True)
        .sort("registrering_id")
    )
    assert representatives(registrations).equals(whole_rows)
