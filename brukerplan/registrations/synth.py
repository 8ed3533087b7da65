"""Synthetic registrations in the exchange format, calibrated to the 2020 national report.

Pure Python (no Django). `generate(persons, year, seed)` yields rows (column -> cell
text) in the format of registration-format.md; `write_csv` writes them. Every number
the data is calibrated to is in data/synth-calibration.yaml (`CALIBRATION`), with the
table of seed 003 (the BrukerPlan annual report 2020) it comes from; its `MODEL` holds
the generator's own parameters (turnover, persistence, duplicates, couplings, units),
which are not in the report. The questions, option codes, categories, main groups,
index areas and points, age limits and unit types are the instrument's (the version
the data file names), and the data file is checked against it when it is loaded.

How a person is made
--------------------
* Category first (Tabell 5 shares), then sex given the category (Figur 1), then an
  age band given the category (Vedlegg 2 bands, tilted to the mean ages of Tabell 6).
* A latent severity `z` ~ N(0, 1) per person and year. The pair (rusmiddelbruk,
  psykisk_helse) is drawn from the category's cells of Tabell 1 and the six other
  living-condition areas from per-category colour shares, all through a Gaussian
  copula on `z`: every marginal is exact, and the areas are correlated. The colour
  shares are the area shapes of `CALIBRATION["omrader"]` shifted per category so that
  the category's mean levekårsindeks is Tabell 2's; the copula correlation per
  category is solved (by quadrature, at import) so that its standard deviation is
  Tabell 2's too. The index groups then follow.
* Every other answer is drawn with the published share per category or per main
  group, coupled to `z`, to one of the area latents, or to age, again through a
  copula, so shares stay as published while the answers hang together (no
  activities goes with red meaningful activity, midlertidig bolig with
  homelessness, sykehjem with old age, ...). Shares given only per main group are
  spread over the categories by their severity (Tabell 2), keeping the main-group
  share. Exclusive options (`ingen`, `vet_ikke`, `alene`) are drawn first; the other
  options are then drawn conditionally and, where an empty choice is not allowed,
  at least one is forced, with probabilities solved so the shares stay unchanged.

Persons across years
--------------------
Persons come from a pool that depends on the seed only. Every calendar year a
cohort of new persons enters the pool (cohort `E`, persons `j = 0, 1, ...`, each
made from its own random stream keyed by seed, E and j, so a person's fødselsnummer,
sex, birth date, home municipality, unit and permanent traits never depend on the
year asked for). A person stays a geometric number of years: each year they stay
with probability 1 - MODEL["turnover"] (0.7). The persons of year Y are those of the
recent cohorts (the first ~0.3 * persons of each) who are still there in Y, cut to
exactly `persons` by a permanent random key. So generating Y and Y+1 with the same
seed and about the same size shares ~70 % of the persons, with the same
fødselsnummer. Their answers change but are correlated: the severity is
sqrt(r) * permanent + sqrt(1 - r) * yearly noise, the areas' own noise is partly
permanent too, the category is kept with probability MODEL["category_kept"] (else
drawn afresh), and traits such as children, education and birth country are
mostly permanent.

Only synthetic fødselsnummer (month + 80) are produced.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import functools
import hashlib
import math
import random
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

import yaml

from brukerplan.instrument.definition import MULTI, Instrument, for_year, load
from brukerplan.organisations.population import Population
from brukerplan.registrations.pseudonyms import synthetic_number

METADATA_COLUMNS = (
    "registrering_id",
    "aar",
    "kartlagt_dato",
    "kommunenummer",
    "enhet",
    "enhetstype",
    "fodselsnummer",
)

DATA_FILE = Path(__file__).parent / "data" / "synth-calibration.yaml"

# The two areas that, with the target group, set the category (Tabell 1's pairs).
PAIR_AREAS = ("rusmiddelbruk", "psykisk_helse")
# What the generator's couplings may be driven by besides the areas (see the data file).
_DRIVERS = ("z", "rus", "psyk", "suicide", "violence")

# =============================================================================
# The data file: what the keys of each table are, level by level, so that the
# file can name nothing the instrument does not have. A level is "category",
# "group" (main group), "area" (index area), "index_group", "service_group" (an
# option group of tjenester), "question" (any question key), "codes" (the option
# codes of the question named one level up), a question key (that question's
# option codes), "=name" (a name of the generator's own) or "*" (not checked);
# "a|b" is either, and a trailing "!" means every one must be there. A list at
# a level is a list of such names.
# =============================================================================
_CALIBRATION_TABLES: dict[str, tuple[str, ...]] = {
    "kategorier": ("category!",),
    "kombinasjoner": ("category!", "rusmiddelbruk", "psykisk_helse"),
    "levekarsindeks": ("category!",),
    "levekarsindeks_total": ("group|=alle",),
    "indeksgrupper": ("index_group",),
    "andel_menn": ("category!",),
    "alder_band": ("group!",),
    "alder_snitt": ("category!",),
    "omrader": ("group!", "area"),
    "utdanning": ("group!", "utdanning!"),
    "fodeland": ("group!", "fodeland!"),
    "bor_med": ("group!", "bor_med!"),
    "partner_gitt_omsorg": (),
    "barn_andel": ("category!",),
    "barn_per_forelder": (),
    "barn_kontakt": ("group!", "question"),
    "gravid": (),
    "andres_barn": ("group|=barn_per_person",),
    "aktiviteter": ("group!", "aktiviteter!"),
    "livsopphold": ("group!", "livsopphold!"),
    "stillingsprosent": ("stillingsprosent!",),
    "arbeidserfaring": ("group!", "arbeidserfaring!"),
    "tid_siden_arbeid": ("group!", "tid_siden_arbeid"),
    "varighet": ("category", "varighet_psykisk!"),
    "selvmord": ("category!", "question"),
    "overdose": ("category",),
    "vold": ("category!",),
    "kognitive_vansker": ("group!", "kognitive_vansker!"),
    "injiserer": ("category",),
    "rusmidler": ("rusmidler|=ingen",),
    "tjenestegrupper": ("service_group", "category|group"),
    "psykisk_helsearbeid_rus": ("category",),
    "spesialist": ("category",),
    "tjenester": ("tjenester!",),
    "planer": ("group!", "planer!"),
    "pakkeforlop": (),
    "under_18": ("=rus_andel|=skole|=ingen", "group!"),
}
_MODEL_TABLES: dict[str, tuple[str, ...]] = {
    "turnover": (),
    "severity_persistence": (),
    "area_persistence": (),
    "category_kept": (),
    "trait_kept": (),
    "under_18_share": (),
    "duplicate_same_municipality": (),
    "duplicate_other_municipality": (),
    "participation": (),
    "category_spread": (),
    "size_exponent": (),
    "big_municipalities": ("*",),
    "small_size_median": (),
    "small_size_sigma": (),
    "period_first_start": (),
    "period_start_spread_days": (),
    "period_days": (),
    "age_bands": (),
    "oldest_band": ("=mean_years|=at_most",),
    "children_by_age_band": (),
    "children_count": ("*",),
    "injected_substances": ("rusmidler",),
    "worker_income": ("livsopphold",),
    "worker_experience": ("arbeidserfaring",),
    "couplings": ("question", "codes"),
    "default_loading": ("question",),
    "service_group_couplings": ("service_group",),
    "uncoupled_service_groups": ("service_group",),
    "youth_services": ("=never|=extra", "tjenester"),
    "needs": ("=keep|=keep_rarely_planned|=new|=red_area_chance",),
    "rarely_planned": ("tjenester",),
    "red_area_needs": ("area", "tjenester"),
    "units": ("=catalogue|=core_joint|=core_rus|=core_psykisk|=fallback",),
}
# A share written as a count over a total: "a / b" or "1 - a / b".
_FRACTION = re.compile(r"^(?:(\d+) - )?(\d+) / (\d+)$")


def read_calibration(path: str | Path = DATA_FILE) -> tuple[Instrument, dict, dict]:
    """The instrument, CALIBRATION and MODEL of a data file, checked against the instrument.

    Raises ValueError naming a table, question key, option code, category, main group,
    area, driver or unit type the instrument (or the generator) does not know.
    """
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
        data = yaml.load(handle, Loader=loader)  # noqa: S506 (a safe loader)
    if not isinstance(data, dict) or set(data) != {"instrument", "calibration", "model"}:
        raise ValueError(f"{path.name}: needs exactly `instrument`, `calibration` and `model`")
    version = str(data["instrument"])
    try:
        instrument = load(version)
    except FileNotFoundError:
        raise ValueError(f"{path.name}: no instrument version {version!r}") from None
    for section, tables in (("calibration", _CALIBRATION_TABLES), ("model", _MODEL_TABLES)):
        for name, value in data[section].items():
            if name not in tables:
                raise ValueError(f"{path.name}: unknown table {section}.{name}")
            _check_names(instrument, value, tables[name], f"{path.name}: {section}.{name}", None)
        missing = [name for name in tables if name not in data[section]]
        if missing:
            raise ValueError(f"{path.name}: {section} lacks {', '.join(missing)}")
    calibration = {k: _numbers(v, f"calibration.{k}") for k, v in data["calibration"].items()}
    model = {k: _tuples(v) for k, v in data["model"].items()}
    # Tabell 1's cells by (rusmiddelbruk, psykisk_helse).
    calibration["kombinasjoner"] = {
        c: {(rus, psyk): n for rus, row in cells.items() for psyk, n in row.items()}
        for c, cells in calibration["kombinasjoner"].items()
    }
    _check_shapes(instrument, calibration, model, path.name)
    return instrument, calibration, model


def _names(instrument: Instrument, kind: str, parent: object) -> tuple[set | None, str]:
    """The names a level of a table may use, and what they are called."""
    if kind == "*":
        return None, ""
    if kind.startswith("="):
        return {kind[1:]}, repr(kind[1:])
    if kind == "category":
        return {c.code for c in instrument.categories}, "a category"
    if kind == "group":
        return set(instrument.main_groups), "a main group"
    if kind == "area":
        return set(instrument.index_areas), "an index area"
    if kind == "index_group":
        return {g.code for g in instrument.index_groups}, "an index group"
    if kind == "service_group":
        groups = instrument.question("tjenester").option_groups
        return {g.key for g in groups}, "a group of tjenester"
    if kind == "question":
        return {q.key for q in instrument.questions}, "a question"
    key = str(parent) if kind == "codes" else kind
    if not instrument.has_question(key):
        return set(), f"a code of {key} (no such question)"
    return set(instrument.question(key).codes), f"a code of {key}"


def _check_names(instrument: Instrument, value, levels, where: str, parent) -> None:
    if not isinstance(value, dict | list):
        return
    if not levels:
        if isinstance(value, dict):
            raise ValueError(f"{where}: unexpected names {', '.join(map(str, value))}")
        return
    kinds = levels[0].rstrip("!").split("|")
    allowed: set | None = set()
    described = []
    for kind in kinds:
        names, description = _names(instrument, kind, parent)
        if names is None:
            allowed = None
            break
        allowed |= names
        described.append(description)
    names = list(value) if isinstance(value, dict) else [x for x in value if isinstance(x, str)]
    if allowed is not None:
        unknown = [name for name in names if name not in allowed]
        if unknown:
            hint = ""
            if isinstance(unknown[0], int):
                hint = ' (YAML reads 1_5 as 15: quote such keys, "1_5")'
            raise ValueError(
                f"{where}: {unknown[0]!r} is not {' or '.join(described)} "
                f"in instrument {instrument.version}{hint}"
            )
        if levels[0].endswith("!"):
            missing = sorted(allowed - set(names))
            if missing:
                raise ValueError(f"{where}: lacks {', '.join(missing)}")
    if isinstance(value, dict):
        for name, inner in value.items():
            _check_names(instrument, inner, levels[1:], f"{where}.{name}", name)


def _numbers(value, where: str):
    """A calibration table with lists as tuples and "a / b" shares as numbers."""
    if isinstance(value, dict):
        return {k: _numbers(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_numbers(v, where) for v in value)
    if isinstance(value, str):
        match = _FRACTION.match(value)
        if not match:
            raise ValueError(f"{where}: {value!r} is not a number or a share 'a / b'")
        whole, count, total = match.groups()
        share = int(count) / int(total)
        return share if whole is None else int(whole) - share
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: {value!r} is not a number")
    return value


def _tuples(value):
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _check_shapes(instrument: Instrument, cal: dict, model: dict, name: str) -> None:
    """What the names alone do not say: band lengths, drivers, unit types."""
    bands = model["age_bands"]
    if bands[0][0] != instrument.adult_age:
        raise ValueError(f"{name}: model.age_bands must start at the adult age")
    for where, rows in (
        ("calibration.alder_band", cal["alder_band"].values()),
        ("model.children_by_age_band", [model["children_by_age_band"]]),
    ):
        if any(len(row) != len(bands) for row in rows):
            raise ValueError(f"{name}: {where} needs one figure per age band")
    areas = [a for a in instrument.index_areas if a not in PAIR_AREAS]
    drivers = {*_DRIVERS, *areas}
    couplings = [
        (f"model.couplings.{q}.{code}", c)
        for q, options in model["couplings"].items()
        for code, c in options.items()
    ]
    couplings += [
        (f"model.service_group_couplings.{g}", c)
        for g, c in model["service_group_couplings"].items()
    ]
    for where, coupling in couplings:
        if len(coupling) != 3:
            raise ValueError(f"{name}: {where} must be [driver, loading, age loading]")
        if coupling[0] not in drivers:
            raise ValueError(f"{name}: {where}: unknown driver {coupling[0]!r}")
    units = model["units"]
    rows = [*units["catalogue"], *(units[k] for k in units if k != "catalogue")]
    for row in rows:
        if row[1] not in instrument.unit_types:
            raise ValueError(f"{name}: unit {row[0]!r}: unknown unit type {row[1]!r}")


INSTRUMENT, CALIBRATION, MODEL = read_calibration()

# =============================================================================
# What the generator takes from the instrument
# =============================================================================
# The main groups, the substance group first, and their categories in that order.
RUS, PSYKISK = INSTRUMENT.main_groups
CATEGORIES = tuple(c for members in INSTRUMENT.main_groups.values() for c in members)
GROUP_OF = {c: group for group, members in INSTRUMENT.main_groups.items() for c in members}
# The six areas that do not define the category; the colours mildest first and the
# index points in units of the green one's (gronn 1, gul 2, rod 4).
OTHER_AREAS = tuple(a for a in INSTRUMENT.index_areas if a not in PAIR_AREAS)
COLOURS = tuple(sorted(INSTRUMENT.index_points, key=INSTRUMENT.index_points.__getitem__))
_POINT = INSTRUMENT.index_points[COLOURS[0]]
UNITS_OF = {colour: points / _POINT for colour, points in INSTRUMENT.index_points.items()}
_MIN_AGE, _ADULT_AGE = INSTRUMENT.minimum_age, INSTRUMENT.adult_age
_YOUTH_YEARS = _ADULT_AGE - _MIN_AGE
AGE_BANDS = MODEL["age_bands"]


def _codes(key: str, *without: str) -> tuple[str, ...]:
    """The option codes of a question, in the instrument's order, but `without`."""
    return tuple(c for c in INSTRUMENT.question(key).codes if c not in without)


