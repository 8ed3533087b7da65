"""Between the instrument and the web form: widgets, posted answers and Norwegian error texts.

Nothing here lists questions: every field comes from the instrument definition.
The fødselsnummer field never renders its value back (not even after an error).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brukerplan.instrument.definition import (
    BOOLEAN,
    INTEGER,
    MULTI,
    SINGLE,
    TRAFFIC_LIGHT,
    AnswerError,
    Condition,
    Instrument,
    Question,
    Section,
)

SHOWN_SUFFIX = "__vist"  # a multi question's marker: posted when the question was on screen


class NoEchoTextInput(forms.TextInput):
    """A text input that never puts a value into the page."""

    def format_value(self, value):
        return None


class StartForm(forms.Form):
    fodselsnummer = forms.CharField(
        label=gettext_lazy("Fødselsnummer eller D-nummer"),
        help_text=gettext_lazy(
            "11 sifre. Nummeret kontrolleres og gjøres om til fødselsår og kjønn; "
            "det lagres ikke og vises ikke igjen."
        ),
        max_length=13,
        widget=NoEchoTextInput(
            attrs={
                "autocomplete": "off",
                "inputmode": "numeric",
                "spellcheck": "false",
                "autocapitalize": "off",
                "data-fodselsnummer": "",
                "aria-describedby": "id_fodselsnummer_helptext",
            }
        ),
        error_messages={"required": gettext_lazy("Skriv inn fødselsnummeret.")},
    )
    kartlagt_dato = forms.DateField(
        label=gettext_lazy("Kartlagt dato"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Skriv inn datoen."),
            "invalid": gettext_lazy("Skriv datoen som dd.mm.åååå."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kartlagt_dato"].initial = timezone.localdate()


# --- posted answers ------------------------------------------------------------------


def answers_from_post(instrument: Instrument, data) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers in a posted form, and a message per question whose input is unreadable."""
    answers: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for question in instrument.questions:
        key = question.key
        if question.type == MULTI:
            if data.get(key + SHOWN_SUFFIX) is None and key not in data:
                continue
            chosen = set(data.getlist(key))
            answers[key] = [code for code in question.codes if code in chosen]
            if chosen - set(question.codes):
                problems[key] = _("Ugyldig valg.")
            continue
        raw = (data.get(key) or "").strip()
        if raw == "":
            continue
        if question.type == BOOLEAN:
            if raw in ("0", "1"):
                answers[key] = int(raw)
            else:
                problems[key] = _("Svar ja eller nei.")
        elif question.type == INTEGER:
            if raw.isdigit() and len(raw) <= 4:
                answers[key] = int(raw)
            else:
                problems[key] = _("Skriv et helt tall.")
        elif raw in question.codes:
            answers[key] = raw
        else:
            problems[key] = _("Ugyldig valg.")
    return answers, problems


# --- error texts ---------------------------------------------------------------------

_AT_LEAST_ONE = re.compile(r"^brudd på regelen: at least one of (\w+) and (\w+) is (\w+)$")
_REQUIRES = re.compile(
    r"^brudd på regelen: (\w+) == (\w+) requires (\w+) == (\w+)(?: \(.*\))?$", re.DOTALL
)


def value_label(question: Question, value: Any) -> str:
    if question.type == BOOLEAN:
        return _("Ja") if str(value) == "1" else _("Nei")
    try:
        return question.label_of(str(value))
    except (KeyError, StopIteration):
        return str(value)


def error_messages(instrument: Instrument, errors: list[AnswerError]) -> dict[str, list[str]]:
    """Norwegian messages keyed by question key (or section key for a section-wide rule)."""
    messages: dict[str, list[str]] = {}
    for error in errors:
        key = error.column.split(".", 1)[0]
        text = _message(instrument, key, error)
        messages.setdefault(key, [])
        if text not in messages[key]:
            messages[key].append(text)
    return messages


