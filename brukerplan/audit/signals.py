"""Logins, logouts and failed logins, from Django's auth signals (django-axes sends the
failure through the same signal)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from brukerplan.audit import trail
from brukerplan.audit.models import Kind, Outcome
from brukerplan.masking import mask


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    trail.record(Kind.LOGIN, by=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        trail.record(Kind.LOGOUT, by=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # What was typed may be a fødselsnummer typed in error: masked, as django-axes stores it.
    typed = str((credentials or {}).get("username") or "")
    trail.record(Kind.LOGIN_FAILED, by=None, outcome=Outcome.FAILED, username=mask(typed) or "?")
