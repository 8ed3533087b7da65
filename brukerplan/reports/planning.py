"""Tables for a municipality's planning: LAR, the summary "til planarbeidet", the county's
municipalities.

Pure: no Django. Registered with `@table` like `brukerplan.reports.tables`
(`brukerplan.reports.registry` imports this module with the others). Every cell carries
the masks of its persons, evaluated on `Context.persons`, so secondary suppression
protects these tables with the rest of the document.

Decisions:
  * LAR participants are the persons with the service `tjenester.tsb.lar` in the last
    12 months (the instrument's one LAR code); LAR is a treatment for opioid dependence,
    so the tables compare them with the other persons with rusproblem (`rus_uten_lar`)
    and all of `rus` (seed 000: Bergen's LAR participants' substance use, levekår and
    violence).
  * `planarbeid` puts the key numbers of a municipal plan in one table of two columns,
    `antall` and `andel` (% of all persons); rows of another kind say so (the rate
    per 1 000 is a `rate` row). The largest gaps are the `GAPS` services (not service
    groups) with most persons who need them next year without having received them, ties
    in the instrument's order, services without such persons left out; their numbers are
    `behov_tjenester`.`nytt_behov`.
  * `kommuner_fylke` has rows only in a county's document (`Context.scope_type`): one
    row per municipality of the county's persons, then `i_alt`. Coverage is as in
    `dekning_per_1000` (`brukerplan.reports.comparison`); without population figures the
    inhabitants are `NotApplicable` and the rate has no value.
"""

from __future__ import annotations

import polars as pl

from brukerplan.organisations.reference import municipalities_in
from brukerplan.reports.comparison import _coverage, _population
from brukerplan.reports.tables import (
    ALLE,
    COUNT,
    INDEX_GROUP_LABELS,
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
    Total,
    _children,
    all_persons,
    area_items,
    crosstab,
    equals,
    is_one,
    main_group,
    option_items,
    rus_groups,
    services,
    share_by_column_group,
    table,
)

LAR_COLUMN = "tjenester.tsb.lar"
GAPS = 5  # the largest gaps between needed and received services in `planarbeid`
MUNICIPALITY = "kommune:"  # the prefix of a municipality's row key in `kommuner_fylke`
COUNTY_TABLES = ("kommuner_fylke",)  # the tables with rows in a county's document only


def lar_mask() -> pl.Expr:
    return is_one(LAR_COLUMN)


def lar_groups() -> list[Group]:
    """LAR participants, the other persons with rusproblem, all with rusproblem."""
    rus = main_group(RUS).mask
    return [
        Group("lar", "LAR-deltakere", rus & lar_mask()),
        Group("rus_uten_lar", "Andre med rusproblemer", rus & ~lar_mask()),
        Group(RUS, "Alle med rusproblemer", rus),
    ]


@table("lar_deltakelse", "Deltakelse i LAR blant mottakere med rusproblemer")
def lar_deltakelse(ctx: Context) -> TableData:
    """The rus categories and `rus`: persons, LAR participants and their share."""
    groups = rus_groups(ctx.instrument)
    n, hits = crosstab(ctx.persons, [g.mask for g in groups], [lar_mask()])
    rows = [
        Row(
            group.key,
            group.label,
            {
                "antall": Count(n[i], of=group.mask),
                "lar": Count(hits[i][0], of=group.mask & lar_mask()),
                "andel": Share(
                    hits[i][0],
                    n[i],
                    numerator_of=group.mask & lar_mask(),
                    denominator_of=group.mask,
                ),
            },
        )
        for i, group in enumerate(groups)
    ]
    columns = [
        Column("antall", "Antall kartlagte", COUNT),
        Column("lar", "Antall i LAR", COUNT),
        Column("andel", "Andel i LAR (%)", PERCENT),
    ]
    return columns, rows


@table("lar_rusmidler", "Rusmiddelbruk hos LAR-deltakere. Prosent")
def lar_rusmidler(ctx: Context) -> TableData:
    """Every substance, injection, overdose and risk of overdose as % of the column's group."""
    q = ctx.instrument.question
    items = [
        *option_items(ctx.instrument, "rusmidler"),
        *[Item(k, q(k).label, is_one(k)) for k in ("injiserer", "overdose", "fare_overdose")],
    ]
    return share_by_column_group(ctx, items, lar_groups())


def violence_items() -> list[Item]:
    exposed, violent = is_one("utsatt_vold"), is_one("utover_vold")
    return [
        Item("vold:utsatt", "Vold og trusler: utsatt for vold eller trusler", exposed),
        Item("vold:utover", "Vold og trusler: utsetter andre for vold eller trusler", violent),
        Item("vold:begge", "Vold og trusler: både utsatt og utsetter andre", exposed & violent),
    ]


@table("lar_levekar", "Levekår og vold hos LAR-deltakere. Prosent")
def lar_levekar(ctx: Context) -> TableData:
    """The eight areas by colour, the index groups and violence, % of the column's group."""
    items = [*area_items(ctx.instrument), *violence_items()]
    return share_by_column_group(ctx, items, lar_groups())


def largest_gaps(ctx: Context) -> list[tuple[str, str, pl.Expr, int]]:
    """(service code, label, mask, persons) of the `GAPS` services most needed next year by
    persons who did not receive them, ties in the instrument's order; none of 0 persons."""
    candidates = []
    question = ctx.instrument.question("tjenester")
    for group in question.option_groups:
        for code, option in services(ctx.instrument, "tjenester", group.key):
            mask = is_one(f"behov.{code}") & ~is_one(f"tjenester.{code}")
            candidates.append((code, f"{group.label}: {option}", mask))
    _, (sums,) = crosstab(ctx.persons, [all_persons().mask], [m for _, _, m in candidates])
    found = [(*candidate, int(n)) for candidate, n in zip(candidates, sums, strict=True)]
    ranked = sorted(found, key=lambda c: -c[3])  # stable: ties in the instrument's order
    return [c for c in ranked if c[3] > 0][:GAPS]