def _options(key: str, *without: str) -> tuple[str, ...]:
    """The options of a multi question that are drawn together: not exclusive, not `without`."""
    return _codes(key, *INSTRUMENT.question(key).exclusive, *without)


# Ordered options of single questions (the data file's `vet_ikke` is drawn apart).
_EDUCATION = _codes("utdanning", "vet_ikke")
_BIRTH_COUNTRIES = _codes("fodeland")
_WORKING_HOURS = _codes("stillingsprosent")
_EXPERIENCE = _codes("arbeidserfaring", "vet_ikke")
_SINCE_WORK = _codes("tid_siden_arbeid", "i_arbeid", "vet_ikke")
_DURATIONS = _codes("varighet_psykisk", "vet_ikke")
_SERVICES = _codes("tjenester")
# The groups of tjenester with a share "at least one of the group"; the services of
# the others are drawn one by one.
_SERVICE_GROUPS = tuple(
    g.key
    for g in INSTRUMENT.question("tjenester").option_groups
    if g.key in CALIBRATION["tjenestegrupper"]
)
# The children questions (daily care, contact, no contact) and the one of the
# children a parent lives with.
_RELATIONS = tuple(q.key for q in INSTRUMENT.questions if q.key in CALIBRATION["barn_kontakt"][RUS])
_CARE, _CONTACT = "barn_omsorg", "barn_samvaer"

# Units: (name, enhetstype, weight for rus, weight for psykisk, chance a municipality
# has it (small, big)). "NAV" gets the municipality's name. A municipality always has
# a core unit (one joint unit, or separate rus and psykisk units in bigger ones).
UNIT_CATALOGUE = MODEL["units"]["catalogue"]
CORE_JOINT = MODEL["units"]["core_joint"]
CORE_RUS = MODEL["units"]["core_rus"]
CORE_PSYKISK = MODEL["units"]["core_psykisk"]


# =============================================================================
# Public API
# =============================================================================


def columns_for(year: int) -> list[str]:
    """The header of the exchange format for a mapping year."""
    return [*METADATA_COLUMNS, *for_year(year).answer_columns]


COLUMNS_FOR = columns_for


# Share of the inhabitants aged 18 and over in the synthetic population figures (about
# Norway's).
ADULT_SHARE = 0.79


def population(year: int, seed: int) -> list[Population]:
    """Synthetic population figures of every municipality valid in `year`: the sizes that
    `generate` with the same seed draws its persons by, so that coverage per 1 000 and size
    classes are consistent with its registrations. Made up, not Statistics Norway's."""
    world = _World(seed, year, None)
    found = []
    for code, name in sorted(world.name_of.items()):
        total = round(world.inhabitants(name) * 1000)
        found.append(Population(code, year, total, round(total * ADULT_SHARE)))
    return found


def generate(
    persons: int,
    year: int,
    seed: int,
    municipalities: list[str] | None = None,
    unit_types: Collection[str] | None = None,
) -> Iterator[dict[str, str]]:
    """Rows of the exchange format for `persons` distinct persons mapped in `year`.

    Deterministic for (persons, year, seed, municipalities). A few percent of the
    persons are mapped twice (see MODEL), so there are more rows than persons.
    `municipalities` (four-digit codes valid in `year`) limits the data to those;
    by default about 250 municipalities are used, weighted by size. `unit_types`: the
    types that may map in the year (the legal basis, which the caller reads); units of
    other types are left out and their persons mapped by the municipality's other units.
    """
    if persons < 0:
        raise ValueError("persons must be zero or more")
    instrument = for_year(year)
    layout = _layout(instrument)
    world = _World(seed, year, municipalities, unit_types)
    tables = _tables()
    used_numbers: set[str] = set()
    number = 0
    for _key, cohort, index in _members(seed, year, persons):
        person = _person(seed, cohort, index, tables)
        fnr = _fodselsnummer(person, used_numbers)
        rng = random.Random(f"brukerplan-synth:{seed}:person:{cohort}:{index}:{year}")
        answers = _answers(person, year, rng, tables)
        place = world.place(person, rng, answers)
        for municipality, unit, date, these in _registrations(place, answers, rng, world):
            number += 1
            row = {
                "registrering_id": f"SYN{year}-{seed}-{number:07d}",
                "aar": str(year),
                "kartlagt_dato": date.isoformat(),
                "kommunenummer": municipality,
                "enhet": unit[0],
                "enhetstype": unit[1],
                "fodselsnummer": fnr,
            }
            row.update(_cells(layout, these))
            yield row


