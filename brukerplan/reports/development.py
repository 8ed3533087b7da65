"""Development against a base year: the 2020 report's chapter «Utvikling 2017-2020».

Pure: no Django. Tabell 14-16 and Figur 40-46 of seed 003 compare a fixed base year
(2017) with the report year (2020) in a selection of municipalities, not with the
previous mapping (that is `brukerplan.reports.comparison`'s trends). As the seed does:

  * Only registrations made by the municipal health and care services (`enhetstype`
    `helse_omsorg`), of persons with substance problems (main group `rus`), 18 and
    over, after the duplicate rule within each year (among those registrations).
  * A period is two years: many municipalities map every second year, so a
    municipality that did not map in the base year (the report year) counts with its
    mapping of the year before (2016, 2019).
  * The selection is the municipalities with such persons in both periods, both
    periods restricted to them (in the report year's codes, `data.development_frames`).
  * Only what every instrument version of the four years shares is compared
    (`definition.differences`: the same key, type and options); the levekårsindeks
    only where every version computes it for the group (2016.1 does not: its weights
    are unknown), else the base year's index cells are `NotApplicable` and a note says why.

The cells carry no masks: they count persons of other frames than `Context.persons`, so
they get the primary rule only (`brukerplan.reports.secondary`). Shares are of the
selection's persons of the period; the change (Tabell 15-16's «Endring») is the
difference of two published shares and not a cell of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from brukerplan.instrument.definition import MULTI, Instrument, differences
from brukerplan.organisations.population import SIZE_CLASSES
from brukerplan.registrations.duplicates import representatives
from brukerplan.reports.tables import (
    AGE_BANDS,
    COUNT,
    INDEX,
    INDEX_GROUP_LABELS,
    MEAN,
    PERCENT,
    RUS,
    SEXES,
    Cell,
    Column,
    Context,
    Count,
    Mean,
    NotApplicable,
    Row,
    Share,
    TableData,
    notes,
    table,
)

HEALTH_AND_CARE = "helse_omsorg"  # the unit type of the municipal health and care services
BASE_YEAR = 2017  # the seed's base year: the start of the evaluation of the escalation plan
METADATA = ("kommunenummer", "aar", "kjonn", "alder", "levekarsindeks", "indeksgruppe")


@dataclass(frozen=True)
class Development:
    """The selection's persons in the base period (`base`) and the report period
    (`current`), with the instruments of every year they come from."""

    base_year: int
    year: int
    base: pl.DataFrame
    current: pl.DataFrame
    instruments: tuple[Instrument, ...]
    municipalities: tuple[str, ...]

    @property
    def shared(self) -> frozenset[str]:
        """The question keys every instrument of the four years shares."""
        return shared_questions(self.instruments)

    @property
    def base_index_computed(self) -> bool:
        """Whether every base-period version computes the index of the substance group."""
        return not any(RUS in i.index_not_computed_for for i in self.instruments)


def shared_questions(instruments: Sequence[Instrument]) -> frozenset[str]:
    keys = {q.key for q in instruments[0].questions}
    for other in instruments[1:]:
        keys &= set(differences(instruments[0], other).shared)
    return frozenset(keys)


def chapter_persons(frame: pl.DataFrame, instrument: Instrument) -> pl.DataFrame:
    """The persons the chapter counts in one year's registrations: health and care
    registrations, after the duplicate rule, 18 and over, with substance problems."""
    rows = frame.filter(pl.col("enhetstype") == HEALTH_AND_CARE)
    persons = representatives(rows)
    return persons.filter((pl.col("alder") >= instrument.adult_age) & (pl.col("rusproblem") == 1))


def period_persons(
    frames: Sequence[tuple[pl.DataFrame, Instrument]], shared: frozenset[str]
) -> pl.DataFrame:
    """The persons of a period: each municipality's from the latest of the years (the
    frames, latest first) in which it has any; only the shared questions' columns."""
    taken, seen = [], set()
    for frame, instrument in frames:
        persons = chapter_persons(frame, instrument)
        persons = persons.filter(~pl.col("kommunenummer").is_in(sorted(seen)))
        seen |= set(persons["kommunenummer"].unique().to_list())
        columns = [c for q in instrument.questions if q.key in shared for c in q.columns]
        taken.append(persons.select(*METADATA, *columns))
    return pl.concat(taken, how="vertical_relaxed")


def select(
    base_year: int,
    year: int,
    base: Sequence[tuple[pl.DataFrame, Instrument]],
    current: Sequence[tuple[pl.DataFrame, Instrument]],
) -> Development | None:
    """The chapter's persons from the registrations of the base period and the report
    period (each: (frame, its instrument), the later year first), or None without any
    municipality in both."""
    instruments = tuple(dict.fromkeys(i for _, i in (*current, *base)))
    shared = shared_questions(instruments)
    before = period_persons(base, shared)
    now = period_persons(current, shared)
    both = sorted(set(before["kommunenummer"].to_list()) & set(now["kommunenummer"].to_list()))
    if not both:
        return None
    return Development(
        base_year,
        year,
        before.filter(pl.col("kommunenummer").is_in(both)),
        now.filter(pl.col("kommunenummer").is_in(both)),
        instruments,
        tuple(both),
    )


