"""The tables of the national annual report (seed 003, the 2020 report) not among the fixed ones.

Pure: no Django. Every Tabell and Figur of the 2020 report that can be computed
from one scope's persons of one year gets a table here, registered with the same
`@table` decorator as the fixed tables of `brukerplan.reports.tables`, so that it
appears in every report document (national, county, municipality, region).
docs/report-tables.md lists every Tabell and Figur of the report with the ids
that carry it (the comparisons, trends and panel are built elsewhere).

Every cell carries the masks of its persons (`of`; `numerator_of` and
`denominator_of` for a share), evaluated on `Context.persons`, or on
`Context.minors` for the tables of the under-18 chapter (ids `unge_*`), which
have no rows when there are no minors. Each table is one `group_by` over its frame
(see `tables.crosstab`).

Decisions where the seed is silent or the instrument differs from 2020:
  * Figures of the seed by main group (rus / kun psykisk) get a third column
    `alle`; the shares of `rus` and `psykisk` are as in the seed.
  * Figur 12 (time since the last job) counts persons aged 18-59 who do not
    receive `tjenester.nav.varig_trygd` and were asked the question (have some
    work experience), as the seed's N does.
  * Figur 16 is the `rus` row of `rusmidler_kategori` (Figur 18); Figur 28 is the
    `rus` and `psykisk` rows of `planer_kategori` (Figur 26-27); Figur 30-35 are
    `tjenester_<group>` with the six categories, `rus`, `psykisk` and `alle` as
    columns (the seed shows `rus` and `psykisk`, Figur 32 the rus categories).
  * Figur 17 counts persons with rusproblem who use at least one substance, by
    age band; each share is of the age band.
  * Figur 24 rows are the parents with daily care of or contact with (samvær)
    own children, per main group and per relation; Figur 25 the persons with
    contact with other people's children (any option of `andres_barn` but
    `ingen`).
  * Figur 29: the mean number of services (of the 12-month `tjenester`) per
    index group among persons with at least one service. Its `Mean.column` is
    the Polars expression of the per-person number (as `Total.column`), since
    the number is not a column of the frame.
  * Figur 36-37 merge mindre alvorlig ROP and alvorlig ROP into `rop`, as the
    seed does for the under-18s (few persons).
  * Figur 39 compares the under-18s with two adult age groups: the under-18
    part is `unge_levekarsomrader` (on the minors), the adult part
    `levekarsomrader_alder` (18-23 and 24 and older, on the adults).
  * `behov_tjenester` (not in the seed; asked for by municipalities for
    planning): per service, the persons who received it in the last 12 months,
    who need it in the next 12 months (`behov`), who need it without having it
    and who have it without needing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import polars as pl

from brukerplan.instrument import definition
from brukerplan.instrument.definition import Instrument
from brukerplan.reports.tables import (
    ALLE,
    COUNT,
    INDEX_GROUP_LABELS,
    MEAN,
    PERCENT,
    PSYKISK,
    RUS,
    SEXES,
    Cell,
    Column,
    Context,
    Count,
    Group,
    Item,
    Mean,
    Row,
    Share,
    TableData,
    Total,
    age_items,
    age_mask,
    all_persons,
    any_service,
    area_items,
    category_groups,
    crosstab,
    equals,
    index_group_columns,
    is_one,
    main_group,
    option_items,
    rus_groups,
    service_kinds,
    services,
    sex_items,
    share_by_column_group,
    share_table,
    standard_groups,
    table,
)

# --- counts of groups by groups -------------------------------------------------


def counts(ctx: Context, groups: Sequence[Group], columns: Sequence[Group]) -> TableData:
    """Rows are groups, columns are groups; each cell counts the persons in both."""
    _, hits = crosstab(ctx.persons, [g.mask for g in groups], [c.mask for c in columns])
    rows = [
        Row(
            row.key,
            row.label,
            {
                column.key: Count(hits[i][j], of=row.mask & column.mask)
                for j, column in enumerate(columns)
            },
        )
        for i, row in enumerate(groups)
    ]
    return [Column(c.key, c.label, COUNT) for c in columns], rows


# --- helpers ----------------------------------------------------------------


def main_groups() -> list[Group]:
    """`rus`, `psykisk`, `alle`: the columns of the seed's figures by main group."""
    return [main_group(RUS), main_group(PSYKISK), all_persons()]