@functools.cache
def _layout(instrument: Instrument) -> tuple[tuple[str, tuple[tuple[str, str], ...] | None], ...]:
    """Per question: its key, and for a multi question (option code, column) pairs."""
    return tuple(
        (q.key, tuple(zip(q.codes, q.columns, strict=True)) if q.type == MULTI else None)
        for q in instrument.questions
    )


def _cells(layout, answers: dict) -> dict[str, str]:
    """The answer cells of a row, in column order: `cells.to_cells`, faster."""
    cells: dict[str, str] = {}
    for key, options in layout:
        value = answers.get(key)
        if options is None:
            cells[key] = "" if value is None else str(value)
        elif value is None:
            for _code, column in options:
                cells[column] = ""
        else:
            chosen = set(value)
            for code, column in options:
                cells[column] = "1" if code in chosen else "0"
    return cells


def write_csv(rows: Iterable[dict[str, str]], path: str | Path) -> int:
    """Write rows as UTF-8 CSV with a header (RFC 4180 quoting); returns the row count.

    Every cell as the exchange format's export writes it (`exchange.csv_values`:
    text a spreadsheet would take for a formula gets a leading `'`).
    """
    from brukerplan.registrations.exchange import csv_values, spreadsheet_row

    count = 0
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        header: list[str] | None = None
        for row in rows:
            if header is None:
                header = list(row)
                writer.writerow(spreadsheet_row(header))
            writer.writerow(csv_values(header, row))
            count += 1
        if header is None:
            raise ValueError("no rows to write: the header would be unknown")
    return count


# =============================================================================
# Small helpers
# =============================================================================

_SQRT1_2 = 0.7071067811865476
_erf = math.erf
_NORMAL = NormalDist()


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x * _SQRT1_2))


def _probit(p: float) -> float:
    return _NORMAL.inv_cdf(min(max(p, 1e-9), 1 - 1e-9))


def _uniform(*parts: object) -> float:
    """A uniform number in [0, 1) from a stable hash (never Python's hash())."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _bisect_solve(f, target: float, low: float, high: float) -> float:
    """x in [low, high] with f(x) == target, f increasing."""
    for _ in range(80):
        mid = (low + high) / 2
        if f(mid) < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _cumulative(weights: Sequence[float]) -> tuple[float, ...]:
    total = sum(weights)
    running, out = 0.0, []
    for w in weights[:-1]:
        running += w / total
        out.append(running)
    return tuple(out)


def _pick(cumulative: Sequence[float], u: float) -> int:
    return bisect.bisect_right(cumulative, u)


# =============================================================================
# Calibrated tables, computed once from CALIBRATION and MODEL
# =============================================================================

# Quadrature grid over z ~ N(0, 1) for the index variance.
_GRID = [i / 20 for i in range(-140, 141)]
_GRID_W = [math.exp(-x * x / 2) for x in _GRID]
_GRID_T = sum(_GRID_W)
_GRID_W = [w / _GRID_T for w in _GRID_W]


@dataclass(frozen=True)
class _Binary:
    """yes with probability Phi(alpha[c] + beta * driver + gamma * age): exact share p[c]."""

    alpha: tuple[float, ...]
    beta: float
    gamma: float
    driver: str

    def draw(self, rng: random.Random, c: int, d: dict[str, float]) -> bool:
        x = self.alpha[c]
        if self.beta:
            x += self.beta * d[self.driver]
        if self.gamma:
            x += self.gamma * d["age"]
        return rng.random() < 0.5 * (1.0 + _erf(x * _SQRT1_2))


def _binary(p: Sequence[float], driver: str = "z", loading: float = 0.0, age: float = 0.0):
    rest = math.sqrt(1 - loading * loading - age * age)
    alpha = tuple(-40.0 if q <= 0 else 40.0 if q >= 1 else _probit(q) / rest for q in p)
    return _Binary(alpha, loading / rest, age / rest, driver)


@dataclass(frozen=True)
class _Ordinal:
    """One of several ordered options per category through a copula on a driver."""

    cumulative: tuple[tuple[float, ...], ...]
    loading: float
    age: float
    driver: str
    rest: float

    def draw(self, rng: random.Random, c: int, d: dict[str, float]) -> int:
        x = self.rest * rng.gauss(0.0, 1.0)
        if self.loading:
            x += self.loading * d[self.driver]
        if self.age:
            x += self.age * d["age"]
        return _pick(self.cumulative[c], _phi(x))


def _ordinal(probs_by_category, driver: str = "z", loading: float = 0.0, age: float = 0.0):
    rest = math.sqrt(1 - loading * loading - age * age)
    return _Ordinal(tuple(_cumulative(p) for p in probs_by_category), loading, age, driver, rest)


@dataclass(frozen=True)
class _Multi:
    """Options of a multi question, drawn when the question is not 'empty'.

    `empty` is the chance of the exclusive / no-choice outcome; the options are then
    drawn with conditional probabilities scaled (per category) so that forcing at
    least one (when `at_least_one`) keeps each option's share.
    """

    empty: _Binary | None
    options: tuple[tuple[str, _Binary], ...]
    force: tuple[tuple[float, ...], ...]
    at_least_one: bool
    # per category: (code, alpha, beta, driver, gamma) of every option, for speed
    flat: tuple[tuple[tuple[str, float, float, str, float], ...], ...] = ()

    def __post_init__(self) -> None:
        flat = tuple(
            tuple((code, o.alpha[c], o.beta, o.driver, o.gamma) for code, o in self.options)
            for c in range(len(CATEGORIES))
        )
        object.__setattr__(self, "flat", flat)

    def draw(self, rng: random.Random, c: int, d: dict[str, float]) -> list[str] | None:
        if self.empty is not None and self.empty.draw(rng, c, d):
            return None
        rnd, erf, age = rng.random, _erf, d["age"]
        out = []
        for code, alpha, beta, driver, gamma in self.flat[c]:
            if rnd() < 0.5 + 0.5 * erf((alpha + beta * d[driver] + gamma * age) * _SQRT1_2):
                out.append(code)
        if self.at_least_one and not out:
            out.append(self.options[_pick(self.force[c], rnd())][0])
        return out


def _solve_scale(q: Sequence[float]) -> float:
    """f with f * sum(q) + prod(1 - f * q_i) == sum(q) (forcing one keeps the shares)."""
    total = sum(q)
    if total < 1:
        # at least one is always chosen, so the shares cannot sum to less than one
        return 1.0

    def expected(f: float) -> float:
        none = 1.0
        for x in q:
            none *= 1 - min(f * x, 0.999)
        return f * total + none

    if expected(1.0) <= total:
        return 1.0
    return _bisect_solve(expected, total, 0.0, 1.0)


def _multi(
    p_options: dict[str, Sequence[float]],
    p_empty: Sequence[float] | None,
    couplings: dict[str, tuple[str, float, float]],
    at_least_one: bool = True,
    empty_coupling: tuple[str, float, float] = ("z", 0.0, 0.0),
) -> _Multi:
    """Build a _Multi from per-category option shares (of all persons)."""
    codes = list(p_options)
    conditional = []
    scales = []
    for c in range(len(CATEGORIES)):
        keep = 1 - (p_empty[c] if p_empty else 0.0)
        q = [min(p_options[code][c] / keep, 0.98) if keep > 0 else 0.0 for code in codes]
        f = _solve_scale(q) if at_least_one else 1.0
        scales.append(f)
        conditional.append([min(f * x, 0.999) for x in q])
    options = []
    for i, code in enumerate(codes):
        driver, loading, age = couplings.get(code, ("z", 0.0, 0.0))
        probs = [conditional[c][i] for c in range(len(CATEGORIES))]
        options.append((code, _binary(probs, driver, loading, age)))
    force = tuple(
        _cumulative([max(x, 1e-6) for x in conditional[c]]) for c in range(len(CATEGORIES))
    )
    empty = None
    if p_empty is not None:
        empty = _binary(p_empty, *empty_coupling)
    return _Multi(empty, tuple(options), force, at_least_one)


@dataclass
class _Tables:
    weights: list[float] = field(default_factory=list)  # Tabell 5 shares
    category_cum: tuple[float, ...] = ()
    p_male: float = 0.0
    male: list[float] = field(default_factory=list)
    cat_given_sex: dict[str, tuple[float, ...]] = field(default_factory=dict)
    severity: list[float] = field(default_factory=list)  # category severity s_c
    combos: list[list[tuple[str, str]]] = field(default_factory=list)
    combo_cum: list[tuple[float, ...]] = field(default_factory=list)
    area_thresholds: list[list[tuple[float, float]]] = field(default_factory=list)
    rho: list[float] = field(default_factory=list)
    adult_bands: dict[str, list[float]] = field(default_factory=dict)
    band_cum: list[tuple[float, ...]] = field(default_factory=list)
    age_cdf: dict[str, list[float]] = field(default_factory=dict)
    binaries: dict[str, _Binary] = field(default_factory=dict)
    ordinals: dict[str, _Ordinal] = field(default_factory=dict)
    multis: dict[str, _Multi] = field(default_factory=dict)
    children_norm: list[float] = field(default_factory=list)
    relation_primary: dict[str, tuple[float, ...]] = field(default_factory=dict)
    relation_extra: dict[str, tuple[float, ...]] = field(default_factory=dict)
    service_p: dict[str, list[float]] = field(default_factory=dict)
    youth_entry: float = 0.0


# Relative chance of children per age band, and (number, share) of a parent's children.
_CHILD_AGE_FACTOR = MODEL["children_by_age_band"]
_CHILD_COUNTS = tuple(MODEL["children_count"].items())
# Index points of the colours, mildest first, and their squares.
_UNITS = tuple(UNITS_OF[colour] for colour in COLOURS)
_UNITS_SQUARED = tuple(u * u for u in _UNITS)


def _by_category(per_group: dict[str, float]) -> list[float]:
    return [per_group[GROUP_OF[c]] for c in CATEGORIES]


def _spread(t: _Tables, per_group: dict[str, float], loading: float) -> list[float]:
    """Per-category shares from main-group shares, keeping each main group's share."""
    k = MODEL["category_spread"] * loading
    out = [0.0] * len(CATEGORIES)
    for group in (RUS, PSYKISK):
        members = [i for i, c in enumerate(CATEGORIES) if GROUP_OF[c] == group]
        total = sum(t.weights[i] for i in members)
        p = per_group[group]
        if p <= 0 or p >= 1 or k == 0:
            for i in members:
                out[i] = p
            continue

        def share(shift: float, members=members, total=total) -> float:
            return sum(t.weights[i] * _phi(shift + k * t.severity[i]) for i in members) / total

        shift = _bisect_solve(share, p, -10, 10)
        for i in members:
            out[i] = _phi(shift + k * t.severity[i])
    return out


