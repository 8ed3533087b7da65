"""Secondary suppression: hide more cells so that no hidden small number can be worked out.

Pure: no Django (Polars, NumPy and the standard library). The primary rule
(`suppression.apply`) hides a cell on its own numbers. Published totals and
neighbours could then give a hidden number back: a category is its main group
minus the other categories, a colour is 100 % minus the other colours. In the
spirit of Statistics Norway's GaussSuppression, this module hides further cells
until no primary-hidden number is a linear function of the published ones.

The model.
  * A *quantity* is a set of persons of `Context.persons` whose size a cell
    reveals: a `Count` its `of`; a `Share` both `numerator_of` and
    `denominator_of` (an unrounded percentage and a known denominator give the
    numerator away, and the other way round); a `Mean`, `StdDev` or `Total` its
    `of` (its number of persons, treated as known even where the table does not
    print it). Quantities with the same persons (and size) are one quantity,
    hidden everywhere or nowhere, so tables cannot be played against each other.
  * Atoms are the classes of persons with the same membership in every
    quantity; X is quantities x atoms (0/1), the unknowns the atom sizes. A
    reader can compute a hidden size exactly when its row of X is in the row
    span of the published rows.

The test is exact linear algebra modulo the prime P = 2**31 - 1 on NumPy int64
arrays (products of two residues fit), and in float64 for the products of a batch of
pivots (`_times`: split so that every partial sum is an exact integer). The columns
are the atoms; when there are more atoms than quantities the rows of the Gram matrix
X·D·Xᵀ (person overlaps, D the atom sizes) are used instead, which have the same linear
dependencies over the rationals. A dependency over the rationals holds modulo P
too unless P divides a denominator of its coefficients (a minor of a 0/1
matrix), which we accept.

The greedy pass (GaussSuppression).
  * Primary quantities: sizes 1..threshold-1 (and the persons of a `Total`
    whose value is that small). They are hidden.
  * Protected: (a) every primary quantity; (b) the sum of two disjoint primary
    quantities whose sizes add up to less than the threshold (a hidden 1 and 3
    under a published total would give away a group of 4); (c) the difference
    of two nested primary quantities (the persons of one not in the other).
  * The other quantities are offered largest first (ties: order of first
    appearance): publish the big numbers, hide the small. Every quantity's
    residual against the published rows is kept up to date (reduced by each
    new pivot); a candidate whose residual is zero is already computable and is
    published; otherwise it is published unless it would make the residual of
    something protected zero, in which case it is hidden (secondary).
  * Problem size. Up to `JOINT_PERSONS` persons (municipalities; the property
    test) all tables are one problem. Above it the elimination over every
    quantity of the document (about 1,900) is too slow in pure Python, and each
    table with a small number is one problem of its own, in document order;
    quantities hidden by an earlier table are protected in the later ones, and
    a hidden quantity is hidden in every table that shows the same persons.

A cell is hidden when any quantity it reveals is hidden; `hidden_cells` returns
those the primary rule does not already hide. Means, standard deviations and
totals are hidden with their persons: every published mean is over a published
quantity, so the sum (or sum of squares) of a value over a primary group is no
more computable from the published means than its size is from the published
counts (the same rows of X, fewer of them).

What is guaranteed, for the cells in the model and scopes up to
`JOINT_PERSONS` persons: no primary-hidden size, no sum of two disjoint small
primary quantities below the threshold and no difference of two nested primary
quantities is a linear function of all published sizes of the document
(property-tested against an independent exact elimination). Above it, the same
holds within each table (and across tables for the same persons), but not for
combinations of different tables. Not guaranteed: bounds from non-negativity
other than case (b); sums of three or more hidden small quantities; the
difference of two large published quantities when that difference is a small
group no cell counts. Cells outside the model get the primary rule only: cells
without masks, and cells whose mask does not count the cell's number on
`persons` (tables over the minors, the previous year or comparison frames,
population figures; a small such cell is not protected by this module). Every
table over `Context.persons` must carry its masks (tested for the fixed tables).
When no cell reveals a small number, nothing is evaluated (fast path).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from brukerplan.reports import suppression
from brukerplan.reports.tables import Count, Mean, Share, StdDev, Table, Total

P = 2**31 - 1  # the prime of the exact modular arithmetic
# Up to this many persons all tables are one problem; above it, one problem per table.
JOINT_PERSONS = 100

CellKey = tuple[str, str, str]


@dataclass
class Revealed:
    """The quantities the cells of a document reveal: a mask and the size the cell states."""

    masks: list[pl.Expr] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    # True when a value over these persons is small (a `Total` of 1-4 children)
    forced_primary: list[bool] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    cells: dict[CellKey, list[int]] = field(default_factory=dict)

    def add(self, key: CellKey, pairs: list[tuple[pl.Expr, int, bool]]) -> None:
        first = len(self.masks)
        for mask, size, primary in pairs:
            self.tables.append(key[0])
            self.masks.append(mask)
            self.sizes.append(int(size))
            self.forced_primary.append(primary)
        self.cells[key] = list(range(first, len(self.masks)))


def reveals(cell: object, threshold: int) -> list[tuple[pl.Expr, int, bool]] | None:
    """(mask, size, small value) of each quantity a cell reveals; None when it lacks masks."""
    match cell:
        case Count(n, of):
            return None if of is None else [(of, n, False)]
        case Share(numerator, denominator, numerator_of, denominator_of):
            if numerator_of is None or denominator_of is None:
                return None
            return [(numerator_of, numerator, False), (denominator_of, denominator, False)]
        case Mean(_, n, of) | StdDev(_, n, of):
            return None if of is None else [(of, n, False)]
        case Total(value, n, of):
            return None if of is None else [(of, n, 0 < value < threshold)]
    return None


def _small(n: int, threshold: int) -> bool:
    return 0 < n < threshold


def revealed_by(tables: Mapping[str, Table], threshold: int) -> Revealed:
    """The quantities every cell of the tables reveals (cells without masks left out)."""
    revealed = Revealed()
    for table_id, table in tables.items():
        for row in table.rows:
            for column, cell in row.values.items():
                pairs = reveals(cell, threshold)
                if pairs is not None:
                    revealed.add((table_id, row.key, column), pairs)
    return revealed


def hidden_cells(
    tables: Mapping[str, Table],
    persons: pl.DataFrame,
    threshold: int,
    forced: frozenset[tuple[str, str, str, int]] = frozenset(),
) -> frozenset[CellKey]:
    """(table id, row key, column key) of every cell to hide besides the primary rule.

    `forced`: (table id, row key, column key, part) of quantities that must be hidden and
    stay uncomputable although they are not small (part: the index of the quantity among
    those the cell reveals, `reveals`: 0 a count or a share's numerator, 1 a share's
    denominator). The publication as a whole asks for them (`brukerplan.reports.linked`):
    another document would give a small number back if they were shown."""
    revealed = revealed_by(tables, threshold)
    forced_positions = {
        revealed.cells[key[:3]][key[3]]
        for key in forced
        if key[:3] in revealed.cells and key[3] < len(revealed.cells[key[:3]])
    }
    # Fast path: nothing small is revealed, so there is nothing to protect.
    if not forced_positions and not any(
        _small(n, threshold) or small
        for n, small in zip(revealed.sizes, revealed.forced_primary, strict=True)
    ):
        return frozenset()
    hidden = hidden_quantities(revealed, persons, threshold, forced_positions)
    for i in forced_positions:
        hidden[i] = True  # also where the mask is over another frame (out of the model)
    result = set()
    for table_id, table in tables.items():
        for row in table.rows:
            for column, cell in row.values.items():
                key = (table_id, row.key, column)
                if not any(hidden[i] for i in revealed.cells.get(key, ())):
                    continue
                if suppression.apply(cell, threshold) is not None:
                    result.add(key)
    return frozenset(result)


@dataclass
class Published:
    """A document's quantities as the whole publication sees them (`brukerplan.reports.linked`).

    A quantity is named by its table and its mask's serialised expression (a digest), the
    same in every scope, so the same quantity of a municipality, its county and the nation
    is one definition whose values add up. `values`: its size; `hidden`: "primary" (1 to
    threshold - 1) or "secondary" where every cell showing it is hidden; `parts`: the
    (table id, row key, column key, part) that reveal it, for `hidden_cells`' `forced`.
    Quantities of size 0 are left out: a zero is shown."""

    values: dict[str, int] = field(default_factory=dict)
    hidden: dict[str, str] = field(default_factory=dict)
    parts: dict[str, list[tuple[str, str, str, int]]] = field(default_factory=dict)


def published(tables: Mapping[str, Table], threshold: int, hidden: frozenset[CellKey]) -> Published:
    """The quantities of the tables with whether each is shown (`hidden`: as `hidden_cells`
    gave it, the primary rule's own cells are found here)."""
    revealed = revealed_by(tables, threshold)
    digests: dict[int, str] = {}
    found = Published()
    shown: set[str] = set()
    cells = {
        (table_id, row.key, column): cell
        for table_id, table in tables.items()
        for row in table.rows
        for column, cell in row.values.items()
    }
    for key, positions in revealed.cells.items():
        cell_hidden = key in hidden or suppression.apply(cells[key], threshold) is None
        for part, i in enumerate(positions):
            size = revealed.sizes[i]
            if size == 0:
                continue
            mask = revealed.masks[i]
            if id(mask) not in digests:
                text = mask.meta.serialize(format="json")
                digests[id(mask)] = hashlib.blake2b(text.encode(), digest_size=10).hexdigest()
            # By table too: a table over another frame (the previous year, the minors) can
            # count the same expression on other persons.
            name = f"{key[0]}:{digests[id(mask)]}"
            found.values[name] = size
            found.parts.setdefault(name, []).append((*key, part))
            if not cell_hidden:
                shown.add(name)
    for name, size in found.values.items():
        if name not in shown:
            found.hidden[name] = "primary" if _small(size, threshold) else "secondary"
    return found


def hidden_quantities(
    revealed: Revealed,
    persons: pl.DataFrame,
    threshold: int,
    forced: frozenset[int] | set[int] = frozenset(),
) -> list[bool]:
    """For every revealed (mask, size): whether its quantity is hidden (primary or secondary).

    `forced`: positions of quantities to hide and protect although they are not small."""
    count = len(revealed.masks)
    hidden = [False] * count
    if persons.height == 0 or count == 0:
        return hidden
    small = {
        i
        for i in range(count)
        if _small(revealed.sizes[i], threshold) or revealed.forced_primary[i]
    }
    if persons.height <= JOINT_PERSONS:
        problems = [list(range(count))]
    else:
        by_table: dict[str, list[int]] = {}
        for i, table_id in enumerate(revealed.tables):
            by_table.setdefault(table_id, []).append(i)
        problems = [ps for ps in by_table.values() if (small | set(forced)) & set(ps)]
    wanted = sorted({i for ps in problems for i in ps})
    bits = dict(zip(wanted, _evaluate(persons, [revealed.masks[i] for i in wanted]), strict=True))
    # A mask that does not count the cell's number is over another frame: out of the model.
    key = {
        i: (bits[i], revealed.sizes[i]) for i in wanted if bits[i].bit_count() == revealed.sizes[i]
    }
    hidden_keys: set[tuple[int, int]] = set()
    # The document prints the number of persons: every problem knows it.
    everyone = ((1 << persons.height) - 1, persons.height)
    for positions in problems:
        quantities = list(dict.fromkeys([everyone, *(key[i] for i in positions if i in key)]))
        index = {k: j for j, k in enumerate(quantities)}
        primary = [_small(k[1], threshold) for k in quantities]
        for i in positions:
            if i in key and revealed.forced_primary[i]:
                primary[index[key[i]]] = True
        wanted_hidden = hidden_keys | {key[i] for i in positions if i in forced and i in key}
        protect = [p or k in wanted_hidden for p, k in zip(primary, quantities, strict=True)]
        if not any(protect):
            continue
        result = gauss_suppression(
            [k[0] for k in quantities],
            [k[1] for k in quantities],
            protect,
            primary,
            threshold=threshold,
        )
        hidden_keys.update(k for k, h in zip(quantities, result, strict=True) if h)
    # The same persons are hidden in every table (found among the masks of the same size).
    sizes = {size for _, size in hidden_keys}
    others = [
        i for i in range(count) if i not in key and revealed.sizes[i] in sizes and i not in bits
    ]
    if others:
        for i, b in zip(
            others, _evaluate(persons, [revealed.masks[i] for i in others]), strict=True
        ):
            key[i] = (b, revealed.sizes[i])
    return [key.get(i) in hidden_keys for i in range(count)]


def _evaluate(frame: pl.DataFrame, masks: list[pl.Expr]) -> list[int]:
    """The bitsets of the masks on the frame, evaluating each distinct expression once."""
    distinct: dict[str, int] = {}
    # Tables share mask objects (about half of a municipality's 4,300): each is serialised once.
    by_object: dict[int, int] = {}
    expressions: list[pl.Expr] = []
    position: list[int] = []
    for mask in masks:
        if id(mask) not in by_object:
            key = mask.meta.serialize(format="json")
            if key not in distinct:
                distinct[key] = len(expressions)
                expressions.append(mask)
            by_object[id(mask)] = distinct[key]
        position.append(by_object[id(mask)])
    bitsets = person_bitsets(person_frame(frame, expressions))
    return [bitsets[j] for j in position]


def person_frame(persons: pl.DataFrame, masks: list[pl.Expr]) -> pl.DataFrame:
    """Every mask evaluated on the persons in one `select`: Boolean columns q0, q1, ..."""
    # Lazy: the optimiser evaluates the subexpressions the masks share once (about half
    # the time of an eager select over a municipality's 2,000 masks).
    # The cast and fill over all columns at once: per mask, the two expressions cost more to
    # build in Python than to evaluate (0.09 s of 0.27 s for a municipality's 2,000 masks).
    frame = (
        persons.lazy()
        .select([mask.alias(f"q{i}") for i, mask in enumerate(masks)])
        .select(pl.all().cast(pl.Boolean).fill_null(False))
        .collect()
    )
    if frame.height != persons.height:  # only literals: broadcast by hand
        frame = pl.DataFrame({c: [frame[c][0]] * persons.height for c in frame.columns})
    return frame


def person_bitsets(frame: pl.DataFrame) -> list[int]:
    """Each Boolean column as a Python int with bit i set for person (row) i."""
    if frame.width == 0:
        return []
    matrix = frame.to_numpy().astype(bool, copy=False)
    packed = np.packbits(matrix, axis=0, bitorder="little")
    return [int.from_bytes(packed[:, c].tobytes(), "little") for c in range(frame.width)]


def membership_matrix(members: list[int]) -> np.ndarray:
    """The bitsets as a Boolean matrix: one row per quantity, one column per person."""
    persons = max((bits.bit_length() for bits in members), default=0)
    width = (persons + 7) // 8
    raw = b"".join(bits.to_bytes(width, "little") for bits in members)
    matrix = np.frombuffer(raw, dtype=np.uint8).reshape(len(members), width)
    return np.unpackbits(matrix, axis=1, count=persons, bitorder="little").astype(bool)


def atom_matrix(members: list[int], limit: int) -> np.ndarray | None:
    """X: each quantity's row over the atoms (the distinct membership patterns of the
    persons in some quantity), 0/1; None when there are more than `limit` atoms."""
    matrix = membership_matrix(members)
    patterns = np.ascontiguousarray(np.packbits(matrix, axis=0, bitorder="little").T)
    patterns = patterns[patterns.any(axis=1)]
    if patterns.shape[0] == 0:
        return np.zeros((len(members), 0), dtype=np.int64)
    width = patterns.shape[1]
    # More atoms than quantities is common (the Gram matrix is used then), and told quicker by
    # a hash of each pattern: equal patterns hash alike, so more distinct hashes than `limit`
    # are more atoms than `limit`. Else the atoms are found exactly.
    weights = np.random.default_rng(width).integers(1, 2**62, size=width, dtype=np.uint64)
    if np.unique(patterns.astype(np.uint64) @ weights).size > limit:
        return None
    atoms = np.unique(patterns.view(np.dtype((np.void, width))).ravel())
    if len(atoms) > limit:
        return None
    rows = atoms.view(np.uint8).reshape(len(atoms), width)
    return np.unpackbits(rows, axis=1, count=len(members), bitorder="little").T.astype(np.int64)


GRAM_BLOCK = 8192  # persons per block of the Gram product


def model_rows(members: list[int], atom_limit: int) -> np.ndarray:
    """Each quantity's row of X (over the atoms), or of the Gram matrix X D Xᵀ of person
    overlaps when there are more atoms than `atom_limit` (the same linear dependencies)."""
    q = len(members)
    atoms = atom_matrix(members, min(atom_limit, q))
    if atoms is not None:
        return atoms
    # Overlap counts by a product in floating point (BLAS): sums of 0/1 are exact in
    # float64. A block of persons at a time, so that the float copy stays small however
    # many persons the frame holds (all at once it was 8 bytes per quantity and person).
    matrix = membership_matrix(members)
    gram = np.zeros((q, q), dtype=np.int64)
    for start in range(0, matrix.shape[1], GRAM_BLOCK):
        block = matrix[:, start : start + GRAM_BLOCK].astype(np.float64)
        gram += np.rint(block @ block.T).astype(np.int64)
    return gram % P


# Candidates offered as one batch (see `gauss_suppression`); at most 64, for `_times`.
BATCH = 32


def _times(coefficients: np.ndarray, pivots: np.ndarray) -> np.ndarray:
    """coefficients @ pivots mod P, exactly, for up to 64 pivots (entries in [0, P)).

    By BLAS in float64: with the coefficients split into 16-bit halves, every product is
    below 2**47 and a sum of 64 of them below 2**53, so every partial sum is an exact
    integer whatever the order of summation."""
    factors = pivots.astype(np.float64)
    low = ((coefficients & 0xFFFF).astype(np.float64) @ factors).astype(np.int64)
    high = ((coefficients >> 16).astype(np.float64) @ factors).astype(np.int64)
    return (high % P * 65536 + low) % P


def gauss_suppression(
    members: list[int],
    sizes: list[int],
    protect: list[bool],
    primary: list[bool] | None = None,
    *,
    threshold: int,
    atom_limit: int = 10**9,
) -> list[bool]:
    """Which quantities to hide: the protected ones and those the greedy pass refuses.

    `members`: each quantity's persons (bitsets). `protect`: hidden, and must not
    become computable. `primary` (default: `protect`): the small ones, whose disjoint
    pairs and nested differences are protected too. `threshold`: the small-number
    threshold (two small quantities that add up to less are protected as one); required,
    as everywhere in the pure core.

    The candidates are offered in batches (`BATCH`): the batch's rows and the protected ones
    are reduced by each pivot as it is published, the other rows by all of the batch's
    pivots at once after it. A row's residual is the one vector of its coset with zeros at
    every pivot column, however it was reduced, so every decision is the one of reducing
    every row by one pivot at a time.
    """
    primary = list(protect) if primary is None else primary
    q = len(members)
    rows = model_rows(members, atom_limit)
    protected = [j for j in range(q) if protect[j]]
    position = {j: p for p, j in enumerate(protected)}
    small = [j for j in range(q) if primary[j] and protect[j]]
    unions: list[tuple[int, int]] = []
    diffs: list[tuple[int, int]] = []
    for a, i in enumerate(small):
        for j in small[a + 1 :]:
            x, y = members[i], members[j]
            if (not x & y and sizes[i] + sizes[j] < threshold) or x & y in (x, y):
                (unions if not x & y else diffs).append((position[i], position[j]))
    guards = _Guards(rows.shape[1], unions, diffs)
    hidden = list(protect)
    order = sorted((j for j in range(q) if not protect[j]), key=lambda j: (-sizes[j], j))
    guarded = np.array(protected, dtype=np.int64)
    shielded = rows[guarded]  # the protected residuals, kept reduced
    hashes = guards.hashes(shielded)
    for start in range(0, len(order), BATCH):
        batch = order[start : start + BATCH]
        waiting = rows[batch]  # the batch's residuals, kept reduced within the batch
        # The batch's pivots, each kept reduced at the others' pivot columns (`columns`).
        block = np.empty((len(batch), rows.shape[1]), dtype=np.int64)
        columns: list[int] = []
        for i, candidate in enumerate(batch):
            row = waiting[i]
            nonzero = np.flatnonzero(row)
            if nonzero.size == 0:
                continue  # already computable from what is published
            k = int(nonzero[0])
            pivot = row * pow(int(row[k]), P - 2, P) % P
            factors = shielded[:, k]
            trial = (hashes - factors * guards.hashes(pivot[None, :])[0]) % P
            if guards.computable(trial, shielded, factors, pivot):
                hidden[candidate] = True
                continue
            hashes = trial
            shielded = (shielded - factors[:, None] * pivot) % P
            later = waiting[i + 1 :]
            waiting[i + 1 :] = (later - later[:, k, None] * pivot) % P
            t = len(columns)
            if t:
                block[:t] = (block[:t] - block[:t, k, None] * pivot) % P
            block[t] = pivot
            columns.append(k)
        rest = order[start + BATCH :]
        if columns and rest:
            t = len(columns)
            rows[rest] = (rows[rest] - _times(rows[np.ix_(rest, columns)], block[:t])) % P
    return hidden


class _Guards:
    """Whether a protected residual, a small disjoint sum or a nested difference becomes zero.

    Judged on random linear hashes mod P of the residuals (a zero row, equal rows or rows
    summing to zero have a zero, equal or opposite hash); every match is checked exactly.
    """

    def __init__(self, width: int, unions: list[tuple[int, int]], diffs: list[tuple[int, int]]):
        self.weights = np.random.default_rng(width).integers(1, P, size=width, dtype=np.int64)
        self.unions = np.array(unions, dtype=np.int64).reshape(-1, 2)
        self.diffs = np.array(diffs, dtype=np.int64).reshape(-1, 2)

    def hashes(self, rows: np.ndarray) -> np.ndarray:
        # lo < 2**16 and hi < 2**15 times weights < 2**31: partial sums stay below 2**63
        # for up to 2**16 columns.
        lo = (rows & 0xFFFF) @ self.weights % P
        hi = (rows >> 16) @ self.weights % P
        return (hi * 2**16 + lo) % P

    def computable(
        self, trial: np.ndarray, shielded: np.ndarray, factors: np.ndarray, pivot: np.ndarray
    ) -> bool:
        """`trial`: the hashes of the protected residuals `shielded` after `pivot` (the
        residual p becomes `shielded[p] - factors[p] * pivot`, computed where a hash
        matches)."""

        def residual(p: int) -> np.ndarray:
            return (shielded[p] - factors[p] * pivot) % P

        for p in np.flatnonzero(trial == 0).tolist():
            if not residual(p).any():
                return True
        if len(self.diffs):
            i, j = self.diffs[:, 0], self.diffs[:, 1]
            match = trial[i] == trial[j]
            for a, b in zip(i[match].tolist(), j[match].tolist(), strict=True):
                if np.array_equal(residual(a), residual(b)):
                    return True
        if len(self.unions):
            i, j = self.unions[:, 0], self.unions[:, 1]
            match = (trial[i] + trial[j]) % P == 0
            for a, b in zip(i[match].tolist(), j[match].tolist(), strict=True):
                if not ((residual(a) + residual(b)) % P).any():
                    return True
        return False
