"""The pages that give and take roles above a mapper, and the audit trail's search.

The administrator invites regional advisers and analysts; a county's regional adviser
invites the contact persons of its municipalities. Every change is an action in
`brukerplan.accounts.actions` (invitation, e-mail, audit entry); these views parse,
ask `permissions` and call it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from brukerplan.accounts import actions as account_actions
from brukerplan.accounts import permissions
from brukerplan.accounts.models import Membership, Role
from brukerplan.administration.auditlog import csv_lines
from brukerplan.administration.forms import AuditSearchForm, ContactForm, StaffForm
from brukerplan.audit import search, trail
from brukerplan.audit.models import Kind
from brukerplan.organisations.models import County

SHOWN = 200  # entries a search shows; the CSV has them all


def _link_for(request):
    return lambda token: request.build_absolute_uri(reverse("accounts:invitation", args=[token]))


def _name(user) -> str:
    return user.get_full_name() or user.username


# --- the audit trail ------------------------------------------------------------------


def _audit_search(request) -> tuple[AuditSearchForm, dict | None]:
    if not permissions.may_view_audit(request.user):
        raise PermissionDenied
    form = AuditSearchForm(request.GET or None)
    if not request.GET:
        return form, {}
    return form, (form.search() if form.is_valid() else None)


@login_required
def audit_log(request):
    form, wanted = _audit_search(request)
    entries = list(search.entries(**wanted)[:SHOWN]) if wanted is not None else []
    return render(
        request,
        "administration/audit_log.html",
        {
            "form": form,
            "entries": entries,
            "shown": SHOWN,
            "csv_url": reverse("administration:audit_log_csv") + "?" + request.GET.urlencode(),
        },
        status=200 if wanted is not None else 422,
    )


@login_required
def audit_log_csv(request):
    form, wanted = _audit_search(request)
    if wanted is None:
        return redirect(reverse("administration:audit_log") + "?" + request.GET.urlencode())
    trail.record(
        Kind.AUDIT_EXPORTED,
        by=request.user,
        what={k: str(v) for k, v in wanted.items() if v not in (None, "")},
    )
    response = StreamingHttpResponse(
        csv_lines(search.entries(**wanted).iterator()), content_type="text/csv; charset=utf-8"
    )
    name = f"brukerplan-logg-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- regional advisers and analysts (the administrator) --------------------------------


def _staff_page(request, form=None, invitation_link="", status=200):
    memberships = (
        Membership.objects.filter(role__in=[Role.REGIONAL, Role.ANALYTIKER], active=True)
        .select_related("user", "county")
        .order_by("role", "county__code", "health_region", "user__username")
    )
    return render(
        request,
        "administration/staff.html",
        {
            "memberships": memberships,
            "form": form or StaffForm(),
            "invitation_link": invitation_link,
        },
        status=status,
    )


def _staff_manager(request):
    if not permissions.may_manage_staff(request.user):
        raise PermissionDenied


@login_required
def staff(request):
    _staff_manager(request)
    return _staff_page(request)


@login_required
@require_POST
def invite_staff(request):
    _staff_manager(request)
    form = StaffForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, form, status=422)
    data = form.cleaned_data
    regional = data["role"] == Role.REGIONAL
    try:
        sent = account_actions.invite(
            data["role"],
            county=data["county"] if regional else None,
            health_region=data["health_region"] if regional else "",
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            invited_by=request.user,
            link_for=_link_for(request),
        )
    except account_actions.AccountError as error:
        form.add_error(None, str(error))
        return _staff_page(request, form, status=422)
    return _invited(request, sent, lambda link: _staff_page(request, invitation_link=link))


def _invited(request, sent, page):
    if not sent.new_account:
        messages.success(request, _("Adressen har allerede en konto; personen har fått beskjed."))
        return page("")
    messages.success(
        request,
        _("%(email)s er invitert som %(role)s.")
        % {
            "email": sent.invitation.user.username,
            "role": sent.invitation.get_role_display().lower(),
        },
    )
    return page(sent.link)


@login_required
@require_POST
def deactivate_staff(request, membership_id: int):
    _staff_manager(request)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "county"),
        pk=membership_id,
        role__in=[Role.REGIONAL, Role.ANALYTIKER],
        active=True,
    )
    account_actions.deactivate_membership(membership, by=request.user)
    messages.success(
        request,
        _("%(name)s har ikke lenger rollen %(role)s.")
        % {"name": _name(membership.user), "role": membership.get_role_display().lower()},
    )
    return redirect("administration:staff")


# --- contact persons (a county's regional adviser) -------------------------------------


def _county(request, code: str) -> County:
    county = County.objects.filter(code=code).order_by("-valid_from").first()
    if county is None:
        raise Http404
    if not permissions.may_manage_contacts(request.user, county.code):
        raise PermissionDenied
    return county


def _contacts_page(request, county, form=None, invitation_link="", status=200):
    memberships = (
        Membership.objects.filter(
            role=Role.KOMMUNEKONTAKT, active=True, municipality__county__code=county.code
        )
        .select_related("user", "municipality")
        .order_by("municipality__name", "user__username")
    )
    return render(
        request,
        "administration/contacts.html",
        {
            "county": county,
            "memberships": memberships,
            "form": form or ContactForm(county.code),
            "invitation_link": invitation_link,
        },
        status=status,
    )


@login_required
def contacts(request, code: str):
    return _contacts_page(request, _county(request, code))


@login_required
@require_POST
def invite_contact(request, code: str):
    county = _county(request, code)
    form = ContactForm(county.code, request.POST)
    if not form.is_valid():
        return _contacts_page(request, county, form, status=422)
    data = form.cleaned_data
    try:
        sent = account_actions.invite(
            Role.KOMMUNEKONTAKT,
            municipality=data["municipality"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            invited_by=request.user,
            link_for=_link_for(request),
        )
    except account_actions.AccountError as error:
        form.add_error(None, str(error))
        return _contacts_page(request, county, form, status=422)
    return _invited(
        request, sent, lambda link: _contacts_page(request, county, invitation_link=link)
    )


@login_required
@require_POST
def deactivate_contact(request, code: str, membership_id: int):
    county = _county(request, code)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "municipality"),
        pk=membership_id,
        role=Role.KOMMUNEKONTAKT,
        active=True,
        municipality__county__code=county.code,
    )
    account_actions.deactivate_membership(membership, by=request.user)
    messages.success(
        request,
        _("%(name)s er ikke lenger kommunekontakt for %(municipality)s.")
        % {"name": _name(membership.user), "municipality": membership.municipality.name},
    )
    return redirect("administration:contacts", code=county.code)
