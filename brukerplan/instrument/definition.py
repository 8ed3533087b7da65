"""The instrument: every question, code, condition and rule of one version.

Loaded from `definitions/<version>.yaml` and immutable. Validation, the web
form, import, export and the report tables all ask this module; nothing else
keeps a list of questions. Pure Python: no Django.

Answers are a dict keyed by question key:
  boolean -> 0 or 1, integer -> int, single/traffic_light -> option code,
  multi -> sorted list of chosen option codes (`group.option` with option groups).
A question that is not asked has no key in the dict.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFINITIONS = Path(__file__).parent / "definitions"

BOOLEAN = "boolean"
INTEGER = "integer"
SINGLE = "single"
MULTI = "multi"
TRAFFIC_LIGHT = "traffic_light"
COLOURS = ("gronn", "gul", "rod")
# Derived fields a `when` may refer to, computed from the fødselsnummer.
DERIVED_FIELDS = ("kjonn",)


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class OptionGroup:
    key: str
    label: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Condition:
    question: str
    operator: str  # equals, not_equals, includes, includes_any
    value: Any

    def holds(self, values: dict[str, Any]) -> bool:
        current = values.get(self.question)
        if current is None:
            return False
        if self.operator == "equals":
            return current == self.value
        if self.operator == "not_equals":
            return current != self.value
        if self.operator == "includes":
            return self.value in current
        if self.operator == "includes_any":
            return any(v in current for v in self.value)
        raise ValueError(f"unknown condition operator {self.operator}")


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    label: str
    section: str
    help: str = ""
    options: tuple[Option, ...] = ()
    option_groups: tuple[OptionGroup, ...] = ()
    exclusive: frozenset[str] = frozenset()
    minimum: int | None = None
    maximum: int | None = None
    colours: dict[str, str] = field(default_factory=dict)
    when: Condition | None = None

    @functools.cached_property
    def codes(self) -> tuple[str, ...]:
        """Every allowed value: option codes (`group.option` in groups) or colours."""
        if self.type == TRAFFIC_LIGHT:
            return COLOURS
        if self.option_groups:
            return tuple(f"{g.key}.{o.code}" for g in self.option_groups for o in g.options)
        return tuple(o.code for o in self.options)

    @functools.cached_property
    def code_set(self) -> frozenset[str]:
        return frozenset(self.codes)

    @functools.cached_property
    def columns(self) -> tuple[str, ...]:
        if self.type == MULTI:
            return tuple(f"{self.key}.{code}" for code in self.codes)
        return (self.key,)

    def label_of(self, code: str) -> str:
        if self.type == TRAFFIC_LIGHT:
            return {"gronn": "Grønn", "gul": "Gul", "rod": "Rød"}[code]
        if self.option_groups:
            group_key, option_code = code.split(".", 1)
            for group in self.option_groups:
                if group.key == group_key:
                    return next(o.label for o in group.options if o.code == option_code)
            raise KeyError(code)
        return next(o.label for o in self.options if o.code == code)


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    help: str
    when: Condition | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    rule: str


@dataclass(frozen=True)
class IndexGroup:
    code: str
    minimum: float
    maximum: float


@dataclass(frozen=True)
class AnswerError:
    column: str
    message: str


@dataclass(frozen=True)
class Rule:
    """A cross-question rule: its words, the column an error names, the questions it reads,
    and its expression as plain data (nested lists) for the web form's early check."""

    text: str
    column: str
    questions: frozenset[str]
    expression: Any


@dataclass(frozen=True)
class Scores:
    """`levekarsindeks` is None and `indeksgruppe` "" where the version does not compute
    the index for the person's main group (`Instrument.index_not_computed_for`)."""

    levekarsindeks: float | None
    indeksgruppe: str
    kategori: str


class UnknownQuestion(KeyError):
    """A question key the version does not have."""


