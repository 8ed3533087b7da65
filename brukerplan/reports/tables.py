"""The report tables: one pure function per table, registered by id.

Pure: no Django. Every table is a function of a `Context` (the adult persons of
one scope and year, one row per person, and the instrument) and returns its
columns and rows. The cells of the rows are *typed* values (`Count`, `Share`,
`Mean`, `StdDev`, `Total`, `NotApplicable`), never plain numbers: which number
a reader may see is decided in `brukerplan.reports.suppression`, the one place
where the small-number rule is applied. `brukerplan.reports.document` puts the
tables into the JSON document of report-format.md.

Adding a table is adding one function:

    @table("my_id", "Tittel på norsk")
    def my_table(ctx: Context) -> TableData:
        ...
        return columns, rows

Everything is computed with Polars expressions (sums over 0/1 masks, filtered
means), one `select` or one `group_by` (`crosstab`) per table, never with Python
loops over persons.

Decisions where report-format.md is silent:
  * "The six categories" are listed in the order of the instrument's main
    groups (rus: ikke_rop, mindre_alvorlig_rop, alvorlig_rop; then psykisk:
    psyk_mildere, psyk_moderat, psyk_alvorlig), as in Tabell 5 of the 2020
    report. `Instrument.categories` is in rule-evaluation order (alvorlig_rop
    before mindre_alvorlig_rop), which is not a reading order.
  * The main groups are taken literally from the spec: `rus` is
    `rusproblem == 1`, `psykisk` is `rusproblem == 0 and psykisk_problem == 1`.
  * A share whose denominator is 0 has no value (null), whatever the threshold.
  * `rus_psyk_matrise` lists the combinations that occur among the persons, in
    category order, then rusmiddelbruk colour, then psykisk_helse colour
    (gronn, gul, rod).
  * `nokkeltall`: `enhetstype:<type>` uses the unit type of the registration
    that represents the person (see `registrations.duplicates`), so the types
    of a group add up to 100 % as in Vedlegg 2; `injiserer` and `overdose:*`
    are `NotApplicable` for `psykisk` (null by definition: the rus section is
    not asked), not suppressed.
  * `barn_kategori`.`barn` (the number of children) is a `Total` over the
    persons with children: it is hidden when it is 1-4 children or comes from
    1-4 persons, so a small group's children cannot be read off.
  * `varighet_kategori` rows are the categories whose rule requires
    `psykisk_problem == 1`, read from the instrument's category rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from brukerplan.instrument.definition import Instrument, UnknownQuestion

# --- typed cells ------------------------------------------------------------


# Every cell may carry the Polars masks of the persons it counts (`of`, and for a
# share `numerator_of` and `denominator_of`), evaluated on `Context.persons`.
# They are for secondary suppression (`brukerplan.reports.secondary`), which
# works out which published cells a hidden one could be computed back from. They
# never take part in equality (a Polars expression compared with == is an
# expression, not a bool).


def _mask() -> Any:
    return field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Count:
    """A number of persons."""

    n: int
    of: pl.Expr | None = _mask()


@dataclass(frozen=True, slots=True)
class Share:
    """A percentage: `numerator` of `denominator` persons."""

    numerator: int
    denominator: int
    numerator_of: pl.Expr | None = _mask()
    denominator_of: pl.Expr | None = _mask()

    @property
    def percent(self) -> float | None:
        if self.denominator == 0:
            return None
        return 100.0 * self.numerator / self.denominator


@dataclass(frozen=True, slots=True)
class Mean:
    """A mean of `column` over `n` persons (`value` is None when n is 0)."""

    value: float | None
    n: int
    of: pl.Expr | None = _mask()
    column: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class StdDev:
    """A sample standard deviation (n - 1) of `column` over `n` persons (None when n < 2)."""

    value: float | None
    n: int
    of: pl.Expr | None = _mask()
    column: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Total:
    """A sum of a per-person number (e.g. children) over the `n` persons who have any."""

    value: int
    n: int
    of: pl.Expr | None = _mask()
    column: pl.Expr | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """A cell without a value by definition (e.g. injection among persons without rusproblem)."""


Cell = Count | Share | Mean | StdDev | Total | NotApplicable


# --- what a column's numbers are (report-format.md, "kind") ------------------

COUNT = "count"  # persons or other whole things (a `Count`, a `Total`)
PERCENT = "percent"  # a `Share`
MEAN = "mean"  # a `Mean` of a per-person number (age, number of services)
SD = "sd"  # a `StdDev`
RATE = "rate"  # per 1,000 inhabitants (a `Mean` without a per-person column)
INDEX = "index"  # a `Mean` of the levekårsindeks
KINDS = (COUNT, PERCENT, MEAN, SD, RATE, INDEX)


def kinds_of(cell: Cell) -> frozenset[str]:
    """The kinds a column holding this cell may have (every kind for `NotApplicable`)."""
    match cell:
        case Count() | Total():
            return frozenset({COUNT})
        case Share():
            return frozenset({PERCENT})
        case StdDev():
            return frozenset({SD})
        case Mean(column=column):
            if column is None:
                return frozenset({RATE})
            if isinstance(column, str) and column == "levekarsindeks":
                return frozenset({INDEX})
            return frozenset({MEAN})
        case NotApplicable():
            return frozenset(KINDS)
    raise TypeError(f"not a report cell: {cell!r}")


def inferred_kind(cell: Cell) -> str | None:
    """The kind a cell gives its column without being told; None where the cell does not
    say it plainly (a mean of the levekårsindeks is an index, a mean without a per-person
    column a rate: their columns name the kind) or says nothing (`NotApplicable`)."""
    match cell:
        case Count() | Total():
            return COUNT
        case Share():
            return PERCENT
        case StdDev():
            return SD
        case Mean(column=column) if column is not None and not (
            isinstance(column, str) and column == "levekarsindeks"
        ):
            return MEAN
    return None


# --- tables -----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """`kind`: what the column's numbers are (`KINDS`); when None, `TableSpec.build` infers
    it from the cells (`inferred_kind`) and fails when they do not say it plainly."""

    key: str
    label: str
    kind: str | None = None


@dataclass(frozen=True)
class Row:
    """`kind`: the kind of this row's cells where it is not their column's (a mean among
    the shares of a trend table); None otherwise."""

    key: str
    label: str
    values: Mapping[str, Cell]
    kind: str | None = None


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


TableData = tuple[Sequence[Column], Sequence[Row]]


@dataclass(frozen=True)
class Context:
    """What a table function may look at.

    `persons`: the adult persons of the scope and year, one row per person (the
    registration that represents them), with the columns of
    `brukerplan.reports.frame`. `minors`: the persons of the scope and year
    under the adult age (the under-18 chapter), same columns. `previous`: the
    previous year's adult persons of the same scope (trends, panel).
    `comparisons`: named frames of adult persons to compare with (the county,
    the country, municipalities of the same size). `population`: inhabitants
    per municipality of the scope and year (columns kommunenummer, adults,
    total), when imported. `scope_type`: the document's scope type (`document.Scope`),
    for the tables of one type of report. Tables that need what is absent return no rows.
    """

    persons: pl.DataFrame
    instrument: Instrument
    previous: pl.DataFrame | None = None
    comparisons: Mapping[str, pl.DataFrame] = field(default_factory=dict)
    minors: pl.DataFrame | None = None
    population: pl.DataFrame | None = None
    year: int | None = None
    scope_type: str | None = None
    # The instrument `previous` was read with (None: `instrument`).
    previous_instrument: Instrument | None = None
    # The persons of the development chapter against a base year
    # (`brukerplan.reports.development.Development`), when there is one.
    development: Any = None

    def aggregate(
        self, expressions: Mapping[str, pl.Expr], frame: pl.DataFrame | None = None
    ) -> dict[str, Any]:
        """Scalar aggregate expressions computed in one pass, by name."""
        if not expressions:
            return {}
        source = self.persons if frame is None else frame
        return source.select([e.alias(k) for k, e in expressions.items()]).row(0, named=True)


TableFunction = Callable[[Context], TableData]


@dataclass(frozen=True)
class TableSpec:
    id: str
    title: str
    function: TableFunction

    def build(self, ctx: Context) -> Table:
        try:
            columns, rows = self.function(ctx)
        except (UnknownQuestion, pl.exceptions.ColumnNotFoundError):
            # The year's version lacks a question the table needs (a historic version):
            # the table is empty, as one is when a scope lacks what it needs.
            columns, rows = [], []
        keys = [c.key for c in columns]
        for row in rows:
            if list(row.values) != keys:
                raise ValueError(f"table {self.id}, row {row.key}: cells {list(row.values)}")
        table = Table(self.id, self.title, tuple(with_kinds(self.id, columns, rows)), tuple(rows))
        check_kinds(table)
        return table


def with_kinds(table_id: str, columns: Sequence[Column], rows: Sequence[Row]) -> list[Column]:
    """The columns, each with its kind: its own, or the one its cells (of the rows without a
    kind of their own) all plainly give. ValueError when a column has neither."""
    out = []
    for column in columns:
        if column.kind is None:
            found = {inferred_kind(r.values[column.key]) for r in rows if r.kind is None}
            found.discard(None)
            unclear = [
                r.key
                for r in rows
                if r.kind is None
                and inferred_kind(r.values[column.key]) is None
                and not isinstance(r.values[column.key], NotApplicable)
            ]
            if len(found) != 1 or unclear:
                raise ValueError(
                    f"table {table_id}, column {column.key}: its kind must be given "
                    f"(its cells give {sorted(found) or 'none'}"
                    + (f"; unclear in rows {unclear[:3]}" if unclear else "")
                    + ")"
                )
            column = Column(column.key, column.label, found.pop())
        out.append(column)
    return out


def check_kinds(table: Table) -> None:
    """ValueError unless every column has a kind of `KINDS` and every cell is of its row's
    or column's kind (a count is never in a column of percentages, a mean never a share),
    and no label but a percentage's says «%»."""
    for column in table.columns:
        if column.kind not in KINDS:
            raise ValueError(f"table {table.id}, column {column.key}: kind {column.kind!r}")
        if "%" in column.label and column.kind != PERCENT:
            raise ValueError(f"table {table.id}, column {column.key}: a {column.kind} with «%»")
    for row in table.rows:
        if row.kind is not None and row.kind not in KINDS:
            raise ValueError(f"table {table.id}, row {row.key}: kind {row.kind!r}")
        for column in table.columns:
            kind = row.kind or column.kind
            cell = row.values[column.key]
            if kind not in kinds_of(cell):
                raise ValueError(
                    f"table {table.id}, row {row.key}, column {column.key}: "
                    f"a {type(cell).__name__} is not a {kind}"
                )


