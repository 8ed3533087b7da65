"""The synthetic data generator (brukerplan/registrations/synth.py).

Pure Python: no Django, no database. Run on their own with
    .venv/bin/python -m pytest tests/registrations/test_synth.py -q -p no:django
"""

import csv
import datetime
import re
import statistics
from collections import Counter, defaultdict
from types import SimpleNamespace

import pytest
import yaml

from brukerplan.instrument.cells import parse_cells, to_cells
from brukerplan.instrument.definition import for_year
from brukerplan.organisations.reference import municipalities_in
from brukerplan.registrations import synth
from brukerplan.registrations.pseudonyms import pseudonymise

YEAR = 2020
SEED = 2026
PERSONS = 4000
KEY = b"synth-test-key"
ENHETSTYPER = set(for_year(YEAR).unit_types)


@pytest.fixture
def settings():
    """Stands in for pytest-django's fixture, which tests/conftest.py asks for.

    These tests need no Django; this lets them run with `-p no:django` too.
    """
    return SimpleNamespace()


@pytest.fixture(scope="module")
def rows():
    return list(synth.generate(PERSONS, YEAR, SEED))


@pytest.fixture(scope="module")
def parsed(rows):
    """Every row with its identity, parsed answers and errors."""
    instrument = for_year(YEAR)
    out = []
    for row in rows:
        identity = pseudonymise(row["fodselsnummer"], KEY)
        answers, errors = parse_cells(instrument, row, {"kjonn": identity.kjonn})
        out.append((row, identity, answers, errors))
    return out


@pytest.fixture(scope="module")
def adults(parsed):
    """One registration per person (the first), adults only, with category and index."""
    instrument = for_year(YEAR)
    seen = set()
    out = []
    for row, identity, answers, _errors in parsed:
        if identity.person_key in seen:
            continue
        seen.add(identity.person_key)
        if YEAR - identity.fodselsaar < instrument.adult_age:
            continue
        category = instrument.kategori(answers)
        out.append(
            SimpleNamespace(
                row=row,
                kjonn=identity.kjonn,
                age=YEAR - identity.fodselsaar,
                answers=answers,
                category=category,
                group=instrument.main_group_of(category),
                index=instrument.levekarsindeks(answers),
            )
        )
    return out


def test_every_generated_row_parses_without_errors(parsed):
    problems = [(row["registrering_id"], errors) for row, _i, _a, errors in parsed if errors]
    assert problems == []


def test_the_header_is_the_metadata_followed_by_the_instruments_answer_columns(rows):
    expected = [*synth.METADATA_COLUMNS, *for_year(YEAR).answer_columns]
    assert synth.columns_for(YEAR) == expected
    assert synth.COLUMNS_FOR(YEAR) == expected
    assert all(list(row) == expected for row in rows[:50])


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows(rows):
    assert list(synth.generate(300, YEAR, SEED)) == list(synth.generate(300, YEAR, SEED))
    again = list(synth.generate(PERSONS, YEAR, SEED))
    assert again == rows
    other = list(synth.generate(300, YEAR, SEED + 1))
    first = {r["fodselsnummer"] for r in rows}
    assert len(first & {r["fodselsnummer"] for r in other}) < 30


def test_only_synthetic_fodselsnummer_are_produced(rows):
    for row in rows:
        number = row["fodselsnummer"]
        assert len(number) == 11 and number.isdigit()
        assert 81 <= int(number[2:4]) <= 92, "month + 80: a synthetic test number"
        pseudonymise(number, KEY)  # check digits and birth date are valid


def test_there_are_exactly_the_asked_number_of_persons(parsed):
    assert len({identity.person_key for _r, identity, _a, _e in parsed}) == PERSONS


def test_some_persons_are_mapped_twice_by_another_unit_or_municipality(rows):
    assert PERSONS * 1.01 < len(rows) < PERSONS * 1.08
    by_person = defaultdict(list)
    for row in rows:
        by_person[row["fodselsnummer"]].append(row)
    twice = [regs for regs in by_person.values() if len(regs) > 1]
    same = [r for r in twice if r[0]["kommunenummer"] == r[1]["kommunenummer"]]
    other = [r for r in twice if r[0]["kommunenummer"] != r[1]["kommunenummer"]]
    assert len(same) > len(other) > 0
    assert all(r[0]["enhet"] != r[1]["enhet"] for r in same)
    municipalities = municipalities_in(YEAR)
    for first, second in other:
        county = municipalities[first["kommunenummer"]].county_code
        assert municipalities[second["kommunenummer"]].county_code == county