def single_items(instrument: Instrument, key: str) -> list[Item]:
    """One row per option of a single question: `<key>:<code>`."""
    question = instrument.question(key)
    return [
        Item(f"{key}:{code}", f"{question.label}: {question.label_of(code)}", equals(key, code))
        for code in question.codes
    ]


def by_index_group(instrument: Instrument) -> list[Group]:
    """The index groups as groups of persons (`indeksgruppe`), labelled."""
    return [
        Group(g.code, INDEX_GROUP_LABELS.get(g.code, g.code), equals("indeksgruppe", g.code))
        for g in instrument.index_groups
    ]


def service_count(instrument: Instrument, question_key: str, *group_keys: str) -> pl.Expr:
    """The number of services of the given catalogue groups a person has (0 when not asked)."""
    return pl.sum_horizontal(
        [
            pl.col(f"{question_key}.{code}").fill_null(0).cast(pl.Int64)
            for group_key in group_keys
            for code, _ in services(instrument, question_key, group_key)
        ]
    )


def service_groups(instrument: Instrument) -> list[tuple[str, str]]:
    return [(g.key, g.label) for g in instrument.question("tjenester").option_groups]


def minors_context(ctx: Context) -> Context | None:
    """The context of the under-18 chapter: the minors as its persons (None when there are none)."""
    if ctx.minors is None or ctx.minors.height == 0:
        return None
    return replace(ctx, persons=ctx.minors)


# --- background (Figur 1-5) ----------------------------------------------------


@table("kjonn_kategori", "Kategorier etter andel av menn og av kvinner. Prosent")
def kjonn_kategori(ctx: Context) -> TableData:
    """Figur 1: each category (and main group) as % of the men, of the women, of all."""
    instrument = ctx.instrument
    items = [
        Item(g.key, g.label, g.mask)
        for g in [*category_groups(instrument), main_group(RUS), main_group(PSYKISK)]
    ]
    groups = [Group(code, label, equals("kjonn", code)) for code, label in SEXES.items()]
    groups.append(all_persons())
    return share_by_column_group(ctx, items, groups)


@table("alder_fordeling", "Aldersfordeling etter hovedgruppe. Prosent")
def alder_fordeling(ctx: Context) -> TableData:
    """Figur 2: age bands as % of the main group."""
    return share_by_column_group(ctx, age_items(), main_groups())


@table("utdanning", "Høyeste fullførte utdanning etter hovedgruppe. Prosent")
def utdanning(ctx: Context) -> TableData:
    """Figur 3."""
    return share_by_column_group(ctx, single_items(ctx.instrument, "utdanning"), main_groups())


@table("fodeland", "Fødeland etter hovedgruppe. Prosent")
def fodeland(ctx: Context) -> TableData:
    """Figur 4."""
    return share_by_column_group(ctx, single_items(ctx.instrument, "fodeland"), main_groups())


@table("bor_med", "Hvem de bor med etter hovedgruppe. Prosent")
def bor_med(ctx: Context) -> TableData:
    """Figur 5: every option of bor_med (a person may have several)."""
    return share_by_column_group(ctx, option_items(ctx.instrument, "bor_med"), main_groups())


# --- the eight areas by category (Figur 6, 7, 9, 13-15, 19, 20) ----------------

AREA_FIGURES = {
    "bosituasjon": "Figur 6",
    "meningsfull_aktivitet": "Figur 7",
    "okonomi": "Figur 9",
    "fysisk_helse": "Figur 13",
    "psykisk_helse": "Figur 14",
    "rusmiddelbruk": "Figur 15",
    "sosial_fungering": "Figur 19",
    "nettverk": "Figur 20",
}
# Table titles are fixed when the tables are registered (at import), so the words the
# instrument owns (area and service group labels) are taken from the current version.
_LABELS_FROM = definition.current()


