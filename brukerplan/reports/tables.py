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
means), one `select` per table, never with Python loops over persons.

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
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from brukerplan.instrument.definition import Instrument

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


# --- tables -----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    values: Mapping[str, Cell]


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
    total), when imported. Tables that need what is absent return no rows.
    """

    persons: pl.DataFrame
    instrument: Instrument
    previous: pl.DataFrame | None = None
    comparisons: Mapping[str, pl.DataFrame] = field(default_factory=dict)
    minors: pl.DataFrame | None = None
    population: pl.DataFrame | None = None
    year: int | None = None

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
        columns, rows = self.function(ctx)
        keys = [c.key for c in columns]
        for row in rows:
            if list(row.values) != keys:
                raise ValueError(f"table {self.id}, row {row.key}: cells {list(row.values)}")
        return Table(self.id, self.title, tuple(columns), tuple(rows))


# Every table registered so far, in registration order. This module registers the fixed
# tables; `brukerplan.reports.registry` imports the modules of the others (annual,
# comparison) and computes them: import that module to have them all.
TABLES: dict[str, TableSpec] = {}


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
INDEX_GROUP_LABELS = {"gronn": "Grønn", "gul": "Gul", "rod": "Rød", "blalys": "Blålys"}
# The unit types of the exchange format (registration-format.md), labelled as
# `organisations.models.Unit.Type` (which this pure module cannot import).
UNIT_TYPES = {
    "helse_omsorg": "Helse og omsorg",
    "nav": "NAV",
    "barnevern": "Barnevern",
    "fastlege": "Fastlege",
    "annen": "Annen",
}
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


def share_table(
    ctx: Context, groups: Sequence[Group], columns: Sequence[tuple[Column, pl.Expr]]
) -> TableData:
    """Rows are groups; each cell is the share of the row's persons meeting the column's mask."""
    expressions: dict[str, pl.Expr] = {}
    for i, group in enumerate(groups):
        expressions[f"{i}"] = group.mask.sum()
        for j, (_, condition) in enumerate(columns):
            expressions[f"{i}|{j}"] = (group.mask & condition).sum()
    result = ctx.aggregate(expressions)
    rows = [
        Row(
            group.key,
            group.label,
            {
                column.key: Share(
                    result[f"{i}|{j}"],
                    result[f"{i}"],
                    numerator_of=group.mask & condition,
                    denominator_of=group.mask,
                )
                for j, (column, condition) in enumerate(columns)
            },
        )
        for i, group in enumerate(groups)
    ]
    return [column for column, _ in columns], rows


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
    """Rows are conditions, columns are groups; each cell is a share of the column's persons."""
    expressions: dict[str, pl.Expr] = {}
    for j, group in enumerate(groups):
        expressions[f"{j}"] = group.mask.sum()
        for i, item in enumerate(items):
            if item.only in (None, group.key):
                expressions[f"{i}|{j}"] = (item.mask & group.mask).sum()
    result = ctx.aggregate(expressions)
    rows = []
    for i, item in enumerate(items):
        values: dict[str, Cell] = {}
        for j, group in enumerate(groups):
            if item.only in (None, group.key):
                values[group.key] = Share(
                    result[f"{i}|{j}"],
                    result[f"{j}"],
                    numerator_of=item.mask & group.mask,
                    denominator_of=group.mask,
                )
            else:
                values[group.key] = NotApplicable()
        rows.append(Row(item.key, item.label, values))
    columns = [Column(g.key, g.label) for g in groups]
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


# --- the fixed tables of report-format.md ------------------------------------

ANTALL = Column("antall", "Antall")
ANDEL = Column("andel", "Andel (%)")


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
    columns = [ANTALL, Column("snitt", "Gjennomsnitt"), Column("standardavvik", "Standardavvik")]
    return columns, rows


@table("levekarsindeks_grupper", "Levekårsindeks i grupper etter kategori. Prosent")
def levekarsindeks_grupper(ctx: Context) -> TableData:
    """Figur 21: the index groups as % of the row's persons."""
    columns = [
        (Column(g.code, INDEX_GROUP_LABELS.get(g.code, g.code)), equals("indeksgruppe", g.code))
        for g in ctx.instrument.index_groups
    ]
    return share_table(ctx, standard_groups(ctx.instrument), columns)


@table("levekarsomrader", "Levekårsområdene etter hovedgruppe. Prosent")
def levekarsomrader(ctx: Context) -> TableData:
    """Figur 6-20, 42: each area's colours as % of the main group."""
    instrument = ctx.instrument
    items = []
    for area in instrument.index_areas:
        question = instrument.question(area)
        for colour in question.codes:
            label = f"{question.label}: {question.label_of(colour)}"
            items.append(Item(f"{area}:{colour}", label, equals(area, colour)))
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
    age = pl.col("alder")
    items = [
        Item("kjonn:mann", "Menn", equals("kjonn", "mann")),
        Item("kjonn:kvinne", "Kvinner", equals("kjonn", "kvinne")),
        *[
            Item(
                f"alder:{key}",
                f"Alder: {label}",
                (age >= low) if high is None else age.is_between(low, high),
            )
            for key, label, low, high in AGE_BANDS
        ],
        *option_items(instrument, "bor_med"),
        *[
            Item(f"barn:{key}", label, (pl.col(c) > 0).fill_null(False))
            for key, c, label in children
        ],
        *option_items(instrument, "aktiviteter"),
        *option_items(instrument, "livsopphold"),
        *[
            Item(f"enhetstype:{code}", f"Kartlagt av: {label}", equals("enhetstype", code))
            for code, label in UNIT_TYPES.items()
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
    return [Column("snitt", "Gjennomsnittsalder (år)")], rows


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
        Column("antall", "Antall kartlagte"),
        Column("med_barn", "Antall med barn"),
        Column("andel", "Andel med barn (%)"),
        Column("barn", "Antall barn"),
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
        Column("med_barnevern", "Har barneverntjenester"),
        Column("uten_barnevern", "Har ikke barneverntjenester"),
    ]
    return columns, rows


@table("tjenester_kategori", "Bruk av tjenester etter kategori. Prosent")
def tjenester_kategori(ctx: Context) -> TableData:
    """Tabell 13: at least one service of NAV, of the municipality, of specialist care."""
    question = ctx.instrument.question("tjenester")
    by_group = {g.key: g for g in question.option_groups}

    def any_of(*keys: str) -> pl.Expr:
        columns = [f"tjenester.{k}.{o.code}" for k in keys for o in by_group[k].options]
        return pl.any_horizontal([is_one(c) for c in columns])

    columns = [
        (Column("nav", by_group["nav"].label), any_of("nav")),
        (Column("kommune", "Kommunale tjenester"), any_of("kommune")),
        (Column("spesialist", "Spesialisthelsetjenester"), any_of(*SPECIALIST_GROUPS)),
    ]
    return share_table(ctx, standard_groups(ctx.instrument), columns)
