"""Secondary suppression: hide more cells so that no hidden small number can be worked out.

Pure: no Django (Polars and the standard library). The primary rule
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

The test is exact linear algebra modulo the prime P = 2**31 - 1, with rows
packed into Python ints (W bits a coordinate; the project has no NumPy). The
columns are the atoms; when there are more atoms than quantities the rows of the
Gram matrix X·D·Xᵀ (person overlaps, D the atom sizes) are used instead,
which have the same linear dependencies over the rationals. A dependency over
the rationals holds modulo P too unless P divides a denominator of its
coefficients (a minor of a 0/1 matrix), which we accept.

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

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from brukerplan.reports import suppression
from brukerplan.reports.tables import Count, Mean, Share, StdDev, Table, Total

P = 2**31 - 1  # the prime of the exact modular arithmetic
W = 64  # bits per coordinate in a packed row
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


def hidden_cells(
    tables: Mapping[str, Table], persons: pl.DataFrame, threshold: int
) -> frozenset[CellKey]:
    """(table id, row key, column key) of every cell to hide besides the primary rule."""
    revealed = Revealed()
    for table_id, table in tables.items():
        for row in table.rows:
            for column, cell in row.values.items():
                pairs = reveals(cell, threshold)
                if pairs is not None:
                    revealed.add((table_id, row.key, column), pairs)
    # Fast path: nothing small is revealed, so there is nothing to protect.
    if not any(
        _small(n, threshold) or forced
        for n, forced in zip(revealed.sizes, revealed.forced_primary, strict=True)
    ):
        return frozenset()
    hidden = hidden_quantities(revealed, persons, threshold)
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


def hidden_quantities(revealed: Revealed, persons: pl.DataFrame, threshold: int) -> list[bool]:
    """For every revealed (mask, size): whether its quantity is hidden (primary or secondary)."""
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
        problems = [ps for ps in by_table.values() if small & set(ps)]
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
        protect = [p or k in hidden_keys for p, k in zip(primary, quantities, strict=True)]
        if not any(protect):
            continue
        result = gauss_suppression(
            [k[0] for k in quantities], [k[1] for k in quantities], protect, primary, threshold
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
    expressions: list[pl.Expr] = []
    position: list[int] = []
    for mask in masks:
        key = mask.meta.serialize(format="json")
        if key not in distinct:
            distinct[key] = len(expressions)
            expressions.append(mask)
        position.append(distinct[key])
    bitsets = person_bitsets(person_frame(frame, expressions))
    return [bitsets[j] for j in position]


def person_frame(persons: pl.DataFrame, masks: list[pl.Expr]) -> pl.DataFrame:
    """Every mask evaluated on the persons in one `select`: Boolean columns q0, q1, ..."""
    frame = persons.select(
        [mask.cast(pl.Boolean).fill_null(False).alias(f"q{i}") for i, mask in enumerate(masks)]
    )
    if frame.height != persons.height:  # only literals: broadcast by hand
        frame = pl.DataFrame({c: [frame[c][0]] * persons.height for c in frame.columns})
    return frame


def person_bitsets(frame: pl.DataFrame) -> list[int]:
    """Each Boolean column as a Python int with bit i set for person (row) i."""
    if frame.height <= 4096:
        digits = bytes.maketrans(b"\x00\x01", b"01")
        return [
            int(bytes(frame[c].cast(pl.UInt8).to_list()).translate(digits)[::-1] or b"0", 2)
            for c in frame.columns
        ]
    # Larger frames: 64 persons a word, summed by Polars.
    weights = [1 << bit for bit in range(64)] * (frame.height // 64 + 1)
    words = (
        frame.with_columns(
            _word=pl.int_range(pl.len()) // 64,
            _bit=pl.Series(weights[: frame.height], dtype=pl.UInt64),
        )
        .group_by("_word", maintain_order=True)
        .agg([(pl.col(c).cast(pl.UInt64) * pl.col("_bit")).sum() for c in frame.columns])
        .sort("_word")
        .drop("_word")
    )
    return [
        int.from_bytes(struct.pack(f"<{words.height}Q", *words[c].to_list()), "little")
        for c in words.columns
    ]


def atoms_of(members: list[int], limit: int) -> list[int] | None:
    """The atoms (persons with the same memberships) as bitsets; None when more than `limit`."""
    everyone = 0
    for bits in members:
        everyone |= bits
    atoms = [everyone] if everyone else []
    for bits in members:
        refined = []
        for atom in atoms:
            inside = atom & bits
            if inside and inside != atom:
                refined += [inside, atom & ~bits]
            else:
                refined.append(atom)
        atoms = refined
        if len(atoms) > limit:
            return None
    return atoms


class Packed:
    """Vectors of d numbers mod P packed in one Python int, W bits a coordinate."""

    def __init__(self, d: int) -> None:
        self.ones = int.from_bytes(b"\x01\x00\x00\x00\x00\x00\x00\x00" * d, "little")
        self.low31 = self.ones * P
        self.low32 = self.ones * (2**32 - 1)
        self.three = self.ones * 3
        self.all_p = self.ones * P

    def pack(self, values: list[int]) -> int:
        return int.from_bytes(b"".join((v % P).to_bytes(8, "little") for v in values), "little")

    def reduce(self, x: int) -> int:
        """Each coordinate (< 2**63) to its residue in [0, P), using 2**31 = 1 mod P."""
        x = (x & self.low31) + ((x >> 31) & self.low32)
        x = (x & self.low31) + ((x >> 31) & self.three)
        return x - (((x + self.ones) >> 31) & self.ones) * P

    def minus(self, a: int, c: int, v: int) -> int:
        """a - c v (c in [1, P))."""
        return self.reduce(a + (P - c) * v)

    def negative(self, x: int) -> int:
        return self.reduce(self.all_p - x)

    @staticmethod
    def coordinate(x: int, k: int) -> int:
        return (x >> (W * k)) & (2**W - 1)


def model_rows(members: list[int], atom_limit: int) -> tuple[Packed, list[int]]:
    """Each quantity's row of X (over the atoms), or of the Gram matrix X D Xᵀ of person
    overlaps when there are more atoms than `atom_limit` (the same linear dependencies)."""
    q = len(members)
    atoms = atoms_of(members, min(atom_limit, q))
    if atoms is not None:
        field_ = Packed(len(atoms))
        return field_, [
            field_.pack([1 if atom & bits else 0 for atom in atoms]) for bits in members
        ]
    field_ = Packed(q)
    gram = [[0] * q for _ in range(q)]
    for i, a in enumerate(members):
        for j in range(i, q):
            gram[i][j] = gram[j][i] = (a & members[j]).bit_count()
    return field_, [field_.pack(row) for row in gram]


def gauss_suppression(
    members: list[int],
    sizes: list[int],
    protect: list[bool],
    primary: list[bool] | None = None,
    threshold: int = 5,
    atom_limit: int = 10**9,
) -> list[bool]:
    """Which quantities to hide: the protected ones and those the greedy pass refuses.

    `members`: each quantity's persons (bitsets). `protect`: hidden, and must not
    become computable. `primary` (default: `protect`): the small ones, whose disjoint
    pairs and nested differences are protected too.
    """
    primary = list(protect) if primary is None else primary
    q = len(members)
    field_, rows = model_rows(members, atom_limit)
    protected = [j for j in range(q) if protect[j]]
    small = [j for j in range(q) if primary[j]]
    unions: set[tuple[int, int]] = set()
    diffs: set[tuple[int, int]] = set()
    for a, i in enumerate(small):
        for j in small[a + 1 :]:
            x, y = members[i], members[j]
            if not x & y and sizes[i] + sizes[j] < threshold:
                unions.add((i, j))
                unions.add((j, i))
            elif x & y == y:
                diffs.add((i, j))
            elif x & y == x:
                diffs.add((j, i))
    hidden = list(protect)
    live = [j for j in range(q) if not protect[j]]
    order = sorted(live, key=lambda j: (-sizes[j], j))
    remaining = set(live)
    for candidate in order:
        remaining.discard(candidate)
        row = rows[candidate]
        if not row:
            continue  # already computable from what is published
        k = ((row & -row).bit_length() - 1) // W
        pivot = field_.reduce(row * pow(field_.coordinate(row, k), P - 2, P))
        trial = {}
        for j in protected:
            c = field_.coordinate(rows[j], k)
            trial[j] = field_.minus(rows[j], c, pivot) if c else rows[j]
        if _computable(trial, unions, diffs, field_):
            hidden[candidate] = True
            continue
        for j, value in trial.items():
            rows[j] = value
        for j in remaining:
            c = field_.coordinate(rows[j], k)
            if c:
                rows[j] = field_.minus(rows[j], c, pivot)
    return hidden


def _computable(
    trial: dict[int, int], unions: set[tuple[int, int]], diffs: set[tuple[int, int]], field_: Packed
) -> bool:
    """Whether a protected residual, union (sum) or nested difference is zero."""
    by_value: dict[int, list[int]] = {}
    for j, value in trial.items():
        if not value:
            return True
        by_value.setdefault(value, []).append(j)
    if diffs:
        for js in by_value.values():
            if any((i, j) in diffs for i in js for j in js):
                return True
    if unions:
        for j, value in trial.items():
            for i in by_value.get(field_.negative(value), ()):
                if (i, j) in unions:
                    return True
    return False