def form_messages(
    instrument: Instrument, problems: dict[str, str], errors: list[AnswerError]
) -> dict[str, list[str]]:
    """Every message of one submission at once: unreadable inputs (their own words, not
    "missing"), then what validation found in the rest, rules included."""
    messages = {key: [text] for key, text in problems.items()}
    rest = [e for e in errors if e.column.split(".", 1)[0] not in problems]
    for key, texts in error_messages(instrument, rest).items():
        messages.setdefault(key, []).extend(texts)
    return messages


def rule_checks(instrument: Instrument) -> str:
    """The rules as JSON for the form's early check: what each reads, where its message
    goes and the message itself (the server checks them again on submit)."""
    checks = []
    for rule in instrument.rules:
        error = AnswerError(rule.column, f"brudd på regelen: {rule.text}")
        target = rule.column if instrument.has_question(rule.column) else None
        checks.append(
            {
                "id": f"regel-{len(checks) + 1}",
                "target": f"q-{target}" if target else f"del-{rule.column}",
                "message": _message(instrument, rule.column, error),
                "reads": sorted(rule.questions),
                "expression": rule.expression,
            }
        )
    return json.dumps(checks, ensure_ascii=False)


def _message(instrument: Instrument, key: str, error: AnswerError) -> str:
    text = error.message
    if match := _AT_LEAST_ONE.match(text):
        a, b, value = match.groups()
        qa, qb = instrument.question(a), instrument.question(b)
        return _("Minst ett av «%(a)s» og «%(b)s» må være %(v)s.") % {
            "a": qa.label,
            "b": qb.label,
            "v": value_label(qa, value if not value.isdigit() else int(value)),
        }
    if match := _REQUIRES.match(text):
        a, av, b, bv = match.groups()
        qa, qb = instrument.question(a), instrument.question(b)
        return _("Når «%(a)s» er %(av)s, må «%(b)s» være %(bv)s.") % {
            "a": qa.label,
            "av": value_label(qa, av),
            "b": qb.label,
            "bv": value_label(qb, bv),
        }
    if not instrument.has_question(key):
        return text
    question = instrument.question(key)
    if text == "mangler svar":
        return {
            BOOLEAN: _("Svar ja eller nei."),
            INTEGER: _("Skriv inn et tall."),
            SINGLE: _("Velg ett av svarene."),
            TRAFFIC_LIGHT: _("Velg grønn, gul eller rød."),
        }.get(question.type, _("Svar på spørsmålet."))
    if question.type == INTEGER and ("mindre enn" in text or "større enn" in text):
        return _("Tallet må være mellom %(min)s og %(max)s.") % {
            "min": question.minimum,
            "max": question.maximum,
        }
    if "kan ikke kombineres" in text:
        code = error.column.split(".", 1)[1]
        return _("«%(option)s» kan ikke kombineres med andre valg.") % {
            "option": value_label(question, code)
        }
    if "skal være tomt" in text:
        return _("Spørsmålet stilles ikke med disse svarene.")
    return _("Ugyldig svar.")


# --- what the template draws -----------------------------------------------------------


@dataclass
class Choice:
    value: str
    label: str
    help: str
    checked: bool
    id: str
    exclusive: bool = False


@dataclass
class ChoiceGroup:
    label: str
    choices: list[Choice]


@dataclass
class FieldView:
    question: Question
    value: Any
    errors: list[str]
    asked: bool  # asked now, its section's condition included (inputs enabled)
    when: str  # JSON for data-when, "" when always asked
    shown: bool = True  # its own condition holds (the section may still be hidden)
    choices: list[Choice] = field(default_factory=list)
    groups: list[ChoiceGroup] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"q-{self.question.key}"

    @property
    def type(self) -> str:
        return self.question.type

    @property
    def required(self) -> bool:
        return self.question.type != MULTI

    @property
    def answered(self) -> bool:
        return self.value is not None

    @property
    def error_ids(self) -> list[str]:
        return [
            f"{self.id}-error" + (f"-{n}" if n > 1 else "") for n in range(1, len(self.errors) + 1)
        ]

    @property
    def focus_id(self) -> str:
        """The input a link to this question should reach: the number box or the first choice."""
        if self.question.type == INTEGER:
            return f"{self.id}-input"
        choices = self.choices or [c for g in self.groups for c in g.choices]
        return choices[0].id if choices else self.id

    @property
    def html(self) -> str:
        return mark_safe(render_field(self))  # noqa: S308 - every value is escaped there


