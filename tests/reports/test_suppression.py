"""The small-number rule (report-format.md, "Small numbers") and that it covers every cell."""

import inspect
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brukerplan.reports import secondary, suppression
from brukerplan.reports.document import (
    Scope,
    adult_persons,
    build_report,
    minor_persons,
    table_document,
)
from brukerplan.reports.registry import compute
from brukerplan.reports.tables import (
    Context,
    Count,
    Mean,
    NotApplicable,
    Share,
    StdDev,
    Total,
)

# The rule at the setting's default (5); the pure core has no default of its own.
apply = partial(suppression.apply, threshold=5)
NATIONAL = Scope("national", None, "Hele landet")


def test_the_pure_functions_have_no_default_threshold(sample_frame, sample_year, instrument):
    """The threshold is read from the settings in one place and handed down: no function
    of the pure core can silently fall back on 5."""
    from brukerplan.reports import document

    functions = [
        suppression.apply,
        document.build_report,
        document.comparison_document,
        document.table_document,
        secondary.hidden_cells,
        secondary.hidden_quantities,
        secondary.reveals,
        secondary.gauss_suppression,
    ]
    for function in functions:
        parameter = inspect.signature(function).parameters["threshold"]
        assert parameter.default is inspect.Parameter.empty, function.__qualname__
    assert not hasattr(suppression, "DEFAULT_THRESHOLD")
    with pytest.raises(TypeError, match="threshold"):
        suppression.apply(Count(3))
    with pytest.raises(TypeError, match="threshold"):
        document.build_report(NATIONAL, sample_year, sample_frame, instrument)
    with pytest.raises(TypeError, match="threshold"):
        secondary.gauss_suppression([1], [1], [True])
    table = compute(Context(adult_persons(sample_frame, instrument), instrument), ["kategorier"])
    with pytest.raises(TypeError, match="threshold"):
        document.table_document(table["kategorier"])


@pytest.mark.parametrize("threshold", [0, -5, 2.5, True, "5", None])
def test_a_document_is_made_under_a_positive_whole_threshold_only(
    threshold, sample_frame, sample_year, instrument
):
    with pytest.raises(ValueError, match="threshold"):
        build_report(NATIONAL, sample_year, sample_frame, instrument, threshold)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_a_count_of_one_to_four_is_suppressed(n):
    assert apply(Count(n)) is None


def test_a_count_of_three_is_suppressed():
    assert apply(Count(3)) is None


def test_zero_is_shown():
    assert apply(Count(0)) == 0


def test_a_count_of_five_is_shown_as_an_integer():
    assert apply(Count(5)) == 5
    assert type(apply(Count(5))) is int


def test_a_share_of_fewer_than_five_persons_is_suppressed():
    assert apply(Share(0, 4)) is None
    assert apply(Share(4, 4)) is None


def test_a_share_whose_numerator_is_one_to_four_is_suppressed():
    assert apply(Share(2, 100)) is None
    assert apply(Share(4, 1000)) is None


def test_a_share_of_zero_is_shown():
    assert apply(Share(0, 100)) == 0.0


def test_a_share_is_a_percentage_and_not_rounded():
    assert apply(Share(5, 15)) == pytest.approx(100 / 3)
    assert apply(Share(7, 7)) == 100.0


def test_a_share_of_nobody_has_no_value_even_without_suppression():
    assert apply(Share(0, 0), threshold=1) is None


def test_a_mean_of_fewer_than_five_persons_is_suppressed():
    assert apply(Mean(44.5, 4)) is None
    assert apply(Mean(44.5, 5)) == 44.5


def test_a_standard_deviation_of_fewer_than_five_persons_is_suppressed():
    assert apply(StdDev(12.0, 4)) is None
    assert apply(StdDev(12.0, 5)) == 12.0


def test_a_mean_of_nobody_and_an_sd_of_one_person_have_no_value():
    assert apply(Mean(None, 0), threshold=1) is None
    assert apply(StdDev(None, 1), threshold=1) is None


def test_a_number_of_children_is_suppressed_when_few_children_or_few_parents():
    assert apply(Total(3, 10)) is None  # three children
    assert apply(Total(9, 3)) is None  # children of three parents
    assert apply(Total(12, 6)) == 12
    assert apply(Total(0, 0)) == 0


def test_not_applicable_is_always_null():
    assert apply(NotApplicable(), threshold=1) is None


def test_the_threshold_is_a_parameter():
    assert apply(Count(7), threshold=10) is None
    assert apply(Count(10), threshold=10) == 10
    assert apply(Share(12, 40), threshold=10) == 30.0
    assert apply(Share(9, 40), threshold=10) is None


