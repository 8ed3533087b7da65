"""Secondary suppression: no hidden small number can be worked out from the published ones."""

import contextlib
import itertools
import random

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brukerplan.reports import secondary, suppression, tables
from brukerplan.reports.document import Scope, adult_persons, build_report
from brukerplan.reports.registry import compute
from brukerplan.reports.tables import (
    Column,
    Context,
    Count,
    Mean,
    Row,
    Share,
    StdDev,
    Table,
    Total,
)

NATIONAL = Scope("national", None, "Hele landet")
FIXED = [t for t, spec in tables.TABLES.items() if spec.function.__module__ == tables.__name__]
PRIME = 2**61 - 1


def bits(*persons: int) -> int:
    return sum(1 << p for p in persons)


def run(groups: dict[str, range], everyone: int, threshold: int = 5) -> dict[str, bool]:
    """Hidden or not, per named quantity (bitsets over persons 0..everyone-1)."""
    names = list(groups)
    members = [bits(*groups[n]) for n in names]
    sizes = [len(groups[n]) for n in names]
    primary = [0 < n < threshold for n in sizes]
    hidden = secondary.gauss_suppression(members, sizes, primary, threshold=threshold)
    return dict(zip(names, hidden, strict=True))


# --- an exact, independent check: is a row in the span of others? ----------------


def in_span(target: list[int], rows: list[list[int]]) -> bool:
    """Whether `target` is a linear combination of `rows` (Gaussian elimination mod 2**61-1)."""
    basis: dict[int, list[int]] = {}
    for row in [*rows]:
        reduced = reduce(row, basis)
        pivot = next((i for i, v in enumerate(reduced) if v), None)
        if pivot is not None:
            inverse = pow(reduced[pivot], PRIME - 2, PRIME)
            basis[pivot] = [v * inverse % PRIME for v in reduced]
    return not any(reduce(target, basis))


def reduce(row: list[int], basis: dict[int, list[int]]) -> list[int]:
    row = [v % PRIME for v in row]
    for pivot, base in basis.items():
        if row[pivot]:
            factor = row[pivot]
            row = [(v - factor * b) % PRIME for v, b in zip(row, base, strict=True)]
    return row


def atom_rows(sets: list[set[int]]) -> list[list[int]]:
    """Each set of persons as a 0/1 row over the atoms (persons with the same memberships)."""
    everyone = sorted(set().union(*sets)) if sets else []
    atoms = sorted({tuple(p in s for s in sets) for p in everyone})
    return [[int(atom[i]) for atom in atoms] for i in range(len(sets))]


def test_in_span_is_exact_linear_algebra():
    assert in_span([1, 1, 0], [[1, 0, 0], [0, 1, 0]])
    assert not in_span([1, 1, 1], [[1, 1, 0], [0, 1, 1]])
    assert in_span([1, 0, -1], [[1, 1, 0], [0, 1, 1]])


# --- the greedy pass on hand-made quantities --------------------------------------


def test_a_category_hidden_with_its_main_group_and_siblings_published_gets_a_sibling_hidden():
    hidden = run(
        {
            "rus": range(0, 20),
            "ikke_rop": range(0, 10),
            "mindre_alvorlig_rop": range(10, 18),
            "alvorlig_rop": range(18, 20),
        },
        everyone=20,
    )
    assert hidden == {
        "rus": False,
        "ikke_rop": False,
        "mindre_alvorlig_rop": True,
        "alvorlig_rop": True,
    }


def test_the_colours_of_an_area_summing_to_100_percent_hide_a_second_colour():
    hidden = run(
        {"group": range(0, 20), "gronn": range(0, 10), "gul": range(10, 17), "rod": range(17, 20)},
        everyone=20,
    )
    assert hidden["rod"] and hidden["gul"]
    assert not hidden["group"] and not hidden["gronn"]


def test_two_hidden_parts_of_one_and_three_do_not_give_away_their_sum_of_four():
    hidden = run(
        {"total": range(0, 12), "big": range(0, 8), "one": range(8, 9), "three": range(9, 12)},
        everyone=12,
    )
    assert hidden["one"] and hidden["three"]
    assert hidden["big"] or hidden["total"]


