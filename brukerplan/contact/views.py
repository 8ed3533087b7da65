"""The contact person's pages: the overview, duplicates, units and mappers."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from brukerplan.accounts import actions as account_actions
from brukerplan.accounts import permissions
from brukerplan.accounts.models import Invitation, Membership, Role
from brukerplan.contact import overview
from brukerplan.organisations import actions
from brukerplan.organisations.models import Municipality, Unit
from brukerplan.registrations import actions as registration_actions
from brukerplan.registrations import mapping
from brukerplan.registrations.models import Registration


class UnitForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Navn på enheten"), max_length=200)
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=Unit.Type.choices)


class InviteForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Enhet"), queryset=Unit.objects.none())
    first_name = forms.CharField(label=gettext_lazy("Fornavn"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Etternavn"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-post (brukernavn)"))

    def __init__(self, municipality: Municipality, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(
            municipality__code=municipality.code, active=True
        ).order_by("name")


def _municipality(code: str) -> Municipality:
    year = timezone.localdate().year
    found = Municipality.objects.filter(code=code).select_related("county").order_by("-valid_from")
    valid = [m for m in found if m.valid_in(year)]
    if valid:
        return valid[0]
    if found:
        return found[0]
    raise Http404


def _managed(request, code: str) -> Municipality:
    municipality = _municipality(code)
    if not permissions.may_manage_municipality(request.user, municipality):
        raise PermissionDenied
    return municipality


@login_required
def municipality_overview(request, code: str):
    municipality = _municipality(code)
    if not permissions.may_view_overview(request.user, municipality):
        raise PermissionDenied
    data = overview.municipality_overview(municipality, timezone.localdate())
    return render(
        request,
        "contact/overview.html",
        {
            "o": data,
            "municipality": municipality,
            "may_manage": permissions.may_manage_municipality(request.user, municipality),
        },
    )


@login_required
@require_POST
def choose_duplicate(request, code: str):
    municipality = _managed(request, code)
    registration = Registration.objects.filter(
        registrering_id=request.POST.get("registrering_id", ""),
        kommunenummer=municipality.code,
        status=Registration.Status.SUBMITTED,
    ).first()
    if registration is None:
        raise PermissionDenied
    try:
        registration_actions.choose_representative(registration, by=request.user)
    except mapping.MappingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Kartlegging %(id)s teller nå for personen.") % {"id": registration.registrering_id},
        )
    return redirect(reverse("contact:overview", args=[code]) + "#dubletter")


@login_required
def units(request, code: str):
    municipality = _managed(request, code)
    unit_form = UnitForm(request.POST or None, prefix="enhet")
    if request.method == "POST":
        if unit_form.is_valid():
            try:
                unit = actions.create_unit(
                    municipality,
                    unit_form.cleaned_data["name"],
                    unit_form.cleaned_data["type"],
                    by=request.user,
                )
            except actions.OrganisationError as error:
                unit_form.add_error("name", str(error))
            else:
                messages.success(request, _("Enheten %(name)s er opprettet.") % {"name": unit.name})
                return redirect("contact:units", code=code)
    return _units_page(request, municipality, unit_form=unit_form)


def _units_page(request, municipality, *, unit_form=None, invite_form=None, invitation_link=""):
    return render(
        request,
        "contact/units.html",
        {
            "municipality": municipality,
            "units": overview.units_with_mappers(municipality),
            "unit_form": unit_form or UnitForm(prefix="enhet"),
            "invite_form": invite_form or InviteForm(municipality, prefix="inv"),
            "invitation_link": invitation_link,
            "offers": overview.open_offers(municipality, timezone.now()),
        },
        status=200 if not (unit_form and unit_form.errors) else 422,
    )


@login_required
@require_POST
def set_unit_active(request, code: str, unit_id: int):
    municipality = _managed(request, code)
    unit = get_object_or_404(Unit, pk=unit_id, municipality__code=municipality.code)
    active = request.POST.get("active") == "1"
    actions.set_unit_active(unit, active, by=request.user)
    messages.success(
        request,
        (_("Enheten %(name)s er aktivert.") if active else _("Enheten %(name)s er deaktivert."))
        % {"name": unit.name},
    )
    return redirect("contact:units", code=code)


@login_required
@require_POST
def invite_mapper(request, code: str):
    municipality = _managed(request, code)
    form = InviteForm(municipality, request.POST, prefix="inv")
    if not form.is_valid():
        return _units_page(request, municipality, invite_form=form)
    try:
        sent = account_actions.invite_mapper(
            unit=form.cleaned_data["unit"],
            email=form.cleaned_data["email"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            invited_by=request.user,
            link_for=lambda token: request.build_absolute_uri(
                reverse("accounts:invitation", args=[token])
            ),
        )
    except account_actions.AccountError as error:
        form.add_error("email", str(error))
        return _units_page(request, municipality, invite_form=form)
    if not sent.new_account:
        # Nothing about the existing account (its roles, its state) is shown or changed.
        messages.success(request, _("Adressen har allerede en konto; personen har fått beskjed."))
        return redirect("contact:units", code=code)
    messages.success(
        request,
        _("%(email)s er invitert som kartlegger i %(unit)s.")
        % {"email": sent.invitation.user.username, "unit": sent.invitation.unit.name},
    )
    return _units_page(request, municipality, invitation_link=sent.link)


@login_required
@require_POST
def withdraw_invitation(request, code: str, invitation_id: int):
    municipality = _managed(request, code)
    invitation = get_object_or_404(
        Invitation, pk=invitation_id, unit__municipality__code=municipality.code
    )
    account_actions.withdraw_invitation(invitation, by=request.user)
    messages.success(request, _("Invitasjonen er trukket tilbake."))
    return redirect("contact:units", code=code)


@login_required
@require_POST
def deactivate_mapper(request, code: str, membership_id: int):
    municipality = _managed(request, code)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "unit"),
        pk=membership_id,
        role=Role.KARTLEGGER,
        unit__municipality__code=municipality.code,
    )
    account_actions.deactivate_membership(membership, by=request.user)
    messages.success(
        request,
        _("%(name)s er ikke lenger kartlegger i %(unit)s.")
        % {
            "name": membership.user.get_full_name() or membership.user.username,
            "unit": membership.unit.name,
        },
    )
    return redirect("contact:units", code=code)