def _area_distribution(thresholds: tuple[float, float], latent_shift: float):
    g = _phi(thresholds[0] - latent_shift)
    y = _phi(thresholds[1] - latent_shift) - g
    return g, y, 1 - g - y


def _index_moments(t: _Tables, c: int, rho: float) -> tuple[float, float]:
    """Mean and SD of the levekårsindeks (in units of _POINT) for category c and copula rho."""
    a, b = math.sqrt(rho), math.sqrt(1 - rho)
    combos, cum = t.combos[c], t.combo_cum[c]
    points = [UNITS_OF[r] + UNITS_OF[p] for r, p in combos]
    bounds = [_probit(x) for x in cum]
    (u1, u2, u3), (s1, s2, s3) = _UNITS, _UNITS_SQUARED
    mean = second = 0.0
    for z, w in zip(_GRID, _GRID_W, strict=True):
        m = v = 0.0
        # combination: category of the combos by the copula
        lows = [0.0, *(_phi((q - a * z) / b) for q in bounds), 1.0]
        probs = [lows[i + 1] - lows[i] for i in range(len(points))]
        cm = sum(p * x for p, x in zip(probs, points, strict=True))
        cv = sum(p * x * x for p, x in zip(probs, points, strict=True)) - cm * cm
        m += cm
        v += cv
        for t1, t2 in t.area_thresholds[c]:
            g = _phi((t1 - a * z) / b)
            y = _phi((t2 - a * z) / b) - g
            r = 1 - g - y
            am = u1 * g + u2 * y + u3 * r
            m += am
            v += s1 * g + s2 * y + s3 * r - am * am
        mean += w * m
        second += w * (v + m * m)
    return mean, math.sqrt(max(second - mean * mean, 0.0))


@functools.cache
def _tables() -> _Tables:
    t = _Tables()
    cal = CALIBRATION
    counts = [cal["kategorier"][c] for c in CATEGORIES]
    total = sum(counts)
    t.weights = [n / total for n in counts]
    t.category_cum = _cumulative(t.weights)
    t.male = [cal["andel_menn"][c] for c in CATEGORIES]
    t.p_male = sum(w * m for w, m in zip(t.weights, t.male, strict=True))
    for sex, share in (("mann", t.male), ("kvinne", [1 - m for m in t.male])):
        joint = [w * s for w, s in zip(t.weights, share, strict=True)]
        t.cat_given_sex[sex] = _cumulative(joint)
    # Category severity in main-group standard deviations (Tabell 2).
    totals = cal["levekarsindeks_total"]
    t.severity = [
        (cal["levekarsindeks"][c][0] - totals[GROUP_OF[c]][0]) / totals[GROUP_OF[c]][1]
        for c in CATEGORIES
    ]
    # Combinations, mildest first, and the six areas' thresholds and copula.
    for i, c in enumerate(CATEGORIES):
        cells = cal["kombinasjoner"][c]
        combos = sorted(cells, key=lambda rp: (UNITS_OF[rp[0]] + UNITS_OF[rp[1]], rp))
        t.combos.append(combos)
        t.combo_cum.append(_cumulative([cells[k] for k in combos]))
        group = GROUP_OF[c]
        shapes = [cal["omrader"][group][a] for a in OTHER_AREAS]
        base = [(_probit(g), _probit(g + y)) for g, y, _r in shapes]
        combo_mean = sum(cells[k] * (UNITS_OF[k[0]] + UNITS_OF[k[1]]) for k in combos) / sum(
            cells.values()
        )
        target = cal["levekarsindeks"][c][0] / _POINT - combo_mean

        def others_mean(shift: float, base=base) -> float:
            u1, u2, u3 = _UNITS
            s = 0.0
            for th in base:
                g, y, r = _area_distribution(th, shift)
                s += u1 * g + u2 * y + u3 * r
            return s

        shift = _bisect_solve(others_mean, target, -6, 6)
        t.area_thresholds.append([(t1 - shift, t2 - shift) for t1, t2 in base])
        sd_target = cal["levekarsindeks"][c][1] / _POINT
        t.rho.append(_bisect_solve(lambda r, i=i: _index_moments(t, i, r)[1], sd_target, 0.0, 0.97))
    _age_tables(t)
    _answer_tables(t)
    return t


# The oldest band (70+): its first age plus an exponential number of years, at most this.
_OLDEST_MEAN_YEARS = MODEL["oldest_band"]["mean_years"]
_OLDEST_TARGET = MODEL["oldest_band"]["at_most"]
_MAX_AGE = 160  # the horizon of the age convolutions below (not an age limit)


def _target_ages(band: int) -> list[tuple[int, float]]:
    lo, hi = AGE_BANDS[band]
    if band < len(AGE_BANDS) - 1:
        return [(a, 1 / (hi - lo + 1)) for a in range(lo, hi + 1)]
    q = math.exp(-1 / _OLDEST_MEAN_YEARS)
    out = [(lo + j, (1 - q) * q**j) for j in range(_OLDEST_TARGET - lo)]
    return [*out, (_OLDEST_TARGET, q ** (_OLDEST_TARGET - lo))]


def _years_in_pool() -> list[float]:
    """P(k): a person present in a year entered k years before (geometric)."""
    stay = 1 - MODEL["turnover"]
    p = [(1 - stay) * stay**k for k in range(60)]
    total = sum(p)
    return [x / total for x in p]


def _cross_section(entry: list[float], years: list[float]) -> list[float]:
    out = [0.0] * (_MAX_AGE + 1)
    for e, pe in enumerate(entry):
        if pe:
            for k, pk in enumerate(years):
                if e + k <= _MAX_AGE:
                    out[e + k] += pe * pk
    return out


def _age_tables(t: _Tables) -> None:
    """Entry ages such that the yearly cross-section has the published ages.

    An adult entrant gets a target age from a band, enters the pool at
    max(adult age, target - k') and is seen k years later (k, k' geometric, see
    _person); a youth entrant enters at an age from the instrument's minimum age to
    just under its adult age (16 or 17). The cross-section of ages is computed
    exactly by convolution, and the band shares of the adult entrants are solved
    (fixed point) so that the adults of the cross-section have Vedlegg 2's bands.
    Per category the bands are tilted to Tabell 6's mean age, allowing for the
    persons whose category changed since they entered.
    """
    cal = CALIBRATION
    kept = MODEL["category_kept"]
    years = _years_in_pool()
    youth_entry = [0.0] * (_MAX_AGE + 1)
    for age in range(_MIN_AGE, _ADULT_AGE):
        youth_entry[age] = 1 / _YOUTH_YEARS
    youth = _cross_section(youth_entry, years)
    in_youth = sum(youth[_MIN_AGE:_ADULT_AGE])
    t.youth_entry = MODEL["under_18_share"] / in_youth
    y = t.youth_entry
    per_band = []
    for band in range(len(AGE_BANDS)):
        entry = [0.0] * (_MAX_AGE + 1)
        for target, p_target in _target_ages(band):
            for offset, p_offset in enumerate(years):
                entry[max(_ADULT_AGE, target - offset)] += p_target * p_offset
        per_band.append(_cross_section(entry, years))

    def adults(weights: Sequence[float]) -> list[float]:
        total = sum(weights)
        mix = [y * youth[a] for a in range(_MAX_AGE + 1)]
        for w, dist in zip(weights, per_band, strict=True):
            for a in range(_ADULT_AGE, _MAX_AGE + 1):
                mix[a] += (1 - y) * w / total * dist[a]
        mass = sum(mix[_ADULT_AGE:])
        return [0.0] * _ADULT_AGE + [x / mass for x in mix[_ADULT_AGE:]]

    def band_shares(dist: list[float]) -> list[float]:
        ages = range(_ADULT_AGE, _MAX_AGE + 1)
        return [sum(dist[a] for a in ages if _band(a) == b) for b in range(len(AGE_BANDS))]

    def mean(dist: list[float]) -> float:
        return sum(a * p for a, p in enumerate(dist))

    for group in (RUS, PSYKISK):
        target = list(cal["alder_band"][group])
        target = [x / sum(target) for x in target]
        weights = target[:]
        for _ in range(60):
            shares = band_shares(adults(weights))
            weights = [w * x / s for w, x, s in zip(weights, target, shares, strict=True)]
        t.adult_bands[group] = [w / sum(weights) for w in weights]
        dist = adults(weights)
        scores, running = [0.0] * (_MAX_AGE + 1), 0.0
        for a in range(_ADULT_AGE, _MAX_AGE + 1):
            scores[a] = _probit(min(max(running + dist[a] / 2, 0.001), 0.999))
            running += dist[a]
        t.age_cdf[group] = scores
    mean_all = sum(w * cal["alder_snitt"][c] for w, c in zip(t.weights, CATEGORIES, strict=True))
    mids = [sum(a * p for a, p in _target_ages(b)) for b in range(len(AGE_BANDS))]
    for c in CATEGORIES:
        base = t.adult_bands[GROUP_OF[c]]
        # the persons whose category changed have about the overall mean age
        wanted = (cal["alder_snitt"][c] - (1 - kept) * mean_all) / kept

        def tilted(theta: float, base=base) -> list[float]:
            return [b * math.exp(theta * (m - 45)) for b, m in zip(base, mids, strict=True)]

        theta = _bisect_solve(lambda x, tilted=tilted: mean(adults(tilted(x))), wanted, -0.2, 0.2)
        weights = tilted(theta)
        t.band_cum.append(_cumulative(weights))
        shares = band_shares(adults(weights))
        t.children_norm.append(sum(s * f for s, f in zip(shares, _CHILD_AGE_FACTOR, strict=True)))