# Every table registered so far, in registration order. This module registers the fixed
# tables; `brukerplan.reports.registry` imports the modules of the others (annual,
# comparison) and computes them: import that module to have them all.
TABLES: dict[str, TableSpec] = {}


NoteFunction = Callable[[Context], Mapping[str, str]]
# Functions giving notes on tables (table id -> a Norwegian sentence), e.g. that a trend
# compares only what two instrument versions share; the document carries them as "notes".
NOTES: list[NoteFunction] = []


def notes(function: NoteFunction) -> NoteFunction:
    """Register a function of notes on tables."""
    NOTES.append(function)
    return function


def table(table_id: str, title: str) -> Callable[[TableFunction], TableFunction]:
    """Register a table function under its id (the key of the report document)."""

    def register(function: TableFunction) -> TableFunction:
        if table_id in TABLES:
            raise ValueError(f"table id {table_id!r} is registered twice")
        TABLES[table_id] = TableSpec(table_id, title, function)
        return function

    return register


# --- groups of persons -------------------------------------------------------

RUS = "rus"
PSYKISK = "psykisk"
ALLE = "alle"
GROUP_LABELS = {RUS: "Rusproblemer", PSYKISK: "Kun psykiske problemer", ALLE: "Alle"}
# The instrument's scoring names the index groups but gives them no labels (and its main
# groups none either), so their labels live here. The unit types are the instrument's
# (`Instrument.unit_types`).
INDEX_GROUP_LABELS = {"gronn": "Grønn", "gul": "Gul", "rod": "Rød", "blalys": "Blålys"}
SEXES = {"mann": "Menn", "kvinne": "Kvinner"}  # `kjonn` is derived, not asked: no labels
AGE_BANDS = (
    ("18_23", "18–23 år", 18, 23),
    ("24_29", "24–29 år", 24, 29),
    ("30_39", "30–39 år", 30, 39),
    ("40_49", "40–49 år", 40, 49),
    ("50_59", "50–59 år", 50, 59),
    ("60_69", "60–69 år", 60, 69),
    ("70_pluss", "70 år og eldre", 70, None),
)
SPECIALIST_GROUPS = ("tsb", "phv", "somatikk")


