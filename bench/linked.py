"""Linked secondary suppression (brukerplan/reports/linked.py) on a synthetic national year.

`.venv/bin/python -m bench.linked` builds a publication shaped like a year of
BrukerPlan: 356 municipalities in 15 counties in 4 health regions, the nation,
and one pool of small municipalities per county; about 600 count definitions
per scope with the relations of the report's tables (a table's total is the
sum of its rows, "alle" is rus + psykisk, the persons are the sum of the
categories), and every parent the sum of its children. Persons are drawn one
by one (60,000 of them, municipalities from a few to 40,000 persons), so the
counts agree with the relations and the municipalities have many small cells.
It then times `protect` and `audit` (BENCH_LINKED_RUNS runs, default 3, medians
printed) and prints the primary cells, the share of the shown cells that
`protect` hides (the information lost) and the share of primary cells whose
interval is whole.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

from brukerplan.reports import linked

THRESHOLD = 5
PERSONS = 60_000
MUNICIPALITIES = 356
REGIONS = {  # region: number of counties
    "helse_nord": 3,
    "helse_midt": 2,
    "helse_vest": 3,
    "helse_sorost": 7,
}
GROUPS = ("rus", "psykisk")
CATEGORIES = ("ikke_rop", "mindre_alvorlig_rop", "alvorlig_rop", "psyk_mildere")
# (table, rows, subset share): 15 tables over every person, 15 over a subset (with a total)
TABLES = [(f"t{i:02d}", 2 + (i * 5) % 9, 1.0) for i in range(15)] + [
    (f"s{i:02d}", 2 + (i * 7) % 9, 0.05 + 0.03 * (i % 6)) for i in range(15)
]


def geography(rng: np.random.Generator) -> tuple[dict[str, list[str]], list[str], np.ndarray]:
    """(children of each scope, the municipalities, their persons)."""
    counties = [f"{n:02d}" for n in (3, 11, 15, 18, 31, 32, 33, 34, 39, 40, 42, 46, 50, 55, 56)]
    per_county = rng.multinomial(MUNICIPALITIES - 3 * len(counties), np.full(15, 1 / 15)) + 3
    children: dict[str, list[str]] = {"national": []}
    municipalities: list[str] = []
    sizes: list[float] = []
    start = 0
    for region, count in REGIONS.items():
        children["national"].append(f"region:{region}")
        children[f"region:{region}"] = []
        for county in counties[start : start + count]:
            children[f"region:{region}"].append(f"county:{county}")
            kids = []
            n = int(per_county[counties.index(county)])
            # Three tiny municipalities per county (2-4 persons) make its pool.
            pool = []
            for k in range(n):
                code = f"{county}{k + 1:02d}"
                municipalities.append(code)
                if k < 3:
                    pool.append(code)
                    sizes.append(float(rng.integers(2, 5)))
                else:
                    kids.append(f"municipality:{code}")
                    sizes.append(float(rng.lognormal(np.log(60), 1.5)))
            kids.append(f"pool:{county}-sma")
            children[f"county:{county}"] = kids
            for code in pool:
                children.setdefault(f"pool:{county}-sma", []).append(code)
        start += count
    persons = np.array(sizes)
    pooled = {c for scope, kids in children.items() if scope.startswith("pool:") for c in kids}
    own = np.array([code not in pooled for code in municipalities])
    scale = (PERSONS - persons[~own].sum()) / persons[own].sum()
    persons[own] = np.clip(persons[own] * scale, THRESHOLD, 40_000)
    return children, municipalities, persons.round().astype(np.int64)


def synthetic(seed: int = 7) -> linked.Publication:
    """A national year's publication (see the module docstring)."""
    rng = np.random.default_rng(seed)
    children, municipalities, persons = geography(rng)
    n = int(persons.sum())
    home = np.repeat(np.arange(len(municipalities)), persons)
    group = (rng.random(n) < 0.45).astype(np.int64)  # 0 rus, 1 psykisk
    category = rng.choice(len(CATEGORIES), size=n, p=[0.4, 0.3, 0.2, 0.1])
    m = len(municipalities)
    counts: dict[tuple[str, ...], np.ndarray] = {}  # definition: count per municipality

    def tally(key: tuple[str, ...], mask: np.ndarray) -> None:
        counts[key] = np.bincount(home[mask], minlength=m)

    everyone = np.ones(n, dtype=bool)
    tally(("personer", "total", "alle"), everyone)
    for g, name in enumerate(GROUPS):
        tally(("personer", "total", name), group == g)
    for c, name in enumerate(CATEGORIES):
        tally(("kategorier", name, "antall"), category == c)
    relations_within: list[dict[tuple[str, ...], int]] = [
        {("personer", "total", "alle"): 1, **{("personer", "total", g): -1 for g in GROUPS}},
        {("personer", "total", "alle"): 1, **{("kategorier", c, "antall"): -1 for c in CATEGORIES}},
    ]
    for table, rows, share in TABLES:
        # Skewed rows: some rare, so that small cells are common.
        weights = rng.dirichlet(np.full(rows, 0.7))
        row = rng.choice(rows, size=n, p=weights)
        subset = everyone if share >= 1 else rng.random(n) < share
        total = ("personer", "total") if share >= 1 else (table, "total")
        if share < 1:
            tally((table, "total", "alle"), subset)
            for g, name in enumerate(GROUPS):
                tally((table, "total", name), subset & (group == g))
            relations_within.append(
                {(table, "total", "alle"): 1, **{(table, "total", g): -1 for g in GROUPS}}
            )
        for r in range(rows):
            key = (table, f"r{r}")
            tally((*key, "alle"), subset & (row == r))
            for g, name in enumerate(GROUPS):
                tally((*key, name), subset & (row == r) & (group == g))
            relations_within.append({(*key, "alle"): 1, **{(*key, g): -1 for g in GROUPS}})
        for name in ("alle", *GROUPS):
            relations_within.append(
                {(*total, name): 1, **{(table, f"r{r}", name): -1 for r in range(rows)}}
            )
    # Every scope's counts: municipalities, then parents as the sums of their children.
    index = {code: i for i, code in enumerate(municipalities)}
    per_scope: dict[str, dict[tuple[str, ...], int]] = {}

    def scope_counts(scope: str) -> dict[tuple[str, ...], int]:
        if scope not in per_scope:
            kind, _, code = scope.partition(":")
            if kind == "municipality":
                members = [index[code]]
            elif kind == "pool":
                members = [index[c] for c in children[scope]]
            else:
                members = []
            if members:
                found = {k: int(v[members].sum()) for k, v in counts.items()}
            else:
                found = dict.fromkeys(counts, 0)
                for child in children[scope]:
                    for k, v in scope_counts(child).items():
                        found[k] += v
            per_scope[scope] = found
        return per_scope[scope]

    scope_counts("national")
    values = {(s, k): v for s, found in per_scope.items() for k, v in found.items() if v}
    relations = [
        {(s, k): c for k, c in relation.items()}
        for s in sorted(per_scope)
        for relation in relations_within
    ]
    parents = {s: [c for c in kids] for s, kids in children.items() if not s.startswith("pool:")}
    definitions = {s: {k for k, v in found.items() if v} for s, found in per_scope.items()}
    relations += linked.geographic_relations(definitions, parents)
    hidden = {cell: "primary" for cell, v in values.items() if 0 < v < THRESHOLD}
    return linked.Publication(values=values, hidden=hidden, relations=relations)