class Instrument:
    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.version: str = str(data["version"])
        self.applies_from_year: int = int(data["applies_from_year"])
        self.minimum_age: int = int(data["minimum_age"])
        self.adult_age: int = int(data["adult_age"])
        self.maximum_age: int = int(data["maximum_age"])
        self.unit_types: dict[str, str] = {str(k): str(v) for k, v in data["unit_types"].items()}
        self.sections: tuple[Section, ...] = tuple(_section(s) for s in data["sections"])
        self.questions: tuple[Question, ...] = tuple(q for s in self.sections for q in s.questions)
        self._by_key = {q.key: q for q in self.questions}
        self._section_by_key = {s.key: s for s in self.sections}
        scoring = data["scoring"]
        index = scoring["levekarsindeks"]
        self.index_areas: tuple[str, ...] = tuple(index["areas"])
        self.index_points: dict[str, float] = {k: float(v) for k, v in index["points"].items()}
        # Main groups whose index this version cannot compute (2016.1: a weighted index
        # whose weights are unknown); their registrations have none.
        self.index_not_computed_for: tuple[str, ...] = tuple(index.get("not_computed_for", ()))
        self.index_groups: tuple[IndexGroup, ...] = tuple(
            IndexGroup(code, float(g["min"]), float(g["max"]))
            for code, g in index["groups"].items()
        )
        self.categories: tuple[Category, ...] = tuple(
            Category(r["code"], r["label"], r["rule"]) for r in scoring["kategori"]["rules"]
        )
        self.main_groups: dict[str, tuple[str, ...]] = {
            k: tuple(v) for k, v in scoring["kategori"]["main_groups"].items()
        }
        self._rules = tuple(
            (text, _compile_rule(_rule_expression(text)))
            for s in data["sections"]
            for text in s.get("rules", [])
        )
        self._category_rules = {c.code: _compile_rule(c.rule) for c in self.categories}
        self.rules: tuple[Rule, ...] = tuple(
            self._rule(text) for s in data["sections"] for text in s.get("rules", [])
        )

    def __repr__(self) -> str:
        return f"<Instrument {self.version}>"

    def _rule(self, text: str) -> Rule:
        expression = _rule_expression(text)
        names = {
            n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)
        }
        # A rule that reads a category reads every answer behind it: all of them, to be safe.
        reads = (
            set(self._by_key) if names & set(self._category_rules) else names & set(self._by_key)
        )
        return Rule(text, _rule_column(text), frozenset(reads), _rule_data(expression))

    # --- structure -------------------------------------------------------

    def question(self, key: str) -> Question:
        try:
            return self._by_key[key]
        except KeyError:
            raise UnknownQuestion(key) from None

    def has_question(self, key: str) -> bool:
        return key in self._by_key

    def section(self, key: str) -> Section:
        return self._section_by_key[key]

    @property
    def answer_columns(self) -> tuple[str, ...]:
        return tuple(c for q in self.questions for c in q.columns)

    def category_label(self, code: str) -> str:
        return next(c.label for c in self.categories if c.code == code)

    def main_group_of(self, category: str) -> str:
        return next(g for g, cats in self.main_groups.items() if category in cats)

    def is_asked(self, question: Question, values: dict[str, Any]) -> bool:
        """Whether a question is asked, given the answers so far and the derived fields."""
        section = self._section_by_key[question.section]
        if section.when and not section.when.holds(values):
            return False
        return question.when is None or question.when.holds(values)

    # --- validation ------------------------------------------------------

    def validate(self, answers: dict[str, Any], derived: dict[str, Any]) -> list[AnswerError]:
        """Every problem with a set of answers, by CSV column, in one pass: unknown
        keys, answers to questions not asked, missing and invalid answers, and each rule
        whose questions have valid answers (a rule over a missing answer says nothing more).

        `derived` holds the fields computed from the fødselsnummer (kjonn) that
        conditions may refer to.
        """
        errors: list[AnswerError] = []
        values = {**answers, **derived}
        for key in answers:
            if key not in self._by_key:
                errors.append(AnswerError(key, f"ukjent spørsmål '{key}'"))
        for question in self.questions:
            value = answers.get(question.key)
            asked = self.is_asked(question, values)
            if not asked:
                if value is not None:
                    errors.append(
                        AnswerError(question.key, "skal være tomt når spørsmålet ikke stilles")
                    )
                continue
            if value is None:
                errors.append(AnswerError(question.key, "mangler svar"))
                continue
            errors.extend(_check_value(question, value))
        wrong = {e.column.split(".", 1)[0] for e in errors}
        resolve = self._resolver(answers)
        for rule, (text, holds) in zip(self.rules, self._rules, strict=True):
            if not rule.questions & wrong and not holds(resolve):
                errors.append(AnswerError(rule.column, f"brudd på regelen: {text}"))
        return errors

    # --- scoring ---------------------------------------------------------

    def scores(self, answers: dict[str, Any]) -> Scores:
        """Everything computed from a complete, valid set of answers, in one place."""
        kategori = self.kategori(answers)
        if self.main_group_of(kategori) in self.index_not_computed_for:
            return Scores(None, "", kategori)
        index = self.levekarsindeks(answers)
        return Scores(index, self.index_group(index), kategori)

    def levekarsindeks(self, answers: dict[str, Any]) -> float:
        return sum(self.index_points[answers[area]] for area in self.index_areas)

    def index_group(self, index: float) -> str:
        for group in self.index_groups:
            if group.minimum - 1e-9 <= index <= group.maximum + 1e-9:
                return group.code
        raise ValueError(f"levekårsindeks {index} is in no group")

    def kategori(self, answers: dict[str, Any]) -> str:
        resolve = self._resolver(answers)
        for category in self.categories:
            if self._category_rules[category.code](resolve):
                return category.code
        raise ValueError("the answers match no category")

    def _resolver(self, answers: dict[str, Any]):
        def resolve(name: str) -> Any:
            if name in self._by_key:
                return answers.get(name)
            if name in self._category_rules:
                return self._category_rules[name](resolve)
            return name  # a bare code such as `rod`

        return resolve


