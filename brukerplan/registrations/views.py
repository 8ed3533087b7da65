"""The mapper's pages: the unit's list, a new registration, the form, autosave and the receipt.

Views parse input, ask `brukerplan.accounts.permissions`, and call one action in
`brukerplan.registrations.actions` with the acting user. They never write on their own.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brukerplan.accounts import permissions
from brukerplan.audit import trail
from brukerplan.audit.models import Kind, Outcome
from brukerplan.organisations import legal_basis
from brukerplan.organisations.models import MappingPeriod, Unit
from brukerplan.registrations import actions, mapping
from brukerplan.registrations.forms import (
    StartForm,
    answers_from_post,
    form_messages,
    form_sections,
    rule_checks,
)
from brukerplan.registrations.models import Registration

LIST_FIELDS = ("registrering_id", "kartlagt_dato", "fodselsaar", "kjonn", "status", "updated_at")


def _unit(unit_id: int) -> Unit:
    return get_object_or_404(Unit.objects.select_related("municipality__county"), pk=unit_id)


def _registration(request, registrering_id: str) -> Registration:
    registration = get_object_or_404(
        Registration.objects.select_related("unit", "municipality__county"),
        registrering_id=registrering_id,
    )
    if not permissions.may_edit_registration(request.user, registration):
        _record_view(request, registration, Outcome.REFUSED)
        raise PermissionDenied
    return registration


def _record_view(request, registration: Registration, outcome: str = Outcome.ALLOWED) -> None:
    trail.record(
        Kind.REGISTRATION_VIEWED,
        by=request.user,
        outcome=outcome,
        municipality=registration.kommunenummer,
        unit=registration.unit_id,
        what={"registrering_id": registration.registrering_id, "aar": registration.aar},
    )


def _period_of(registration: Registration) -> MappingPeriod | None:
    return MappingPeriod.objects.filter(
        county__code=registration.fylkesnummer, year=registration.aar
    ).first()


@login_required
def unit_registrations(request, unit_id: int):
    unit = _unit(unit_id)
    allowed = permissions.may_view_unit(request.user, unit)
    today = timezone.localdate()
    trail.record(
        Kind.UNIT_LIST_VIEWED,
        by=request.user,
        outcome=Outcome.ALLOWED if allowed else Outcome.REFUSED,
        municipality=unit.municipality.code,
        unit=unit,
    )
    if not allowed:
        raise PermissionDenied
    period = mapping.current_period(unit.municipality, today)
    year = period.year if period else today.year
    registrations = list(
        Registration.objects.filter(unit=unit, aar=year).order_by("-created_at").only(*LIST_FIELDS)
    )
    period_open = bool(period and period.is_open_on(today))
    no_basis = (
        ""
        if legal_basis.has_basis(unit.type, year)
        else legal_basis.refusal_message(unit.type, year)
    )
    return render(
        request,
        "registrations/unit.html",
        {
            "unit": unit,
            "year": year,
            "period": period,
            "period_open": period_open,
            "no_basis": no_basis,
            "may_map": period_open
            and not no_basis
            and permissions.may_map_in_unit(request.user, unit),
            "registrations": registrations,
            "drafts": sum(1 for r in registrations if r.status == Registration.Status.DRAFT),
            "submitted": sum(1 for r in registrations if r.status == Registration.Status.SUBMITTED),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def start(request, unit_id: int):
    unit = _unit(unit_id)
    if not permissions.may_map_in_unit(request.user, unit):
        raise PermissionDenied
    today = timezone.localdate()
    period = mapping.current_period(unit.municipality, today)
    problem = None
    if period is None or not period.is_open_on(today):
        try:
            mapping.open_period(unit.municipality, today)
        except mapping.PeriodClosed as closed:
            problem = closed.message
    if problem is None and not legal_basis.has_basis(unit.type, period.year):
        problem = legal_basis.refusal_message(unit.type, period.year)
    form = StartForm(request.POST or None)
    existing = None
    if request.method == "POST" and problem is None and form.is_valid():
        try:
            registration = actions.start_registration(
                unit=unit,
                by=request.user,
                fodselsnummer=form.cleaned_data["fodselsnummer"],
                kartlagt_dato=form.cleaned_data["kartlagt_dato"],
                today=today,
            )
        except mapping.AlreadyMapped as already:
            existing = already.existing
            form.add_error("fodselsnummer", already.message)
        except mapping.MappingError as error:
            form.add_error(error.field, error.message)
        else:
            return redirect("registrations:form", registrering_id=registration.registrering_id)
    return render(
        request,
        "registrations/start.html",
        {"unit": unit, "form": form, "problem": problem, "period": period, "existing": existing},
        status=200 if problem is None else 409,
    )


def _form_page(request, registration, answers, messages_by_key, *, period, status=200):
    instrument = mapping.instrument_of(registration)
    sections = form_sections(instrument, answers, mapping.derived_of(registration), messages_by_key)
    today = timezone.localdate()
    summary = []  # in the form's order, each linking to the input it is about
    for s in sections:
        summary += [(s.id, s.section.label, message) for message in s.errors]
        summary += [(f.focus_id, f.question.label, m) for f in s.fields for m in f.errors]
    return render(
        request,
        "registrations/form.html",
        {
            "registration": registration,
            "unit": registration.unit,
            "sections": sections,
            "required_total": sum(s.required_total for s in sections),
            "required_answered": sum(s.required_answered for s in sections),
            "period": period,
            "editable": bool(period and period.is_open_on(today)),
            "error_summary": summary,
            "derived_json": json.dumps(mapping.derived_of(registration)),
            "rules_json": rule_checks(instrument),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def registration_form(request, registrering_id: str):
    registration = _registration(request, registrering_id)
    period = _period_of(registration)
    if request.method == "GET":
        _record_view(request, registration)
        return _form_page(request, registration, registration.answers, {}, period=period)
    instrument = mapping.instrument_of(registration)
    answers, problems = answers_from_post(instrument, request.POST)
    try:
        if problems:  # never submitted with an input dropped; every error is listed still
            actions.save_draft(registration, answers, by=request.user)
            errors = mapping.answer_errors(registration, answers)
        else:
            errors = actions.submit_registration(registration, answers, by=request.user)
    except mapping.PeriodClosed as closed:
        messages.error(request, closed.message)
        return _form_page(request, registration, answers, {}, period=period, status=409)
    if problems or errors:
        found = form_messages(instrument, problems, errors)
        return _form_page(request, registration, answers, found, period=period, status=422)
    return redirect("registrations:submitted", registrering_id=registration.registrering_id)


@login_required
@require_POST
def autosave(request, registrering_id: str):
    """Called by the form on change (debounced), on section change and when the page closes."""
    registration = _registration(request, registrering_id)
    instrument = mapping.instrument_of(registration)
    answers, problems = answers_from_post(instrument, request.POST)
    try:
        result = actions.save_draft(registration, answers, by=request.user)
    except mapping.PeriodClosed as closed:
        return _saved(request, ok=False, text=closed.message)
    if not result.saved:
        return _saved(
            request,
            ok=False,
            text=_(
                "Endringene er ikke lagret ennå: en innsendt kartlegging lagres først når "
                "alle svar er gyldige. Trykk «Lagre endringer» for å se hva som mangler."
            ),
        )
    if problems:
        return _saved(request, ok=False, text=_("Lagret, unntatt svar med feil."))
    now = timezone.localtime()
    return _saved(request, ok=True, text=_("Lagret %(time)s") % {"time": f"{now:%H:%M}"})


def _saved(request, *, ok: bool, text: str):
    if not request.htmx:
        return HttpResponse(status=204 if ok else 409)
    return render(request, "registrations/_saved.html", {"ok": ok, "text": text})


@login_required
def submitted(request, registrering_id: str):
    registration = _registration(request, registrering_id)
    if registration.status != Registration.Status.SUBMITTED:
        return redirect("registrations:form", registrering_id=registration.registrering_id)
    _record_view(request, registration)
    return render(
        request,
        "registrations/submitted.html",
        {
            "registration": registration,
            "unit": registration.unit,
            "journal_note": f"Kartlagt i BrukerPlan {registration.aar}",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, registrering_id: str):
    """Deleting a draft asks first: a page with a box to tick, which works without JavaScript."""
    registration = _registration(request, registrering_id)
    if registration.status != Registration.Status.DRAFT:
        messages.error(request, _("Bare utkast kan slettes."))
        return redirect("registrations:form", registrering_id=registration.registrering_id)
    if request.method == "GET" or request.POST.get("bekreft") != "ja":
        return render(
            request,
            "registrations/delete.html",
            {
                "registration": registration,
                "unit": registration.unit,
                "unconfirmed": request.method == "POST",
            },
            status=200 if request.method == "GET" else 400,
        )
    try:
        actions.delete_draft(registration, by=request.user)
    except mapping.MappingError as error:
        messages.error(request, error.message)
        return redirect("registrations:form", registrering_id=registration.registrering_id)
    messages.success(request, _("Utkastet er slettet."))
    return redirect("registrations:unit", unit_id=registration.unit_id)
