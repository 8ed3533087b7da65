"""Login through an OpenID Connect provider (HelseID, ID-porten), with mozilla-django-oidc.

The provider says who the person is; this system says what they may do. A login is
accepted only when the provider's issuer and subject (`sub`) are an `ExternalIdentity`
of an active user, and when the provider's assurance level (`acr`) reaches what each of
the user's roles requires (`OIDC_REQUIRED_ACR`). No account is ever created here. The
endpoints come from the provider's discovery document, read once per process.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from brukerplan.accounts import permissions
from brukerplan.accounts.models import ExternalIdentity

log = logging.getLogger(__name__)

# The session keys: the provider's acr for this login, and why a login was refused.
SESSION_ACR = "brukerplan_oidc_acr"
SESSION_REFUSAL = "brukerplan_oidc_refusal"
UNKNOWN_SUBJECT = "unknown"
LEVEL_TOO_LOW = "level"
UNAVAILABLE = "unavailable"

_metadata: dict[str, dict] = {}
_metadata_lock = threading.Lock()


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read."""


def configured() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def metadata() -> dict:
    """The provider's discovery document (cached per issuer for the process's life)."""
    issuer = settings.OIDC_ISSUER
    with _metadata_lock:
        if issuer not in _metadata:
            try:
                response = requests.get(
                    f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
                )
                response.raise_for_status()
                document = response.json()
            except (requests.RequestException, ValueError) as error:
                raise ProviderUnavailable(type(error).__name__) from None
            if document.get("issuer", "").rstrip("/") != issuer:
                raise ProviderUnavailable("issuer mismatch")
            _metadata[issuer] = document
        return _metadata[issuer]


# --- assurance levels ------------------------------------------------------------


def acr_rank(acr: str | None) -> int:
    """The place of an assurance level in OIDC_ACR_LEVELS (lowest first); -1 when unknown."""
    levels = settings.OIDC_ACR_LEVELS
    return levels.index(acr) if acr in levels else -1


def _required_rank(role: str) -> int:
    required = settings.OIDC_REQUIRED_ACR.get(role, "")
    if not required:
        return -1
    # A level the list does not know cannot be reached: a typo refuses, never lets in.
    return (
        acr_rank(required)
        if required in settings.OIDC_ACR_LEVELS
        else len(settings.OIDC_ACR_LEVELS)
    )


def roles_above(user, acr: str | None) -> list[str]:
    """The user's roles whose required level this login's `acr` does not reach."""
    rank = acr_rank(acr)
    return sorted(r for r in permissions.scope_of(user).roles if _required_rank(r) > rank)


def counts_as_second_factor(acr: str | None) -> bool:
    required = settings.OIDC_SECOND_FACTOR_ACR
    return bool(required) and acr_rank(acr) >= acr_rank(required) >= 0


# --- the backend -------------------------------------------------------------------


class Backend(OIDCAuthenticationBackend):
    """Authenticates the provider's callback; every other login passes it by."""

    def __init__(self, *args, **kwargs):
        # The endpoints are read when a callback arrives, not for every password login.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not configured():
            return None
        found = metadata()
        self.OIDC_OP_TOKEN_ENDPOINT = found["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = found.get("userinfo_endpoint", "")
        self.OIDC_OP_JWKS_ENDPOINT = found["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def get_or_create_user(self, access_token, id_token, payload):
        """The user the ID token's issuer and subject belong to, if every role's level is met.

        Only the ID token is read (its signature and nonce checked by the library, its
        issuer and audience here): the subject and acr are there, nothing else is needed.
        """
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if (
            payload.get("iss", "").rstrip("/") != settings.OIDC_ISSUER
            or settings.OIDC_RP_CLIENT_ID not in audiences
        ):
            log.warning("oidc login refused: wrong issuer or audience")
            return None
        identity = (
            ExternalIdentity.objects.select_related("user")
            .filter(issuer=settings.OIDC_ISSUER, subject=str(payload.get("sub", "")))
            .first()
        )
        if identity is None or not identity.user.is_active:
            return self._refuse({"reason": UNKNOWN_SUBJECT})
        user, acr = identity.user, payload.get("acr", "")
        too_low = roles_above(user, acr)
        if too_low:
            return self._refuse({"reason": LEVEL_TOO_LOW, "roles": too_low})
        ExternalIdentity.objects.filter(pk=identity.pk).update(last_login_at=timezone.now())
        user.brukerplan_oidc_acr = acr
        return user

    def _refuse(self, refusal: dict) -> None:
        # The library kept the ID token for the logout; a refused login keeps nothing of it.
        self.request.session.pop("oidc_id_token", None)
        self.request.session[SESSION_REFUSAL] = refusal
        return None

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)


# --- the views -----------------------------------------------------------------------


class LoginView(OIDCAuthenticationRequestView):
    """To the provider's login (`?next=` where to come back to)."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)

    def get(self, request):
        if not configured():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = metadata()["authorization_endpoint"]
        except ProviderUnavailable as error:
            log.warning("oidc provider unavailable: %s", error)
            request.session[SESSION_REFUSAL] = {"reason": UNAVAILABLE}
            return redirect("accounts:oidc_refused")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)

    def get_extra_params(self, request):
        return {"acr_values": settings.OIDC_ACR_VALUES} if settings.OIDC_ACR_VALUES else {}


class CallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: log in, or say why not."""

    def get(self, request):
        if not configured():
            raise Http404
        request.session.pop(SESSION_REFUSAL, None)
        try:
            return super().get(request)
        except (ProviderUnavailable, requests.RequestException) as error:
            log.warning("oidc login failed: %s", type(error).__name__)
            return self.login_failure()

    @property
    def failure_url(self):
        return reverse("accounts:oidc_refused")

    def login_success(self):
        response = super().login_success()
        self.request.session[SESSION_ACR] = self.user.brukerplan_oidc_acr
        return response


def end_session_url(request) -> str | None:
    """The provider's logout for a session that logged in through it (else None)."""
    id_token = request.session.get("oidc_id_token")
    if not id_token or not configured():
        return None
    try:
        endpoint = metadata().get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("accounts:login")),
        }
    )
    return f"{endpoint}?{query}"


def axes_exempt(request, credentials) -> bool:
    """django-axes counts no provider callback: it is no password guess (the provider
    guards its own login), and its username is always empty, so refusals (an unknown
    subject) would otherwise lock every provider login out after five."""
    return request is not None and request.path == reverse("accounts:oidc_callback")