def test_a_threshold_of_one_suppresses_nothing():
    assert apply(Count(1), threshold=1) == 1
    assert apply(Share(1, 1), threshold=1) == 100.0
    assert apply(Mean(3.0, 1), threshold=1) == 3.0


@pytest.mark.parametrize("threshold", [0, -5, 2.5, True])
def test_a_threshold_must_be_a_positive_integer(threshold):
    with pytest.raises(ValueError):
        apply(Count(10), threshold=threshold)


def test_a_plain_number_is_not_a_cell():
    with pytest.raises(TypeError):
        apply(17)


def test_persons_and_registrations_follow_the_count_rule(
    make_frame, sample_rows, sample_year, instrument
):
    adults = [r for r in sample_rows if r["registrering_id"] in {"S7-000000", "S7-000001"}]
    document = build_report(NATIONAL, sample_year, make_frame(adults), instrument, threshold=5)
    assert document["persons"] is None and document["registrations"] is None
    assert document["tables"]["kategorier"]["rows"][-1]["values"] == {
        "antall": None,
        "andel": None,
    }


# --- properties ------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=200)
cells = st.one_of(
    st.builds(Count, counts),
    st.builds(Share, counts, counts).filter(lambda s: s.numerator <= s.denominator),
    st.builds(Mean, st.floats(0, 600, allow_nan=False) | st.none(), counts),
    st.builds(StdDev, st.floats(0, 300, allow_nan=False) | st.none(), counts),
    st.builds(Total, counts, counts),
    st.just(NotApplicable()),
)


def assert_rule_holds(cell, value, threshold):
    """What the rule forbids a shown value to come from."""
    if value is None:
        return
    small = range(1, threshold)
    if isinstance(cell, Count):
        assert cell.n not in small
        assert value == cell.n
    elif isinstance(cell, Share):
        assert cell.denominator >= threshold and cell.denominator > 0
        assert cell.numerator not in small
        assert 0 <= value <= 100
    elif isinstance(cell, Mean | StdDev):
        assert cell.n >= threshold
        assert value == cell.value
    elif isinstance(cell, Total):
        assert cell.n not in small and cell.value not in small
    else:
        raise AssertionError(f"{cell!r} shown as {value!r}")


@given(cell=cells, threshold=st.integers(min_value=1, max_value=12))
def test_no_shown_value_comes_from_a_small_group(cell, threshold):
    assert_rule_holds(cell, suppression.apply(cell, threshold), threshold)


@given(cell=cells)
def test_a_value_is_suppressed_exactly_when_the_rule_says(cell):
    value = apply(cell)
    if isinstance(cell, Count):
        assert (value is None) == (1 <= cell.n <= 4)
    elif isinstance(cell, Share):
        forbidden = cell.denominator < 5 or 1 <= cell.numerator <= 4
        assert (value is None) == forbidden
    elif isinstance(cell, Mean | StdDev):
        assert (value is None) == (cell.n < 5 or cell.value is None)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_cell_of_a_report_on_a_small_random_frame_reveals_a_small_group(
    data, sample_frame, sample_year, instrument
):
    """Small random sets of registrations (duplicates included): every typed cell of every
    table, after the rule, shows nothing computed from 1-4 persons, and the document
    carries exactly those values, less the cells secondary suppression hides."""
    indices = data.draw(
        st.lists(st.integers(0, sample_frame.height - 1), max_size=40, unique=True),
        label="rows",
    )
    frame = sample_frame[sorted(indices)]
    persons = adult_persons(frame, instrument)
    typed = compute(
        Context(persons, instrument, minors=minor_persons(frame, instrument), year=sample_year)
    )
    hidden = secondary.hidden_cells(typed, persons, 5)
    document = build_report(NATIONAL, sample_year, frame, instrument, threshold=5)
    assert document["persons"] is None or document["persons"] not in range(1, 5)
    for table_id, table in typed.items():
        assert document["tables"][table_id] == table_document(table, 5, hidden)
        for row in table.rows:
            for cell in row.values.values():
                assert_rule_holds(cell, apply(cell), 5)
                if isinstance(cell, Count | Total) and apply(cell) is not None:
                    assert apply(cell) == 0 or apply(cell) >= 5


def test_every_cell_of_every_table_is_typed(sample_frame, instrument):
    """No table hands out plain numbers: suppression must see every cell."""
    typed = compute(Context(adult_persons(sample_frame, instrument), instrument))
    kinds = (Count, Share, Mean, StdDev, Total, NotApplicable)
    for table in typed.values():
        for row in table.rows:
            assert all(isinstance(cell, kinds) for cell in row.values.values()), row.key