@dataclass(frozen=True)
class Group:
    """A group of persons: a row (or column) of a table, and the mask that selects it."""

    key: str
    label: str
    mask: pl.Expr


def is_one(column: str) -> pl.Expr:
    """True where a 0/1 column is 1; a question not asked (null) counts as not 1."""
    return (pl.col(column) == 1).fill_null(False)


def equals(column: str, value: Any) -> pl.Expr:
    return (pl.col(column) == value).fill_null(False)


def category_codes(instrument: Instrument) -> tuple[str, ...]:
    """The categories in report order: by main group, as the instrument lists them."""
    ordered = [code for codes in instrument.main_groups.values() for code in codes]
    ordered += [c.code for c in instrument.categories if c.code not in ordered]
    return tuple(ordered)


def category_groups(instrument: Instrument, codes: Iterable[str] | None = None) -> list[Group]:
    codes = category_codes(instrument) if codes is None else codes
    return [Group(c, instrument.category_label(c), equals("kategori", c)) for c in codes]


def main_group(key: str) -> Group:
    if key == RUS:
        mask = is_one("rusproblem")
    elif key == PSYKISK:
        mask = equals("rusproblem", 0) & is_one("psykisk_problem")
    else:
        raise KeyError(key)
    return Group(key, GROUP_LABELS[key], mask)


