"""Linked secondary suppression: a year's documents protected as one publication (issue 18).

Pure: the standard library, NumPy and SciPy (HiGHS through scipy.optimize), no Django.
`secondary.py` protects one document at a time; across documents a reader subtracts (a
county minus its other municipalities, a county minus one municipality, a document's
persons minus an "alle" total). This module takes the whole year as one system.

The model (the publication builder fills it in).
  * A cell is `CellId = (scope, definition)`: scope "municipality:4601" | "pool:46-sma" |
    "county:46" | "region:helse_vest" | "national", definition a tuple such as
    ("kategorier", "ikke_rop", "antall"). Every cell is a count of persons.
  * `Publication(values, hidden, relations)`: the true count of every cell (hidden or not;
    absent is 0), the reason of each cell hidden so far ("primary": 1 to threshold - 1;
    "secondary": threshold or more), and the linear equalities the published numbers obey,
    {cell: integer coefficient} summing to 0: within a document (a table's total is the sum
    of its rows, "alle" is rus + psykisk, the persons are the sum of the categories) and
    across documents (`geographic_relations`: a parent is the sum of its children). A cell
    named only in a relation is a published 0. Quantities that are the same persons are
    one cell. A pool not made (fewer persons than the threshold) leaves its county minus
    its municipalities as a small group: add it as a cell hidden "primary".
  * `protect(publication, threshold)` returns the cells to hide besides those hidden so far,
    {cell: "secondary"}; `audit(publication, threshold)` the primary cells not proven safe
    (an independent run of the proofs, no cell hidden); `intervals` the LP interval of every
    primary cell (exact LPs, for tests and small publications); `reference_intervals` what
    the reasons alone leave (below). Invalid input (a shown count from 1 to threshold - 1,
    a reason that does not fit its value, a relation the values do not satisfy) is a
    ValueError. The same input gives the same output.

What a reader knows, and the rule.
  The shown values, the relations, and of a hidden cell its reason: a primary cell is 1 to
  T - 1 (T the threshold), a secondary one T or more; zero is always shown, so a hidden
  cell is not 0. The rule: no hidden primary cell is pinned by linear algebra (its unit
  vector in the row space of the relations over the hidden cells), no determined sum of
  hidden cells is a small group, and linear programming over what the reader knows leaves
  every primary cell its whole interval [1, T - 1].

  The reasons alone narrow many cells, whatever is hidden: alle 2 = rus 1 + psykisk 1, all
  three primary, tells alle >= 2 and rus <= 3 (zero would be shown, and each part is at
  most 4). On bench/linked.py's synthetic year the reasons and the shown zeros narrow
  55 % of the primary cells so, and pin 4 % of them exactly (a primary total of 2 over two
  primary rows is 1 + 1). No suppression can mend that; only the spec can (not publishing
  which hidden cells are primary, or hiding zeros beside them). So `protect` aims at the
  widest interval a suppression can leave: the reference interval, which is the bounds
  propagated through the relations whose nonzero cells are all primary. It contains the
  LP interval with every nonzero cell hidden, the widest there is (hiding a shown cell of T
  or more only adds points to the reader's polytope), and where small enough (groups of up
  to BEST nonzero cells, REFINES LPs a call) it is lowered to that exact interval.
  `audit(..., whole=True)` also lists the cells whose reference interval is not whole.

How it is proven (both in `protect` and, from scratch, in `audit`).
  * A bound is proven by a witness: a point of the reader's polytope (the relations hold,
    every hidden cell within its reason, every shown cell at its value) with the primary
    cell at that bound. Points come from HiGHS and are checked again here (relations to
    TOLERANCE). Hiding a shown cell never removes a point, so a witness stays one however
    much more is hidden later: proofs only accumulate.
  * The points are found by LPs on blocks. The publication is one connected system (every
    definition links all scopes through the geographic sums, every table links a scope's
    definitions), too large for one LP per bound. Keeping the parents of cross-scope sums
    (county, region, nation cells) and the hubs (cells in more relations than the usual
    cell, such as a document's persons) at their values cuts it into connected components
    of about a table of a county (union-find over the relations, scipy.sparse.csgraph);
    a point found with some cells kept is a point of the whole polytope. Each block's LP
    asks its open bounds as goals, with goals that fit together first (covers: points of
    the relations among primary cells alone, the first reaching the upper bounds, the next
    the lower ones), then every open bound. Then again with the hubs moving (a county at a
    time), then with every parent moving (near the bounds still open), then one LP per
    bound left on a neighbourhood of its cell (up to FALLBACKS of them).
  * `protect` lets the LPs move shown nonzero cells too and hides the ones its points move:
    a moved shown cell costs about 1 per unit, slightly more the larger it is, a hidden one
    nothing, a zero can never move; so the points use cells already hidden before new ones,
    few before many, small before large; ties as HiGHS resolves them on columns in CellId
    order. Before the LPs, a cheap local pass hides, relation by relation, the smallest
    shown nonzero cell (then CellId order) that mends a relation hiding one cell only, or
    narrowing a primary cell below its reference by itself (else the sum's one cell of the
    other sign, the parent; else the smallest), to a fixed point.
  * Linear algebra: a random null vector of the relations restricted to a block's hidden
    cells (every other cell kept), exact modulo 2**61 - 1 (Gaussian elimination on Python
    integers), is nonzero at a cell that is free; blocks as above, then neighbourhoods of
    the cells left through every hidden cell. A null vector of a block is one of the whole
    system. Where none moves the cell, `protect` hides what an integer null vector found by
    LP (else MILP) on a neighbourhood needs.

What is proven, and what not.
  * For every primary cell `audit` does not list: (1) it is not pinned by linear algebra:
    exact modulo 2**61 - 1, wrong only if that prime divides a minor of the relation matrix
    (as in secondary.py), or by an exact integer null vector; (3) its LP interval is its
    reference interval (HiGHS's tolerance, points re-checked to 1e-6), hence as wide as any
    suppression can leave it, and whole wherever the reasons allow; (2) no sum of hidden
    cells the relations determine is a small group if it holds one of these cells with a
    whole upper bound: such a sum s of k cells (each at least 1, none secondary) would cap
    each at s - k + 1 <= T - 2. Other determined sums are ruled out only as far as they
    narrow some cell below its reference.
  * Not proven: the cells `audit` lists. The search has a reach (blocks, neighbourhoods of
    at most NEIGHBOURHOOD cells and 8 relations, FALLBACKS bounds a call): a witness beyond
    it is not found, and `protect` does not widen what it cannot prove. Such a cell may be
    narrowed, or safe with an unseen witness, or at a reference the exact best is below.
    The intervals are LP ones: a reader solving integer programs may narrow more where the
    polytope's vertices are not integral. Differences of hidden cells (a nested group of
    persons no cell counts) are not protected beyond what the relations given imply.
  * Small publications (the property test: a nation of 2-3 counties) are proven in full.
    bench/linked.py's synthetic national year (356 municipalities, about 600 definitions
    a scope, 201,718 cells, 58,542 primary): `protect` 25 s + `audit` 22 s on one core;
    96.1 % of the primary cells proven at their reference (42.5 % whole, of the 44.8 % the
    reasons allow); it hides half the shown nonzero cells (a quarter of all shown cells),
    most of them in small municipalities, where nearly every count is small.

Compared with Statistics Norway's GaussSuppression. Its Gaussian elimination publishes
candidates largest first and keeps each primary cell out of the row space, with singleton
and small-sum heuristics (SuppressLinkedTables runs it over linked tables as one block-
diagonal system). Its interval option (lpPackage, rangeMin, rangePercent) computes LP
intervals with hidden cells only known to be 0 or more, and suppresses more where they are
too narrow. A reader of BrukerPlan knows more: the reasons (primary 1 to T - 1, secondary T
or more) and that zero is shown. Intervals computed without them are too wide, so narrowing
such as the alle = rus + psykisk case above goes unseen; here every check uses them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csgraph

CellId = tuple[str, tuple[str, ...]]
PRIMARY = "primary"
SECONDARY = "secondary"

SHOWN, SMALL, LARGE = 0, 1, 2  # a cell's state: shown, hidden primary, hidden secondary
TOLERANCE = 1e-6  # on LP solutions (HiGHS's own feasibility tolerance is 1e-7)
RADII = (2, 3, 4, 6, 8)  # neighbourhoods (relations from the cell) of the LP fallback
NEIGHBOURHOOD = 4000  # cells of the LP fallback at most
RANK_BLOCK = 20000  # hidden cells of one exact elimination at most
BEST = 5000  # nonzero cells of a group whose exact best bounds are computed
REFINES = 100  # exact best bounds computed at most (an LP each)
BATCH = 4000  # cells per LP of the block pass (blocks are joined up to about this many)
ROUNDS = 8  # covers at most (see _covers)
NEAR = 2  # relations from the open bounds the later LPs of a batch reach
EXTRA_ROUNDS = 2  # LPs of a batch with every open bound as a goal, after the covers
FALLBACKS = 100  # bounds left to the LP on a neighbourhood of their cell, at most
GOAL = 1000.0  # LP cost of a unit short of a goal; above any release a unit needs


@dataclass
class Publication:
    """Every cell of a year's documents, which are hidden so far, and how they add up.

    `values`: the true count of every cell, hidden or not (absent: 0). `hidden`: the
    reason ("primary" | "secondary") of every cell hidden so far; every other cell is
    shown. `relations`: linear equalities, each {cell: integer coefficient} with
    sum(coefficient * value) == 0; a cell named only in a relation is a published 0.
    """

    values: dict[CellId, int]
    hidden: dict[CellId, str] = field(default_factory=dict)
    relations: list[dict[CellId, int]] = field(default_factory=list)


def geographic_relations(
    definitions_by_scope: Mapping[str, set[tuple]], children: Mapping[str, Sequence[str]]
) -> list[dict[CellId, int]]:
    """parent - sum(children) == 0 for every definition in the parent or in any child.

    `definitions_by_scope`: the definition keys each scope has a cell for (a missing one
    is a published 0); `children`: each parent scope's child scopes.
    """
    relations = []
    for parent in sorted(children):
        kids = list(dict.fromkeys(children[parent]))
        found = set(definitions_by_scope.get(parent, ()))
        for kid in kids:
            found |= set(definitions_by_scope.get(kid, ()))
        for definition in sorted(found):
            relation = {(parent, definition): 1}
            relation.update({(kid, definition): -1 for kid in kids})
            relations.append(relation)
    return relations


class _Model:
    """The publication as arrays: cells in CellId order, the relations as a sparse matrix."""

    def __init__(self, publication: Publication, threshold: int):
        if threshold < 2:
            raise ValueError(f"threshold {threshold}: must be at least 2")
        self.threshold = threshold
        named = set(publication.values) | set(publication.hidden)
        for relation in publication.relations:
            named.update(relation)
        self.cells: list[CellId] = sorted(named)
        self.index = {cell: i for i, cell in enumerate(self.cells)}
        values = publication.values
        self.value = np.array([values.get(c, 0) for c in self.cells], dtype=np.int64)
        self.state = np.zeros(len(self.cells), dtype=np.int8)
        for cell, reason in publication.hidden.items():
            if reason not in (PRIMARY, SECONDARY):
                raise ValueError(f"{cell}: reason {reason!r} is neither primary nor secondary")
            self.state[self.index[cell]] = SMALL if reason == PRIMARY else LARGE
        v, s = self.value, self.state
        small = (v > 0) & (v < threshold)
        for bad, what in (
            (v < 0, "is negative"),
            ((s == SHOWN) & small, "shows a small count (hide it as primary)"),
            ((s == SMALL) & ~small, "is primary but not from 1 to threshold - 1"),
            ((s == LARGE) & (v < threshold), "is secondary but below the threshold"),
        ):
            if bad.any():
                raise ValueError(f"{self.cells[int(np.flatnonzero(bad)[0])]} {what}")
        rows, cols, coefs = [], [], []
        count = 0
        for relation in publication.relations:
            terms = [(self.index[c], k) for c, k in relation.items() if k]
            if not terms:
                continue
            for j, k in terms:
                if int(k) != k:
                    raise ValueError(f"relation {count}: coefficient {k!r} is not an integer")
                rows.append(count)
                cols.append(j)
                coefs.append(int(k))
            count += 1
        self.A = sparse.csr_matrix(
            (np.array(coefs, dtype=np.int64), (np.array(rows, dtype=np.int64), cols)),
            shape=(count, len(self.cells)),
        )
        self.A.sum_duplicates()
        self.A.eliminate_zeros()
        self.A.sort_indices()
        residual = self.A @ self.value
        if residual.any():
            bad = int(np.flatnonzero(residual)[0])
            raise ValueError(f"relation {bad} does not hold for the values")
        self.At = self.A.T.tocsr()
        scopes = sorted({c[0] for c in self.cells})
        definitions = sorted({c[1] for c in self.cells})
        scope_id = {s: i for i, s in enumerate(scopes)}
        definition_id = {d: i for i, d in enumerate(definitions)}
        self.scopes, self.definitions = scopes, definitions
        self.scope_of = np.array([scope_id[c[0]] for c in self.cells], dtype=np.int64)
        self.definition_of = np.array([definition_id[c[1]] for c in self.cells], dtype=np.int64)
        # The cell of each (scope, definition), -1 where there is none (a published 0).
        self.grid = np.full((len(scopes), len(definitions)), -1, dtype=np.int64)
        self.grid[self.scope_of, self.definition_of] = np.arange(len(self.cells))

    def bounds(
        self, state: np.ndarray, cells: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """What a reader knows of each cell (of `cells`, default all): its value when shown,
        else its reason's range."""
        if cells is None:
            lo = self.value.astype(np.float64)
            s = state
        else:
            lo = self.value[cells].astype(np.float64)
            s = state[cells]
        hi = lo.copy()
        lo[s == SMALL], hi[s == SMALL] = 1, self.threshold - 1
        lo[s == LARGE], hi[s == LARGE] = self.threshold, np.inf
        return lo, hi

    def row(self, r: int) -> tuple[np.ndarray, np.ndarray]:
        start, stop = self.A.indptr[r], self.A.indptr[r + 1]
        return self.A.indices[start:stop], self.A.data[start:stop]

    def relations_of(self, cells: np.ndarray) -> np.ndarray:
        """The relations that name any of the cells."""
        return np.unique(self.At[cells].indices)

    def cells_of(self, relations: np.ndarray) -> np.ndarray:
        """The cells the relations name."""
        return np.unique(self.A[relations].indices)