def _age_score(t: _Tables, group: str, age: int) -> float:
    """The age as a standard normal score within the main group's adults."""
    if age < _ADULT_AGE:
        return -2.5
    return t.age_cdf[group][min(age, _MAX_AGE)]


# Couplings: question -> option -> (driver, loading, age loading). Drivers are "z"
# (severity), the six area latents, "rus" and "psyk" (the category pair), "suicide",
# "violence".
_COUPLINGS = MODEL["couplings"]
_SERVICE_COUPLING = _COUPLINGS["tjenester"]
# Group-level coupling of "has at least one service of the group".
_GROUP_COUPLING = MODEL["service_group_couplings"]
# The services of the groups without a group share, drawn one by one.
_OTHER_SERVICES = tuple(k for k in _SERVICES if k.split(".", 1)[0] not in _SERVICE_GROUPS)
# Services with their own rule (children, pregnancy), drawn outside the groups.
_SPECIAL_SERVICES = ("kommune.barnevern", "kommune.svangerskap")
# Groups whose options are drawn without coupling, given the group (which is coupled):
# coupling both would over-fire the options.
_UNCOUPLED_GROUPS = MODEL["uncoupled_service_groups"]
_INJECTED = MODEL["injected_substances"]
_WORKER_INCOME = MODEL["worker_income"]
_WORKER_EXPERIENCE = MODEL["worker_experience"]
# The experience of those in ordinary work: the levels they can have.
_WORKER_LEVELS = tuple(k for k in _EXPERIENCE if _WORKER_EXPERIENCE.get(k, 0) > 0)


def _loading(question: str, code: str) -> float:
    """The loading with which an option's main-group share is spread over the categories."""
    if code in _COUPLINGS.get(question, {}):
        return _COUPLINGS[question][code][1]
    return MODEL["default_loading"].get(question, 0)


def _negated(coupling: tuple[str, float, float]) -> tuple[str, float, float]:
    driver, loading, age = coupling
    return driver, -loading, -age


def _answer_tables(t: _Tables) -> None:
    cal = CALIBRATION
    n = len(CATEGORIES)
    b, o, m = t.binaries, t.ordinals, t.multis

    def per_cat(table: dict[str, dict[str, float]], key: str) -> list[float]:
        return [table[c][key] if c in table else 0.0 for c in CATEGORIES]

    def groupwise(table: dict[str, dict[str, float]], option: str) -> dict[str, float]:
        return {g: table[g][option] for g in (RUS, PSYKISK)}

    # --- background ----------------------------------------------------------
    b["utdanning.vet_ikke"] = _binary(
        _by_category({g: cal["utdanning"][g]["vet_ikke"] for g in (RUS, PSYKISK)})
    )
    o["utdanning"] = _ordinal(
        [[cal["utdanning"][GROUP_OF[c]][k] for k in _EDUCATION] for c in CATEGORIES],
        "z",
        -0.25,
        0.15,
    )
    land = cal["fodeland"]
    o["fodeland"] = _ordinal([[land[GROUP_OF[c]][k] for k in _BIRTH_COUNTRIES] for c in CATEGORIES])

    # --- living arrangements -------------------------------------------------
    bor = cal["bor_med"]
    care = cal["barn_kontakt"]
    partner_care = cal["partner_gitt_omsorg"]
    # Those caring for children live with them (and 61 % with a partner); the shares
    # of the others are conditional on not caring for children.
    others = _options("bor_med", "barn_under_18")
    alone, unknown, with_others = [], [], {k: [] for k in others}
    for c in CATEGORIES:
        g = GROUP_OF[c]
        rest = 1 - care[g][_CARE]
        alone.append(bor[g]["alene"] / rest)
        unknown.append(bor[g]["vet_ikke"] / rest)
        for k in others:
            share = bor[g][k] - (partner_care * care[g][_CARE] if k == "partner" else 0)
            with_others[k].append(max(share, 0.0) / rest)
    b["bor_med.vet_ikke"] = _binary(unknown)
    b["bor_med.alene"] = _binary(
        [a / (1 - u) for a, u in zip(alone, unknown, strict=True)], "nettverk", 0.3
    )
    not_alone = [1 - a - u for a, u in zip(alone, unknown, strict=True)]
    m["bor_med"] = _multi(
        {k: [v[i] / not_alone[i] for i in range(n)] for k, v in with_others.items()},
        None,
        _COUPLINGS.get("bor_med", {}),
    )

    # --- children ------------------------------------------------------------
    for g in (RUS, PSYKISK):
        has = sum(
            t.weights[i] * cal["barn_andel"][c]
            for i, c in enumerate(CATEGORIES)
            if GROUP_OF[c] == g
        ) / sum(t.weights[i] for i, c in enumerate(CATEGORIES) if GROUP_OF[c] == g)
        targets = [care[g][r] / has for r in _RELATIONS]
        total = sum(targets)
        primary = [x / total for x in targets]
        two_or_more = 1 - _CHILD_COUNTS[0][1]
        extra = [
            min(max((x - p) / ((1 - p) * two_or_more), 0.0), 1.0) if p < 1 else 0.0
            for x, p in zip(targets, primary, strict=True)
        ]
        t.relation_primary[g] = _cumulative(primary)
        t.relation_extra[g] = tuple(extra)

    # --- activity and income --------------------------------------------------
    akt = cal["aktiviteter"]
    akt_none = _spread(t, groupwise(akt, "ingen"), 0.5)
    m["aktiviteter"] = _multi(
        {
            k: _spread(t, groupwise(akt, k), _loading("aktiviteter", k))
            for k in _options("aktiviteter")
        },
        akt_none,
        _COUPLINGS.get("aktiviteter", {}),
        empty_coupling=("meningsfull_aktivitet", 0.75, 0.0),
    )
    liv = cal["livsopphold"]
    akt_work = _spread(t, groupwise(akt, "arbeid"), -0.4)
    liv_work = _spread(t, groupwise(liv, "arbeid"), -0.4)
    # ordinary work only among those with work as activity
    b["livsopphold.arbeid"] = _binary(
        [min(lw / aw, 0.95) for lw, aw in zip(liv_work, akt_work, strict=True)], "okonomi", -0.3
    )
    # Those in ordinary work may have other income besides (_WORKER_INCOME); the
    # others' shares are what is left, among those not in ordinary work.
    rest = {
        k: [
            (liv[GROUP_OF[c]][k] - liv_work[i] * _WORKER_INCOME[k]) / (1 - liv_work[i])
            for i, c in enumerate(CATEGORIES)
        ]
        for k in _options("livsopphold", "arbeid")
    }
    vet = [liv[GROUP_OF[c]]["vet_ikke"] / (1 - liv_work[i]) for i, c in enumerate(CATEGORIES)]
    m["livsopphold"] = _multi(rest, vet, _COUPLINGS.get("livsopphold", {}))
    for k, p in _WORKER_INCOME.items():
        b["livsopphold.arbeid." + k] = _binary([p] * n)
    hours = cal["stillingsprosent"]
    o["stillingsprosent"] = _ordinal([[hours[k] for k in _WORKING_HOURS]] * n, "z", -0.3)
    # Those in ordinary work know it and have some experience; the shares of the
    # others are what is left.
    exp = cal["arbeidserfaring"]
    levels = _EXPERIENCE
    workers = [_WORKER_EXPERIENCE.get(k, 0.0) for k in levels]
    others_exp = []
    for i, c in enumerate(CATEGORIES):
        w = liv_work[i]
        shares = [
            (exp[GROUP_OF[c]][k] - w * x) / (1 - w) for k, x in zip(levels, workers, strict=True)
        ]
        others_exp.append([max(x, 0.001) for x in shares])
    b["arbeidserfaring.vet_ikke"] = _binary(
        [exp[GROUP_OF[c]]["vet_ikke"] / (1 - liv_work[i]) for i, c in enumerate(CATEGORIES)],
        "z",
        0.2,
    )
    o["arbeidserfaring"] = _ordinal(others_exp, "z", -0.3, 0.6)
    o["arbeidserfaring.arbeid"] = _ordinal(
        [[_WORKER_EXPERIENCE[k] for k in _WORKER_LEVELS]] * n, "z", 0.0, 0.6
    )
    since = cal["tid_siden_arbeid"]
    b["tid_siden_arbeid.vet_ikke"] = _binary(_by_category(groupwise(since, "vet_ikke")))
    o["tid_siden_arbeid"] = _ordinal(
        [[since[GROUP_OF[c]][k] for k in _SINCE_WORK] for c in CATEGORIES],
        "z",
        0.35,
        0.2,
    )

    # --- health and risk -------------------------------------------------------
    dur = cal["varighet"]
    b["varighet.vet_ikke"] = _binary(per_cat(dur, "vet_ikke"))
    # (never asked without a psychic problem: the longest then)
    longest = (0.0,) * (len(_DURATIONS) - 1) + (1.0,)
    o["varighet"] = _ordinal(
        [[dur[c][k] for k in _DURATIONS] if c in dur else longest for c in CATEGORIES],
        "z",
        0.2,
        0.35,
    )
    b["selvmordsforsok"] = _binary(per_cat(cal["selvmord"], "selvmordsforsok"), "suicide", 0.75)
    b["fare_selvmord"] = _binary(per_cat(cal["selvmord"], "fare_selvmord"), "suicide", 0.8)
    kog = cal["kognitive_vansker"]
    b["kognitive.vet_ikke"] = _binary(_by_category(groupwise(kog, "vet_ikke")))
    yes = {
        g: (kog[g]["kjent"] + kog[g]["mistanke"]) / (1 - kog[g]["vet_ikke"]) for g in (RUS, PSYKISK)
    }
    b["kognitive.ja"] = _binary(_spread(t, yes, 0.4), "sosial_fungering", 0.4, 0.1)
    b["kognitive.kjent"] = _binary(
        _by_category({g: kog[g]["kjent"] / (kog[g]["kjent"] + kog[g]["mistanke"]) for g in yes})
    )
    o["vold"] = _ordinal([cal["vold"][c] for c in CATEGORIES], "violence", 0.7, -0.15)
    o["overdose"] = _ordinal([cal["overdose"].get(c, (1, 0, 0, 0)) for c in CATEGORIES], "rus", 0.6)
    b["injiserer"] = _binary([cal["injiserer"].get(c, 0.0) for c in CATEGORIES], "rus", 0.5, -0.2)
    drugs = cal["rusmidler"]
    drug_coupling = _COUPLINGS.get("rusmidler", {})
    rus_only = {RUS: 0.0, PSYKISK: 0.0}
    shares = {
        k: _spread(t, {**rus_only, RUS: drugs[k]}, _loading("rusmidler", k))
        for k in _codes("rusmidler")
    }
    none = _spread(t, {**rus_only, RUS: drugs["ingen"]}, -0.4)
    # Injection is drawn first; those who inject use the injectable substances
    # with the shares of _INJECTED (and always use something), the others with
    # what is left of each category's share.
    inject = [cal["injiserer"].get(c, 0.0) for c in CATEGORIES]
    injectors = {k: [_INJECTED.get(k, v[i]) for i in range(n)] for k, v in shares.items()}
    others_drugs = {
        k: [max((v[i] - inject[i] * injectors[k][i]) / (1 - inject[i]), 0.005) for i in range(n)]
        for k, v in shares.items()
    }
    m["rusmidler.injiserer"] = _multi(injectors, None, drug_coupling)
    m["rusmidler"] = _multi(
        others_drugs,
        [x / (1 - i) for x, i in zip(none, inject, strict=True)],
        drug_coupling,
        empty_coupling=("rus", -0.5, 0.0),
    )

    # --- services ------------------------------------------------------------
    services = cal["tjenester"]
    groups = cal["tjenestegrupper"]
    for code in _SERVICES:
        p_rus, p_psyk = services[code]
        loading = _loading("tjenester", code)
        t.service_p[code] = _spread(t, {RUS: p_rus, PSYKISK: p_psyk}, loading)
    fixed = cal["psykisk_helsearbeid_rus"]
    for i, c in enumerate(CATEGORIES):
        if c in fixed:
            t.service_p["kommune.psykisk_helsearbeid"][i] = fixed[c]
    for group in _SERVICE_GROUPS:
        spec = groups[group]
        if set(spec) == set(CATEGORIES):
            any_share = [spec[c] for c in CATEGORIES]
        else:
            any_share = _spread(t, spec, _GROUP_COUPLING[group][1])
        codes = [k for k in _SERVICES if k.startswith(group + ".") and k not in _SPECIAL_SERVICES]
        own = _GROUP_COUPLING[group][0]
        m["tjenester." + group] = _multi(
            {k: t.service_p[k] for k in codes},
            [1 - a for a in any_share],
            {
                k: _SERVICE_COUPLING[k]
                for k in codes
                if k in _SERVICE_COUPLING
                and _SERVICE_COUPLING[k][0] != own
                and group not in _UNCOUPLED_GROUPS
            },
            empty_coupling=_negated(_GROUP_COUPLING[group]),
        )
    for code in _OTHER_SERVICES:
        driver, loading, age = _SERVICE_COUPLING.get(code, ("z", _loading("tjenester", code), 0.0))
        b["tjenester." + code] = _binary(t.service_p[code], driver, loading, age)

    # --- plans ---------------------------------------------------------------
    plans = cal["planer"]
    m["planer"] = _multi(
        {k: _spread(t, groupwise(plans, k), _loading("planer", k)) for k in _options("planer")},
        _spread(t, groupwise(plans, "ingen"), -0.4),
        _COUPLINGS.get("planer", {}),
        empty_coupling=("z", -0.4, 0.0),
    )
    b["pakkeforlop"] = _binary([cal["pakkeforlop"]] * n, "z", 0.2, -0.2)