def all_persons() -> Group:
    # A column expression, not pl.lit(True): a literal would sum to 1.
    return Group(ALLE, GROUP_LABELS[ALLE], pl.col("person_key").is_not_null())


def standard_groups(instrument: Instrument) -> list[Group]:
    """The six categories, then `rus`, `psykisk`, `alle`."""
    return [*category_groups(instrument), main_group(RUS), main_group(PSYKISK), all_persons()]


def rus_groups(instrument: Instrument) -> list[Group]:
    """The three rus categories, then `rus`."""
    return [*category_groups(instrument, instrument.main_groups[RUS]), main_group(RUS)]


def row_of(group: Group, **values: Cell) -> Row:
    """A row for a group, its cells in the order given."""
    return Row(group.key, group.label, values)


# --- one group_by per table ----------------------------------------------------------
#
# A `select` with one `sum` per cell costs about 0.7 ms per expression on 60,000
# persons (measured), and the tables have up to hundreds of cells. Grouping the
# persons by the group masks themselves (a few distinct combinations) and summing
# each row condition once per combination gives the same numbers some 25 times
# faster. The cells still carry the masks of their persons.


def crosstab(
    frame: pl.DataFrame, groups: Sequence[pl.Expr], values: Sequence[pl.Expr]
) -> tuple[list[int], list[list[Any]]]:
    """Per group mask: its number of persons and the sum of each value over them.

    A boolean value sums to a count. One `group_by` on the group masks.
    """
    keys = [mask.alias(f"g{i}") for i, mask in enumerate(groups)]
    aggregations = [pl.len().alias("n"), *[v.sum().alias(f"v{j}") for j, v in enumerate(values)]]
    combinations = frame.group_by(keys).agg(aggregations)
    n = [0] * len(groups)
    sums: list[list[Any]] = [[0] * len(values) for _ in groups]
    for combination in combinations.iter_rows(named=True):
        for i in range(len(groups)):
            if combination[f"g{i}"]:
                n[i] += combination["n"]
                for j in range(len(values)):
                    sums[i][j] += combination[f"v{j}"] or 0
    return n, sums


def share_table(
    ctx: Context, groups: Sequence[Group], columns: Sequence[tuple[Column, pl.Expr]]
) -> TableData:
    """Rows are groups; each cell is the share of the row's persons meeting the column's mask."""
    n, hits = crosstab(ctx.persons, [g.mask for g in groups], [c for _, c in columns])
    rows = [
        Row(
            group.key,
            group.label,
            {
                column.key: Share(
                    hits[i][j],
                    n[i],
                    numerator_of=group.mask & condition,
                    denominator_of=group.mask,
                )
                for j, (column, condition) in enumerate(columns)
            },
        )
        for i, group in enumerate(groups)
    ]
    return [replace(column, kind=PERCENT) for column, _ in columns], rows


@dataclass(frozen=True)
class Item:
    """A row of a table whose columns are groups: a condition on persons."""

    key: str
    label: str
    mask: pl.Expr
    only: str | None = None  # the one column group the row applies to


def share_by_column_group(
    ctx: Context, items: Sequence[Item], groups: Sequence[Group]
) -> TableData:
    """Rows are conditions, columns are groups; each cell is a share of the column's persons.

    An item with `only` is `NotApplicable` in every other column."""
    n, hits = crosstab(ctx.persons, [g.mask for g in groups], [i.mask for i in items])
    rows = []
    for i, item in enumerate(items):
        values: dict[str, Cell] = {}
        for j, group in enumerate(groups):
            if item.only in (None, group.key):
                values[group.key] = Share(
                    hits[j][i],
                    n[j],
                    numerator_of=item.mask & group.mask,
                    denominator_of=group.mask,
                )
            else:
                values[group.key] = NotApplicable()
        rows.append(Row(item.key, item.label, values))
    columns = [Column(g.key, g.label, PERCENT) for g in groups]
    return columns, rows


def option_items(instrument: Instrument, key: str, prefix: str | None = None) -> list[Item]:
    """One row per option of a multi question: `<prefix>:<code>`, labelled with the question."""
    question = instrument.question(key)
    prefix = key if prefix is None else prefix
    return [
        Item(
            f"{prefix}:{code}",
            f"{question.label}: {question.label_of(code)}",
            is_one(column),
        )
        for code, column in zip(question.codes, question.columns, strict=True)
    ]


