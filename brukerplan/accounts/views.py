"""Login and logout (local or through the identity provider), the second factor, passwords,
invitations, and the home page that leads each role to its work."""

from __future__ import annotations

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from brukerplan.accounts import actions, oidc, permissions, second_factor
from brukerplan.accounts.models import Invitation, Role
from brukerplan.organisations.models import County, Municipality, Unit
from brukerplan.privacy import ELEVEN_DIGITS


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # A number typed as a username is not put back into the page.
        typed = context["form"]["username"].value() or ""
        context["username_value"] = "" if ELEVEN_DIGITS.search(typed) else typed
        context["oidc_provider_name"] = settings.OIDC_PROVIDER_NAME if oidc.configured() else ""
        return context


class LogoutView(auth_views.LogoutView):
    """Ends the session here, and at the identity provider when it logged the session in."""

    http_method_names = ["post", "options"]

    def post(self, request, *args, **kwargs):
        at_provider = oidc.end_session_url(request)
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(at_provider) if at_provider else response


def oidc_refused(request):
    """Why the identity provider's login was not let in (the reason is in the session)."""
    refusal = request.session.pop(oidc.SESSION_REFUSAL, None) or {}
    labels = dict(Role.choices)
    roles = [str(labels.get(role, role)) for role in refusal.get("roles", [])]
    return render(
        request,
        "accounts/oidc_refused.html",
        {
            "reason": refusal.get("reason", ""),
            "roles": roles,
            "provider": settings.OIDC_PROVIDER_NAME,
        },
        status=403,
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("index")


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_verify(request):
    """The code from the authenticator app, or a recovery code."""
    if second_factor.is_satisfied(request):
        return redirect(_next_url(request))
    if not second_factor.has_authenticator(request.user):
        return redirect(f"{reverse('accounts:second_factor_setup')}?{request.GET.urlencode()}")
    wrong = False
    if request.method == "POST":
        if second_factor.verify(request, request.POST.get("code", "")):
            return redirect(_next_url(request))
        wrong = True
    return render(
        request,
        "accounts/second_factor_verify.html",
        {"wrong": wrong, "next": _next_url(request)},
        status=422 if wrong else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request):
    """Set up the authenticator app: a QR code, its first code, then the recovery codes.

    Only while the account has none: replacing one takes an administrator, so a stolen
    password alone cannot add an authenticator to an account that has one."""
    if second_factor.has_authenticator(request.user):
        return redirect(f"{reverse('accounts:second_factor')}?{request.GET.urlencode()}")
    device = actions.start_totp_enrolment(request.user, by=request.user)
    wrong = False
    if request.method == "POST":
        code = "".join(request.POST.get("code", "").split())
        if code.isdigit() and len(code) <= 8 and device.verify_token(code):
            codes = actions.confirm_totp_enrolment(device, by=request.user)
            otp_login(request, device)
            return render(
                request,
                "accounts/second_factor_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        wrong = True
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "qr": second_factor.qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "wrong": wrong,
            "next": _next_url(request),
        },
        status=422 if wrong else 200,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# The invitation's token moves from the link into the session at once, so the pages
# where the person acts (and whatever they link to) never carry it in their address.
SESSION_INVITATION = "brukerplan_invitation"


def invitation(request, token: str):
    found = actions.open_invitation(token)
    if found is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    request.session[SESSION_INVITATION] = token
    if found.for_new_account:
        return redirect("accounts:invitation_password")
    return redirect("accounts:invitation_accept")


def _invitation_in_session(request) -> Invitation | None:
    return actions.open_invitation(request.session.get(SESSION_INVITATION, ""))


@require_http_methods(["GET", "POST"])
def invitation_password(request):
    """A new account chooses its first password."""
    found = _invitation_in_session(request)
    if found is None or not found.for_new_account:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = SetPasswordForm(found.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.choose_first_password(found, form.cleaned_data["new_password1"])
        except actions.AccountError:
            return render(request, "accounts/invitation_invalid.html", status=404)
        del request.session[SESSION_INVITATION]
        return redirect("accounts:invitation_done")
    return render(
        request,
        "accounts/invitation.html",
        {"form": form, "invitation": found},
        status=422 if form.errors else 200,
    )


def invitation_done(request):
    return render(request, "accounts/invitation_done.html")


@login_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request):
    """An existing account takes up a role it was offered, logged in as itself."""
    found = _invitation_in_session(request)
    if found is None or found.for_new_account:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if found.user_id != request.user.pk:
        return render(request, "accounts/invitation_other_user.html", status=403)
    if request.method == "POST":
        try:
            membership = actions.accept_invitation(found, request.user)
        except actions.AccountError:
            return render(request, "accounts/invitation_invalid.html", status=404)
        del request.session[SESSION_INVITATION]
        messages.success(
            request,
            _("Du har nå rollen %(role)s for %(place)s.")
            % {"role": membership.get_role_display().lower(), "place": membership.place_label},
        )
        return redirect("index")
    return render(request, "accounts/invitation_accept.html", {"invitation": found})


@login_required
def home(request):
    """Where each role starts. A user with a single place of work goes straight there."""
    scope = permissions.scope_of(request.user)
    units = list(
        Unit.objects.filter(pk__in=scope.unit_ids).select_related("municipality").order_by("name")
    )
    municipalities = list(
        Municipality.objects.filter(code__in=scope.contact_municipalities)
        .order_by("code", "-valid_from")
        .distinct()
    )
    regional = list(County.objects.filter(code__in=scope.regional_counties).order_by("code"))
    places = len(units) + len(municipalities)
    only_place = places == 1 and not (
        regional or scope.regional_health_regions or scope.analyst or scope.administrator
    )
    if only_place and units:
        return redirect("registrations:unit", unit_id=units[0].id)
    if only_place and municipalities:
        return redirect("contact:overview", code=municipalities[0].code)
    return render(
        request,
        "accounts/home.html",
        {
            "scope": scope,
            "units": units,
            "municipalities": municipalities,
            "regional_counties": regional,
            "health_regions": sorted(scope.regional_health_regions),
        },
    )


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)
