"""The second factor: no page of a role that needs one before the session has it.

Which users need one is `permissions.needs_second_factor`. A session has it when a
TOTP code or a recovery code (django-otp's devices) was verified in it, or when the
identity provider logged it in at `OIDC_SECOND_FACTOR_ACR` or above. Until then every
page and file outside the account pages (login, logout, passwords, the second factor
itself) answers with a redirect to the verification step, never with the data.
"""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from brukerplan.accounts import oidc, permissions

# The account pages themselves: without them one could neither log in nor verify.
EXEMPT_NAMESPACES = {"accounts"}


def is_satisfied(request) -> bool:
    user = request.user
    if getattr(user, "is_verified", None) and user.is_verified():
        return True
    acr = request.session.get(oidc.SESSION_ACR)
    return acr is not None and oidc.counts_as_second_factor(acr)


def is_missing(request) -> bool:
    return permissions.needs_second_factor(request.user) and not is_satisfied(request)


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def verify(request, code: str) -> bool:
    """Check a TOTP or recovery code against the user's devices; on success the session
    is verified. Each device throttles its own failures (django-otp)."""
    code = "".join(code.split())
    if not code or len(code) > 16:
        return False
    with transaction.atomic():
        for device in devices_for_user(request.user, for_verify=True):
            if device.verify_token(code):
                otp_login(request, device)
                return True
    return False


def qr_svg(text: str) -> SafeString:
    """A QR code as an SVG element: shapes only, no script or style (CSP)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 - made here, no input markup


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or EXEMPT_NAMESPACES.intersection(match.namespaces):
            return None
        if not is_missing(request):
            return None
        return redirect_to_login(request.get_full_path(), reverse("accounts:second_factor"))