def _check_value(question: Question, value: Any) -> list[AnswerError]:
    key = question.key
    if question.type == BOOLEAN:
        if value not in (0, 1) or isinstance(value, float):
            return [AnswerError(key, f"'{value}' er ikke 1 eller 0")]
    elif question.type == INTEGER:
        if not isinstance(value, int) or isinstance(value, bool):
            return [AnswerError(key, f"'{value}' er ikke et heltall")]
        if question.minimum is not None and value < question.minimum:
            return [AnswerError(key, f"{value} er mindre enn {question.minimum}")]
        if question.maximum is not None and value > question.maximum:
            return [AnswerError(key, f"{value} er større enn {question.maximum}")]
    elif question.type in (SINGLE, TRAFFIC_LIGHT):
        if value not in question.code_set:
            return [AnswerError(key, f"'{value}' er ikke en av {', '.join(question.codes)}")]
    elif question.type == MULTI:
        if not isinstance(value, list | tuple):
            return [AnswerError(key, "skal være en liste av valg")]
        unknown = [v for v in value if v not in question.code_set]
        if unknown:
            return [AnswerError(f"{key}.{v}", f"'{v}' er ikke et valg i {key}") for v in unknown]
        chosen_exclusive = [v for v in value if v in question.exclusive]
        if chosen_exclusive and len(value) > 1:
            return [
                AnswerError(
                    f"{key}.{chosen_exclusive[0]}",
                    f"'{chosen_exclusive[0]}' kan ikke kombineres med andre valg",
                )
            ]
    return []


# --- loading ---------------------------------------------------------------


def _condition(data: dict[str, Any] | None) -> Condition | None:
    if data is None:
        return None
    operators = [op for op in ("equals", "not_equals", "includes", "includes_any") if op in data]
    if len(operators) != 1:
        raise ValueError(f"a condition needs exactly one operator: {data}")
    return Condition(data["question"], operators[0], data[operators[0]])


def _options(data: dict[str, str] | None) -> tuple[Option, ...]:
    return tuple(Option(str(code), label) for code, label in (data or {}).items())


