"""Coverage, trend and panel tables: the tables that look beyond the scope's own year.

Pure: no Django. Registered with `@table` like `brukerplan.reports.tables`
(`brukerplan.reports.registry` imports this module with the others). Every function
returns no rows when what it needs is absent from the `Context`.

What the tables read from the `Context` (passed in by `brukerplan.reports.document`):
  * `population`: inhabitants of *every* municipality of the country in the
    report year, one row per municipality: `kommunenummer` (String), `year`
    (Int), `adults` (Int, inhabitants 18 and over; null when unknown), `total`
    (Int). Municipalities are put in size classes by `total`
    (`brukerplan.organisations.population.SIZE_CLASSES`, those of Tabell 3 and 4
    in the 2020 report).
  * `comparisons`: adult persons (one row per person) of `fylke` (the county of
    a municipal report), `landet` (the country) and `storrelse` (municipalities
    of the same size class as the scope's municipality), as far as present.
  * `previous`: the previous year's adult persons of the same scope.

Decisions:
  * Coverage ("per 1 000") is mapped adult persons per 1 000 adult inhabitants
    of the municipalities *that have mapped persons* in the frame: a country or
    county where not every municipality mapped is not diluted by those that did
    not (the 2020 report's own calculation for an incomplete year). The rate is
    a `Mean` cell over the mapped persons (hidden when fewer than the threshold).
  * The number of municipalities and the inhabitants are `Count` cells without
    masks (they are not persons of any frame); a class of 1-4 municipalities
    shows its number as null, conservatively. When a mapped municipality of a
    row has no (adult) population figures, the row's inhabitants and rate are
    unknown: `NotApplicable` and a `Mean` without value.
  * Trends compare this year with the previous one in *the comparable
    selection*: the municipalities with adult persons in both years; both years
    are restricted to them. For a municipal report that is the municipality
    itself when it mapped last year, and nothing (no rows) when it did not.
    Every trend table has the fixed columns `forrige` and `denne`, labelled
    with the years (e.g. "2024", "2025"); rows are prefixed with the group
    (`rus`, `psykisk`, `alle`).
  * Masks of trend cells: the `denne` cells' masks are evaluated on
    `Context.persons` (they include the selection: `kommunenummer` in the
    comparable municipalities); the `forrige` cells' masks are evaluated on
    `Context.previous`.
  * A question or area missing from either year's instrument is left out.
  * Panel: the persons (`person_key`) among the adult persons of both years.
    Transitions count persons whose area has a colour in both years. Masks of
    panel cells are evaluated on `Context.persons` (the previous mapping's colour
    enters as `person_key` in the keys that had it). Improvement is a move to a
    better colour (rod -> gul -> gronn).
  * `trend_levekarsomrader` holds Figur 42-43 (and Tabell 15-16); Figur 40, 41,
    45 and 46 (sex, age, activities, plans) are `trend_bakgrunn`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from brukerplan.instrument.definition import differences
from brukerplan.organisations.population import SIZE_CLASS_LABELS, SIZE_CLASSES
from brukerplan.reports.tables import (
    ALLE,
    COUNT,
    GROUP_LABELS,
    INDEX,
    INDEX_GROUP_LABELS,
    MEAN,
    PERCENT,
    PSYKISK,
    RATE,
    RUS,
    Cell,
    Column,
    Context,
    Count,
    Group,
    Item,
    Mean,
    NotApplicable,
    Row,
    Share,
    TableData,
    age_items,
    all_persons,
    any_service,
    area_items,
    category_groups,
    equals,
    main_group,
    notes,
    option_items,
    service_kinds,
    sex_items,
    table,
)

COMPARISON_LABELS = {
    "fylke": "Fylket",
    "landet": "Hele landet",
    "storrelse": "Kommuner av samme størrelse",
}
COLOURS = ("gronn", "gul", "rod")  # best to worst
COLOUR_LABELS = {c: INDEX_GROUP_LABELS[c].lower() for c in COLOURS}  # the colour in a phrase


def size_class_label(key: str) -> str:
    """The municipalities of a size class as a label: "Kommuner med under 2 000 innbyggere"."""
    return f"Kommuner med {SIZE_CLASS_LABELS[key].lower()} innbyggere"


def with_size_class(population: pl.DataFrame) -> pl.DataFrame:
    """The population frame with a `storrelse` column (the size class key, from `total`,
    as `brukerplan.organisations.population.size_class` gives it)."""
    expression = pl.lit(None, dtype=pl.String)
    for key, _label, low, high in reversed(SIZE_CLASSES):
        bound = pl.col("total") >= low
        if high is not None:
            bound = bound & (pl.col("total") <= high)
        expression = pl.when(bound).then(pl.lit(key)).otherwise(expression)
    return population.with_columns(expression.alias("storrelse"))


def _population(ctx: Context) -> pl.DataFrame | None:
    """The population of the report year, with size classes; None when not imported."""
    population = ctx.population
    if population is None or population.height == 0:
        return None
    if ctx.year is not None and "year" in population.columns:
        population = population.filter(pl.col("year") == ctx.year)
    return with_size_class(population.select("kommunenummer", "adults", "total"))


def _in(codes: Sequence[str]) -> pl.Expr:
    return pl.col("kommunenummer").is_in(list(codes))


# --- coverage -------------------------------------------------------------------


@dataclass(frozen=True)
class _Coverage:
    municipalities: int
    adults: int | None  # None when a municipality's adults are unknown
    persons: int
    mask: pl.Expr

    def cells(self, with_municipalities: bool = True) -> dict[str, Cell]:
        cells: dict[str, Cell] = {}
        if with_municipalities:
            cells["kommuner"] = Count(self.municipalities)
        cells["innbyggere_18"] = NotApplicable() if self.adults is None else Count(self.adults)
        cells["kartlagte"] = Count(self.persons, of=self.mask)
        rate = None
        if self.adults:
            rate = 1000.0 * self.persons / self.adults
        cells["per_1000"] = Mean(rate, self.persons, of=self.mask)
        return cells


def _coverage(
    persons: pl.DataFrame, population: pl.DataFrame, codes: Sequence[str] | None = None
) -> _Coverage:
    """Coverage of the persons (restricted to `codes` when given) in their municipalities."""
    mask = pl.col("person_key").is_not_null() if codes is None else _in(codes)
    selected = persons.filter(mask)
    by_municipality = selected.group_by("kommunenummer").len()
    joined = by_municipality.join(population, on="kommunenummer", how="left")
    adults = None
    if joined.height and joined["adults"].null_count() == 0:
        adults = int(joined["adults"].sum())
    return _Coverage(joined.height, adults, selected.height, mask)


COVERAGE_COLUMNS = [
    Column("kommuner", "Antall kommuner", COUNT),
    Column("innbyggere_18", "Innbyggere 18 år og over", COUNT),
    Column("kartlagte", "Antall kartlagte", COUNT),
    Column("per_1000", "Kartlagte per 1 000 innbyggere 18 år og over", RATE),
]


@table("dekning_storrelse", "Kartlagte etter kommunestørrelse (folketall)")
def dekning_storrelse(ctx: Context) -> TableData:
    """Tabell 3 and 4: the scope's municipalities by size class, then `i_alt`.

    A municipality of the persons without population figures is counted in
    `uten_folketall` (present only then). Masks are on `Context.persons`.
    """
    population = _population(ctx)
    if population is None or ctx.persons.height == 0:
        return COVERAGE_COLUMNS, []
    mapped = ctx.persons["kommunenummer"].unique().to_list()
    known = population.filter(_in(mapped))
    rows = []
    for key, label, _low, _high in SIZE_CLASSES:
        codes = known.filter(pl.col("storrelse") == key)["kommunenummer"].to_list()
        rows.append(Row(key, label, _coverage(ctx.persons, population, codes).cells()))
    unknown = sorted(set(mapped) - set(known["kommunenummer"].to_list()))
    if unknown:
        coverage = _coverage(ctx.persons, population, unknown)
        rows.append(Row("uten_folketall", "Uten folketall", coverage.cells()))
    rows.append(Row("i_alt", "I alt", _coverage(ctx.persons, population).cells()))
    return COVERAGE_COLUMNS, rows


@table("dekning_per_1000", "Kartlagte per 1 000 innbyggere 18 år og over")
def dekning_per_1000(ctx: Context) -> TableData:
    """Rows `omfang` (the scope), then `fylke`, `landet`, `storrelse` when compared with.

    Each row's masks are evaluated on its own frame: `omfang` on
    `Context.persons`, the others on `Context.comparisons[<key>]`.
    """
    columns = COVERAGE_COLUMNS[1:]
    population = _population(ctx)
    if population is None or ctx.persons.height == 0:
        return columns, []
    rows = [Row("omfang", "Rapportens område", _scope_coverage(ctx, population))]
    for key in ("fylke", "landet", "storrelse"):
        frame = ctx.comparisons.get(key)
        if frame is None:
            continue
        label = COMPARISON_LABELS[key]
        if key == "storrelse":
            label = _size_label(ctx, population) or label
        rows.append(Row(key, label, _coverage(frame, population).cells(False)))
    return columns, rows


def _scope_coverage(ctx: Context, population: pl.DataFrame) -> dict[str, Cell]:
    return _coverage(ctx.persons, population).cells(False)


def _size_label(ctx: Context, population: pl.DataFrame) -> str | None:
    classes = population.filter(_in(ctx.persons["kommunenummer"].unique().to_list()))
    found = classes["storrelse"].unique().to_list()
    if len(found) != 1:
        return None
    return size_class_label(found[0])


# --- trends ---------------------------------------------------------------------


def comparable_municipalities(ctx: Context) -> list[str]:
    """The municipalities with adult persons in both years (the comparable selection)."""
    if ctx.previous is None or ctx.previous.height == 0 or ctx.persons.height == 0:
        return []
    now = set(ctx.persons["kommunenummer"].drop_nulls().to_list())
    before = set(ctx.previous["kommunenummer"].drop_nulls().to_list())
    return sorted(now & before)


def compared_years(ctx: Context) -> tuple[str, str] | None:
    """(previous year, this year) as labels, read from the frames; None without both."""
    if ctx.previous is None or ctx.previous.height == 0 or ctx.persons.height == 0:
        return None
    return str(ctx.previous["aar"].max()), str(ctx.persons["aar"].max())


def year_columns(ctx: Context, kind: str) -> list[Column]:
    """`forrige` and `denne` of `kind`, labelled with the years when both frames hold persons."""
    years = compared_years(ctx) or ("Forrige år", "Dette året")
    return [Column("forrige", years[0], kind), Column("denne", years[1], kind)]


@dataclass(frozen=True)
class TrendItem:
    """A row of a trend table: a count, a share of `denominator`, or a mean of `column`."""

    key: str
    label: str
    mask: pl.Expr
    denominator: pl.Expr | None = None  # a share when given
    column: str | None = None  # a mean of this column over `mask` when given
    kind: str | None = None  # a mean's: `MEAN`, or `INDEX` of the levekårsindeks

    @property
    def cell_kind(self) -> str:
        if self.column is not None:
            if self.kind is None:
                raise ValueError(f"trend item {self.key}: a mean says its kind")
            return self.kind
        return PERCENT if self.denominator is not None else COUNT

    def columns_used(self) -> set[str]:
        used = set(self.mask.meta.root_names())
        if self.denominator is not None:
            used |= set(self.denominator.meta.root_names())
        if self.column is not None:
            used.add(self.column)
        return used


def trend_table(ctx: Context, items: Sequence[TrendItem]) -> TableData:
    """Each item in the comparable selection of the previous year (`forrige`) and this (`denne`).

    The columns are of percentages when any item is a share, else of counts; an item of
    another kind (a mean) has it as its row's kind."""
    kind = PERCENT if any(item.denominator is not None for item in items) else COUNT
    if any(item.cell_kind not in (kind, MEAN, INDEX) for item in items):
        raise ValueError("a trend table mixes counts and shares")
    columns = year_columns(ctx, kind)
    selected = comparable_municipalities(ctx)
    if not selected:
        return columns, []
    assert ctx.previous is not None
    available = (set(ctx.persons.columns) & set(ctx.previous.columns)) - unshared_columns(ctx)
    items = [item for item in items if item.columns_used() <= available]
    selection = _in(selected)
    expressions: dict[str, pl.Expr] = {}
    for i, item in enumerate(items):
        mask = item.mask & selection
        expressions[f"n{i}"] = mask.sum()
        if item.denominator is not None:
            expressions[f"d{i}"] = (item.denominator & selection).sum()
        if item.column is not None:
            expressions[f"m{i}"] = pl.col(item.column).filter(mask).mean()
    results = {
        "forrige": ctx.aggregate(expressions, ctx.previous),
        "denne": ctx.aggregate(expressions, ctx.persons),
    }
    rows = []
    for i, item in enumerate(items):
        mask = item.mask & selection
        values: dict[str, Cell] = {}
        for column in ("forrige", "denne"):
            r = results[column]
            if item.column is not None:
                values[column] = Mean(r[f"m{i}"], r[f"n{i}"], of=mask, column=item.column)
            elif item.denominator is not None:
                values[column] = Share(
                    r[f"n{i}"],
                    r[f"d{i}"],
                    numerator_of=mask,
                    denominator_of=item.denominator & selection,
                )
            else:
                values[column] = Count(r[f"n{i}"], of=mask)
        own = item.cell_kind
        rows.append(Row(item.key, item.label, values, None if own == kind else own))
    return columns, rows