# --- the tables ------------------------------------------------------------------


def _columns(dev: Development | None, kind: str) -> list[Column]:
    if dev is None:
        return [Column("denne", "Dette året", kind), Column("grunnaar", "Grunnåret", kind)]
    return [Column("denne", str(dev.year), kind), Column("grunnaar", str(dev.base_year), kind)]


def _shares(dev: Development, items: Sequence[tuple[str, str, pl.Expr]]) -> list[Row]:
    """Per item (key, label, mask): its share of each period's persons."""
    rows = []
    frames = {"denne": dev.current, "grunnaar": dev.base}
    sums = {
        name: frame.select([m.fill_null(False).sum().alias(k) for k, _, m in items]).row(
            0, named=True
        )
        if items
        else {}
        for name, frame in frames.items()
    }
    for key, label, _mask in items:
        values: dict[str, Cell] = {
            name: Share(int(sums[name][key]), frame.height) for name, frame in frames.items()
        }
        rows.append(Row(key, label, values))
    return rows


def _area_items(dev: Development, instrument: Instrument, colours: Sequence[str]):
    return [
        (
            area if len(colours) == 1 else f"{area}:{colour}",
            instrument.question(area).label
            if len(colours) == 1
            else f"{instrument.question(area).label}: {instrument.question(area).label_of(colour)}",
            pl.col(area) == colour,
        )
        for area in instrument.index_areas
        if area in dev.shared
        for colour in colours
    ]


def _option_items(dev: Development, instrument: Instrument, key: str):
    if key not in dev.shared or instrument.question(key).type != MULTI:
        return []
    question = instrument.question(key)
    return [
        (code, question.label_of(code), pl.col(column) == 1)
        for code, column in zip(question.codes, question.columns, strict=True)
    ]


@table("utvikling_utvalg", "Antall kartlagte i grunnåret og i år. Utvalg av kommuner")
def utvikling_utvalg(ctx: Context) -> TableData:
    """Tabell 14: per size class (by the report year's population, when imported) and
    `i_alt`: the selection's municipalities and persons in each period."""
    dev: Development | None = ctx.development
    columns = [
        Column("kommuner", "Antall kommuner", COUNT),
        *[Column(c.key, f"Antall kartlagte {c.label}", COUNT) for c in _columns(dev, COUNT)],
    ]
    if dev is None:
        return columns, []
    groups: list[tuple[str, str, list[str]]] = []
    if ctx.population is not None and ctx.population.height:
        population = ctx.population
        if "year" in population.columns:
            population = population.filter(pl.col("year") == dev.year)
        totals = dict(zip(population["kommunenummer"], population["total"], strict=True))
        for key, label, low, high in SIZE_CLASSES:
            codes = [
                c
                for c in dev.municipalities
                if totals.get(c) is not None
                and totals[c] >= low
                and (high is None or totals[c] <= high)
            ]
            groups.append((key, label, codes))
    groups.append(("i_alt", "I alt", list(dev.municipalities)))
    rows = []
    for key, label, codes in groups:
        within = pl.col("kommunenummer").is_in(codes)
        rows.append(
            Row(
                key,
                label,
                {
                    "kommuner": Count(len(codes)),
                    "denne": Count(dev.current.filter(within).height),
                    "grunnaar": Count(dev.base.filter(within).height),
                },
            )
        )
    return columns, rows


def _colour_table(ctx: Context, colour: str) -> TableData:
    dev: Development | None = ctx.development
    columns = _columns(dev, PERCENT)
    if dev is None:
        return columns, []
    return columns, _shares(dev, _area_items(dev, ctx.instrument, [colour]))


@table("utvikling_gronn", "Andel med grønn score på levekårsområdene. Utvalg av kommuner")
def utvikling_gronn(ctx: Context) -> TableData:
    """Tabell 15: per area, the share with green in each period."""
    return _colour_table(ctx, "gronn")


@table("utvikling_rod", "Andel med rød score på levekårsområdene. Utvalg av kommuner")
def utvikling_rod(ctx: Context) -> TableData:
    """Tabell 16: per area, the share with red in each period."""
    return _colour_table(ctx, "rod")


@table("utvikling_kjonn", "Kjønn. Utvalg av kommuner. Prosent")
def utvikling_kjonn(ctx: Context) -> TableData:
    """Figur 40: `mann`, `kvinne` as % of each period's persons."""
    dev: Development | None = ctx.development
    columns = _columns(dev, PERCENT)
    if dev is None:
        return columns, []
    items = [(code, label, pl.col("kjonn") == code) for code, label in SEXES.items()]
    return columns, _shares(dev, items)