def sex_items() -> list[Item]:
    """`kjonn:mann`, `kjonn:kvinne`."""
    return [Item(f"kjonn:{code}", label, equals("kjonn", code)) for code, label in SEXES.items()]


def age_mask(low: int, high: int | None) -> pl.Expr:
    age = pl.col("alder")
    return ((age >= low) if high is None else age.is_between(low, high)).fill_null(False)


def age_items() -> list[Item]:
    """`alder:<band>` for the age bands of Vedlegg 2."""
    return [
        Item(f"alder:{key}", f"Alder: {label}", age_mask(low, high))
        for key, label, low, high in AGE_BANDS
    ]


def index_group_columns(instrument: Instrument) -> list[tuple[Column, pl.Expr]]:
    return [
        (Column(g.code, INDEX_GROUP_LABELS.get(g.code, g.code)), equals("indeksgruppe", g.code))
        for g in instrument.index_groups
    ]


def area_items(instrument: Instrument, with_index: bool = True) -> list[Item]:
    """`<area>:<colour>` for the eight areas, then `indeksgruppe:<code>` (the index as a whole)."""
    items = []
    for area in instrument.index_areas:
        question = instrument.question(area)
        for colour in question.codes:
            label = f"{question.label}: {question.label_of(colour)}"
            items.append(Item(f"{area}:{colour}", label, equals(area, colour)))
    if with_index:
        for g in instrument.index_groups:
            label = f"Levekårsindeks: {INDEX_GROUP_LABELS.get(g.code, g.code)}"
            items.append(Item(f"indeksgruppe:{g.code}", label, equals("indeksgruppe", g.code)))
    return items


def services(instrument: Instrument, question_key: str, group_key: str) -> list[tuple[str, str]]:
    """(code `<group>.<option>`, label) of the services of one catalogue group."""
    question = instrument.question(question_key)
    group = next(g for g in question.option_groups if g.key == group_key)
    return [(f"{group.key}.{o.code}", o.label) for o in group.options]


def any_service(instrument: Instrument, question_key: str, *group_keys: str) -> pl.Expr:
    """At least one service of the given catalogue groups."""
    return pl.any_horizontal(
        [
            is_one(f"{question_key}.{code}")
            for group_key in group_keys
            for code, _ in services(instrument, question_key, group_key)
        ]
    )


def service_kinds(instrument: Instrument) -> list[tuple[str, str, tuple[str, ...]]]:
    """(key, label, catalogue groups) of the kinds of service of Tabell 13, its trend and
    Figur 29: NAV, the municipality's, specialist care (`SPECIALIST_GROUPS`)."""
    nav = next(g for g in instrument.question("tjenester").option_groups if g.key == "nav")
    return [
        ("nav", nav.label, ("nav",)),
        ("kommune", "Kommunale tjenester", ("kommune",)),
        ("spesialist", "Spesialisthelsetjenester", SPECIALIST_GROUPS),
    ]


# --- the fixed tables of report-format.md ------------------------------------

ANTALL = Column("antall", "Antall", COUNT)
ANDEL = Column("andel", "Andel (%)", PERCENT)


@table("kategorier", "Antall kartlagte etter kategori")
def kategorier(ctx: Context) -> TableData:
    """Tabell 5. A category's share is of its main group; a main group's of all; all is 100."""
    instrument = ctx.instrument
    categories = category_groups(instrument)
    mains = [main_group(RUS), main_group(PSYKISK)]
    everyone = all_persons()
    n = ctx.aggregate({g.key: g.mask.sum() for g in [*categories, *mains, everyone]})
    rows = []
    for group in categories:
        main = instrument.main_group_of(group.key)
        main_mask = main_group(main).mask
        rows.append(
            row_of(
                group,
                antall=Count(n[group.key], of=group.mask),
                andel=Share(
                    n[group.key], n[main], numerator_of=group.mask, denominator_of=main_mask
                ),
            )
        )
    for group in [*mains, everyone]:
        rows.append(
            row_of(
                group,
                antall=Count(n[group.key], of=group.mask),
                andel=Share(
                    n[group.key], n[ALLE], numerator_of=group.mask, denominator_of=everyone.mask
                ),
            )
        )
    return [ANTALL, ANDEL], rows


