"""The instrument definition: agreement with the shared spec, validation, scoring, categories."""

import re
from pathlib import Path

import pytest
import yaml

from brukerplan.instrument import definition
from brukerplan.instrument.definition import Instrument

# The copy of ../shared/spec/instrument-2026.yaml (tests/fixtures/spec/README.md)
SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "spec" / "instrument-2026.yaml"
REGISTRATION_FORMAT = SPEC.with_name("registration-format.md")


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return definition.load("2026.1")


def complete_answers(**overrides):
    """A valid registration of a woman with only mental-health problems."""
    answers = {
        "rusproblem": 0,
        "psykisk_problem": 1,
        "utdanning": "videregaende",
        "fodeland": "norge",
        "bor_med": ["alene"],
        "barn_omsorg": 0,
        "barn_samvaer": 0,
        "barn_ingen_kontakt": 0,
        "gravid": 0,
        "andres_barn": ["ingen"],
        "bosituasjon": "gronn",
        "meningsfull_aktivitet": "gul",
        "okonomi": "gul",
        "fysisk_helse": "gronn",
        "psykisk_helse": "gul",
        "rusmiddelbruk": "gronn",
        "sosial_fungering": "gul",
        "nettverk": "rod",
        "aktiviteter": ["egen_regi"],
        "livsopphold": ["nav"],
        "arbeidserfaring": "1_5",
        "tid_siden_arbeid": "over_2",
        "varighet_psykisk": "over_3",
        "selvmordsforsok": 0,
        "fare_selvmord": 0,
        "kognitive_vansker": "nei",
        "utsatt_vold": 0,
        "utover_vold": 0,
        "tjenester": ["kommune.fastlege", "kommune.psykisk_helsearbeid"],
        "planer": ["ingen"],
        "pakkeforlop": 0,
        "behov": ["kommune.psykisk_helsearbeid"],
    }
    answers.update(overrides)
    return {k: v for k, v in answers.items() if v is not None}


def test_its_unit_types_are_those_of_the_registration_format():
    line = next(
        row
        for row in REGISTRATION_FORMAT.read_text(encoding="utf-8").splitlines()
        if row.startswith("| `enhetstype` |")
    )
    codes = re.findall(r"`([a-z_]+)`", line.split("|")[3])
    assert list(definition.load("2026.1").unit_types) == codes


def test_scores_are_the_index_its_group_and_the_category_at_once(instrument):
    answers = complete_answers()
    scores = instrument.scores(answers)
    assert scores.levekarsindeks == instrument.levekarsindeks(answers)
    assert scores.indeksgruppe == instrument.index_group(scores.levekarsindeks)
    assert scores.kategori == instrument.kategori(answers)


def errors_of(instrument, answers, kjonn="kvinne"):
    return [(e.column, e.message) for e in instrument.validate(answers, {"kjonn": kjonn})]


def test_the_current_version_agrees_with_the_shared_spec_in_every_key_code_and_rule():
    ours = definition.load("2026.1")
    spec_data = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    # The two rules our copy adds beyond the spec; the unit types are checked below.
    spec_data |= {"maximum_age": ours.maximum_age, "unit_types": ours.unit_types}
    spec = Instrument(spec_data)
    assert ours.version == spec.version
    assert ours.applies_from_year == spec.applies_from_year
    assert (ours.minimum_age, ours.adult_age) == (spec.minimum_age, spec.adult_age)
    assert [s.key for s in ours.sections] == [s.key for s in spec.sections]
    assert [s.when for s in ours.sections] == [s.when for s in spec.sections]
    assert ours.questions == spec.questions  # key, type, codes, labels, ranges, conditions
    assert ours.answer_columns == spec.answer_columns
    assert ours.index_areas == spec.index_areas
    assert ours.index_points == spec.index_points
    assert ours.index_groups == spec.index_groups
    assert ours.categories == spec.categories
    assert ours.main_groups == spec.main_groups
    assert [r for r, _ in ours._rules] == [r for r, _ in spec._rules]