def unshared_columns(ctx: Context) -> set[str]:
    """The columns of questions in both years' versions with other options or another type:
    not compared (a share of an option list that changed does not mean the same)."""
    before = ctx.previous_instrument
    if before is None or before.version == ctx.instrument.version:
        return set()
    found: set[str] = set()
    for key in differences(before, ctx.instrument).changed:
        found |= set(before.question(key).columns) | set(ctx.instrument.question(key).columns)
    return found


TREND_TABLES = (
    "trend_kategorier",
    "trend_levekarsindeks",
    "trend_levekarsomrader",
    "trend_bakgrunn",
    "trend_tjenester",
    "panel_levekarsomrader",
    "panel_endring",
)


@notes
def version_notes(ctx: Context) -> dict[str, str]:
    """When the previous mapping used another instrument version: on every trend and panel
    table, that only what both versions share is compared, and what is left out."""
    before, now = ctx.previous_instrument, ctx.instrument
    years = compared_years(ctx)
    if before is None or before.version == now.version or years is None:
        return {}
    diff = differences(before, now)
    left = [
        *(before.question(k).label for k in diff.only_first),
        *(now.question(k).label for k in (*diff.changed, *diff.only_second)),
    ]
    text = (
        f"{years[0]} er kartlagt med versjon {before.version} av instrumentet og {years[1]} "
        f"med versjon {now.version}. Sammenligningen gjelder bare spørsmålene begge "
        "versjonene har felles, med de samme svarene"
    )
    text += f"; utelatt: {', '.join(left)}." if left else "."
    return dict.fromkeys(TREND_TABLES, text)