# =============================================================================
# The pool of persons
# =============================================================================


def _members(seed: int, year: int, persons: int) -> list[tuple[float, int, int]]:
    """(key, cohort, index) of the persons of `year`, in a stable random order."""
    if persons == 0:
        return []
    turnover = MODEL["turnover"]
    per_cohort = math.ceil(persons * turnover * 1.03)
    log_stay = math.log(1 - turnover)
    members: list[tuple[float, int, int]] = []
    streams = {}
    for k in range(40):
        cohort = year - k
        rng = random.Random(f"brukerplan-synth:{seed}:cohort:{cohort}")
        streams[cohort] = rng
        for j in range(per_cohort):
            u, key = rng.random(), rng.random()
            stay = 1 + int(math.log(1.0 - u) / log_stay)
            if stay > k:
                members.append((key, cohort, j))
    j = per_cohort
    rng = streams[year]
    while len(members) < persons:
        rng.random()
        members.append((rng.random(), year, j))
        j += 1
    members.sort()
    return members[:persons]


@dataclass
class _Person:
    cohort: int
    index: int
    sex: str  # mann | kvinne
    birth: datetime.date
    individual: int
    youth_category: int | None
    adult_category: int
    z: float
    area_noise: tuple[float, ...]
    combo_noise: float
    traits: tuple[float, ...]
    home: float
    home_fallback: float
    unit: float


_GOLDEN = 0.6180339887498949
# The indices in CATEGORIES of each main group's categories.
_MEMBERS = {g: [i for i, c in enumerate(CATEGORIES) if GROUP_OF[c] == g] for g in (RUS, PSYKISK)}


def _person(seed: int, cohort: int, index: int, t: _Tables) -> _Person:
    rng = random.Random(f"brukerplan-synth:{seed}:person:{cohort}:{index}")
    youth = rng.random() < t.youth_entry
    rus_youth = CALIBRATION["under_18"]["rus_andel"]
    if youth:
        in_rus = rng.random() < rus_youth
        members = _MEMBERS[RUS] if in_rus else _MEMBERS[PSYKISK]
        youth_category = members[_pick(_cumulative([t.weights[i] for i in members]), rng.random())]
        sex = "mann" if rng.random() < t.male[youth_category] else "kvinne"
        adult_category = _pick(t.cat_given_sex[sex], rng.random())
        # one of the ages under the adult age, the oldest first
        entry_age = _ADULT_AGE - 1 - int(rng.random() * _YOUTH_YEARS)
    else:
        youth_category = None
        # Stratified: a golden-ratio sequence over the cohort's persons balances the
        # categories of every cohort (less sampling noise than independent draws).
        u = (index * _GOLDEN + _uniform(seed, "cohort", cohort)) % 1.0
        adult_category = _pick(t.category_cum, u)
        sex = "mann" if rng.random() < t.male[adult_category] else "kvinne"
        band = _pick(t.band_cum[adult_category], rng.random())
        lo, hi = AGE_BANDS[band]
        if band == len(AGE_BANDS) - 1:
            age = min(lo + int(rng.expovariate(1 / _OLDEST_MEAN_YEARS)), _OLDEST_TARGET)
        else:
            age = rng.randint(lo, hi)
        # the cross-section has been in the pool a geometric number of years
        offset = int(math.log(1.0 - rng.random()) / math.log(1 - MODEL["turnover"]))
        entry_age = max(_ADULT_AGE, age - offset)
    birth_year = max(cohort - entry_age, 1900)  # the individual numbers assume 1900-2039
    start = datetime.date(birth_year, 1, 1).toordinal()
    days = datetime.date(birth_year + 1, 1, 1).toordinal() - start
    birth = datetime.date.fromordinal(start + rng.randrange(days))
    low = 0 if birth_year < 2000 else 500
    individual = low + rng.randrange(500)
    if (individual % 2 == 1) != (sex == "mann"):
        individual = low + (individual - low + 1) % 500
    return _Person(
        cohort=cohort,
        index=index,
        sex=sex,
        birth=birth,
        individual=individual,
        youth_category=youth_category,
        adult_category=adult_category,
        z=rng.gauss(0.0, 1.0),
        area_noise=tuple(rng.gauss(0.0, 1.0) for _ in OTHER_AREAS),
        combo_noise=rng.gauss(0.0, 1.0),
        traits=tuple(rng.random() for _ in range(8)),
        home=rng.random(),
        home_fallback=rng.random(),
        unit=rng.random(),
    )


def _fodselsnummer(person: _Person, used: set[str]) -> str:
    """The person's synthetic number; a clash with an earlier person moves to the next."""
    low = 0 if person.birth.year < 2000 else 500
    individual = person.individual
    for _ in range(250):
        number = synthetic_number(person.birth, individual)
        if number is not None and number not in used:
            used.add(number)
            return number
        individual = low + (individual - low + 2) % 500
    raise RuntimeError("no free synthetic fødselsnummer for a birth date")


# =============================================================================
# One person's answers in one year
# =============================================================================