@table(
    "rus_psyk_matrise",
    "Mottakere etter kategori og levekårsområdene rusmiddelbruk og psykisk helse",
)
def rus_psyk_matrise(ctx: Context) -> TableData:
    """Tabell 1: the combinations that occur, by category, rusmiddelbruk, psykisk_helse."""
    instrument = ctx.instrument
    drugs = instrument.question("rusmiddelbruk")
    mental = instrument.question("psykisk_helse")
    counted = ctx.persons.group_by("kategori", "rusmiddelbruk", "psykisk_helse").len()
    found = {(k, r, p): n for k, r, p, n in counted.iter_rows()}
    rows = []
    for category in category_codes(instrument):
        for r in drugs.codes:
            for p in mental.codes:
                if (category, r, p) in found:
                    label = (
                        f"{instrument.category_label(category)}: "
                        f"{drugs.label} {drugs.label_of(r).lower()}, "
                        f"{mental.label.lower()} {mental.label_of(p).lower()}"
                    )
                    mask = (
                        equals("kategori", category)
                        & equals("rusmiddelbruk", r)
                        & equals("psykisk_helse", p)
                    )
                    cell = Count(found[(category, r, p)], of=mask)
                    rows.append(Row(f"{category}:{r}:{p}", label, {"antall": cell}))
    return [ANTALL], rows


@table("levekarsindeks", "Levekårsindeks og standardavvik etter kategori")
def levekarsindeks(ctx: Context) -> TableData:
    """Tabell 2: persons, mean and sample standard deviation of the index."""
    groups = standard_groups(ctx.instrument)
    index = pl.col("levekarsindeks")
    expressions: dict[str, pl.Expr] = {}
    for i, group in enumerate(groups):
        expressions[f"n{i}"] = group.mask.sum()
        expressions[f"mean{i}"] = index.filter(group.mask).mean()
        expressions[f"sd{i}"] = index.filter(group.mask).std(ddof=1)
    r = ctx.aggregate(expressions)
    rows = [
        row_of(
            group,
            antall=Count(r[f"n{i}"], of=group.mask),
            snitt=Mean(r[f"mean{i}"], r[f"n{i}"], of=group.mask, column="levekarsindeks"),
            standardavvik=StdDev(r[f"sd{i}"], r[f"n{i}"], of=group.mask, column="levekarsindeks"),
        )
        for i, group in enumerate(groups)
    ]
    columns = [
        ANTALL,
        Column("snitt", "Gjennomsnitt", INDEX),
        Column("standardavvik", "Standardavvik", SD),
    ]
    return columns, rows


@table("levekarsindeks_grupper", "Levekårsindeks i grupper etter kategori. Prosent")
def levekarsindeks_grupper(ctx: Context) -> TableData:
    """Figur 21: the index groups as % of the row's persons."""
    columns = index_group_columns(ctx.instrument)
    return share_table(ctx, standard_groups(ctx.instrument), columns)


@table("levekarsomrader", "Levekårsområdene etter hovedgruppe. Prosent")
def levekarsomrader(ctx: Context) -> TableData:
    """Figur 6-20, 42: each area's colours as % of the main group."""
    items = area_items(ctx.instrument, with_index=False)
    return share_by_column_group(ctx, items, [main_group(RUS), main_group(PSYKISK)])


@table("nokkeltall", "Nøkkeltall")
def nokkeltall(ctx: Context) -> TableData:
    """Vedlegg 2: key figures as % of each main group."""
    instrument = ctx.instrument
    q = instrument.question
    children = (
        ("omsorg", "barn_omsorg", "Omsorg for barn"),
        ("samvaer", "barn_samvaer", "Samvær med barn"),
        ("ingen_kontakt", "barn_ingen_kontakt", "Ingen kontakt med barn"),
    )
    overdose, at_risk = is_one("overdose"), is_one("fare_overdose")
    no_overdose, no_risk = equals("overdose", 0), equals("fare_overdose", 0)
    exposed, violent = is_one("utsatt_vold"), is_one("utover_vold")
    not_exposed, not_violent = equals("utsatt_vold", 0), equals("utover_vold", 0)
    items = [
        *sex_items(),
        *age_items(),
        *option_items(instrument, "bor_med"),
        *[
            Item(f"barn:{key}", label, (pl.col(c) > 0).fill_null(False))
            for key, c, label in children
        ],
        *option_items(instrument, "aktiviteter"),
        *option_items(instrument, "livsopphold"),
        *[
            Item(f"enhetstype:{code}", f"Kartlagt av: {label}", equals("enhetstype", code))
            for code, label in instrument.unit_types.items()
        ],
        Item("selvmordsforsok", q("selvmordsforsok").label, is_one("selvmordsforsok")),
        Item("fare_selvmord", q("fare_selvmord").label, is_one("fare_selvmord")),
        Item("injiserer", q("injiserer").label, is_one("injiserer"), only=RUS),
        Item(
            "overdose:kun_overdose",
            "Overdose: har hatt overdose det siste året, ikke i fare for overdose",
            overdose & no_risk,
            only=RUS,
        ),
        Item(
            "overdose:kun_fare",
            "Overdose: i fare for overdose, har ikke hatt overdose det siste året",
            no_overdose & at_risk,
            only=RUS,
        ),
        Item(
            "overdose:begge",
            "Overdose: har hatt overdose og er i fare for overdose",
            overdose & at_risk,
            only=RUS,
        ),
        Item("overdose:ingen", "Overdose: ingen av delene", no_overdose & no_risk, only=RUS),
        Item(
            "vold:kun_utsatt",
            "Vold og trusler: utsatt, men utsetter ikke andre",
            exposed & not_violent,
        ),
        Item(
            "vold:kun_utover",
            "Vold og trusler: utsetter andre, men er ikke selv utsatt",
            not_exposed & violent,
        ),
        Item("vold:begge", "Vold og trusler: både utsatt og utsetter andre", exposed & violent),
        Item("vold:ingen", "Vold og trusler: ingen av delene", not_exposed & not_violent),
        *service_items(instrument),
        *option_items(instrument, "planer"),
    ]
    return share_by_column_group(ctx, items, [main_group(RUS), main_group(PSYKISK)])


