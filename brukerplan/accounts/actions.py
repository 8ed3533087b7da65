"""Every write to users and roles: invite and deactivate mappers, grant roles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from brukerplan.accounts.models import Membership, Role
from brukerplan.organisations.models import Unit


class AccountError(ValueError):
    """A refused write; the message is Norwegian and safe to show."""


@transaction.atomic
def grant_role(
    user,
    role: str,
    *,
    unit=None,
    municipality=None,
    county=None,
    health_region: str = "",
    invited_by=None,
) -> Membership:
    """Give a user a role at a place, or reactivate it; safe to repeat."""
    membership, _ = Membership.objects.get_or_create(
        user=user,
        role=role,
        unit=unit,
        municipality=municipality,
        county=county,
        health_region=health_region,
        defaults={"invited_by": invited_by},
    )
    if not membership.active:
        membership.active = True
        membership.deactivated_at = None
        membership.save(update_fields=["active", "deactivated_at"])
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return membership


@transaction.atomic
def invite_mapper(
    *, unit: Unit, email: str, first_name: str, last_name: str, invited_by
) -> tuple[Membership, bool]:
    """Make the person a mapper in the unit; returns the membership and whether the user is new.

    A new user gets no password: they set one through the invitation link
    (`invitation_path`), which the contact person passes on.
    """
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError("Skriv en gyldig e-postadresse.") from None
    if not unit.active:
        raise AccountError("Enheten er deaktivert.")
    User = get_user_model()
    user = User.objects.filter(username=email).first()
    created = user is None
    if created:
        user = User(
            username=email,
            email=email,
            first_name=first_name.strip()[:150],
            last_name=last_name.strip()[:150],
        )
        user.set_unusable_password()
        user.save()
    membership = grant_role(user, Role.KARTLEGGER, unit=unit, invited_by=invited_by)
    return membership, created


def invitation_path(user) -> tuple[str, str]:
    """The uid and token of the link where an invited user sets a password (single use)."""
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


@transaction.atomic
def deactivate_membership(membership: Membership, by) -> Membership:
    """End a role. A user left with no active role is deactivated, which ends their sessions."""
    membership.active = False
    membership.deactivated_at = timezone.now()
    membership.save(update_fields=["active", "deactivated_at"])
    user = membership.user
    if not user.is_staff and not Membership.objects.filter(user=user, active=True).exists():
        user.is_active = False
        user.save(update_fields=["is_active"])
    return membership