def _register_area(area: str) -> None:
    def area_by_category(ctx: Context) -> TableData:
        instrument = ctx.instrument
        question = instrument.question(area)
        columns = [(Column(c, question.label_of(c)), equals(area, c)) for c in question.codes]
        # Rusmiddelbruk is green by definition without rusproblem: the seed shows the rus groups.
        groups = rus_groups(instrument) if area == "rusmiddelbruk" else standard_groups(instrument)
        return share_table(ctx, groups, columns)

    area_by_category.__name__ = f"levekarsomrade_{area}"
    area_by_category.__doc__ = f"{AREA_FIGURES[area]}: the colours of {area} as % of the row."
    suffix = " for mottakere med rusproblemer" if area == "rusmiddelbruk" else ""
    label = _LABELS_FROM.question(area).label
    title = f"Levekårsområdet {label.lower()} etter kategori{suffix}. Prosent"
    table(f"levekarsomrade_{area}", title)(area_by_category)


for _area in AREA_FIGURES:
    _register_area(_area)


# --- activity and income (Figur 8, 10-12) ---------------------------------------


@table("aktiviteter", "Type aktivitet etter hovedgruppe. Prosent")
def aktiviteter(ctx: Context) -> TableData:
    """Figur 8."""
    return share_by_column_group(ctx, option_items(ctx.instrument, "aktiviteter"), main_groups())


@table("livsopphold", "Kilde til livsopphold etter hovedgruppe. Prosent")
def livsopphold(ctx: Context) -> TableData:
    """Figur 10, with the job percentage of those in ordinary work (the text of Figur 10)."""
    instrument = ctx.instrument
    items = option_items(instrument, "livsopphold")
    question = instrument.question("stillingsprosent")
    for code in question.codes:
        items.append(
            Item(
                f"stillingsprosent:{code}",
                f"{question.label}: {question.label_of(code)}",
                equals("stillingsprosent", code),
            )
        )
    return share_by_column_group(ctx, items, main_groups())


@table("arbeidserfaring", "Samlet arbeidserfaring etter hovedgruppe. Prosent")
def arbeidserfaring(ctx: Context) -> TableData:
    """Figur 11."""
    items = single_items(ctx.instrument, "arbeidserfaring")
    return share_by_column_group(ctx, items, main_groups())


@table(
    "tid_siden_arbeid",
    "Tid siden forrige arbeidsforhold etter hovedgruppe, 18–59 år uten varig trygd. Prosent",
)
def tid_siden_arbeid(ctx: Context) -> TableData:
    """Figur 12: persons 18-59 without varige trygdeytelser who were asked the question."""
    selected = (
        age_mask(18, 59)
        & ~is_one("tjenester.nav.varig_trygd")
        & pl.col("tid_siden_arbeid").is_not_null()
    )
    groups = [Group(g.key, g.label, g.mask & selected) for g in main_groups()]
    return share_by_column_group(ctx, single_items(ctx.instrument, "tid_siden_arbeid"), groups)


# --- substances (Figur 16-18) --------------------------------------------------


def substance_columns(instrument: Instrument) -> list[tuple[Column, pl.Expr]]:
    question = instrument.question("rusmidler")
    columns = [
        (Column(code, question.label_of(code)), is_one(column))
        for code, column in zip(question.codes, question.columns, strict=True)
    ]
    columns.append(
        (Column("injiserer", instrument.question("injiserer").label), is_one("injiserer"))
    )
    return columns


@table(
    "rusmidler_kategori", "Bruk av rusmidler etter kategori for mottakere med rusproblemer. Prosent"
)
def rusmidler_kategori(ctx: Context) -> TableData:
    """Figur 16 (row `rus`) and Figur 18: every substance and injection as % of the row."""
    return share_table(ctx, rus_groups(ctx.instrument), substance_columns(ctx.instrument))