def test_a_hidden_cell_of_a_two_way_table_cannot_be_computed_from_the_published_cells():
    # 3 x 3 cells with margins; cell (0, 0) has 2 persons, the others 6 to 9.
    sizes = [[2, 6, 7], [8, 9, 6], [7, 6, 8]]
    groups: dict[str, range] = {}
    start = 0
    cells: dict[tuple[int, int], range] = {}
    for i in range(3):
        for j in range(3):
            cells[(i, j)] = range(start, start + sizes[i][j])
            groups[f"cell{i}{j}"] = cells[(i, j)]
            start += sizes[i][j]
    sets = {name: set(r) for name, r in groups.items()}
    for i in range(3):
        sets[f"row{i}"] = set().union(*(cells[(i, j)] for j in range(3)))
        sets[f"col{i}"] = set().union(*(cells[(j, i)] for j in range(3)))
    sets["total"] = set(range(start))
    names = list(sets)
    hidden = secondary.gauss_suppression(
        [bits(*sets[n]) for n in names],
        [len(sets[n]) for n in names],
        [0 < len(sets[n]) < 5 for n in names],
        threshold=5,
    )
    published = [n for n, h in zip(names, hidden, strict=True) if not h]
    assert hidden[names.index("cell00")]
    rows = atom_rows([sets[n] for n in names])
    row_of = dict(zip(names, rows, strict=True))
    assert not in_span(row_of["cell00"], [row_of[n] for n in published])
    assert sum(hidden) >= 4  # at least the rectangle


def test_nothing_is_hidden_when_nothing_is_small():
    hidden = run({"a": range(0, 12), "b": range(0, 6), "c": range(6, 12)}, everyone=12)
    assert not any(hidden.values())


@settings(max_examples=80, deadline=None)
@given(
    data=st.data(),
    blocks=st.lists(st.integers(1, 9), min_size=2, max_size=7),
    quantities=st.integers(1, 10),
)
def test_no_small_quantity_of_a_random_set_system_is_in_the_span_of_the_published(
    data, blocks, quantities
):
    # Tables count unions of cells: blocks of persons (some small), and unions of blocks.
    starts = [sum(blocks[:i]) for i in range(len(blocks))]
    cells = [frozenset(range(a, a + n)) for a, n in zip(starts, blocks, strict=True)]
    persons = sum(blocks)
    unions = [
        frozenset().union(*(cells[b] for b in chosen))
        for chosen in data.draw(
            st.lists(
                st.sets(st.integers(0, len(cells) - 1), min_size=2),
                min_size=1,
                max_size=quantities,
            ),
            label="unions",
        )
    ]
    sets = [*cells, *unions]
    sets.append(frozenset(range(persons)))  # everyone, as the document prints it
    sets = list(dict.fromkeys(sets))
    sizes = [len(s) for s in sets]
    primary = [0 < n < 5 for n in sizes]
    members = [bits(*s) for s in sets]
    hidden = secondary.gauss_suppression(members, sizes, primary, threshold=5)
    # The Gram matrix of overlaps has the same dependencies as the atoms: the same answer.
    assert secondary.gauss_suppression(members, sizes, primary, atom_limit=0, threshold=5) == hidden
    rows = atom_rows([set(s) for s in sets])
    published = [r for r, h in zip(rows, hidden, strict=True) if not h]
    assert all(hidden[i] for i in range(len(sets)) if primary[i])
    for i, s in enumerate(sets):
        if not primary[i]:
            continue
        assert not in_span(rows[i], published), sorted(s)
        for j in range(i + 1, len(sets)):
            t = sets[j]
            if not primary[j]:
                continue
            if not s & t and len(s) + len(t) < 5:
                union = [a + b for a, b in zip(rows[i], rows[j], strict=True)]
                assert not in_span(union, published), (sorted(s), sorted(t))
            elif s < t or t < s:
                difference = [a - b for a, b in zip(rows[i], rows[j], strict=True)]
                assert not in_span(difference, published), (sorted(s), sorted(t))


# --- the cells of a document ---------------------------------------------------------


def hand_made_table(persons: pl.DataFrame) -> dict[str, Table]:
    rus = pl.col("g") == "rus"
    a, b, c = (pl.col("k") == "a"), (pl.col("k") == "b"), (pl.col("k") == "c")
    n = {k: int(persons.filter(pl.col("k") == k).height) for k in "abc"}
    rows = [
        Row(k, k, {"antall": Count(n[k], of=m), "andel": Share(n[k], 20, m, rus)})
        for k, m in (("a", a), ("b", b), ("c", c))
    ]
    rows.append(Row("rus", "rus", {"antall": Count(20, of=rus), "andel": Share(20, 20, rus, rus)}))
    columns = (Column("antall", "Antall"), Column("andel", "Andel"))
    return {"t": Table("t", "T", columns, tuple(rows))}


def test_hidden_cells_hide_the_sibling_of_a_small_category_in_every_cell_that_shows_it():
    persons = pl.DataFrame({"g": ["rus"] * 20, "k": ["a"] * 10 + ["b"] * 8 + ["c"] * 2})
    hidden = secondary.hidden_cells(hand_made_table(persons), persons, 5)
    # c (2 persons) is hidden by the primary rule; b by secondary suppression, in both columns.
    assert hidden == {("t", "b", "antall"), ("t", "b", "andel")}