@table("planarbeid", "Til planarbeidet: nøkkeltall")
def planarbeid(ctx: Context) -> TableData:
    """Persons, main groups, per 1 000, index groups, parents and children, LAR, the largest
    gaps between needed and received services; `andel` is of all persons."""
    columns = [
        Column("antall", "Antall", COUNT),
        Column("andel", "Andel av de kartlagte (%)", PERCENT),
    ]
    if ctx.persons.height == 0:
        return columns, []
    everyone = all_persons().mask
    children = _children()
    parents = everyone & (children > 0)
    counted: list[tuple[str, str, pl.Expr]] = [
        (ALLE, "Kartlagte personer (18 år og over)", everyone),
        (RUS, "Med rusproblemer", main_group(RUS).mask),
        (PSYKISK, "Med kun psykiske problemer", main_group(PSYKISK).mask),
        *[
            (
                f"indeksgruppe:{g.code}",
                f"Levekårsindeks: {INDEX_GROUP_LABELS.get(g.code, g.code)}",
                equals("indeksgruppe", g.code),
            )
            for g in ctx.instrument.index_groups
        ],
        ("med_barn", "Har egne barn under 18 år", parents),
        ("lar", "I LAR", lar_mask()),
    ]
    gaps = largest_gaps(ctx)
    counted += [
        (f"behov:{code}", f"Behov, ikke mottatt: {label}", mask) for code, label, mask, _ in gaps
    ]
    (alle,), (sums,) = crosstab(ctx.persons, [everyone], [m for _, _, m in counted])
    sums = [int(s) for s in sums]
    number_of_children = int(ctx.persons.select(children.sum()).item())
    rows: list[Row] = []
    for (key, label, mask), n in zip(counted, sums, strict=True):
        share = Share(n, alle, numerator_of=mask, denominator_of=everyone)
        rows.append(Row(key, label, {"antall": Count(n, of=mask), "andel": share}))
        if key == ALLE:
            rows.extend(_rate_row(ctx))
        if key == "med_barn":
            total = Total(number_of_children, n, of=parents, column=children)
            rows.append(Row("barn", "Antall barn de har", {"antall": total, "andel": _na()}))
    return columns, rows


def _na() -> Cell:
    return NotApplicable()


def _rate_row(ctx: Context) -> list[Row]:
    population = _population(ctx)
    if population is None:
        return []
    rate = _coverage(ctx.persons, population).cells(False)["per_1000"]
    label = "Kartlagte per 1 000 innbyggere 18 år og over"
    return [Row("per_1000", label, {"antall": rate, "andel": _na()}, RATE)]


@table("kommuner_fylke", "Kommunene i fylket: kartlagte, dekning og levekårsindeks")
def kommuner_fylke(ctx: Context) -> TableData:
    """A county's municipalities (`kommune:<code>`, by code) and `i_alt`: persons,
    inhabitants 18 and over, persons per 1 000 of them, and the index groups as % of the
    row's persons. Masks are on `Context.persons`."""
    index_groups = ctx.instrument.index_groups
    columns = [
        Column("kartlagte", "Antall kartlagte", COUNT),
        Column("innbyggere_18", "Innbyggere 18 år og over", COUNT),
        Column("per_1000", "Kartlagte per 1 000 innbyggere 18 år og over", RATE),
        *[
            Column(g.code, f"{INDEX_GROUP_LABELS.get(g.code, g.code)} levekårsindeks (%)", PERCENT)
            for g in index_groups
        ],
    ]
    if ctx.scope_type != "county" or ctx.persons.height == 0:
        return columns, []
    codes = sorted(ctx.persons["kommunenummer"].drop_nulls().unique().to_list())
    names = municipalities_in(ctx.year) if ctx.year is not None else {}
    groups = [
        Group(
            f"{MUNICIPALITY}{code}",
            f"{code} {names[code].name}" if code in names else code,
            equals("kommunenummer", code),
        )
        for code in codes
    ]
    groups.append(Group("i_alt", "I alt", all_persons().mask))
    masks = [equals("indeksgruppe", g.code) for g in index_groups]
    n, hits = crosstab(ctx.persons, [g.mask for g in groups], masks)
    population = _population(ctx)
    rows = []
    for i, group in enumerate(groups):
        values: dict[str, Cell] = {}
        if population is None:
            values["kartlagte"] = Count(n[i], of=group.mask)
            values["innbyggere_18"] = NotApplicable()
            values["per_1000"] = Mean(None, n[i], of=group.mask)
        else:
            selected = None if group.key == "i_alt" else [group.key.removeprefix(MUNICIPALITY)]
            coverage = _coverage(ctx.persons, population, selected).cells(False)
            # The same persons as the group's mask: one quantity for secondary suppression.
            values["kartlagte"] = Count(n[i], of=group.mask)
            values["innbyggere_18"] = coverage["innbyggere_18"]
            rate = coverage["per_1000"]
            assert isinstance(rate, Mean)
            values["per_1000"] = Mean(rate.value, n[i], of=group.mask)
        for j, g in enumerate(index_groups):
            values[g.code] = Share(
                hits[i][j], n[i], numerator_of=group.mask & masks[j], denominator_of=group.mask
            )
        rows.append(Row(group.key, group.label, values))
    return columns, rows