@table(
    "rusmidler_alder",
    "Bruk av rusmidler etter alder for mottakere som bruker minst ett rusmiddel. Prosent",
)
def rusmidler_alder(ctx: Context) -> TableData:
    """Figur 17: persons with rusproblem using at least one substance, by age band."""
    question = ctx.instrument.question("rusmidler")
    using = main_group(RUS).mask & pl.any_horizontal([is_one(c) for c in question.columns])
    groups = [Group(i.key, i.label, i.mask & using) for i in age_items()]
    groups.append(Group(ALLE, "Alle som bruker minst ett rusmiddel", using))
    columns = [c for c in substance_columns(ctx.instrument) if c[0].key != "injiserer"]
    return share_table(ctx, groups, columns)


# --- children (Figur 22-25) ---------------------------------------------------

CHILD_RELATIONS = (
    ("omsorg", "barn_omsorg", "Daglig omsorg"),
    ("samvaer", "barn_samvaer", "Samvær"),
    ("ingen_kontakt", "barn_ingen_kontakt", "Ingen kontakt"),
)


def _number(column: str) -> pl.Expr:
    return pl.col(column).fill_null(0)


def _all_children() -> pl.Expr:
    return pl.sum_horizontal(*[_number(c) for _, c, _ in CHILD_RELATIONS])


@table("barn_antall_kategori", "Antall barn etter forelderens kategori og kontakt")
def barn_antall_kategori(ctx: Context) -> TableData:
    """Figur 22: the number of own children under 18 by the relation, over the parents."""
    groups = standard_groups(ctx.instrument)
    numbers = [(key, label, _number(c)) for key, c, label in CHILD_RELATIONS]
    numbers.append(("alle", "Alle barn", _all_children()))
    values_ = [number > 0 for _, _, number in numbers] + [number for _, _, number in numbers]
    _, sums = crosstab(ctx.persons, [g.mask for g in groups], values_)
    rows = []
    for i, group in enumerate(groups):
        values: dict[str, Cell] = {}
        for j, (key, _, number) in enumerate(numbers):
            values[key] = Total(
                int(sums[i][len(numbers) + j]),
                sums[i][j],
                of=group.mask & (number > 0),
                column=number,
            )
        rows.append(Row(group.key, group.label, values))
    return [Column(key, label, COUNT) for key, label, _ in numbers], rows


@table("barn_kontakt_kategori", "Kontakt med egne barn etter kategori, mottakere med barn. Prosent")
def barn_kontakt_kategori(ctx: Context) -> TableData:
    """Figur 23: % of the parents (own children under 18) with a child in each relation."""
    parents = _all_children() > 0
    groups = [Group(g.key, g.label, g.mask & parents) for g in standard_groups(ctx.instrument)]
    columns = [(Column(key, label), _number(c) > 0) for key, c, label in CHILD_RELATIONS]
    return share_table(ctx, groups, columns)


@table(
    "barn_levekarsindeks",
    "Mottakere med omsorg for eller samvær med barn etter levekårsindeks. Prosent",
)
def barn_levekarsindeks(ctx: Context) -> TableData:
    """Figur 24: parents with daily care or samvær, per main group, as % of the row."""
    care, contact = _number("barn_omsorg") > 0, _number("barn_samvaer") > 0
    groups = []
    for g in main_groups():
        groups.append(Group(g.key, f"{g.label}: omsorg eller samvær", g.mask & (care | contact)))
        groups.append(Group(f"{g.key}:omsorg", f"{g.label}: omsorg", g.mask & care))
        groups.append(Group(f"{g.key}:samvaer", f"{g.label}: samvær", g.mask & contact))
    return share_table(ctx, groups, index_group_columns(ctx.instrument))


@table(
    "andres_barn_levekarsindeks",
    "Mottakere med kontakt med andres barn etter levekårsindeks. Prosent",
)
def andres_barn_levekarsindeks(ctx: Context) -> TableData:
    """Figur 25: persons living with or in regular contact with other people's children."""
    question = ctx.instrument.question("andres_barn")
    contact = pl.any_horizontal(
        [
            is_one(column)
            for code, column in zip(question.codes, question.columns, strict=True)
            if code != "ingen"
        ]
    )
    groups = [Group(g.key, g.label, g.mask & contact) for g in main_groups()]
    return share_table(ctx, groups, index_group_columns(ctx.instrument))


# --- plans (Figur 26-28) -------------------------------------------------------