# --- bounds propagation ---------------------------------------------------------------


def _propagated(
    coef: np.ndarray, lo: np.ndarray, hi: np.ndarray, row: np.ndarray, rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per entry of a relation: the interval the relation alone leaves its cell, given the
    bounds (`lo`, `hi`) of the entry's cell and of every other cell of its relation (`row`)."""
    low_term = np.where(coef > 0, coef * lo, coef * hi)
    high_term = np.where(coef > 0, coef * hi, coef * lo)
    rest = []
    for term, infinity in ((low_term, -np.inf), (high_term, np.inf)):
        infinite = np.isinf(term)
        finite = np.where(infinite, 0.0, term)
        total = np.bincount(row, finite, minlength=rows)[row] - finite
        others = np.bincount(row, infinite, minlength=rows)[row] - infinite
        rest.append(np.where(others > 0.5, infinity, total))
    rest_low, rest_high = rest
    with np.errstate(invalid="ignore"):
        lower = np.where(coef > 0, -rest_high / coef, -rest_low / coef)
        upper = np.where(coef > 0, -rest_low / coef, -rest_high / coef)
    return lower, upper


def _fbbt(
    A: sparse.csr_matrix, lo: np.ndarray, hi: np.ndarray, iterations: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds propagated through the relations A x = 0 to a fixed point: outer bounds of
    every cell over the polytope (each step keeps every point of it)."""
    A = A.tocsr()
    rows = A.shape[0]
    lo, hi = lo.astype(np.float64), hi.astype(np.float64)
    if rows == 0:
        return lo, hi
    row = np.repeat(np.arange(rows), np.diff(A.indptr))
    col = A.indices
    coef = A.data.astype(np.float64)
    order = np.argsort(col, kind="stable")
    starts = np.flatnonzero(np.r_[True, col[order][1:] != col[order][:-1]])
    present = col[order][starts]
    for _ in range(iterations):
        lower, upper = _propagated(coef, lo[col], hi[col], row, rows)
        new_lo = np.maximum(lo[present], np.maximum.reduceat(lower[order], starts))
        new_hi = np.minimum(hi[present], np.minimum.reduceat(upper[order], starts))
        moved = np.any(new_lo > lo[present] + 1e-9) or np.any(new_hi < hi[present] - 1e-9)
        lo[present], hi[present] = new_lo, new_hi
        if not moved:
            break
    return lo, hi


def _primary_only(model: _Model, state: np.ndarray) -> np.ndarray:
    """The relations whose every nonzero cell is a hidden primary one (and has one)."""
    A = model.A
    row = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    col = A.indices
    other = (model.value[col] > 0) & (state[col] != SMALL)
    small = state[col] == SMALL
    rows = A.shape[0]
    keep = (np.bincount(row, other, minlength=rows) == 0) & (
        np.bincount(row, small, minlength=rows) > 0
    )
    return np.flatnonzero(keep)


def _reference(model: _Model) -> tuple[np.ndarray, np.ndarray]:
    """Outer bounds of the widest interval any suppression can leave each primary cell:
    propagation through the relations whose nonzero cells are all primary. Those relations
    hold whatever else is hidden, and nothing a reader may use is dropped but other
    relations, so the bounds contain the interval with every nonzero cell hidden."""
    lo, hi = model.bounds(model.state)
    return _fbbt(model.A[_primary_only(model, model.state)], lo, hi)


# --- the LP fallback --------------------------------------------------------------------


def _lp_witness(
    model: _Model,
    state: np.ndarray,
    cell: int,
    goal: float,
    release: bool,
    bounded: bool = True,
    radii: Sequence[int] = RADII,
) -> tuple[np.ndarray, np.ndarray] | None:
    """A point of the publication with `cell` at `goal`, found by LP on a neighbourhood of
    the cell (every other cell keeps its value): (cells, changes) or None. With `release`,
    shown nonzero cells of the neighbourhood may move, at a cost (they are to be hidden).
    Without `bounded`, only the relations count, and the point must be an integer one (an
    LP vertex, else a MILP), so that the null vector it gives is exact."""
    value = model.value.astype(np.float64)
    allowed = (model.value > 0) if release else (state != SHOWN)
    size = 0
    for radius in radii:
        near = _around(model, np.array([cell]), allowed, radius)
        if len(near) == size or len(near) > NEIGHBOURHOOD:
            break  # nothing more within reach, or too much for one LP
        size = len(near)
        hidden = near[state[near] != SHOWN]
        shown = near[state[near] == SHOWN]
        rows = model.relations_of(near)
        sub = model.A[rows]
        M = sparse.hstack([sub[:, hidden], sub[:, shown], -sub[:, shown]]).tocsr()
        b = (sub[:, hidden] @ model.value[hidden]).astype(np.float64)
        n, k = len(hidden), len(shown)
        if bounded:
            x_lo, x_hi = model.bounds(state, hidden)
        else:
            x_lo, x_hi = np.full(n, -np.inf), np.full(n, np.inf)
        at = int(np.searchsorted(hidden, cell))
        x_lo[at] = x_hi[at] = goal
        down = value[shown] - model.threshold if bounded else np.full(k, np.inf)
        lower = np.r_[x_lo, np.zeros(2 * k)]
        upper = np.r_[x_hi, np.full(k, np.inf), down]
        # Fewest shown cells first, small ones before large (a change of one costs about 1).
        weight = 1 + np.log1p(value[shown]) / 100
        cost = np.r_[np.zeros(n), weight, weight]
        result = linprog(
            cost, A_eq=M, b_eq=b, bounds=np.column_stack([lower, upper]), method="highs"
        )
        if result.status != 0:
            continue
        x = np.round(result.x)
        if not _holds(M, b, x, lower, upper):
            if bounded:
                # An LP point proves an LP bound: checked again here, not trusted.
                x = result.x
                if np.abs(M @ x - b).max(initial=0) > TOLERANCE:
                    continue
            else:
                # A null vector must be exact: an integer one, by MILP.
                result = milp(
                    cost,
                    constraints=LinearConstraint(M, b, b),
                    integrality=np.ones(len(cost)),
                    bounds=Bounds(lower, upper),
                )
                if result.status != 0:
                    continue
                x = np.round(result.x)
                if not _holds(M, b, x, lower, upper):
                    continue
        change = np.r_[x[:n] - value[hidden], x[n : n + k] - x[n + k :]]
        cells = np.r_[hidden, shown]
        moved = np.abs(change) > 1e-9
        return cells[moved], change[moved]
    return None


def _holds(M: sparse.csr_matrix, b: np.ndarray, x: np.ndarray, lower, upper) -> bool:
    """Whether the integer point x solves M x = b exactly within the bounds."""
    if np.any(x < lower) or np.any(x > upper):
        return False
    exact = M.astype(np.int64) @ x.astype(np.int64)
    return bool(np.array_equal(exact, b.astype(np.int64)))


# --- the local pass ---------------------------------------------------------------------


def _local_problems(
    model: _Model, state: np.ndarray, ref_lo: np.ndarray, ref_hi: np.ndarray
) -> np.ndarray:
    """The relations that hide one cell only, or that alone narrow a primary cell below its
    reference interval (with every other cell of theirs shown or within its reason)."""
    A = model.A
    rows = A.shape[0]
    row = np.repeat(np.arange(rows), np.diff(A.indptr))
    col = A.indices
    lo, hi = model.bounds(state)
    lower, upper = _propagated(A.data.astype(np.float64), lo[col], hi[col], row, rows)
    narrowed = (state[col] == SMALL) & (
        (lower > ref_lo[col] + TOLERANCE) | (upper < ref_hi[col] - TOLERANCE)
    )
    bad = np.bincount(row[narrowed], minlength=rows) > 0
    bad |= np.bincount(row, state[col] != SHOWN, minlength=rows) == 1
    return np.flatnonzero(bad)


def _relation_bad(
    model: _Model, state: np.ndarray, r: int, ref_lo: np.ndarray, ref_hi: np.ndarray
) -> bool:
    """`_local_problems` for one relation."""
    cols, coefs = model.row(r)
    st = state[cols]
    if np.count_nonzero(st) == 1:
        return True
    lo, hi = model.bounds(state, cols)
    lower, upper = _propagated(
        coefs.astype(np.float64), lo, hi, np.zeros(len(cols), dtype=np.int64), 1
    )
    small = st == SMALL
    return bool(
        np.any(small & ((lower > ref_lo[cols] + TOLERANCE) | (upper < ref_hi[cols] - TOLERANCE)))
    )


def _local_pass(model: _Model, state: np.ndarray, ref_lo: np.ndarray, ref_hi: np.ndarray) -> None:
    """Hides, relation by relation, the cheapest shown nonzero cell that mends a relation
    with one hidden cell only or that narrows a primary one by itself (smallest value first;
    if none mends it alone, its sum's one cell of the other sign, else the cheapest), until
    no relation has such a problem or none has a cell left to hide. Cheap, and it leaves the
    LP passes much less to do."""
    stuck: set[int] = set()
    while True:
        problems = _local_problems(model, state, ref_lo, ref_hi).tolist()
        flagged = [r for r in problems if r not in stuck]
        if not flagged:
            return
        for r in flagged:
            while _relation_bad(model, state, r, ref_lo, ref_hi):
                cols, coefs = model.row(r)
                shown = (state[cols] == SHOWN) & (model.value[cols] > 0)
                candidates = sorted(cols[shown].tolist(), key=lambda j: (model.value[j], j))
                if not candidates:
                    stuck.add(r)
                    break
                chosen = None
                for j in candidates:
                    state[j] = LARGE
                    mended = not _relation_bad(model, state, r, ref_lo, ref_hi)
                    state[j] = SHOWN
                    if mended:
                        chosen = j
                        break
                if chosen is None:
                    positive = coefs > 0
                    for side in (positive, ~positive):
                        if side.sum() == 1 and shown[side][0]:
                            chosen = int(cols[side][0])
                    if chosen is None:
                        chosen = candidates[0]
                state[chosen] = LARGE


# --- blocks -----------------------------------------------------------------------------


def _levels(model: _Model) -> tuple[np.ndarray, np.ndarray]:
    """(kept, height) of every cell. `kept`: zeros and hubs (cells in more relations than
    the usual cell and one, such as a document's number of persons). `height`: 0 for a cell
    that is no parent; a parent is the one cell of its sign in a relation of three or more
    cells over two or more scopes (a county's count, of its municipalities'), one higher
    than its highest child. Keeping the hubs and the parents from some height on cuts the
    publication into small blocks (a table of a county each, at height 1)."""
    A = model.A
    rows = A.shape[0]
    row = np.repeat(np.arange(rows), np.diff(A.indptr))
    col = A.indices
    positive = A.data > 0
    scope = model.scope_of[col]
    low = np.full(rows, np.iinfo(np.int64).max)
    high = np.full(rows, -1)
    np.minimum.at(low, row, scope)
    np.maximum.at(high, row, scope)
    size = np.diff(A.indptr)
    plus = np.bincount(row, positive, minlength=rows)
    minus = np.bincount(row, ~positive, minlength=rows)
    lone = np.where(positive, plus[row] == 1, minus[row] == 1)
    summing = (low != high) & (size >= 3) & (np.bincount(row, lone, minlength=rows) == 1)
    is_parent = lone & summing[row]
    parent_of_row = np.full(rows, -1)
    parent_of_row[row[is_parent]] = col[is_parent]
    child = summing[row] & ~is_parent
    height = np.zeros(len(model.cells), dtype=np.int64)
    for _ in range(len(model.scopes)):
        below = np.full(rows, -1)
        np.maximum.at(below, row[child], height[col[child]])
        raised = height.copy()
        np.maximum.at(raised, parent_of_row[summing], below[summing] + 1)
        if np.array_equal(raised, height):
            break
        height = raised
    degree = np.diff(model.At.indptr)
    nonzero = model.value > 0
    usual = np.median(degree[nonzero]) if nonzero.any() else 0
    return ~nonzero | (degree > usual + 1), height


def _components(model: _Model, cells: np.ndarray) -> list[np.ndarray]:
    """The cells in groups linked by relations (through these cells only), in cell order."""
    if len(cells) == 0:
        return []
    sub = model.A[:, cells]
    graph = sparse.bmat([[None, sub.T], [sub, None]]).tocsr()
    _, label = csgraph.connected_components(graph, directed=False)
    label = label[: len(cells)]
    order = np.argsort(label, kind="stable")
    cuts = np.flatnonzero(np.diff(label[order])) + 1
    groups = np.split(cells[order], cuts)
    return sorted(groups, key=lambda g: int(g[0]))


def _batches(groups: list[np.ndarray], size: int) -> list[np.ndarray]:
    """Consecutive groups joined up to about `size` cells (fewer LPs, each still small)."""
    out: list[list[np.ndarray]] = []
    total = 0
    for group in groups:
        if not out or total + len(group) > size:
            out.append([])
            total = 0
        out[-1].append(group)
        total += len(group)
    return [np.concatenate(g) for g in out]


# --- LP points --------------------------------------------------------------------------


def _point(
    model: _Model,
    state: np.ndarray,
    cells: np.ndarray,
    up: np.ndarray,
    down: np.ndarray,
    goal_lo: np.ndarray,
    goal_hi: np.ndarray,
    release: bool,
) -> tuple[np.ndarray, np.ndarray] | None:
    """A point of the publication in which only `cells` move, as near the goals as it gets:
    the cells marked `up` toward `goal_hi`, `down` toward `goal_lo`.
    With `release`, shown nonzero cells among `cells` may move at a cost (fewest first, small
    before large): they are to be hidden. Returns (cells, values) of the moved cells."""
    value = model.value.astype(np.float64)
    hidden = cells[state[cells] != SHOWN]
    if release:
        shown = cells[(state[cells] == SHOWN) & (model.value[cells] > 0)]
    else:
        shown = np.zeros(0, dtype=np.int64)
    n, k = len(hidden), len(shown)
    rows = model.relations_of(np.r_[hidden, shown])
    sub = model.A[rows]
    M_h, M_s = sub[:, hidden], sub[:, shown]
    M = sparse.hstack([M_h, M_s, -M_s]).tocsr()
    b = (M_h @ model.value[hidden]).astype(np.float64)
    x_lo, x_hi = model.bounds(state, hidden)
    u, d = up[hidden], down[hidden] & ~up[hidden]
    x_hi[u] = np.minimum(x_hi[u], goal_hi[hidden][u])
    x_lo[d] = np.maximum(x_lo[d], goal_lo[hidden][d])
    weight = 1 + np.log1p(value[shown]) / 100
    cost = np.r_[np.where(u, -GOAL, np.where(d, GOAL, 0.0)), weight, weight]
    lower = np.r_[x_lo, np.zeros(2 * k)]
    upper = np.r_[x_hi, np.full(k, np.inf), value[shown] - model.threshold]
    # Presolve takes longer than it saves once shown cells may move (measured: twice as long).
    result = linprog(
        cost,
        A_eq=M,
        b_eq=b,
        bounds=np.column_stack([lower, upper]),
        method="highs",
        options={"presolve": not release},
    )
    if result.status != 0:
        return None
    x = result.x
    new = np.r_[x[:n], value[shown] + x[n : n + k] - x[n + k :]]
    moved = np.r_[hidden, shown]
    # The point checked again here, not trusted from the solver.
    change = new - value[moved]
    if np.abs(sub[:, moved] @ change).max(initial=0) > TOLERANCE:
        return None
    return moved, new


# --- exact rank -------------------------------------------------------------------------

PRIME = 2**61 - 1  # of the modular elimination


def _free(model: _Model, cells: np.ndarray, seed: int = 0) -> np.ndarray:
    """For each of the hidden `cells`: whether linear algebra leaves it free when only these
    cells move (every other cell kept): a random null vector of the relations restricted to
    them, exactly mod PRIME, is nonzero there. A free cell is free in the whole publication
    (the vector, zero elsewhere, solves every relation); a determined one may not be."""
    n = len(cells)
    if n == 0:
        return np.zeros(0, dtype=bool)
    rows = model.relations_of(cells)
    sub = model.A[rows][:, cells].tocsr()
    uses = np.diff(sub.tocsc().indptr)  # pivot on rarely used columns: little fill-in
    pivots: dict[int, dict[int, int]] = {}
    rank: dict[int, int] = {}
    for r in range(sub.shape[0]):
        start, stop = sub.indptr[r], sub.indptr[r + 1]
        cols, coefs = sub.indices[start:stop].tolist(), sub.data[start:stop].tolist()
        row = {int(c): int(v) % PRIME for c, v in zip(cols, coefs, strict=True)}
        # Reduce by the pivots in the order they were made: a pivot's row holds no column of
        # an earlier pivot, so none comes back.
        pending = sorted((rank[c], c) for c in row if c in pivots)
        while pending:
            _, c = pending.pop(0)
            factor = row.get(c)
            if not factor:
                continue
            for cc, vv in pivots[c].items():
                w = (row.get(cc, 0) - factor * vv) % PRIME
                if w:
                    if cc not in row and cc in pivots:
                        pending.append((rank[cc], cc))
                        pending.sort()
                    row[cc] = w
                else:
                    row.pop(cc, None)
        if row:
            c = min(row, key=lambda j: (uses[j], j))
            inverse = pow(row[c], PRIME - 2, PRIME)
            pivots[c] = {j: w * inverse % PRIME for j, w in row.items()}
            rank[c] = len(rank)
    generator = np.random.default_rng(seed)
    x = {j: int(generator.integers(1, 2**61 - 2)) for j in range(n) if j not in pivots}
    for c in sorted(pivots, key=lambda j: -rank[j]):
        total = sum(w * x[j] for j, w in pivots[c].items() if j != c)
        x[c] = -total % PRIME
    return np.array([x[j] != 0 for j in range(n)], dtype=bool)


# --- proofs -----------------------------------------------------------------------------


class _Proofs:
    """Which bounds of the primary cells are proven reached, and which cells proven free."""

    def __init__(self, model: _Model, ref_lo: np.ndarray, ref_hi: np.ndarray):
        self.model = model
        self.ref_lo, self.ref_hi = ref_lo, ref_hi
        v = model.value.astype(np.float64)
        self.primary = model.state == SMALL
        self.high = ~self.primary | (v >= ref_hi - TOLERANCE)
        self.low = ~self.primary | (v <= ref_lo + TOLERANCE)
        self.free = ~self.primary

    def targets(self) -> list[tuple[int, float]]:
        """(cell, goal) of every bound still to prove, in cell order, the upper one first."""
        out = []
        for p in np.flatnonzero(self.primary & ~(self.high & self.low)).tolist():
            if not self.high[p]:
                out.append((p, float(self.ref_hi[p])))
            if not self.low[p]:
                out.append((p, float(self.ref_lo[p])))
        return out

    def proven(self, cell: int, goal: float) -> bool:
        return bool(self.high[cell] if goal > self.model.value[cell] else self.low[cell])

    def record(self, cells: np.ndarray, values: np.ndarray) -> int:
        """Takes a point of the publication (the new values of the cells it moves); returns
        how many bounds it proves that were not proven."""
        before = int(self.high.sum() + self.low.sum())
        self.high[cells] |= values >= self.ref_hi[cells] - TOLERANCE
        self.low[cells] |= values <= self.ref_lo[cells] + TOLERANCE
        return int(self.high.sum() + self.low.sum()) - before

    @property
    def unproven(self) -> np.ndarray:
        return self.primary & ~(self.high & self.low & self.free)


def _hide(model: _Model, state: np.ndarray, cells: np.ndarray, values: np.ndarray) -> None:
    """Hides (as secondary) the shown cells a point moves."""
    moved = cells[(np.abs(values - model.value[cells]) > 1e-9) & (state[cells] == SHOWN)]
    state[moved] = LARGE


def _covers(model: _Model, proofs: _Proofs) -> list[tuple[np.ndarray, np.ndarray]]:
    """Goals that fit together: points of the relations among primary cells alone (the
    reference's own system), each reaching many reference bounds (the first the upper ones,
    the next the lower ones, and so on); (up, down) masks of the bounds each one reaches.
    Goals from one cover do not fight each other in an LP, which would leave most short."""
    rows = _primary_only(model, model.state)
    sub = model.A[rows]
    cells = np.flatnonzero(np.diff(sub.tocsc().indptr) > 0)
    cells = cells[model.state[cells] == SMALL]
    covers = []
    high, low = proofs.high.copy(), proofs.low.copy()
    alone = proofs.primary.copy()
    alone[cells] = False  # in no such relation: any goal fits
    if len(cells):
        M = sub[:, cells]
        b = (M @ model.value[cells]).astype(np.float64)
        lo, hi = model.bounds(model.state, cells)
        for k in range(ROUNDS):
            h, w = ~high[cells], ~low[cells]
            if not (h.any() or w.any()):
                break
            first, then = (h, w) if k % 2 == 0 else (w, h)
            sign = -1.0 if k % 2 == 0 else 1.0
            cost = np.where(first, sign, np.where(then, -sign, 0.0))
            result = linprog(cost, A_eq=M, b_eq=b, bounds=np.column_stack([lo, hi]), method="highs")
            if result.status != 0:
                break
            up = np.zeros(len(model.cells), dtype=bool)
            down = np.zeros(len(model.cells), dtype=bool)
            up[cells] = h & (result.x >= proofs.ref_hi[cells] - TOLERANCE)
            down[cells] = w & (result.x <= proofs.ref_lo[cells] + TOLERANCE)
            if not (up.any() or down.any()):
                break
            high |= up
            low |= down
            covers.append((up, down))
    while len(covers) < 2:
        covers.append((np.zeros(len(model.cells), dtype=bool),) * 2)
    # The primary cells in no relation of primary cells alone: up first, then down.
    covers[0] = (covers[0][0] | (alone & ~proofs.high), covers[0][1])
    covers[1] = (covers[1][0], covers[1][1] | (alone & ~proofs.low))
    return covers


def _around(model: _Model, seeds: np.ndarray, allowed: np.ndarray, radius: int) -> np.ndarray:
    """The allowed cells reached from the seeds through at most `radius` relations."""
    seen = np.zeros(len(model.cells), dtype=bool)
    seen[seeds] = True
    frontier = seeds
    for _ in range(radius):
        near = model.cells_of(model.relations_of(frontier))
        frontier = near[allowed[near] & ~seen[near]]
        if len(frontier) == 0:
            break
        seen[frontier] = True
    return np.flatnonzero(seen & allowed)


def _bounds_pass(model: _Model, state: np.ndarray, proofs: _Proofs, release: bool) -> None:
    """Proves the reference bounds by LP points on blocks of cells, round after round: first
    with every hub and parent kept at its value (blocks of a table of a county), then with
    the hubs moving too (a county), then everything (near the bounds still open); then each
    bound left by an LP on a neighbourhood of its cell."""
    kept, height = _levels(model)
    covers = _covers(model, proofs)
    nonzero = model.value > 0
    passes = [~kept & (height == 0), nonzero & (height == 0), ~kept]
    for step, allowed in enumerate(passes):
        todo = proofs.primary & ~(proofs.high & proofs.low)
        if not todo.any():
            break
        blocks = [g for g in _components(model, np.flatnonzero(allowed)) if todo[g].any()]
        if step > 0:  # larger blocks: only near the open bounds
            blocks = [_around(model, g[todo[g]], allowed, NEAR) for g in blocks]
        for batch in _batches(blocks, BATCH):
            _rounds(model, state, proofs, batch, allowed, covers, release)
    _fallback(model, state, proofs, release)
    if _refine(model, proofs):
        _fallback(model, state, proofs, release)


def _fallback(model: _Model, state: np.ndarray, proofs: _Proofs, release: bool) -> None:
    """Each bound still open (the first FALLBACKS) by an LP on a neighbourhood of its cell."""
    for cell, goal in proofs.targets()[:FALLBACKS]:
        if proofs.proven(cell, goal):
            continue
        found = _lp_witness(model, state, cell, goal, release)
        if found is not None:
            cells, change = found
            values = model.value[cells] + change
            if release:
                _hide(model, state, cells, values)
            proofs.record(cells, values)


def _refine(model: _Model, proofs: _Proofs) -> bool:
    """Lowers the reference bounds still open to the exact best ones where that is cheap:
    for the cells whose group of nonzero cells (linked by relations) has at most BEST cells,
    an LP with every nonzero cell hidden (what the reasons alone leave). Returns whether any
    bound changed."""
    todo = proofs.primary & ~(proofs.high & proofs.low)
    if not todo.any():
        return False
    changed = False
    budget = REFINES
    every = np.where(model.value > 0, LARGE, SHOWN).astype(np.int8)
    every[model.state == SMALL] = SMALL
    for group in _components(model, np.flatnonzero(model.value > 0)):
        if len(group) > BEST or not todo[group].any():
            continue
        for cell in group[todo[group]].tolist():
            for side in ("high", "low"):
                if getattr(proofs, side)[cell] or budget == 0:
                    continue
                budget -= 1
                best = _extreme(model, every, group, cell, maximum=side == "high")
                if best is None:
                    continue
                if side == "high" and best < proofs.ref_hi[cell] - TOLERANCE:
                    proofs.ref_hi[cell] = best
                    proofs.high[cell] = model.value[cell] >= best - TOLERANCE
                    changed = True
                if side == "low" and best > proofs.ref_lo[cell] + TOLERANCE:
                    proofs.ref_lo[cell] = best
                    proofs.low[cell] = model.value[cell] <= best + TOLERANCE
                    changed = True
    return changed


def _extreme(
    model: _Model, state: np.ndarray, cells: np.ndarray, cell: int, maximum: bool
) -> float | None:
    """The LP maximum (or minimum) of `cell` when `cells` move and every other cell keeps
    its value, each within what the reader knows of it in `state`."""
    hidden = cells[state[cells] != SHOWN]
    rows = model.relations_of(hidden)
    M = model.A[rows][:, hidden]
    b = (M @ model.value[hidden]).astype(np.float64)
    lo, hi = model.bounds(state, hidden)
    cost = np.zeros(len(hidden))
    at = int(np.searchsorted(hidden, cell))
    cost[at] = -1.0 if maximum else 1.0
    result = linprog(cost, A_eq=M, b_eq=b, bounds=np.column_stack([lo, hi]), method="highs")
    if result.status != 0:
        return None
    return float(result.x[at])


def _rounds(
    model: _Model,
    state: np.ndarray,
    proofs: _Proofs,
    batch: np.ndarray,
    allowed: np.ndarray,
    covers: list[tuple[np.ndarray, np.ndarray]],
    release: bool,
) -> None:
    """LP points on a batch of cells, one per cover and then with every open bound as a
    goal, until they prove no more; after each, only the cells near the open bounds."""
    inside = np.zeros(len(model.cells), dtype=bool)
    for k in range(len(covers) + EXTRA_ROUNDS):
        up = proofs.primary & ~proofs.high
        down = proofs.primary & ~proofs.low
        open_ = batch[up[batch] | down[batch]]
        if len(open_) == 0:
            return
        if k > 0:
            inside[:] = False
            inside[batch] = True
            batch = _around(model, open_, inside & allowed, NEAR)
        if k < len(covers):
            up, down = up & covers[k][0], down & covers[k][1]
            if not (up[batch].any() or down[batch].any()):
                continue
        point = _point(model, state, batch, up, down, proofs.ref_lo, proofs.ref_hi, release)
        if point is None:
            continue
        cells, values = point
        if release:
            _hide(model, state, cells, values)
        if proofs.record(cells, values) == 0 and k >= len(covers):
            return


def _rank_pass(model: _Model, state: np.ndarray, proofs: _Proofs, release: bool) -> None:
    """Proves every primary cell free of linear algebra: exactly (mod PRIME) on blocks of
    hidden cells, first with every hub and parent kept, then with the parents of each
    height moving too; then (with `release`: hiding what it needs) by an integer null
    vector found by LP on a neighbourhood of each cell left."""
    kept, height = _levels(model)
    hidden = state != SHOWN
    for level in range(int(height.max(initial=0)) + 2):
        todo = proofs.primary & ~proofs.free
        if not todo.any():
            break
        allowed = ~kept & hidden & (height <= level)
        groups = [g for g in _components(model, np.flatnonzero(allowed)) if todo[g].any()]
        if level > 0:  # larger blocks: only near the cells still open
            groups = [_around(model, g[todo[g]], allowed, 3) for g in groups]
        for group in groups:
            if len(group) <= RANK_BLOCK:
                proofs.free[group] |= _free(model, group)
    for cell in np.flatnonzero(proofs.primary & ~proofs.free).tolist():
        size = 0
        for radius in RADII:  # through every hidden cell now, hubs and parents too
            if proofs.free[cell]:
                break
            near = _around(model, np.array([cell]), hidden, radius)
            if len(near) == size or len(near) > NEIGHBOURHOOD:
                break
            size = len(near)
            proofs.free[near] |= _free(model, near)
        if proofs.free[cell]:
            continue
        found = _lp_witness(model, state, cell, model.value[cell] + 1.0, release, bounded=False)
        if found is not None:
            cells, change = found
            if release:
                _hide(model, state, cells, model.value[cells] + change)
                hidden = state != SHOWN
            proofs.free[cells[change != 0]] = True


def protect(publication: Publication, threshold: int) -> dict[CellId, str]:
    """The cells to hide besides those hidden so far: {cell: "secondary"} (see the module
    docstring for what is proven afterwards)."""
    model = _Model(publication, threshold)
    ref_lo, ref_hi = _reference(model)
    proofs = _Proofs(model, ref_lo, ref_hi)
    state = model.state.copy()
    if proofs.primary.any():
        _local_pass(model, state, ref_lo, ref_hi)
        _bounds_pass(model, state, proofs, release=True)
        _rank_pass(model, state, proofs, release=True)
    new = np.flatnonzero((state != SHOWN) & (model.state == SHOWN))
    return {model.cells[j]: SECONDARY for j in new.tolist()}


def audit(publication: Publication, threshold: int, *, whole: bool = False) -> list[CellId]:
    """The primary cells not proven safe, in CellId order: pinned by linear algebra, or
    narrowed by LP below their reference interval (with `whole`: below [1, threshold - 1],
    which the reasons alone often rule out; see the module docstring), or beyond the search's
    reach. Empty after `protect`, but for what the docstring says is not proven."""
    model = _Model(publication, threshold)
    ref_lo, ref_hi = _reference(model)
    proofs = _Proofs(model, ref_lo, ref_hi)
    state = model.state.copy()
    if proofs.primary.any():
        _bounds_pass(model, state, proofs, release=False)
        _rank_pass(model, state, proofs, release=False)
    bad = proofs.unproven
    if whole:
        t = threshold
        narrow = (proofs.ref_lo > 1 + TOLERANCE) | (proofs.ref_hi < t - 1 - TOLERANCE)
        bad = bad | (proofs.primary & narrow)
    return [model.cells[j] for j in np.flatnonzero(bad).tolist()]


def intervals(publication: Publication, threshold: int) -> dict[CellId, tuple[float, float]]:
    """The LP interval (min, max) of every primary cell: what a reader learns of it from every
    shown cell, the relations and the reasons of the hidden ones (HiGHS, by
    scipy.optimize.linprog; two LPs per primary cell over the hidden cells linked to it, so
    meant for tests and small publications)."""
    model = _Model(publication, threshold)
    out: dict[CellId, tuple[float, float]] = {}
    hidden = np.flatnonzero(model.state != SHOWN)
    for group in _components(model, hidden):
        for cell in group[model.state[group] == SMALL].tolist():
            low = _extreme(model, model.state, group, cell, maximum=False)
            high = _extreme(model, model.state, group, cell, maximum=True)
            out[model.cells[cell]] = (
                float("nan") if low is None else low,
                float("nan") if high is None else high,
            )
    return out


def reference_intervals(
    publication: Publication, threshold: int
) -> dict[CellId, tuple[float, float]]:
    """For every primary cell, outer bounds of the widest LP interval any suppression can
    leave it: what the relations among primary cells and the published reasons give away
    whatever else is hidden (bounds propagation; see the module docstring)."""
    model = _Model(publication, threshold)
    lo, hi = _reference(model)
    return {
        model.cells[j]: (float(lo[j]), float(hi[j]))
        for j in np.flatnonzero(model.state == SMALL).tolist()
    }