def test_hidden_cells_is_empty_and_fast_when_nothing_is_small():
    persons = pl.DataFrame({"g": ["rus"] * 20, "k": ["a"] * 10 + ["b"] * 5 + ["c"] * 5})
    assert secondary.hidden_cells(hand_made_table(persons), persons, 5) == frozenset()


def test_a_forced_quantity_is_hidden_in_every_cell_that_shows_it_and_stays_uncomputable():
    # Nothing is small here; the publication as a whole asks for a's count to be hidden.
    persons = pl.DataFrame({"g": ["rus"] * 20, "k": ["a"] * 10 + ["b"] * 5 + ["c"] * 5})
    hidden = secondary.hidden_cells(
        hand_made_table(persons), persons, 5, forced=frozenset({("t", "a", "antall", 0)})
    )
    # a in both columns (its share's numerator is the same persons); and one sibling, or a
    # would be 20 minus b minus c.
    assert {("t", "a", "antall"), ("t", "a", "andel")} <= hidden
    assert {("t", "b", "antall"), ("t", "c", "antall")} & hidden


def test_the_published_quantities_are_named_alike_in_every_scope_and_say_which_are_hidden():
    small = pl.DataFrame({"g": ["rus"] * 20, "k": ["a"] * 10 + ["b"] * 8 + ["c"] * 2})
    large = pl.DataFrame({"g": ["rus"] * 20, "k": ["a"] * 10 + ["b"] * 5 + ["c"] * 5})
    found = {}
    for name, persons in (("small", small), ("large", large)):
        computed = hand_made_table(persons)
        hidden = secondary.hidden_cells(computed, persons, 5)
        found[name] = secondary.published(computed, 5, hidden)
    assert set(found["small"].values) == set(found["large"].values)
    by_cell = {
        part[:3]: name
        for name, parts in found["small"].parts.items()
        for part in parts
        if part[3] == 0
    }
    assert found["small"].values[by_cell[("t", "c", "antall")]] == 2
    assert found["small"].hidden[by_cell[("t", "c", "antall")]] == "primary"
    assert found["small"].hidden[by_cell[("t", "b", "antall")]] == "secondary"
    assert by_cell[("t", "a", "antall")] not in found["small"].hidden
    assert found["large"].hidden == {}


def test_a_cell_without_masks_is_left_to_the_primary_rule():
    persons = pl.DataFrame({"g": ["rus"] * 20, "k": ["a"] * 18 + ["c"] * 2})
    computed = {
        "t": Table(
            "t",
            "T",
            (Column("antall", "Antall"),),
            (Row("a", "a", {"antall": Count(18)}), Row("c", "c", {"antall": Count(2)})),
        )
    }
    assert secondary.hidden_cells(computed, persons, 5) == frozenset()


def test_every_cell_of_the_fixed_tables_carries_the_masks_of_its_persons(sample_frame, instrument):
    """Secondary suppression only sees cells with masks: each fixed table must carry
    them, and each mask must count the cell's own number on the persons."""
    persons = adult_persons(sample_frame, instrument)
    computed = compute(Context(persons, instrument), FIXED)
    checks: dict[str, pl.Expr] = {}
    expected: dict[str, int] = {}
    for table in computed.values():
        for row in table.rows:
            for key, cell in row.values.items():
                match cell:
                    case Count(n, of) | Mean(_, n, of) | StdDev(_, n, of) | Total(_, n, of):
                        pairs = [(of, n)]
                    case Share(num, den, num_of, den_of):
                        pairs = [(num_of, num), (den_of, den)]
                    case _:
                        pairs = []
                for i, (mask, n) in enumerate(pairs):
                    name = f"{table.id}|{row.key}|{key}|{i}"
                    assert mask is not None, name
                    checks[name] = mask.sum()
                    expected[name] = n
    assert persons.select([e.alias(k) for k, e in checks.items()]).row(0, named=True) == expected


# --- the property ------------------------------------------------------------------