@table("planer_kategori", "Planer og samarbeidsgrupper etter kategori. Prosent")
def planer_kategori(ctx: Context) -> TableData:
    """Figur 26 (`ingen`), 27 (`individuell_plan`), 28 (rows `rus`, `psykisk`)."""
    instrument = ctx.instrument
    question = instrument.question("planer")
    columns = [
        (Column(code, question.label_of(code)), is_one(column))
        for code, column in zip(question.codes, question.columns, strict=True)
    ]
    columns.append(
        (Column("pakkeforlop", instrument.question("pakkeforlop").label), is_one("pakkeforlop"))
    )
    return share_table(ctx, standard_groups(instrument), columns)


# --- services (Figur 29-35) and the planning figure ---------------------------------


@table(
    "tjenester_antall_indeks",
    "Gjennomsnittlig antall tjenester etter levekårsindeks, mottakere med minst én tjeneste",
)
def tjenester_antall_indeks(ctx: Context) -> TableData:
    """Figur 29: persons with at least one service, mean number of services, per index group."""
    instrument = ctx.instrument
    every = [key for key, _ in service_groups(instrument)]
    served = any_service(instrument, "tjenester", *every)
    kinds = [
        ("snitt", "Alle tjenester", every),
        *[(f"snitt_{key}", label, list(keys)) for key, label, keys in service_kinds(instrument)],
        ("snitt_andre", dict(service_groups(instrument))["andre"], ["andre"]),
    ]
    numbers = [
        (key, label, service_count(instrument, "tjenester", *keys)) for key, label, keys in kinds
    ]
    columns_of = {
        key: [f"tjenester.{c}" for g in keys for c, _ in services(instrument, "tjenester", g)]
        for key, _, keys in kinds
    }
    groups = [*by_index_group(instrument), all_persons()]
    # Sums of the 0/1 service columns rather than of the per-person numbers: far fewer operations.
    every_column = columns_of["snitt"]
    n, sums = crosstab(
        ctx.persons,
        [g.mask & served for g in groups],
        [pl.col(c).fill_null(0).cast(pl.Int64) for c in every_column],
    )
    position = {c: j for j, c in enumerate(every_column)}
    rows = []
    for i, group in enumerate(groups):
        mask = group.mask & served
        values: dict[str, Cell] = {"antall": Count(n[i], of=mask)}
        for key, _, number in numbers:
            total = sum(sums[i][position[c]] for c in columns_of[key])
            mean = total / n[i] if n[i] else None
            values[key] = Mean(mean, n[i], of=mask, column=number)  # type: ignore[arg-type]
        rows.append(Row(group.key, group.label, values))
    columns = [Column("antall", "Antall med minst én tjeneste", COUNT)]
    columns += [Column(key, f"Snitt antall: {label}", MEAN) for key, label, _ in numbers]
    return columns, rows


def service_rows(instrument: Instrument, group_key: str, label: str) -> list[Item]:
    """`<group>` (at least one service of the group), then `<group>.<option>` per service."""
    items = [
        Item(
            group_key,
            f"{label}: minst én tjeneste",
            any_service(instrument, "tjenester", group_key),
        )
    ]
    for code, option in services(instrument, "tjenester", group_key):
        items.append(Item(code, option, is_one(f"tjenester.{code}")))
    return items


SERVICE_FIGURES = {
    "nav": "Figur 30",
    "kommune": "Figur 31",
    "tsb": "Figur 32",
    "phv": "Figur 33",
    "somatikk": "Figur 34",
    "andre": "Figur 35",
}
# The titles of Figur 30, 32 and 33 say "services of" the catalogue group, whose
# instrument label names the agency ("NAV") or the field ("Psykisk helsevern"); the
# other figures are titled with the group's label itself.
SERVICE_TITLES = {
    "nav": "NAV-tjenester",
    "tsb": "Tjenester i tverrfaglig spesialisert rusbehandling (TSB)",
    "phv": "Tjenester i psykisk helsevern",
}