def service_items(instrument: Instrument) -> list[Item]:
    """`tjenester:<group>.<option>` for every service, labelled `<group label>: <option>`."""
    question = instrument.question("tjenester")
    items = []
    for group in question.option_groups:
        for option in group.options:
            code = f"{group.key}.{option.code}"
            items.append(
                Item(
                    f"tjenester:{code}",
                    f"{group.label}: {option.label}",
                    is_one(f"tjenester.{code}"),
                )
            )
    return items


@table("alder_kategori", "Gjennomsnittsalder etter kategori")
def alder_kategori(ctx: Context) -> TableData:
    """Tabell 6: mean age."""
    groups = standard_groups(ctx.instrument)
    expressions: dict[str, pl.Expr] = {}
    for i, group in enumerate(groups):
        expressions[f"n{i}"] = group.mask.sum()
        expressions[f"mean{i}"] = pl.col("alder").filter(group.mask).mean()
    r = ctx.aggregate(expressions)
    rows = [
        row_of(group, snitt=Mean(r[f"mean{i}"], r[f"n{i}"], of=group.mask, column="alder"))
        for i, group in enumerate(groups)
    ]
    return [Column("snitt", "Gjennomsnittsalder (år)", MEAN)], rows


@table("varighet_kategori", "Varighet av psykisk helseproblem etter kategori. Prosent")
def varighet_kategori(ctx: Context) -> TableData:
    """Tabell 7: the categories with psykisk_problem = 1; duration as % of the row."""
    instrument = ctx.instrument
    with_mental = {c.code for c in instrument.categories if "psykisk_problem == 1" in c.rule}
    codes = [c for c in category_codes(instrument) if c in with_mental]
    question = instrument.question("varighet_psykisk")
    columns = [
        (Column(code, question.label_of(code)), equals("varighet_psykisk", code))
        for code in question.codes
    ]
    return share_table(ctx, category_groups(instrument, codes), columns)


@table("selvmord_kategori", "Selvmordsforsøk og fare for selvmord etter kategori. Prosent")
def selvmord_kategori(ctx: Context) -> TableData:
    """Tabell 8."""
    q = ctx.instrument.question
    columns = [
        (Column("selvmordsforsok", q("selvmordsforsok").label), is_one("selvmordsforsok")),
        (Column("fare_selvmord", q("fare_selvmord").label), is_one("fare_selvmord")),
    ]
    return share_table(ctx, standard_groups(ctx.instrument), columns)


@table("overdose_kategori", "Mottakere med rusproblemer: overdose og fare for overdose. Prosent")
def overdose_kategori(ctx: Context) -> TableData:
    """Tabell 9: the rus categories and `rus`."""
    columns = [
        (Column("overdose", "Overdose siste år"), is_one("overdose")),
        (Column("fare_overdose", "Fare for overdose"), is_one("fare_overdose")),
        (
            Column("ingen", "Ingen av delene"),
            equals("overdose", 0) & equals("fare_overdose", 0),
        ),
    ]
    return share_table(ctx, rus_groups(ctx.instrument), columns)