def _section(data: dict[str, Any]) -> Section:
    questions = []
    for q in data["questions"]:
        groups = tuple(
            OptionGroup(key, g["label"], _options(g["options"]))
            for key, g in (q.get("option_groups") or {}).items()
        )
        questions.append(
            Question(
                key=q["key"],
                type=q["type"],
                label=q["label"],
                section=data["key"],
                help=q.get("help", ""),
                options=_options(q.get("options")),
                option_groups=groups,
                exclusive=frozenset(str(x) for x in q.get("exclusive", [])),
                minimum=q.get("min"),
                maximum=q.get("max"),
                colours=dict(q.get("colours") or {}),
                when=_condition(q.get("when")),
            )
        )
    return Section(
        key=data["key"],
        label=data["label"],
        help=data.get("help", ""),
        when=_condition(data.get("when")),
        questions=tuple(questions),
    )


# The instrument writes its cross-question rules in words; these two sentence
# shapes are translated to expressions. A rule of any other shape fails loudly
# when the version is loaded, so a new version cannot silently drop a rule.
_AT_LEAST_ONE = re.compile(r"^at least one of (\w+) and (\w+) is (\w+)$")
_REQUIRES = re.compile(r"^(.+?) requires (.+?)(?: \(.*\))?$")


def _rule_expression(text: str) -> str:
    if match := _AT_LEAST_ONE.match(text):
        a, b, value = match.groups()
        return f"{a} == {value} or {b} == {value}"
    if match := _REQUIRES.match(text):
        premise, consequence = match.groups()
        return f"not ({premise}) or ({consequence})"
    raise ValueError(f"rule of unknown shape: {text!r}")


def _rule_column(text: str) -> str:
    if match := _REQUIRES.match(text):
        return match.group(2).split()[0]
    return "malgruppe"


def _compile_rule(expression: str):
    """Compile a rule expression to a function of a name resolver.

    Only comparisons (==, !=, in), and/or/not, names, numbers, tuples and lists
    are allowed: the instrument file is data, never code to run.
    """
    tree = ast.parse(expression, mode="eval").body

    def compile_node(node: ast.AST):
        if isinstance(node, ast.BoolOp):
            parts = [compile_node(v) for v in node.values]
            if isinstance(node.op, ast.And):
                return lambda r: all(p(r) for p in parts)
            return lambda r: any(p(r) for p in parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            operand = compile_node(node.operand)
            return lambda r: not operand(r)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right = compile_node(node.left), compile_node(node.comparators[0])
            op = node.ops[0]
            if isinstance(op, ast.Eq):
                return lambda r: left(r) == right(r)
            if isinstance(op, ast.NotEq):
                return lambda r: left(r) != right(r)
            if isinstance(op, ast.In):
                return lambda r: left(r) in right(r)
        if isinstance(node, ast.Name):
            name = node.id
            return lambda r: r(name)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | str):
            value = node.value
            return lambda r: value
        if isinstance(node, ast.Tuple | ast.List):
            items = [compile_node(e) for e in node.elts]
            return lambda r: tuple(i(r) for i in items)
        raise ValueError(f"unsupported rule syntax in {expression!r}: {ast.dump(node)}")

    return compile_node(tree)


def _rule_data(expression: str) -> Any:
    """A rule expression as nested lists: ["or", a, b], ["not", a], ["==", a, b], ["!=", a, b],
    ["in", a, b], ["name", key], ["value", v], ["tuple", a, ...] (the syntax _compile_rule
    allows, which has already refused anything else)."""
    operators = {ast.Eq: "==", ast.NotEq: "!=", ast.In: "in"}

    def data(node: ast.AST) -> Any:
        if isinstance(node, ast.BoolOp):
            return ["and" if isinstance(node.op, ast.And) else "or", *map(data, node.values)]
        if isinstance(node, ast.UnaryOp):
            return ["not", data(node.operand)]
        if isinstance(node, ast.Compare):
            op = operators[type(node.ops[0])]
            return [op, data(node.left), data(node.comparators[0])]
        if isinstance(node, ast.Name):
            return ["name", node.id]
        if isinstance(node, ast.Constant):
            return ["value", node.value]
        if isinstance(node, ast.Tuple | ast.List):
            return ["tuple", *map(data, node.elts)]
        raise ValueError(f"unsupported rule syntax in {expression!r}: {ast.dump(node)}")

    return data(ast.parse(expression, mode="eval").body)