def _register_services(group_key: str) -> None:
    def services_by_category(ctx: Context) -> TableData:
        instrument = ctx.instrument
        label = dict(service_groups(instrument))[group_key]
        items = service_rows(instrument, group_key, label)
        return share_by_column_group(ctx, items, standard_groups(instrument))

    services_by_category.__name__ = f"tjenester_{group_key}"
    services_by_category.__doc__ = (
        f"{SERVICE_FIGURES[group_key]}: each service of {group_key} as % of the column's persons."
    )
    title = SERVICE_TITLES.get(group_key) or dict(service_groups(_LABELS_FROM))[group_key]
    table(f"tjenester_{group_key}", f"{title} etter kategori. Prosent")(services_by_category)


for _group in SERVICE_FIGURES:
    _register_services(_group)


@table("tjenester_indeksgruppe", "Bruk av tjenester etter levekårsindeks. Prosent")
def tjenester_indeksgruppe(ctx: Context) -> TableData:
    """Figur 29-35 by index group: every service (and service group) as % of the index group."""
    instrument = ctx.instrument
    items = [
        item
        for key, label in service_groups(instrument)
        for item in service_rows(instrument, key, label)
    ]
    groups = [*by_index_group(instrument), all_persons()]
    return share_by_column_group(ctx, items, groups)


@table(
    "behov_tjenester",
    "Tjenester mottatt siste 12 måneder og behov de neste 12 månedene",
)
def behov_tjenester(ctx: Context) -> TableData:
    """The planning figure: per service (and group), received against needed next year."""
    instrument = ctx.instrument
    everyone = all_persons().mask
    rows_spec: list[tuple[str, str, pl.Expr, pl.Expr]] = []
    for group_key, label in service_groups(instrument):
        rows_spec.append(
            (
                group_key,
                f"{label}: minst én tjeneste",
                any_service(instrument, "tjenester", group_key),
                any_service(instrument, "behov", group_key),
            )
        )
        for code, option in services(instrument, "tjenester", group_key):
            rows_spec.append(
                (code, f"{label}: {option}", is_one(f"tjenester.{code}"), is_one(f"behov.{code}"))
            )
    values = []
    for _, _, received, needed in rows_spec:
        values += [received, needed, received & needed]
    (alle,), (sums,) = crosstab(ctx.persons, [everyone], values)
    r: dict[str, int] = {"alle": alle}
    for i in range(len(rows_spec)):
        received_, needed_, both = sums[3 * i], sums[3 * i + 1], sums[3 * i + 2]
        r.update({f"m{i}": received_, f"b{i}": needed_})
        r.update({f"ny{i}": needed_ - both, f"slutt{i}": received_ - both})
    rows = []
    for i, (key, label, received, needed) in enumerate(rows_spec):
        rows.append(
            Row(
                key,
                label,
                {
                    "mottatt": Count(r[f"m{i}"], of=received),
                    "behov": Count(r[f"b{i}"], of=needed),
                    "nytt_behov": Count(r[f"ny{i}"], of=needed & ~received),
                    "ikke_behov": Count(r[f"slutt{i}"], of=received & ~needed),
                    "andel_mottatt": Share(
                        r[f"m{i}"], r["alle"], numerator_of=received, denominator_of=everyone
                    ),
                    "andel_behov": Share(
                        r[f"b{i}"], r["alle"], numerator_of=needed, denominator_of=everyone
                    ),
                },
            )
        )
    columns = [
        Column("mottatt", "Mottatt siste 12 måneder", COUNT),
        Column("behov", "Behov neste 12 måneder", COUNT),
        Column("nytt_behov", "Behov, men ikke mottatt", COUNT),
        Column("ikke_behov", "Mottatt, men ikke behov", COUNT),
        Column("andel_mottatt", "Andel mottatt (%)", PERCENT),
        Column("andel_behov", "Andel med behov (%)", PERCENT),
    ]
    return columns, rows


# --- the areas by age (Figur 39, adults) -----------------------------------------