def main() -> dict:
    """Prints the figures and returns them: seconds (protect + audit, median), loss (share of
    the shown nonzero cells hidden), whole and best (shares of the primary cells), runs."""
    runs = int(os.environ.get("BENCH_LINKED_RUNS", "3"))
    started = time.perf_counter()
    publication = synthetic()
    built = time.perf_counter() - started
    primary = sorted(c for c, r in publication.hidden.items() if r == "primary")
    shown = [c for c in publication.values if c not in publication.hidden]
    named = set(publication.values)
    for relation in publication.relations:
        named.update(relation)
    print(
        f"publication      {len(named):,} cells ({len(publication.values):,} nonzero), "
        f"{len(publication.relations):,} relations, {len(primary):,} primary cells "
        f"(built in {built:.1f} s)"
    )
    protect_s, audit_s = [], []
    for _ in range(runs):
        started = time.perf_counter()
        extra = linked.protect(publication, THRESHOLD)
        protect_s.append(time.perf_counter() - started)
        after = linked.Publication(
            publication.values, {**publication.hidden, **extra}, publication.relations
        )
        started = time.perf_counter()
        flagged = set(linked.audit(after, THRESHOLD))
        audit_s.append(time.perf_counter() - started)
    p, a = statistics.median(protect_s), statistics.median(audit_s)
    print(
        f"time             protect {p:.1f} s + audit {a:.1f} s = {p + a:.1f} s "
        f"(median of {runs}, one process; target < 60 s)"
    )
    print(
        f"secondary        {len(extra):,} cells: {len(extra) / len(shown):.1%} of the shown "
        f"nonzero cells, {len(extra) / (len(named) - len(publication.hidden)):.1%} of all "
        f"shown cells (information loss)"
    )
    reference = linked.reference_intervals(publication, THRESHOLD)
    whole = {c for c, (lo, hi) in reference.items() if lo <= 1 and hi >= THRESHOLD - 1}
    n = len(primary)
    print(
        f"whole intervals  {len(whole - flagged) / n:.1%} of the primary cells proven whole "
        f"(goal 100 %); the reasons alone narrow {1 - len(whole) / n:.1%} whatever is hidden"
    )
    print(
        f"best intervals   {1 - len(flagged) / n:.1%} of the primary cells proven as wide as "
        f"any suppression can leave them, and free of linear algebra; "
        f"{len(flagged):,} not proven (audit)"
    )
    return {
        "seconds": p + a,
        "loss": len(extra) / len(shown),
        "whole": len(whole - flagged) / n,
        "best": 1 - len(flagged) / n,
        "runs": runs,
    }


if __name__ == "__main__":
    main()
