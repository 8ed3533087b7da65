"""Login, logout, the home page that leads each role to its work, and accepting an invitation."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from brukerplan.accounts import permissions
from brukerplan.organisations.models import County, Municipality, Unit


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


class InvitationView(auth_views.PasswordResetConfirmView):
    """An invited user chooses a password; the link works once."""

    template_name = "accounts/invitation.html"
    success_url = reverse_lazy("accounts:invitation_done")
    post_reset_login = False


class InvitationDoneView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/invitation_done.html"


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
        return redirect("organisations:overview", code=municipalities[0].code)
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