def _groups(*keys: str) -> list[Group]:
    return [all_persons() if key == ALLE else main_group(key) for key in keys]


def _share_items(groups: Sequence[Group], items: Sequence[Item]) -> list[TrendItem]:
    return [
        TrendItem(f"{g.key}:{i.key}", f"{GROUP_LABELS[g.key]}: {i.label}", g.mask & i.mask, g.mask)
        for g in groups
        for i in items
    ]


@table("trend_kategorier", "Antall kartlagte etter kategori. Sammenlignbart utvalg av kommuner")
def trend_kategorier(ctx: Context) -> TableData:
    """Tabell 14 by category: persons of the six categories, `rus`, `psykisk`, `alle`."""
    groups = [*category_groups(ctx.instrument), *_groups(RUS, PSYKISK, ALLE)]
    return trend_table(ctx, [TrendItem(g.key, g.label, g.mask) for g in groups])


@table("trend_levekarsindeks", "Levekårsindeks. Sammenlignbart utvalg av kommuner")
def trend_levekarsindeks(ctx: Context) -> TableData:
    """Figur 44: `<group>:snitt` (mean index) and `<group>:<index group>` (% of the group)."""
    items = []
    for group in _groups(RUS, PSYKISK, ALLE):
        label = GROUP_LABELS[group.key]
        items.append(
            TrendItem(
                f"{group.key}:snitt",
                f"{label}: gjennomsnittlig levekårsindeks",
                group.mask,
                column="levekarsindeks",
                kind=INDEX,
            )
        )
        for g in ctx.instrument.index_groups:
            items.append(
                TrendItem(
                    f"{group.key}:{g.code}",
                    f"{label}: {INDEX_GROUP_LABELS.get(g.code, g.code)} levekårsindeks",
                    group.mask & equals("indeksgruppe", g.code),
                    group.mask,
                )
            )
    return trend_table(ctx, items)