def test_a_year_maps_to_the_version_that_applies_to_it():
    assert definition.for_year(2020).version == "2026.1"
    assert definition.for_year(2026).version == "2026.1"
    assert definition.for_year(2019).version == "2019.1"
    assert definition.for_year(2018).version == "2018.1"
    assert definition.for_year(2017).version == "2016.1"
    assert definition.for_year(2016).version == "2016.1"
    with pytest.raises(LookupError):
        definition.for_year(2015)


def test_multi_questions_have_one_column_per_option_and_groups_are_dotted(instrument):
    assert "bor_med.alene" in instrument.answer_columns
    assert "tjenester.nav.rad_veiledning" in instrument.answer_columns
    assert "behov.somatikk.akutt" in instrument.answer_columns
    assert len(instrument.answer_columns) == len(set(instrument.answer_columns))


def test_complete_answers_are_valid(instrument):
    assert errors_of(instrument, complete_answers()) == []


def test_it_rejects_an_unknown_colour(instrument):
    errors = errors_of(instrument, complete_answers(okonomi="gronnn"))
    assert errors == [("okonomi", "'gronnn' er ikke en av gronn, gul, rod")]


def test_it_rejects_an_unknown_option_code(instrument):
    errors = errors_of(instrument, complete_answers(bor_med=["alene", "hund"]))
    assert ("bor_med.hund", "'hund' er ikke et valg i bor_med") in errors


def test_it_rejects_an_integer_outside_its_range(instrument):
    assert errors_of(instrument, complete_answers(barn_omsorg=21)) == [
        ("barn_omsorg", "21 er større enn 20")
    ]


def test_it_rejects_an_exclusive_option_combined_with_another(instrument):
    errors = errors_of(instrument, complete_answers(planer=["ingen", "kriseplan"]))
    assert errors == [("planer.ingen", "'ingen' kan ikke kombineres med andre valg")]


def test_it_rejects_an_answer_to_a_question_that_is_not_asked(instrument):
    # gravid is asked of women only
    errors = errors_of(instrument, complete_answers(), kjonn="mann")
    assert errors == [("gravid", "skal være tomt når spørsmålet ikke stilles")]


def test_it_requires_an_answer_to_a_question_that_is_asked(instrument):
    errors = errors_of(instrument, complete_answers(varighet_psykisk=None))
    assert errors == [("varighet_psykisk", "mangler svar")]


def test_a_whole_section_is_asked_only_when_its_condition_holds(instrument):
    errors = errors_of(instrument, complete_answers(injiserer=0))
    assert errors == [("injiserer", "skal være tomt når spørsmålet ikke stilles")]


def test_a_condition_on_another_multi_question_is_enforced(instrument):
    # stillingsprosent is asked when livsopphold includes arbeid
    assert errors_of(instrument, complete_answers(livsopphold=["arbeid"])) == [
        ("stillingsprosent", "mangler svar")
    ]
    ok = complete_answers(livsopphold=["arbeid"], stillingsprosent="50_74")
    assert errors_of(instrument, ok) == []


def test_it_requires_at_least_one_target_group(instrument):
    answers = complete_answers(psykisk_problem=0, psykisk_helse="gronn", varighet_psykisk=None)
    errors = errors_of(instrument, answers)
    assert len(errors) == 1
    assert "at least one of rusproblem and psykisk_problem" in errors[0][1]


def test_no_substance_problem_requires_green_substance_use(instrument):
    errors = errors_of(instrument, complete_answers(rusmiddelbruk="gul"))
    assert errors[0][0] == "rusmiddelbruk"


def test_a_rule_is_broken_in_the_same_pass_as_missing_and_invalid_answers(instrument):
    answers = complete_answers(rusmiddelbruk="gul", barn_omsorg=21, okonomi=None)
    errors = errors_of(instrument, answers)
    assert ("barn_omsorg", "21 er større enn 20") in errors
    assert ("okonomi", "mangler svar") in errors
    assert [c for c, m in errors if m.startswith("brudd på regelen")] == ["rusmiddelbruk"]


