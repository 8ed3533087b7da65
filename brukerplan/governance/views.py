"""What the law and the agreements decide, run in the app: the legal basis of unit types
(the administrator), reservations (the contact person, the administrator) and the mapping
periods of the counties (the regional adviser)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from brukerplan.accounts import permissions
from brukerplan.governance import actions, overview
from brukerplan.organisations import actions as organisation_actions
from brukerplan.organisations import legal_basis
from brukerplan.organisations.models import (
    County,
    LegalBasisChange,
    MappingPeriod,
    Municipality,
    PeriodChange,
    Unit,
)
from brukerplan.registrations import actions as registration_actions
from brukerplan.registrations import mapping
from brukerplan.registrations.forms import NoEchoTextInput
from brukerplan.registrations.models import Registration

FIRST_SHOWN_YEAR = 2016


class LegalBasisForm(forms.Form):
    unit_type = forms.ChoiceField(label=gettext_lazy("Enhetstype"), choices=Unit.Type.choices)
    year = forms.IntegerField(label=gettext_lazy("Fra og med år"), min_value=2000)
    allowed = forms.TypedChoiceField(
        label=gettext_lazy("Rettslig grunnlag"),
        choices=[("1", gettext_lazy("Har grunnlag")), ("0", gettext_lazy("Mangler grunnlag"))],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(label=gettext_lazy("Begrunnelse"), max_length=500)


def _legal_basis_page(request, form, status=200):
    this_year = timezone.localdate().year
    years = list(range(this_year + 1, FIRST_SHOWN_YEAR - 1, -1))
    refused = legal_basis.refusals()
    rows = [
        {
            "year": year,
            "types": [legal_basis.has_basis(t, year, refused) for t in Unit.Type.values],
        }
        for year in years
    ]
    return render(
        request,
        "governance/legal_basis.html",
        {
            "form": form,
            "types": Unit.Type.choices,
            "rows": rows,
            "changes": LegalBasisChange.objects.select_related("changed_by")[:50],
        },
        status=status,
    )


@login_required
def legal_basis_page(request):
    if not permissions.may_manage_legal_basis(request.user):
        raise PermissionDenied
    return _legal_basis_page(request, LegalBasisForm())


@login_required
@require_POST
def set_legal_basis(request):
    if not permissions.may_manage_legal_basis(request.user):
        raise PermissionDenied
    form = LegalBasisForm(request.POST)
    if not form.is_valid():
        return _legal_basis_page(request, form, status=422)
    data = form.cleaned_data
    try:
        organisation_actions.set_legal_basis(
            data["unit_type"], data["year"], data["allowed"], data["reason"], by=request.user
        )
    except organisation_actions.OrganisationError as error:
        form.add_error(None, str(error))
        return _legal_basis_page(request, form, status=422)
    messages.success(request, _("Det rettslige grunnlaget er endret."))
    return redirect("governance:legal_basis")


# --- reservations (the right to object) ------------------------------------------------


class ReservationForm(forms.Form):
    fodselsnummer = forms.CharField(
        label=gettext_lazy("Fødselsnummer eller D-nummer"),
        help_text=gettext_lazy(
            "Nummeret gjøres om til en personnøkkel med en gang; det lagres ikke og vises "
            "ikke igjen."
        ),
        max_length=13,
        widget=NoEchoTextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={"required": gettext_lazy("Skriv inn fødselsnummeret.")},
    )


def _municipality(code: str) -> Municipality:
    year = timezone.localdate().year
    found = Municipality.objects.valid_in(year).filter(code=code).first()
    if found is None:
        raise Http404
    return found


@login_required
def reservation(request, code: str):
    municipality = _municipality(code)
    if not permissions.may_record_reservation(request.user, municipality):
        raise PermissionDenied
    form = ReservationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                new = registration_actions.add_reservations(
                    [form.cleaned_data["fodselsnummer"]],
                    by=request.user,
                    municipality=municipality.code,
                )
            except registration_actions.InvalidNumbers:
                form.add_error("fodselsnummer", _("Fødselsnummeret er ikke gyldig."))
            else:
                messages.success(
                    request,
                    _(
                        "Reservasjonen er registrert. Personens kartlegginger er slettet, og "
                        "rapportene lages på nytt."
                    )
                    if new
                    else _("Personen hadde reservert seg fra før."),
                )
                return redirect("governance:reservation", code=code)
        status = 422
    return render(
        request,
        "governance/reservation.html",
        {"municipality": municipality, "form": form},
        status=status,
    )


# --- mapping periods (the regional adviser) ------------------------------------------

ACTIONS = {
    "open": gettext_lazy("Åpne eller flytte perioden"),
    "close": gettext_lazy("Lukke perioden"),
    "reopen": gettext_lazy("Åpne perioden igjen"),
    "release": gettext_lazy("Sette datoen resultatene blir offentlige"),
}
CONSEQUENCES = {
    "open": gettext_lazy(
        "Kartleggerne i fylkets kommuner kan opprette og endre kartlegginger mellom start- og "
        "sluttdatoen. En lukket periode forblir lukket."
    ),
    "close": gettext_lazy(
        "Kartleggingene i fylket blir endelige og kan ikke lenger opprettes eller endres. "
        "Rapportene for fylket og kommunene lages, og kontaktpersonene i fylkets kommuner får "
        "beskjed på e-post."
    ),
    "reopen": gettext_lazy(
        "Kartleggerne kan igjen opprette og endre kartlegginger i perioden. Rapportene som er "
        "laget for fylket dette året, gjelder da ikke lenger: tallene er foreløpige til "
        "perioden lukkes igjen, og da lages rapportene på nytt. Import til fylket dette året "
        "er igjen mulig uten særskilt tillatelse."
    ),
    "release": gettext_lazy(
        "Før datoen ser hver kommune bare sin egen rapport, uten sammenligninger, merket «Ikke "
        "offentlig før» datoen; regionale rådgivere og analytikere ser alt, merket på samme "
        "måte. Fra datoen ser alle det rollen deres gir tilgang til, uten merking."
    ),
}


class PeriodForm(forms.Form):
    action = forms.ChoiceField(choices=list(ACTIONS.items()), widget=forms.HiddenInput)
    start = forms.DateField(
        label=gettext_lazy("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("Slutt"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    release_on = forms.DateField(
        label=gettext_lazy("Offentlig fra"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(label=gettext_lazy("Begrunnelse"), max_length=500)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("action") == "open" and not (data.get("start") and data.get("end")):
            raise forms.ValidationError(_("Oppgi start og slutt."))
        if data.get("action") == "release" and not data.get("release_on"):
            raise forms.ValidationError(_("Oppgi datoen."))
        return data


def _county(code: str, year: int) -> County:
    found = County.objects.filter(code=code, valid_from__lte=year).exclude(valid_to__lt=year)
    county = found.order_by("-valid_from").first()
    if county is None:
        raise Http404
    return county


@login_required
def periods(request):
    year = timezone.localdate().year
    counties = permissions.period_counties_for(request.user, year)
    if not counties:
        raise PermissionDenied
    found = {
        (p.county_id, p.year): p
        for p in MappingPeriod.objects.filter(county__in=counties, year__in=[year, year + 1])
    }
    rows = [
        {
            "county": c,
            "years": [(y, found.get((c.id, y))) for y in (year, year + 1)],
        }
        for c in counties
    ]
    return render(request, "governance/periods.html", {"rows": rows, "year": year})


@login_required
def period(request, code: str, year: int):
    county = _county(code, year)
    if not permissions.may_run_periods(request.user, county):
        raise PermissionDenied
    existing = MappingPeriod.objects.filter(county=county, year=year).first()
    form = PeriodForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if not data["confirmed"]:
                return render(
                    request,
                    "governance/period_confirm.html",
                    {
                        "county": county,
                        "year": year,
                        "period": existing,
                        "data": data,
                        "title": ACTIONS[data["action"]],
                        "consequence": CONSEQUENCES[data["action"]],
                    },
                )
            try:
                _decide(county, year, existing, data, request.user)
            except actions.OrganisationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Endringen er lagret."))
                return redirect("governance:period", code=code, year=year)
        status = 422
    return render(
        request,
        "governance/period.html",
        {
            "county": county,
            "year": year,
            "period": existing,
            "form": form,
            "today": timezone.localdate(),
            "changes": PeriodChange.objects.filter(period=existing).select_related("changed_by")
            if existing
            else [],
        },
        status=status,
    )


def _decide(county, year, existing, data, by) -> None:
    if data["action"] == "open":
        actions.open_or_move_period(county, year, data["start"], data["end"], data["reason"], by=by)
    elif existing is None:
        raise actions.OrganisationError(_("Fylket har ingen periode dette året."))
    elif data["action"] == "close":
        actions.close_period(existing, data["reason"], by=by)
    elif data["action"] == "release":
        actions.set_release_date(existing, data["release_on"], data["reason"], by=by)
    else:
        actions.reopen_period(existing, data["reason"], by=by)


# --- persons mapped in more than one municipality of a county --------------------------


@login_required
def county_duplicates(request, code: str, year: int):
    county = _county(code, year)
    if not permissions.may_run_periods(request.user, county):
        raise PermissionDenied
    if request.method == "POST":
        registration = Registration.objects.filter(
            registrering_id=request.POST.get("registrering_id", ""),
            fylkesnummer=county.code,
            aar=year,
            status=Registration.Status.SUBMITTED,
        ).first()
        if registration is None:
            raise PermissionDenied
        try:
            registration_actions.choose_county_representative(registration, by=request.user)
        except mapping.MappingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Kartlegging %(id)s teller nå for personen i fylket.")
                % {"id": registration.registrering_id},
            )
        return redirect("governance:duplicates", code=code, year=year)
    period = MappingPeriod.objects.filter(county=county, year=year).first()
    return render(
        request,
        "governance/duplicates.html",
        {
            "county": county,
            "year": year,
            "groups": overview.county_duplicate_groups(county.code, year),
            "period_open": bool(period and period.is_open_on(timezone.localdate())),
        },
    )