@table("trend_levekarsomrader", "Levekårsområdene. Sammenlignbart utvalg av kommuner. Prosent")
def trend_levekarsomrader(ctx: Context) -> TableData:
    """Tabell 15-16, Figur 42-43: `<group>:<area>:<colour>` as % of the group."""
    items = area_items(ctx.instrument, with_index=False)
    return trend_table(ctx, _share_items(_groups(RUS, PSYKISK), items))


@table("trend_bakgrunn", "Kjønn, alder, aktivitet og planer. Sammenlignbart utvalg. Prosent")
def trend_bakgrunn(ctx: Context) -> TableData:
    """Figur 40, 41, 45, 46: sex, age bands, activities, plans as % of the group; mean age."""
    instrument = ctx.instrument
    items = [
        *sex_items(),
        *age_items(),
        *option_items(instrument, "aktiviteter"),
        *option_items(instrument, "planer"),
    ]
    groups = _groups(RUS, PSYKISK)
    means = [
        TrendItem(
            f"{g.key}:alder_snitt",
            f"{GROUP_LABELS[g.key]}: gjennomsnittsalder",
            g.mask,
            column="alder",
            kind=MEAN,
        )  # fmt: skip
        for g in groups
    ]
    return trend_table(ctx, [*means, *_share_items(groups, items)])