@table("vold_kategori", "Vold og trusler etter kategori. Prosent")
def vold_kategori(ctx: Context) -> TableData:
    """Tabell 10."""
    columns = [
        (Column("utsatt", "Utsatt for vold eller trusler"), is_one("utsatt_vold")),
        (Column("utover", "Utsetter andre for vold eller trusler"), is_one("utover_vold")),
        (
            Column("ingen", "Ingen av delene"),
            equals("utsatt_vold", 0) & equals("utover_vold", 0),
        ),
    ]
    return share_table(ctx, standard_groups(ctx.instrument), columns)


def _children() -> pl.Expr:
    return pl.sum_horizontal("barn_omsorg", "barn_samvaer", "barn_ingen_kontakt").fill_null(0)


@table("barn_kategori", "Mottakere med barn etter kategori")
def barn_kategori(ctx: Context) -> TableData:
    """Tabell 11: persons, persons with own children under 18, their share, the children."""
    groups = standard_groups(ctx.instrument)
    children = _children()
    expressions: dict[str, pl.Expr] = {}
    for i, group in enumerate(groups):
        expressions[f"n{i}"] = group.mask.sum()
        expressions[f"parents{i}"] = (group.mask & (children > 0)).sum()
        expressions[f"children{i}"] = children.filter(group.mask).sum()
    r = ctx.aggregate(expressions)
    rows = [
        row_of(
            group,
            antall=Count(r[f"n{i}"], of=group.mask),
            med_barn=Count(r[f"parents{i}"], of=group.mask & (children > 0)),
            andel=Share(
                r[f"parents{i}"],
                r[f"n{i}"],
                numerator_of=group.mask & (children > 0),
                denominator_of=group.mask,
            ),
            barn=Total(
                int(r[f"children{i}"]),
                r[f"parents{i}"],
                of=group.mask & (children > 0),
                column=children,
            ),
        )
        for i, group in enumerate(groups)
    ]
    columns = [
        Column("antall", "Antall kartlagte", COUNT),
        Column("med_barn", "Antall med barn", COUNT),
        Column("andel", "Andel med barn (%)", PERCENT),
        Column("barn", "Antall barn", COUNT),
    ]
    return columns, rows


@table(
    "barn_indeks_barnevern",
    "Mottakere med rød eller blålys levekårsindeks som har omsorg for eller samvær med barn",
)
def barn_indeks_barnevern(ctx: Context) -> TableData:
    """Tabell 12: counts of those persons with and without child welfare services."""
    groups = standard_groups(ctx.instrument)
    selected = pl.col("indeksgruppe").is_in(["rod", "blalys"]).fill_null(False) & (
        pl.sum_horizontal("barn_omsorg", "barn_samvaer").fill_null(0) > 0
    )
    welfare = is_one("tjenester.kommune.barnevern")
    expressions: dict[str, pl.Expr] = {}
    for i, group in enumerate(groups):
        expressions[f"with{i}"] = (group.mask & selected & welfare).sum()
        expressions[f"without{i}"] = (group.mask & selected & ~welfare).sum()
    r = ctx.aggregate(expressions)
    rows = [
        row_of(
            group,
            med_barnevern=Count(r[f"with{i}"], of=group.mask & selected & welfare),
            uten_barnevern=Count(r[f"without{i}"], of=group.mask & selected & ~welfare),
        )
        for i, group in enumerate(groups)
    ]
    columns = [
        Column("med_barnevern", "Har barneverntjenester", COUNT),
        Column("uten_barnevern", "Har ikke barneverntjenester", COUNT),
    ]
    return columns, rows


@table("tjenester_kategori", "Bruk av tjenester etter kategori. Prosent")
def tjenester_kategori(ctx: Context) -> TableData:
    """Tabell 13: at least one service of NAV, of the municipality, of specialist care."""
    instrument = ctx.instrument
    columns = [
        (Column(key, label), any_service(instrument, "tjenester", *groups))
        for key, label, groups in service_kinds(instrument)
    ]
    return share_table(ctx, standard_groups(instrument), columns)


@notes
def index_notes(ctx: Context) -> dict[str, str]:
    """A version that computes no index for a main group (2016.1: the weighted index of
    persons with substance problems, weights unknown) says so on every table of the index."""
    versions = [ctx.instrument]
    if ctx.previous is not None and ctx.previous_instrument is not None:
        versions.append(ctx.previous_instrument)
    missing = sorted({(i.version, g) for i in versions for g in i.index_not_computed_for})
    if not missing:
        return {}
    text = " ".join(
        f"Levekårsindeksen er ikke beregnet for {GROUP_LABELS.get(g, g).lower()} i versjon "
        f"{version} av instrumentet: før 2018 var den vektet, og vektene er ikke kjent."
        for version, g in missing
    )
    ids = [t for t in TABLES if "indeks" in t or t in ("nokkeltall", "levekarsomrader")]
    return dict.fromkeys(ids, text)