def _answers(person: _Person, year: int, rng: random.Random, t: _Tables):
    age = year - person.birth.year
    youth = age < _ADULT_AGE
    if youth and person.youth_category is not None:
        c = person.youth_category
    elif rng.random() < MODEL["category_kept"]:
        c = person.adult_category
    else:
        c = _pick(t.cat_given_sex[person.sex], rng.random())
    category = CATEGORIES[c]
    group = GROUP_OF[category]
    r = MODEL["severity_persistence"]
    z = math.sqrt(r) * person.z + math.sqrt(1 - r) * rng.gauss(0.0, 1.0)
    q = MODEL["area_persistence"]
    rho = t.rho[c]
    a, s = math.sqrt(rho), math.sqrt(1 - rho)
    kept = MODEL["trait_kept"]

    def trait(i: int) -> float:
        return person.traits[i] if rng.random() < kept else rng.random()

    d: dict[str, float] = {"z": z, "age": _age_score(t, group, age)}
    answers: dict[str, object] = {}
    # --- target group and the category pair -----------------------------------
    combo_latent = a * z + s * (
        math.sqrt(q) * person.combo_noise + math.sqrt(1 - q) * rng.gauss(0, 1)
    )
    rus_colour, psyk_colour = t.combos[c][_pick(t.combo_cum[c], _phi(combo_latent))]
    d["rus"] = d["psyk"] = combo_latent
    answers["rusproblem"] = 1 if group == RUS else 0
    answers["psykisk_problem"] = 0 if category == "ikke_rop" else 1
    youth_shift = 0.6 if youth else 0.0
    green, yellow, red = COLOURS
    colours = {}
    for i, area in enumerate(OTHER_AREAS):
        noise = math.sqrt(q) * person.area_noise[i] + math.sqrt(1 - q) * rng.gauss(0, 1)
        latent = a * z + s * noise
        d[area] = latent
        t1, t2 = t.area_thresholds[c][i]
        x = latent - youth_shift
        colours[area] = green if x < t1 else yellow if x < t2 else red
    colours["psykisk_helse"] = psyk_colour
    colours["rusmiddelbruk"] = rus_colour
    d["suicide"] = 0.5 * z + 0.866 * rng.gauss(0, 1)
    d["violence"] = 0.5 * z + 0.866 * rng.gauss(0, 1)

    # --- background --------------------------------------------------------------
    b, o, m = t.binaries, t.ordinals, t.multis
    if youth:
        answers["utdanning"] = (
            "grunnskole_ikke_fullfort" if age == _MIN_AGE or trait(0) < 0.6 else "grunnskole"
        )
    elif trait(4) < _phi(b["utdanning.vet_ikke"].alpha[c]):
        answers["utdanning"] = "vet_ikke"
    else:
        # mostly permanent, a little worse with severity (see o["utdanning"])
        edu = o["utdanning"]
        x = edu.rest * _probit(trait(0)) + edu.loading * z + edu.age * d["age"]
        index = _pick(edu.cumulative[c], _phi(x))
        if age < 21 and index == 3:
            index = 2
        answers["utdanning"] = _EDUCATION[index]
    answers["fodeland"] = _BIRTH_COUNTRIES[_pick(o["fodeland"].cumulative[c], person.traits[1])]

    # --- children ------------------------------------------------------------------
    counts = dict.fromkeys(_RELATIONS, 0)
    band = _band(age)
    if youth:
        p_children = 0.005
    else:
        p_children = (
            CALIBRATION["barn_andel"][category] * _CHILD_AGE_FACTOR[band] / t.children_norm[c]
        )
    if trait(2) < min(p_children, 0.95):
        u = trait(3)
        number, running = 1, 0.0
        for k, share in _CHILD_COUNTS:
            running += share
            if u < running:
                number = k
                break
        relation = _RELATIONS[_pick(t.relation_primary[group], rng.random())]
        counts[relation] = number
        if number >= 2:
            for i, other in enumerate(_RELATIONS):
                if other != relation and rng.random() < t.relation_extra[group][i]:
                    moved = 1 if number == 2 or rng.random() < 0.7 else 2
                    counts[relation] -= moved
                    counts[other] += moved
                    break
    answers.update(counts)
    if person.sex == "kvinne":
        fertile = _ADULT_AGE <= age <= 44
        p = 0.0
        if fertile:
            p = 0.021 if group == PSYKISK else 0.012
        elif youth:
            p = 0.003
        answers["gravid"] = 1 if rng.random() < p else 0

    # --- living arrangements -------------------------------------------------------
    if youth:
        if rng.random() < 0.03:
            bor = ["alene"]
        else:
            bor = ["foreldre"] if rng.random() < 0.93 else ["venner"]
            if rng.random() < 0.03:
                bor.append("partner")
    elif counts[_CARE] > 0:
        bor = ["barn_under_18"]
        if rng.random() < CALIBRATION["partner_gitt_omsorg"]:
            bor.append("partner")
        if age >= 40 and rng.random() < 0.1:
            bor.append("voksne_barn")
    elif b["bor_med.vet_ikke"].draw(rng, c, d):
        bor = ["vet_ikke"]
    elif b["bor_med.alene"].draw(rng, c, d):
        bor = ["alene"]
    else:
        bor = m["bor_med"].draw(rng, c, d) or []
    answers["bor_med"] = bor
    shares = CALIBRATION["andres_barn"]
    if rng.random() < shares[group] * (1.5 if "partner" in bor else 0.9):
        other = []
        if "partner" in bor and rng.random() < 0.5:
            other.append("bor_med_andres_barn")
        if rng.random() < 0.55:
            other.append("kontakt_andres_barn")
        if age < 25 and "foreldre" in bor and rng.random() < 0.6:
            other.append("bor_med_mindrearige_sosken")
        if not other:
            other.append("kontakt_andres_barn")
        answers["andres_barn"] = other
        answers["andres_barn_antall"] = 1 + min(int(rng.expovariate(1 / 0.6)), 8)
    else:
        answers["andres_barn"] = ["ingen"] if rng.random() < 0.97 else []

    # --- living conditions ---------------------------------------------------------
    answers.update(colours)

    # --- activity and income ---------------------------------------------------------
    if youth:
        school = CALIBRATION["under_18"]["skole"][group]
        if group == RUS and rng.random() < CALIBRATION["under_18"]["ingen"]:
            activities = None
        else:
            activities = ["utdanning"] if rng.random() < school / 0.95 else []
            for code, p in (("egen_regi", 0.5), ("kommunal", 0.15), ("arbeid", 0.05)):
                if rng.random() < p:
                    activities.append(code)
            if not activities:
                activities.append("egen_regi")
    else:
        activities = m["aktiviteter"].draw(rng, c, d)
    answers["aktiviteter"] = ["ingen"] if activities is None else activities
    works = False
    if activities and "arbeid" in activities and not youth:
        works = b["livsopphold.arbeid"].draw(rng, c, d)
    if youth:
        income = ["andre"] if rng.random() < 0.85 else ["nav"]
    elif works:
        # ordinary work, maybe with benefits besides; never "vet ikke"
        income = ["arbeid"]
        income += [k for k in _WORKER_INCOME if b["livsopphold.arbeid." + k].draw(rng, c, d)]
    else:
        drawn = m["livsopphold"].draw(rng, c, d)
        income = ["vet_ikke"] if drawn is None else drawn
    answers["livsopphold"] = income
    if "arbeid" in income:
        answers["stillingsprosent"] = _WORKING_HOURS[o["stillingsprosent"].draw(rng, c, d)]
    if youth:
        experience = "ingen" if rng.random() < 0.8 else "under_1"
    elif works:
        experience = _WORKER_LEVELS[o["arbeidserfaring.arbeid"].draw(rng, c, d)]
    elif b["arbeidserfaring.vet_ikke"].draw(rng, c, d):
        experience = "vet_ikke"
    else:
        experience = _EXPERIENCE[o["arbeidserfaring"].draw(rng, c, d)]
    answers["arbeidserfaring"] = experience
    if experience != "ingen":
        if works:
            since = "i_arbeid"
        elif experience == "vet_ikke" and rng.random() < 0.8:
            since = "vet_ikke"
        elif b["tid_siden_arbeid.vet_ikke"].draw(rng, c, d):
            since = "vet_ikke"
        else:
            since = _SINCE_WORK[o["tid_siden_arbeid"].draw(rng, c, d)]
            if youth and since == "over_2":
                since = "under_1"
        answers["tid_siden_arbeid"] = since

    # --- health and risk -------------------------------------------------------------
    if answers["psykisk_problem"] == 1:
        if b["varighet.vet_ikke"].draw(rng, c, d):
            answers["varighet_psykisk"] = "vet_ikke"
        else:
            answers["varighet_psykisk"] = _DURATIONS[o["varighet"].draw(rng, c, d)]
            if youth and answers["varighet_psykisk"] == "over_3" and rng.random() < 0.5:
                answers["varighet_psykisk"] = "1_3"
    answers["selvmordsforsok"] = int(b["selvmordsforsok"].draw(rng, c, d))
    answers["fare_selvmord"] = int(b["fare_selvmord"].draw(rng, c, d))
    if b["kognitive.vet_ikke"].draw(rng, c, d):
        answers["kognitive_vansker"] = "vet_ikke"
    elif b["kognitive.ja"].draw(rng, c, d):
        answers["kognitive_vansker"] = (
            "kjent" if b["kognitive.kjent"].draw(rng, c, d) else "mistanke"
        )
    else:
        answers["kognitive_vansker"] = "nei"
    violence = o["vold"].draw(rng, c, d)  # ingen, kun utsatt, kun utøver, begge
    answers["utsatt_vold"] = 1 if violence in (1, 3) else 0
    answers["utover_vold"] = 1 if violence in (2, 3) else 0
    if group == RUS:
        injects = b["injiserer"].draw(rng, c, d)
        if youth:
            injects = injects and rng.random() < 0.2
        if injects:
            drugs = m["rusmidler.injiserer"].draw(rng, c, d) or []
            if not _INJECTED.keys() & set(drugs):
                drugs.append("sentralstimulerende" if rng.random() < 0.6 else "heroin")
        else:
            drugs = m["rusmidler"].draw(rng, c, d) or []
        answers["rusmidler"] = drugs
        answers["injiserer"] = int(injects)
        overdose = o["overdose"].draw(rng, c, d)  # ingen, kun fare, kun overdose, begge
        answers["overdose"] = 1 if overdose in (2, 3) else 0
        answers["fare_overdose"] = 1 if overdose in (1, 3) else 0

    # --- services ----------------------------------------------------------------------
    received: list[str] = []
    for group_key in _SERVICE_GROUPS:
        received.extend(m["tjenester." + group_key].draw(rng, c, d) or ())
    for code in _OTHER_SERVICES:
        if b["tjenester." + code].draw(rng, c, d):
            received.append(code)
    parent = counts[_CARE] + counts[_CONTACT] > 0
    if youth:
        p_child_welfare = 0.35
    elif parent:
        p_child_welfare = (0.6 if group == RUS else 0.22) * (0.8 + 0.4 * _phi(z))
    elif age <= 23:
        p_child_welfare = 0.08
    else:
        p_child_welfare = 0.004
    if rng.random() < p_child_welfare:
        received.append("kommune.barnevern")
    p_pregnancy = 0.0005
    if answers.get("gravid") == 1:
        p_pregnancy = 0.8
    elif person.sex == "kvinne" and _ADULT_AGE <= age <= 44:
        p_pregnancy = 0.04 if group == RUS else 0.012
    if rng.random() < p_pregnancy:
        received.append("kommune.svangerskap")
    if youth:
        received = _youth_services(received, rng)
    answers["tjenester"] = received

    # --- plans -----------------------------------------------------------------------------
    plans = m["planer"].draw(rng, c, d)
    answers["planer"] = ["ingen"] if plans is None else plans
    answers["pakkeforlop"] = int(b["pakkeforlop"].draw(rng, c, d))

    # --- needs next 12 months ---------------------------------------------------------------
    answers["behov"] = _needs(received, rng, c, t, colours)
    return answers