@table("trend_tjenester", "Bruk av tjenester. Sammenlignbart utvalg av kommuner. Prosent")
def trend_tjenester(ctx: Context) -> TableData:
    """`<group>:nav|kommune|spesialist`: at least one service of the kind, % of the group."""
    instrument = ctx.instrument
    items = [
        Item(key, label, any_service(instrument, "tjenester", *groups))
        for key, label, groups in service_kinds(instrument)
    ]
    return trend_table(ctx, _share_items(_groups(RUS, PSYKISK, ALLE), items))


# --- panel ----------------------------------------------------------------------


def panel_keys(ctx: Context) -> list[str]:
    """The persons (`person_key`) among the adult persons of both years."""
    if ctx.previous is None or ctx.previous.height == 0 or ctx.persons.height == 0:
        return []
    now = set(ctx.persons["person_key"].drop_nulls().to_list())
    return sorted(now & set(ctx.previous["person_key"].drop_nulls().to_list()))


def _panel_areas(ctx: Context) -> list[str]:
    assert ctx.previous is not None
    return [
        area
        for area in ctx.instrument.index_areas
        if area in ctx.persons.columns and area in ctx.previous.columns
    ]


def _previous_colours(ctx: Context, keys: list[str], area: str) -> dict[str, list[str]]:
    """Per colour, the panel persons who had it last year."""
    assert ctx.previous is not None
    before = ctx.previous.filter(pl.col("person_key").is_in(keys)).select("person_key", area)
    return {
        colour: before.filter(pl.col(area) == colour)["person_key"].to_list() for colour in COLOURS
    }