@table("utvikling_alder", "Aldersfordeling. Utvalg av kommuner. Prosent")
def utvikling_alder(ctx: Context) -> TableData:
    """Figur 41: the age bands as % of each period's persons; `snitt`, the mean age."""
    dev: Development | None = ctx.development
    columns = _columns(dev, PERCENT)
    if dev is None:
        return columns, []
    items = [
        (key, label, pl.col("alder").is_between(low, high if high is not None else 200))
        for key, label, low, high in AGE_BANDS
    ]
    mean: dict[str, Cell] = {
        name: Mean(frame["alder"].mean(), frame.height, column="alder")
        for name, frame in (("denne", dev.current), ("grunnaar", dev.base))
    }
    return columns, [*_shares(dev, items), Row("snitt", "Gjennomsnittsalder", mean, MEAN)]


@table("utvikling_levekarsomrader", "Levekårsområdene. Utvalg av kommuner. Prosent")
def utvikling_levekarsomrader(ctx: Context) -> TableData:
    """Figur 42 (`denne`) and 43 (`grunnaar`): `<area>:<colour>` as % of the persons."""
    dev: Development | None = ctx.development
    columns = _columns(dev, PERCENT)
    if dev is None:
        return columns, []
    return columns, _shares(dev, _area_items(dev, ctx.instrument, ["gronn", "gul", "rod"]))


@table("utvikling_levekarsindeks", "Levekårsindeks. Utvalg av kommuner. Prosent")
def utvikling_levekarsindeks(ctx: Context) -> TableData:
    """Figur 44: the index groups as % of the persons and `snitt`, the mean index. The
    base year's cells are `NotApplicable` where a base version does not compute it."""
    dev: Development | None = ctx.development
    columns = _columns(dev, PERCENT)
    if dev is None:
        return columns, []
    items = [
        (g.code, f"{INDEX_GROUP_LABELS.get(g.code, g.code)} levekårsindeks", None)
        for g in ctx.instrument.index_groups
    ]
    rows = []
    for code, label, _ in items:
        values: dict[str, Cell] = {}
        for name, frame in (("denne", dev.current), ("grunnaar", dev.base)):
            if name == "grunnaar" and not dev.base_index_computed:
                values[name] = NotApplicable()
            else:
                values[name] = Share(int((frame["indeksgruppe"] == code).sum()), frame.height)
        rows.append(Row(code, label, values))
    mean: dict[str, Cell] = {
        "denne": Mean(
            dev.current["levekarsindeks"].mean(), dev.current.height, column="levekarsindeks"
        ),
        "grunnaar": Mean(
            dev.base["levekarsindeks"].mean(), dev.base.height, column="levekarsindeks"
        )
        if dev.base_index_computed
        else NotApplicable(),
    }
    rows.append(Row("snitt", "Gjennomsnittlig levekårsindeks", mean, INDEX))
    return columns, rows


@table("utvikling_aktiviteter", "Aktivitet. Utvalg av kommuner. Prosent")
def utvikling_aktiviteter(ctx: Context) -> TableData:
    """Figur 45: every option of `aktiviteter` as % of the persons."""
    dev: Development | None = ctx.development
    columns = _columns(dev, PERCENT)
    if dev is None:
        return columns, []
    return columns, _shares(dev, _option_items(dev, ctx.instrument, "aktiviteter"))


@table("utvikling_planer", "Planer. Utvalg av kommuner. Prosent")
def utvikling_planer(ctx: Context) -> TableData:
    """Figur 46: every option of `planer` as % of the persons."""
    dev: Development | None = ctx.development
    columns = _columns(dev, PERCENT)
    if dev is None:
        return columns, []
    return columns, _shares(dev, _option_items(dev, ctx.instrument, "planer"))


CHAPTER = (
    "utvikling_utvalg",
    "utvikling_gronn",
    "utvikling_rod",
    "utvikling_kjonn",
    "utvikling_alder",
    "utvikling_levekarsomrader",
    "utvikling_levekarsindeks",
    "utvikling_aktiviteter",
    "utvikling_planer",
)


@notes
def development_notes(ctx: Context) -> dict[str, str]:
    """What the chapter leaves out: the questions not every version shares, and the base
    year's index where it is not computed."""
    dev: Development | None = ctx.development
    if dev is None:
        return {}
    found = {}
    versions = sorted({i.version for i in dev.instruments})
    sentence = (
        f"Utvalget: kommuner som kartla både i {dev.base_year - 1} eller {dev.base_year} og i "
        f"{dev.year - 1} eller {dev.year} (den seneste kartleggingen i hver periode), bare "
        "registreringer fra helse- og omsorgstjenestene, personer med rusproblemer, 18 år "
        "og over."
    )
    if len(versions) > 1:
        sentence += (
            " Sammenligningen gjelder bare det versjonene av instrumentet "
            f"({', '.join(versions)}) har felles."
        )
    for table_id in CHAPTER:
        found[table_id] = sentence
    if not dev.base_index_computed:
        found["utvikling_levekarsindeks"] = (
            sentence + f" Levekårsindeksen for {dev.base_year} er ikke beregnet: før 2018 "
            "var indeksen for personer med rusproblemer vektet, og vektene er ikke kjent."
        )
    return found