def published_cells(document: dict, computed: dict[str, Table]):
    """(cell, value) of every cell the document shows, with its typed cell."""
    for table_id, table in computed.items():
        rows = {r["key"]: r["values"] for r in document["tables"][table_id]["rows"]}
        for row in table.rows:
            for key, cell in row.values.items():
                yield table_id, row.key, key, cell, rows[row.key][key]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_rendering_shows_or_lets_one_derive_a_count_from_one_to_four(
    data, sample_frame, sample_year, instrument
):
    indices = data.draw(
        st.lists(st.integers(0, sample_frame.height - 1), min_size=3, max_size=40, unique=True),
        label="rows",
    )
    frame = sample_frame[sorted(indices)]
    persons = adult_persons(frame, instrument)
    computed = compute(Context(persons, instrument, year=sample_year), FIXED)
    document = build_report(NATIONAL, sample_year, frame, instrument, tables=FIXED, threshold=5)
    masks: list[pl.Expr] = []
    published: list[bool] = []
    for _, _, _, cell, value in published_cells(document, computed):
        # (c) what is published is the unsuppressed number
        if value is not None:
            assert value == suppression.apply(cell, threshold=5)
        # (a) no published count of 1 to 4
        if isinstance(cell, Count | Total) and value is not None:
            assert value == 0 or value >= 5
        match cell:
            case Count(_, of) | Mean(_, _, of) | StdDev(_, _, of) | Total(_, _, of):
                shown = [of]
            case Share(_, _, num_of, den_of):
                shown = [num_of, den_of]
            case _:
                shown = []
        for mask in shown:
            masks.append(mask)
            published.append(value is not None)
    if persons.height == 0 or not masks:
        return
    frame_of = persons.select([m.fill_null(False).alias(f"m{i}") for i, m in enumerate(masks)])
    sets = [
        frozenset(i for i, v in enumerate(frame_of[c].to_list()) if v) for c in frame_of.columns
    ]
    sets.append(frozenset(range(persons.height)))  # the document prints the persons
    published.append(document["persons"] is not None)
    distinct = list(dict.fromkeys(sets))
    rows = dict(zip(distinct, atom_rows([set(s) for s in distinct]), strict=True))
    shown = {s for s, p in zip(sets, published, strict=True) if p}
    shown_rows = [rows[s] for s in shown]
    # (b) no quantity of 1 to 4 persons is shown or is a combination of the shown ones
    for s in distinct:
        if 1 <= len(s) <= 4:
            assert s not in shown
            assert not in_span(rows[s], shown_rows), sorted(s)


@given(
    data=st.data(),
    shape=st.tuples(st.integers(1, 5), st.integers(1, 64), st.integers(1, 6)),
)
def test_the_product_mod_p_in_floating_point_is_exact_for_up_to_64_pivots(data, shape):
    n, t, w = shape
    residues = st.one_of(st.integers(0, secondary.P - 1), st.just(secondary.P - 1))
    a = data.draw(st.lists(st.lists(residues, min_size=t, max_size=t), min_size=n, max_size=n))
    b = data.draw(st.lists(st.lists(residues, min_size=w, max_size=w), min_size=t, max_size=t))
    product = secondary._times(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64))
    expected = [
        [sum(x * y[c] for x, y in zip(row, b, strict=True)) % secondary.P for c in range(w)]
        for row in a
    ]
    assert product.tolist() == expected


@contextlib.contextmanager
def batches_of(size: int):
    kept, secondary.BATCH = secondary.BATCH, size
    try:
        yield
    finally:
        secondary.BATCH = kept


@pytest.mark.parametrize("atom_limit", [10**9, 0])
def test_the_greedy_pass_decides_alike_in_batches_of_any_size(atom_limit):
    # A three-way table of 4 x 5 x 6 cells over 900 persons, many of its cells small, with
    # every one- and two-way margin: 200 quantities, so the candidates span several batches.
    rng = random.Random(11)
    shape = (4, 5, 6)
    cells, start = {}, 0
    for index in itertools.product(*(range(n) for n in shape)):
        size = rng.choice([1, 2, 3, 4, 6, 9, 12]) if rng.random() < 0.3 else rng.randint(5, 40)
        cells[index] = range(start, start + size)
        start += size
    groups: dict[tuple, set[int]] = {}
    for index, persons in cells.items():
        for axes in itertools.chain.from_iterable(
            itertools.combinations(range(3), k) for k in range(4)
        ):
            key = tuple(index[a] if a in axes else None for a in range(3))
            groups.setdefault(key, set()).update(persons)
    sets = list(dict.fromkeys(frozenset(g) for g in groups.values()))
    members = [bits(*s) for s in sets]
    sizes = [len(s) for s in sets]
    primary = [0 < n < 5 for n in sizes]
    assert len(sets) > 3 * secondary.BATCH and any(primary)
    one_at_a_time = None
    for size in (1, 7, secondary.BATCH, 64):
        with batches_of(size):
            hidden = secondary.gauss_suppression(
                members, sizes, primary, atom_limit=atom_limit, threshold=5
            )
        one_at_a_time = one_at_a_time or hidden
        assert hidden == one_at_a_time
    assert sum(hidden) > sum(primary)  # secondary cells too


def test_the_overlap_matrix_counts_the_same_in_blocks_of_persons(monkeypatch):
    # Blocks of 3 persons over 50: the block edges fall inside the quantities' members.
    monkeypatch.setattr(secondary, "GRAM_BLOCK", 3)
    rng = random.Random(7)
    members = [rng.getrandbits(50) for _ in range(12)]
    expected = [[(a & b).bit_count() % secondary.P for b in members] for a in members]
    assert secondary.model_rows(members, atom_limit=0).tolist() == expected