@table(
    "panel_levekarsomrader",
    "Samme personer begge år: levekårsområdene ved forrige kartlegging og i år",
)
def panel_levekarsomrader(ctx: Context) -> TableData:
    """Figur 47: rows `<area>:<colour last year>`; columns `antall` (persons with a colour
    in both years), `gronn`, `gul`, `rod` (persons with that colour this year) and
    `andel_gronn`, `andel_gul`, `andel_rod` (% of `antall`).

    Masks are evaluated on `Context.persons`.
    """
    this, last = _panel_year_labels(ctx)
    columns = [
        Column("antall", f"Antall personer kartlagt i {last} og {this}", COUNT),
        *[Column(c, f"{INDEX_GROUP_LABELS[c]} i {this}", COUNT) for c in COLOURS],
        *[Column(f"andel_{c}", f"{INDEX_GROUP_LABELS[c]} i {this} (%)", PERCENT) for c in COLOURS],
    ]
    keys = panel_keys(ctx)
    if not keys:
        return columns, []
    expressions: dict[str, pl.Expr] = {}
    masks: dict[str, pl.Expr] = {}
    areas = _panel_areas(ctx)
    for area in areas:
        for before, had in _previous_colours(ctx, keys, area).items():
            row = pl.col("person_key").is_in(had) & pl.col(area).is_in(COLOURS).fill_null(False)
            masks[f"{area}|{before}"] = row
            for after in COLOURS:
                masks[f"{area}|{before}|{after}"] = row & equals(area, after)
    expressions = {k: m.sum() for k, m in masks.items()}
    r = ctx.aggregate(expressions)
    rows = []
    for area in areas:
        question = ctx.instrument.question(area)
        for before in COLOURS:
            row_mask = masks[f"{area}|{before}"]
            n = r[f"{area}|{before}"]
            values: dict[str, Cell] = {"antall": Count(n, of=row_mask)}
            for after in COLOURS:
                values[after] = Count(
                    r[f"{area}|{before}|{after}"], of=masks[f"{area}|{before}|{after}"]
                )
            for after in COLOURS:
                values[f"andel_{after}"] = Share(
                    r[f"{area}|{before}|{after}"],
                    n,
                    numerator_of=masks[f"{area}|{before}|{after}"],
                    denominator_of=row_mask,
                )
            label = f"{question.label}: {COLOUR_LABELS[before]} i {last}"
            rows.append(Row(f"{area}:{before}", label, values))
    return columns, rows


@table("panel_endring", "Samme personer begge år: endring i levekårsområdene. Prosent")
def panel_endring(ctx: Context) -> TableData:
    """Figur 47 summarised: per area, `antall` (persons with a colour in both years) and
    `uendret`, `bedre`, `verre` (% of them). Masks are evaluated on `Context.persons`.
    """
    this, last = _panel_year_labels(ctx)
    columns = [
        Column("antall", f"Antall personer kartlagt i {last} og {this}", COUNT),
        Column("uendret", "Uendret (%)", PERCENT),
        Column("bedre", "Bedre (%)", PERCENT),
        Column("verre", "Verre (%)", PERCENT),
    ]
    keys = panel_keys(ctx)
    if not keys:
        return columns, []
    masks: dict[str, pl.Expr] = {}
    areas = _panel_areas(ctx)
    for area in areas:
        had = _previous_colours(ctx, keys, area)
        conditions = {"uendret": [], "bedre": [], "verre": []}
        for i, before in enumerate(COLOURS):
            was = pl.col("person_key").is_in(had[before])
            for j, after in enumerate(COLOURS):
                kind = "uendret" if i == j else ("bedre" if j < i else "verre")
                conditions[kind].append(was & equals(area, after))
        masks[f"{area}|antall"] = pl.any_horizontal(
            [c for kind in conditions.values() for c in kind]
        )
        for kind, parts in conditions.items():
            masks[f"{area}|{kind}"] = pl.any_horizontal(parts)
    r = ctx.aggregate({k: m.sum() for k, m in masks.items()})
    rows = []
    for area in areas:
        total = masks[f"{area}|antall"]
        values: dict[str, Cell] = {"antall": Count(r[f"{area}|antall"], of=total)}
        for kind in ("uendret", "bedre", "verre"):
            values[kind] = Share(
                r[f"{area}|{kind}"],
                r[f"{area}|antall"],
                numerator_of=masks[f"{area}|{kind}"],
                denominator_of=total,
            )
        rows.append(Row(area, ctx.instrument.question(area).label, values))
    return columns, rows


def _panel_year_labels(ctx: Context) -> tuple[str, str]:
    """(this year, last year) as labels."""
    years = compared_years(ctx)
    if years is None:
        return "dette året", "forrige år"
    return years[1], years[0]