def test_registration_ids_are_unique_and_name_year_and_seed(rows):
    ids = [row["registrering_id"] for row in rows]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith(f"SYN{YEAR}-{SEED}-") for i in ids)


def test_some_sixteen_and_seventeen_year_olds_are_included(parsed):
    ages = Counter()
    seen = set()
    for _row, identity, _a, _e in parsed:
        if identity.person_key not in seen:
            seen.add(identity.person_key)
            ages[YEAR - identity.fodselsaar] += 1
    young = ages[16] + ages[17]
    assert 0.015 * PERSONS < young < 0.03 * PERSONS
    assert min(ages) == 16


def test_mapping_dates_lie_in_one_two_week_period_per_county(rows):
    municipalities = municipalities_in(YEAR)
    dates = defaultdict(list)
    for row in rows:
        day = datetime.date.fromisoformat(row["kartlagt_dato"])
        assert day.year == YEAR
        dates[municipalities[row["kommunenummer"]].county_code].append(day)
    assert len(dates) > 5
    for days in dates.values():
        assert (max(days) - min(days)).days < 14
    starts = {min(days) for days in dates.values()}
    assert len(starts) > 1, "counties map in different periods"


def test_municipalities_units_and_unit_types_are_valid_and_mostly_health_services(rows):
    municipalities = municipalities_in(YEAR)
    assert all(row["kommunenummer"] in municipalities for row in rows)
    assert all(row["enhetstype"] in ENHETSTYPER for row in rows)
    types = Counter(row["enhetstype"] for row in rows)
    assert types["helse_omsorg"] > 0.8 * len(rows)
    assert len(types) >= 4
    per_municipality = Counter(row["kommunenummer"] for row in rows)
    assert per_municipality.most_common(1)[0][0] == "0301", "Oslo maps the most"
    assert per_municipality["4601"] > per_municipality.most_common()[len(per_municipality) // 2][1]
    units = defaultdict(set)
    for row in rows:
        units[row["kommunenummer"]].add((row["enhet"], row["enhetstype"]))
    assert all(len({name for name, _ in u}) == len(u) for u in units.values())


def test_about_250_municipalities_map_when_none_are_given(rows):
    for year in (2020, 2024):
        mapping = synth._World(SEED, year, None).fallback
        assert 230 <= len(mapping) <= 270, year
    assert len({row["kommunenummer"] for row in rows}) > 180


def test_the_municipalities_can_be_chosen_and_must_be_valid_in_the_year():
    rows = list(synth.generate(300, 2024, SEED, municipalities=["4601", "3201"]))
    assert {row["kommunenummer"] for row in rows} == {"4601", "3201"}
    with pytest.raises(ValueError, match="3024"):
        list(synth.generate(10, 2024, SEED, municipalities=["3024"]))  # Bærum before 2024


def test_category_shares_are_close_to_the_2020_report(adults):
    target = synth.CALIBRATION["kategorier"]
    total = sum(target.values())
    counts = Counter(a.category for a in adults)
    for category, count in target.items():
        share = 100 * counts[category] / len(adults)
        assert share == pytest.approx(100 * count / total, abs=1.5), category


def test_the_category_pairs_of_table_1_are_the_only_ones(adults):
    pairs = synth.CALIBRATION["kombinasjoner"]
    for a in adults:
        pair = (a.answers["rusmiddelbruk"], a.answers["psykisk_helse"])
        assert pair in pairs[a.category]


def test_the_levekarsindeks_mean_and_sd_per_main_group_are_close_to_table_2(adults):
    for group, (mean, sd) in synth.CALIBRATION["levekarsindeks_total"].items():
        index = [a.index for a in adults if group == "alle" or a.group == group]
        assert statistics.mean(index) == pytest.approx(mean, abs=5), group
        assert statistics.stdev(index) == pytest.approx(sd, abs=8), group


def test_the_levekarsindeks_mean_per_category_is_close_to_table_2(adults):
    for category, (mean, sd) in synth.CALIBRATION["levekarsindeks"].items():
        index = [a.index for a in adults if a.category == category]
        assert statistics.mean(index) == pytest.approx(mean, abs=10), category
        assert statistics.stdev(index) == pytest.approx(sd, abs=10), category


def test_the_analytic_calibration_reproduces_table_2_exactly():
    tables = synth._tables()
    for i, category in enumerate(synth.CATEGORIES):
        mean, sd = synth._index_moments(tables, i, tables.rho[i])
        expected = synth.CALIBRATION["levekarsindeks"][category]
        point = for_year(YEAR).index_points["gronn"]
        assert (mean * point, sd * point) == pytest.approx(expected, abs=0.1)


def test_sex_shares_are_close_to_the_report(adults):
    for group, men in (("rus", 67), ("psykisk", 37)):
        members = [a for a in adults if a.group == group]
        share = 100 * sum(a.kjonn == "mann" for a in members) / len(members)
        assert share == pytest.approx(men, abs=3), group


def test_age_bands_and_a_few_key_figures_are_close_to_vedlegg_2(adults):
    calibration = synth.CALIBRATION
    for group in ("rus", "psykisk"):
        members = [a for a in adults if a.group == group]

        def share(test, members=members):
            return sum(1 for a in members if test(a)) / len(members)

        for (low, high), expected in zip(
            synth.AGE_BANDS, calibration["alder_band"][group], strict=True
        ):
            top = high if high < 89 else 200
            in_band = share(lambda a, low=low, top=top: low <= a.age <= top)
            assert in_band == pytest.approx(expected, abs=0.03), (group, low)
        assert share(lambda a: "alene" in a.answers["bor_med"]) == pytest.approx(
            calibration["bor_med"][group]["alene"], abs=0.04
        )
        assert share(lambda a: "ingen" in a.answers["aktiviteter"]) == pytest.approx(
            calibration["aktiviteter"][group]["ingen"], abs=0.04
        )
        assert share(lambda a: "ingen" in a.answers["planer"]) == pytest.approx(
            calibration["planer"][group]["ingen"], abs=0.04
        )
        assert share(lambda a: "kommune.fastlege" in a.answers["tjenester"]) == pytest.approx(
            0.90, abs=0.03
        )
    rus = [a for a in adults if a.group == "rus"]
    injects = sum(a.answers["injiserer"] for a in rus) / len(rus)
    assert injects == pytest.approx(0.17, abs=0.03)


def test_questions_are_asked_only_when_their_condition_holds(adults):
    for a in adults:
        answers = a.answers
        assert ("gravid" in answers) == (a.kjonn == "kvinne")
        assert ("rusmidler" in answers) == (answers["rusproblem"] == 1)
        assert ("varighet_psykisk" in answers) == (answers["psykisk_problem"] == 1)
        assert ("stillingsprosent" in answers) == ("arbeid" in answers["livsopphold"])
        assert ("tid_siden_arbeid" in answers) == (answers["arbeidserfaring"] != "ingen")


def test_a_later_year_with_the_same_seed_maps_mostly_the_same_persons(rows):
    first = {row["fodselsnummer"] for row in rows}
    later = {row["fodselsnummer"] for row in synth.generate(PERSONS, YEAR + 1, SEED)}
    assert 0.6 < len(first & later) / len(later) < 0.8


def test_write_csv_writes_a_header_and_every_row(tmp_path, rows):
    path = tmp_path / "synth.csv"
    assert synth.write_csv(rows[:100], path) == 100
    with path.open(encoding="utf-8", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert read == rows[:100]
    assert path.read_bytes().startswith(b"registrering_id,aar,kartlagt_dato,")


def test_the_fast_cell_builder_gives_the_same_cells_as_to_cells(parsed):
    instrument = for_year(YEAR)
    layout = synth._layout(instrument)
    for _row, _identity, answers, _errors in parsed[:200]:
        assert synth._cells(layout, answers) == to_cells(instrument, answers)


def test_the_calibration_only_uses_codes_of_the_instrument():
    instrument = for_year(YEAR)
    calibration = synth.CALIBRATION
    assert set(calibration["tjenester"]) == set(instrument.question("tjenester").codes)
    for key in ("bor_med", "aktiviteter", "livsopphold", "planer"):
        for group in ("rus", "psykisk"):
            assert set(calibration[key][group]) == set(instrument.question(key).codes), key
    for key in ("utdanning", "fodeland", "kognitive_vansker", "arbeidserfaring"):
        assert set(calibration[key]["rus"]) == set(instrument.question(key).codes), key
    drugs = set(calibration["rusmidler"]) - {"ingen"}
    assert drugs == set(instrument.question("rusmidler").codes)
    assert {c.code for c in instrument.categories} == set(synth.CATEGORIES)


def _calibration_file(tmp_path, change=None):
    """A copy of the data file, changed by `change(data)`."""
    data = yaml.safe_load(synth.DATA_FILE.read_text(encoding="utf-8"))
    if change:
        change(data)
    path = tmp_path / "synth-calibration.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_data_file_is_read_once_as_the_calibration_of_the_instrument(tmp_path):
    instrument, calibration, model = synth.read_calibration(_calibration_file(tmp_path))
    assert instrument is synth.INSTRUMENT is for_year(YEAR)
    assert calibration == synth.CALIBRATION
    assert model == synth.MODEL
    assert synth.CALIBRATION["barn_andel"]["ikke_rop"] == 357 / 1714
    assert synth.CALIBRATION["rusmidler"]["ingen"] == 1 - 10283 / 11823
    assert synth.CATEGORIES == tuple(c for g in instrument.main_groups.values() for c in g)
    points = instrument.index_points
    assert {c: u * points["gronn"] for c, u in synth.UNITS_OF.items()} == points


def _table(data, path):
    for name in path:
        data = data[name]
    return data


def _add(*path_and_value):
    *path, key, value = path_and_value
    return lambda data: _table(data, path).update({key: value})


def _append(*path_and_value):
    *path, value = path_and_value
    return lambda data: _table(data, path).append(value)


def _remove(*path):
    return lambda data: _table(data, path[:-1]).pop(path[-1])


def _set(key, value):
    return lambda data: data.update({key: value})


@pytest.mark.parametrize(
    ("change", "named"),
    [
        # a question the instrument does not have
        (_add("model", "couplings", "fritid", {"trening": ["z", 0.1, 0.0]}), "fritid"),
        (_add("calibration", "selvmord", "ikke_rop", "selvskading", 0.01), "selvskading"),
        (_add("calibration", "barn_kontakt", "rus", "barn_fosterhjem", 0.01), "barn_fosterhjem"),
        # option codes, categories, main groups, areas
        (_add("calibration", "utdanning", "rus", "doktorgrad", 0.01), "doktorgrad"),
        (_add("calibration", "tjenester", "nav.dagpenger", [0.1, 0.1]), "nav.dagpenger"),
        (_append("model", "youth_services", "never", "kommune.skole"), "kommune.skole"),
        (_add("model", "couplings", "planer", "dagplan", ["z", 0.1, 0.0]), "dagplan"),
        (_add("calibration", "andel_menn", "rop_ukjent", 0.5), "rop_ukjent"),
        (_add("calibration", "alder_band", "somatikk", [0.1] * 7), "somatikk"),
        (_add("calibration", "omrader", "rus", "tannhelse", [0.5, 0.3, 0.2]), "tannhelse"),
        (_add("calibration", "kombinasjoner", "ikke_rop", "gronn", "bla", 3), "bla"),
        # YAML reads an unquoted 1_5 as the number 15
        (_add("calibration", "arbeidserfaring", "rus", 15, 0.22), "15"),
        # the generator's own names
        (_add("calibration", "ny_tabell", 1), "ny_tabell"),
        (_add("model", "couplings", "planer", "kriseplan", ["angst", 0.3, 0.0]), "angst"),
        (_append("model", "units", "catalogue", ["Skolen", "skole", 0.1, 0.1, 0.1, 0.1]), "skole"),
        # a code the generator needs a figure for, and the instrument version
        (_remove("calibration", "tjenester", "andre.verge"), "andre.verge"),
        (_remove("calibration", "utdanning", "psykisk", "hoyere"), "hoyere"),
        (_set("instrument", "1999.1"), "1999.1"),
    ],
)
def test_a_data_file_naming_what_the_instrument_does_not_have_is_refused(tmp_path, change, named):
    path = _calibration_file(tmp_path, change)
    with pytest.raises(ValueError, match=re.escape(named)):
        synth.read_calibration(path)