def _band(age: int) -> int:
    for i, (lo, hi) in enumerate(AGE_BANDS):
        if age <= hi or i == len(AGE_BANDS) - 1:
            return i if age >= lo else 0
    return len(AGE_BANDS) - 1


# Persons under the adult age never get these services, and get these besides.
_NOT_FOR_YOUTH = frozenset(MODEL["youth_services"]["never"])
_YOUTH_EXTRA = tuple(MODEL["youth_services"]["extra"].items())


def _youth_services(received: list[str], rng: random.Random) -> list[str]:
    out = [x for x in received if x not in _NOT_FOR_YOUTH]
    for code, p in _YOUTH_EXTRA:
        if code not in out and rng.random() < p:
            out.append(code)
    return out


# Needs next 12 months: a received service is still needed with these chances
# (acute and coercive care are rarely planned), and a service not received is
# newly needed with a share of its usual probability, more so where an area is red.
_NEEDS = MODEL["needs"]
_RARELY_PLANNED = frozenset(MODEL["rarely_planned"])
_NEED_RED_AREA = tuple(
    (area, MODEL["red_area_needs"][area]) for area in OTHER_AREAS if area in MODEL["red_area_needs"]
)


@functools.cache
def _need_table(c: int) -> tuple[tuple[str, float, float], ...]:
    """(service, chance still needed if received, chance newly needed) for category c."""
    t = _tables()
    return tuple(
        (
            code,
            _NEEDS["keep_rarely_planned"] if code in _RARELY_PLANNED else _NEEDS["keep"],
            _NEEDS["new"] * t.service_p[code][c],
        )
        for code in _SERVICES
    )


def _needs(received, rng, c, t: _Tables, colours) -> list[str]:
    have = set(received)
    wanted = set()
    rnd = rng.random
    for code, keep, new in _need_table(c):
        if rnd() < (keep if code in have else new):
            wanted.add(code)
    red, chance = COLOURS[-1], _NEEDS["red_area_chance"]
    for area, codes in _NEED_RED_AREA:
        if colours[area] == red:
            for code in codes:
                if code not in wanted and rng.random() < chance:
                    wanted.add(code)
    return sorted(wanted)


# =============================================================================
# Where and when: municipalities, units, mapping periods
# =============================================================================


def _short(name: str) -> str:
    """'Trondheim - Tråante' -> 'Trondheim', 'Herøy (Nordland)' -> 'Herøy'."""
    return name.split(" - ")[0].split(" (")[0]


@dataclass(frozen=True)
class _Place:
    municipality: str
    county: str
    unit: tuple[str, str]


class _World:
    """The municipalities, units and mapping periods of one call."""

    def __init__(
        self,
        seed: int,
        year: int,
        codes: list[str] | None,
        unit_types: Collection[str] | None = None,
    ):
        from brukerplan.organisations.reference import load_municipalities, municipalities_in

        self.seed, self.year = seed, year
        self.unit_types = None if unit_types is None else frozenset(unit_types)
        self._sizes: dict[str, float] = {}
        valid = municipalities_in(year)
        self.by_name = {m.name: m for m in valid.values()}
        self.name_of = {m.code: m.name for m in valid.values()}
        if codes is not None:
            unknown = [code for code in codes if code not in valid]
            if unknown:
                raise ValueError(f"municipalities not valid in {year}: {', '.join(unknown)}")
            if not codes:
                raise ValueError("municipalities must not be empty")
            names = sorted({valid[code].name for code in codes})
            self.universal = names
            self.fallback = names
        else:
            every = sorted({m.name for m in load_municipalities()})
            chosen = [name for name in every if self._participates(name)]
            self.universal = chosen
            self.fallback = [name for name in chosen if name in self.by_name]
            if not self.fallback:
                self.fallback = sorted(self.by_name)
        self.universal_cum = _cumulative([self.size(name) for name in self.universal])
        self.fallback_cum = _cumulative([self.size(name) for name in self.fallback])
        self.allowed = set(self.fallback)
        self.county_members: dict[str, list[str]] = {}
        for name in self.fallback:
            self.county_members.setdefault(self.by_name[name].county_code, []).append(name)
        self._units: dict[str, list[tuple[str, str, float, float]]] = {}
        self._periods: dict[str, int] = {}

    def inhabitants(self, name: str) -> float:
        """The municipality's made-up population, in thousands."""
        key = _short(name)
        big = MODEL["big_municipalities"]
        if key in big:
            return float(big[key])
        u = min(max(_uniform(self.seed, "size", name), 1e-9), 1 - 1e-9)
        population = MODEL["small_size_median"] * math.exp(MODEL["small_size_sigma"] * _probit(u))
        return min(population, 30.0)

    def size(self, name: str) -> float:
        if name not in self._sizes:
            self._sizes[name] = self.inhabitants(name) ** MODEL["size_exponent"]
        return self._sizes[name]

    def _participates(self, name: str) -> bool:
        key = _short(name)
        if key in MODEL["big_municipalities"]:
            return True
        return _uniform(self.seed, "participates", name) < MODEL["participation"]

    def units(self, name: str) -> list[tuple[str, str, float, float]]:
        if name not in self._units:
            size = self.size(name)
            rng = random.Random(f"brukerplan-synth:{self.seed}:units:{name}")
            big = min(size / 40.0, 1.0)
            units = []
            if size > 15 and rng.random() < 0.7:
                units += [CORE_RUS, CORE_PSYKISK]
            else:
                units.append(CORE_JOINT)
            short = _short(name)
            for unit, kind, w_rus, w_psyk, p_small, p_big in UNIT_CATALOGUE:
                drawn = rng.random() < p_small + (p_big - p_small) * big
                if drawn and (self.unit_types is None or kind in self.unit_types):
                    label = f"NAV {short}" if unit == "NAV" else unit
                    units.append((label, kind, w_rus, w_psyk))
            if len(units) < 2:
                units.append(MODEL["units"]["fallback"])
            self._units[name] = units
        return self._units[name]

    def period_start(self, county: str) -> int:
        if county not in self._periods:
            month, day = MODEL["period_first_start"]
            first = datetime.date(self.year, month, day).toordinal()
            spread = MODEL["period_start_spread_days"]
            offset = int(_uniform(self.seed, "period", county, self.year) * spread)
            self._periods[county] = first + offset
        return self._periods[county]

    def date(self, county: str, rng: random.Random) -> datetime.date:
        start = self.period_start(county)
        for _ in range(20):
            day = datetime.date.fromordinal(start + rng.randrange(MODEL["period_days"]))
            if day.weekday() < 5:
                return day
        return datetime.date.fromordinal(start)

    def pick_unit(self, name: str, group: str, u: float, exclude: str | None = None, youth=False):
        units = [x for x in self.units(name) if x[0] != exclude]
        column = 2 if group == RUS else 3
        weights = [x[column] * (4 if youth and x[1] == "barnevern" else 1) for x in units]
        chosen = units[_pick(_cumulative(weights), u)]
        return chosen[0], chosen[1]

    def place(self, person: _Person, rng: random.Random, answers: dict) -> _Place:
        name = self.universal[_pick(self.universal_cum, person.home)]
        if name not in self.allowed:
            name = self.fallback[_pick(self.fallback_cum, person.home_fallback)]
        group = RUS if answers["rusproblem"] == 1 else PSYKISK
        youth = self.year - person.birth.year < _ADULT_AGE
        unit = self.pick_unit(name, group, person.unit, youth=youth)
        municipality = self.by_name[name]
        return _Place(municipality.code, municipality.county_code, unit)


def _registrations(place: _Place, answers: dict, rng: random.Random, world: _World):
    """The person's registration, and a duplicate now and then."""
    group = RUS if answers["rusproblem"] == 1 else PSYKISK
    yield place.municipality, place.unit, world.date(place.county, rng), answers
    u = rng.random()
    same = MODEL["duplicate_same_municipality"]
    other = MODEL["duplicate_other_municipality"]
    if u >= same + other:
        return
    name = world.name_of[place.municipality]
    target = name
    exclude = place.unit[0]
    if u >= same:
        neighbours = [n for n in world.county_members.get(place.county, []) if n != name]
        if neighbours:
            cum = _cumulative([world.size(n) for n in neighbours])
            target = neighbours[_pick(cum, rng.random())]
            exclude = None
    unit = world.pick_unit(target, group, rng.random(), exclude=exclude)
    copy = dict(answers)
    # another mapper judges one or two of the areas that do not set the category
    # a step differently
    for area in rng.sample(OTHER_AREAS, 2):
        if rng.random() < 0.5:
            step = COLOURS.index(copy[area]) + (1 if rng.random() < 0.5 else -1)
            copy[area] = COLOURS[min(max(step, 0), len(COLOURS) - 1)]
    yield world.by_name[target].code, unit, world.date(place.county, rng), copy