@table(
    "levekarsomrader_alder",
    "Levekårsområdene etter hovedgruppe og alder (18–23 år, 24 år og eldre). Prosent",
)
def levekarsomrader_alder(ctx: Context) -> TableData:
    """Figur 39, the adults: each area's colours and the index as % of the column."""
    groups = []
    for g in (main_group(RUS), main_group(PSYKISK)):
        groups.append(Group(f"{g.key}:18_23", f"{g.label}: 18–23 år", g.mask & age_mask(18, 23)))
        groups.append(
            Group(f"{g.key}:24_pluss", f"{g.label}: 24 år og eldre", g.mask & age_mask(24, None))
        )
    return share_by_column_group(ctx, area_items(ctx.instrument), groups)


# --- the under-18 chapter (Figur 36-39), on the minors -------------------------------


def minor_groups(instrument: Instrument) -> list[Group]:
    """Figur 36: ikke_rop, `rop` (both ROP categories), the psykisk ones, the mains, all."""
    rop_codes = [c for c in instrument.main_groups[RUS] if c != "ikke_rop"]
    rop = pl.col("kategori").is_in(rop_codes).fill_null(False)
    return [
        *category_groups(instrument, ["ikke_rop"]),
        Group("rop", "ROP (mindre alvorlig og alvorlig)", rop),
        *category_groups(instrument, instrument.main_groups[PSYKISK]),
        main_group(RUS),
        main_group(PSYKISK),
        all_persons(),
    ]


@table("unge_kategorier", "Mottakere under 18 år etter kategori")
def unge_kategorier(ctx: Context) -> TableData:
    """Figur 36: counts; a category's share is of its main group, a main group's of all."""
    columns = [Column("antall", "Antall", COUNT), Column("andel", "Andel (%)", PERCENT)]
    minors = minors_context(ctx)
    if minors is None:
        return columns, []
    groups = minor_groups(ctx.instrument)
    rus, psykisk, everyone = main_group(RUS), main_group(PSYKISK), all_persons()
    counted, _ = crosstab(minors.persons, [g.mask for g in groups], [])
    n = {g.key: counted[i] for i, g in enumerate(groups)}
    rows = []
    for group in groups:
        if group.key in (RUS, PSYKISK, ALLE):
            parent = everyone
        elif group.key in ("ikke_rop", "rop"):
            parent = rus
        else:
            parent = psykisk
        rows.append(
            Row(
                group.key,
                group.label,
                {
                    "antall": Count(n[group.key], of=group.mask),
                    "andel": Share(
                        n[group.key],
                        n[parent.key],
                        numerator_of=group.mask,
                        denominator_of=parent.mask,
                    ),
                },
            )
        )
    return columns, rows


@table("unge_alder_kategori", "Mottakere under 18 år etter alder, kjønn og kategori")
def unge_alder_kategori(ctx: Context) -> TableData:
    """Figur 37: counts by age (each year under the adult age) and by sex."""
    instrument = ctx.instrument
    columns = [
        Group(f"alder:{age}", f"{age} år", equals("alder", age))
        for age in range(instrument.minimum_age, instrument.adult_age)
    ]
    columns += [Group(i.key, i.label, i.mask) for i in sex_items()]
    minors = minors_context(ctx)
    if minors is None:
        return [Column(c.key, c.label, COUNT) for c in columns], []
    return counts(minors, minor_groups(instrument), columns)


@table("unge_aktiviteter", "Type aktivitet for mottakere under 18 år etter hovedgruppe. Prosent")
def unge_aktiviteter(ctx: Context) -> TableData:
    """Figur 38."""
    minors = minors_context(ctx)
    if minors is None:
        return [Column(g.key, g.label, PERCENT) for g in main_groups()], []
    return share_by_column_group(minors, option_items(ctx.instrument, "aktiviteter"), main_groups())


@table(
    "unge_levekarsomrader",
    "Levekårsområdene for mottakere under 18 år etter hovedgruppe. Prosent",
)
def unge_levekarsomrader(ctx: Context) -> TableData:
    """Figur 39, the under-18s: each area's colours and the index as % of the main group."""
    minors = minors_context(ctx)
    if minors is None:
        return [Column(g.key, g.label, PERCENT) for g in main_groups()], []
    return share_by_column_group(minors, area_items(ctx.instrument), main_groups())