# The directories definitions are read from: the shipped one, then any registered with
# `add_directory` (the setting BRUKERPLAN_INSTRUMENT_DIRS; a test's fixture version).
_directories: list[Path] = [DEFINITIONS]


def directories() -> tuple[Path, ...]:
    return tuple(_directories)


def add_directory(path: Path | str) -> None:
    """Read definitions from `path` as well. A version there may not repeat a shipped one."""
    path = Path(path)
    if path in _directories:
        return
    if not path.is_dir():
        raise ValueError(f"no instrument definition directory at {path}")
    _directories.append(path)
    versions.cache_clear()


def remove_directory(path: Path | str) -> None:
    """Stop reading definitions from a directory added with `add_directory`."""
    path = Path(path)
    if path != DEFINITIONS and path in _directories:
        _directories.remove(path)
        # Only its versions are forgotten: the others stay the same objects.
        for version in [v for v in _loaded if (path / f"{v}.yaml").is_file()]:
            del _loaded[version]
        versions.cache_clear()


def _path(version: str) -> Path:
    found = [d / f"{version}.yaml" for d in _directories if (d / f"{version}.yaml").is_file()]
    if not found:
        raise FileNotFoundError(f"no instrument version {version}")
    if len(found) > 1:
        raise ValueError(f"instrument version {version} is defined twice: {found}")
    return found[0]


@dataclass(frozen=True)
class Differences:
    """What two versions do not share, by question key (`shared` is what they do)."""

    shared: tuple[str, ...]
    only_first: tuple[str, ...]  # asked in the first version only
    only_second: tuple[str, ...]
    changed: tuple[str, ...]  # in both, with another type or other options


def differences(first: Instrument, second: Instrument) -> Differences:
    """The questions two versions share: the same key, type and option codes. A question
    whose options changed is not shared: its shares would not mean the same in both."""
    shared, changed = [], []
    for question in second.questions:
        if not first.has_question(question.key):
            continue
        before = first.question(question.key)
        same = before.type == question.type and before.codes == question.codes
        (shared if same else changed).append(question.key)
    return Differences(
        tuple(shared),
        tuple(q.key for q in first.questions if not second.has_question(q.key)),
        tuple(q.key for q in second.questions if not first.has_question(q.key)),
        tuple(changed),
    )


_loaded: dict[str, Instrument] = {}


def load(version: str) -> Instrument:
    """The version, read once per process (the same object every time)."""
    if version in _loaded:
        return _loaded[version]
    path = _path(version)
    with path.open(encoding="utf-8") as f:
        # libyaml's parser when PyYAML has it: several times faster, the same safe constructors.
        loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
        instrument = Instrument(yaml.load(f, Loader=loader))  # noqa: S506 (a safe loader)
    return _loaded.setdefault(version, instrument)


@functools.cache
def versions() -> tuple[str, ...]:
    """All versions, oldest first by the year they apply from."""
    found = [load(p.stem) for d in _directories for p in d.glob("*.yaml")]
    starts = [i.applies_from_year for i in found]
    if len(set(starts)) != len(starts):
        raise ValueError(f"two instrument versions apply from the same year: {found}")
    return tuple(i.version for i in sorted(found, key=lambda i: i.applies_from_year))


def for_year(year: int) -> Instrument:
    """The version that applies to a mapping year: the newest one that starts no later."""
    candidates = [load(v) for v in versions() if load(v).applies_from_year <= year]
    if not candidates:
        raise LookupError(f"no instrument version applies to {year}")
    return candidates[-1]


def current() -> Instrument:
    return load(versions()[-1])