@dataclass
class SectionView:
    section: Section
    fields: list[FieldView]
    errors: list[str]
    asked: bool
    when: str
    number: int

    @property
    def id(self) -> str:
        return f"del-{self.section.key}"

    @property
    def required_total(self) -> int:
        return sum(1 for f in self.fields if f.asked and f.required) if self.asked else 0

    @property
    def required_answered(self) -> int:
        if not self.asked:
            return 0
        return sum(1 for f in self.fields if f.asked and f.required and f.answered)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(f.errors for f in self.fields)


def _when(condition: Condition | None) -> str:
    if condition is None:
        return ""
    return json.dumps(
        {"q": condition.question, "op": condition.operator, "v": condition.value},
        ensure_ascii=False,
    )


def form_sections(
    instrument: Instrument,
    answers: dict[str, Any],
    derived: dict[str, Any],
    messages: dict[str, list[str]] | None = None,
) -> list[SectionView]:
    messages = messages or {}
    values = {**answers, **derived}
    views = []
    for number, section in enumerate(instrument.sections, start=1):
        section_asked = section.when is None or section.when.holds(values)
        fields = []
        for question in section.questions:
            value = answers.get(question.key)
            view = FieldView(
                question=question,
                value=value,
                errors=messages.get(question.key, []),
                asked=instrument.is_asked(question, values),
                when=_when(question.when),
                shown=question.when is None or question.when.holds(values),
            )
            _fill_choices(view, question, value)
            fields.append(view)
        views.append(
            SectionView(
                section=section,
                fields=fields,
                errors=messages.get(section.key, []),
                asked=section_asked,
                when=_when(section.when),
                number=number,
            )
        )
    return views


def _fill_choices(view: FieldView, question: Question, value: Any) -> None:
    key = question.key
    if question.type == BOOLEAN:
        view.choices = [
            Choice("1", _("Ja"), "", value == 1, f"q-{key}-1"),
            Choice("0", _("Nei"), "", value == 0, f"q-{key}-0"),
        ]
    elif question.type == TRAFFIC_LIGHT:
        view.choices = [
            Choice(
                colour,
                question.label_of(colour),
                question.colours.get(colour, ""),
                value == colour,
                f"q-{key}-{colour}",
            )
            for colour in ("gronn", "gul", "rod")
        ]
    elif question.type == SINGLE:
        view.choices = [
            Choice(o.code, o.label, "", value == o.code, f"q-{key}-{o.code}")
            for o in question.options
        ]
    elif question.type == MULTI:
        chosen = set(value or [])
        if question.option_groups:
            view.groups = [
                ChoiceGroup(
                    group.label,
                    [
                        Choice(
                            f"{group.key}.{o.code}",
                            o.label,
                            "",
                            f"{group.key}.{o.code}" in chosen,
                            f"q-{key}-{group.key}-{o.code}",
                        )
                        for o in group.options
                    ],
                )
                for group in question.option_groups
            ]
        else:
            view.choices = [
                Choice(
                    o.code,
                    o.label,
                    "",
                    o.code in chosen,
                    f"q-{key}-{o.code}",
                    exclusive=o.code in question.exclusive,
                )
                for o in question.options
            ]


# --- fast field markup ---------------------------------------------------------------
# The form has some sixty questions and three hundred choices; drawing them with
# the template engine took most of the page's time, so the markup of one question
# is built here (escaped) and the template places it. Same markup as before:
# every input labelled, radio and checkbox groups in fieldsets with legends.


def escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _attr(name: str, value: Any) -> str:
    return f' {name}="{escape(value)}"'


def _flag(name: str, on: bool) -> str:
    return f" {name}" if on else ""


def _described(view: FieldView) -> str:
    ids = view.error_ids + ([f"{view.id}-help"] if view.question.help else [])
    return _attr("aria-describedby", " ".join(ids)) if ids else ""


def _input(kind: str, key: str, choice: Choice, disabled: bool) -> str:
    return (
        f'<input type="{kind}"{_attr("name", key)}{_attr("id", choice.id)}'
        f"{_attr('value', choice.value)}{_flag('data-exclusive', choice.exclusive)}"
        f"{_flag('checked', choice.checked)}{_flag('disabled', disabled)}>"
    )


def render_field(view: FieldView) -> str:
    q = view.question
    key = q.key
    off = not view.asked
    parts: list[str] = []
    classes = "q invalid" if view.errors else "q"
    common = (
        f'class="{classes}"{_attr("id", view.id)}{_attr("data-q", key)}'
        f"{_flag('data-required', view.required)}"
        f"{_attr('data-when', view.when) if view.when else ''}{_flag('hidden', not view.shown)}"
    )
    help_html = f'<p class="help" id="{view.id}-help">{escape(q.help)}</p>' if q.help else ""
    errors_html = "".join(
        f'<p class="error-text" id="{i}">{escape(e)}</p>'
        for i, e in zip(view.error_ids, view.errors, strict=True)
    )
    if q.type == INTEGER:
        limits = (_attr("min", q.minimum) if q.minimum is not None else "") + (
            _attr("max", q.maximum) if q.maximum is not None else ""
        )
        value = "" if view.value is None else view.value
        invalid = ' aria-invalid="true"' if view.errors else ""
        return (
            f"<div {common}>"
            f'<label for="{view.id}-input">{escape(q.label)}</label>{help_html}{errors_html}'
            f'<input type="number"{_attr("name", key)} id="{view.id}-input" inputmode="numeric"'
            f"{limits}{_attr('value', value)}{invalid}{_described(view)}{_flag('disabled', off)}>"
            "</div>"
        )
    parts.append(f"<fieldset {common}{_described(view)}><legend>{escape(q.label)}</legend>")
    parts.append(help_html + errors_html)
    if q.type == TRAFFIC_LIGHT:
        parts.append('<div class="lights">')
        for c in view.choices:
            parts.append(
                f'<label class="{c.value}" for="{c.id}">{_input("radio", key, c, off)}'
                f'<span><span class="colour">{escape(c.label)}</span>'
                f'<span class="text">{escape(c.help)}</span></span></label>'
            )
        parts.append("</div>")
    elif q.type == MULTI:
        parts.append(
            f'<input type="hidden"{_attr("name", key + SHOWN_SUFFIX)} value="1"'
            f"{_flag('disabled', off)}>"
        )
        groups = view.groups or [ChoiceGroup("", view.choices)]
        not_combined = _("kan ikke kombineres")
        for group in groups:
            if group.label:
                parts.append(f'<fieldset class="group"><legend>{escape(group.label)}</legend>')
            parts.append('<div class="checks">')
            for c in group.choices:
                note = f' <span class="help">({not_combined})</span>' if c.exclusive else ""
                parts.append(
                    f'<label for="{c.id}">{_input("checkbox", key, c, off)} '
                    f"{escape(c.label)}{note}</label>"
                )
            parts.append("</div>")
            if group.label:
                parts.append("</fieldset>")
    else:
        parts.append('<div class="choices">')
        for c in view.choices:
            parts.append(
                f'<label for="{c.id}">{_input("radio", key, c, off)} {escape(c.label)}</label>'
            )
        parts.append("</div>")
    parts.append("</fieldset>")
    return "".join(parts)