def test_a_rule_over_a_missing_or_invalid_answer_adds_no_error(instrument):
    # psykisk_problem missing: "at least one of ..." cannot be judged, and is not reported.
    missing = complete_answers(psykisk_problem=None, varighet_psykisk=None)
    assert errors_of(instrument, missing) == [("psykisk_problem", "mangler svar")]
    invalid = complete_answers(rusmiddelbruk="lilla")
    assert [c for c, _ in errors_of(instrument, invalid)] == ["rusmiddelbruk"]


def test_each_rule_lists_the_questions_it_reads_and_its_expression_as_data(instrument):
    by_column = {rule.column: rule for rule in instrument.rules}
    assert by_column["malgruppe"].questions == {"rusproblem", "psykisk_problem"}
    assert by_column["rusmiddelbruk"].expression == [
        "or",
        ["not", ["==", ["name", "rusproblem"], ["value", 0]]],
        ["==", ["name", "rusmiddelbruk"], ["name", "gronn"]],
    ]


def test_the_index_runs_from_138_all_green_to_552_all_red(instrument):
    green = {area: "gronn" for area in instrument.index_areas}
    red = {area: "rod" for area in instrument.index_areas}
    assert instrument.levekarsindeks(green) == 138
    assert instrument.levekarsindeks(red) == 552
    assert instrument.index_group(138) == "gronn"
    assert instrument.index_group(552) == "blalys"


@pytest.mark.parametrize(
    ("yellow", "red", "group"),
    [(1, 0, "gul"), (6, 0, "gul"), (7, 0, "rod"), (0, 3, "rod"), (0, 4, "rod"), (1, 5, "blalys")],
)
def test_index_groups_follow_the_cut_offs(instrument, yellow, red, group):
    colours = ["gul"] * yellow + ["rod"] * red
    colours += ["gronn"] * (8 - len(colours))
    answers = dict(zip(instrument.index_areas, colours, strict=True))
    assert instrument.index_group(instrument.levekarsindeks(answers)) == group


@pytest.mark.parametrize(
    ("rus", "psyk", "rusmiddelbruk", "psykisk_helse", "kategori"),
    [
        (1, 0, "gul", "gronn", "ikke_rop"),
        (1, 1, "rod", "rod", "alvorlig_rop"),
        (1, 1, "rod", "gul", "alvorlig_rop"),
        (1, 1, "gul", "rod", "alvorlig_rop"),
        (1, 1, "gul", "gul", "mindre_alvorlig_rop"),
        (1, 1, "gronn", "rod", "mindre_alvorlig_rop"),
        (1, 1, "rod", "gronn", "mindre_alvorlig_rop"),
        (0, 1, "gronn", "gronn", "psyk_mildere"),
        (0, 1, "gronn", "gul", "psyk_moderat"),
        (0, 1, "gronn", "rod", "psyk_alvorlig"),
    ],
)
def test_categories_follow_tabell_1(instrument, rus, psyk, rusmiddelbruk, psykisk_helse, kategori):
    answers = {
        "rusproblem": rus,
        "psykisk_problem": psyk,
        "rusmiddelbruk": rusmiddelbruk,
        "psykisk_helse": psykisk_helse,
    }
    assert instrument.kategori(answers) == kategori
    assert kategori in instrument.main_groups[instrument.main_group_of(kategori)]


def test_a_rule_of_unknown_shape_fails_when_the_version_is_loaded():
    data = yaml.safe_load((definition.DEFINITIONS / "2026.1.yaml").read_text(encoding="utf-8"))
    data["sections"][0]["rules"].append("rusproblem should usually be 1")
    with pytest.raises(ValueError, match="rule of unknown shape"):
        Instrument(data)


def test_a_rule_cannot_run_code():
    data = yaml.safe_load((definition.DEFINITIONS / "2026.1.yaml").read_text(encoding="utf-8"))
    data["scoring"]["kategori"]["rules"][0]["rule"] = "__import__('os').system('true')"
    with pytest.raises(ValueError, match="unsupported rule syntax"):
        Instrument(data)
