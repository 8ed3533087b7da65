"""Every write to users and roles: invitations, roles granted and withdrawn.

Each write is one transaction, durable (never inside another) where it is the
outermost, and takes the acting user as the keyword `by` (`invited_by` for an
invitation, which records it): `by=None` is the command line. Every write
records who acted in the audit trail (`brukerplan.audit.trail`), in its transaction.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from brukerplan.accounts import mail
from brukerplan.accounts.models import ExternalIdentity, Invitation, Membership, Role
from brukerplan.audit import trail
from brukerplan.audit.models import Kind
from brukerplan.organisations.models import Unit

log = logging.getLogger(__name__)


class AccountError(ValueError):
    """A refused write; the message is Norwegian and safe to show."""


@transaction.atomic(durable=True)
def grant_role(
    user,
    role: str,
    *,
    unit=None,
    municipality=None,
    county=None,
    health_region: str = "",
    invited_by=None,
    by=None,
) -> Membership:
    """Give a user a role at a place, or make a withdrawn one active again; safe to repeat.

    The account itself is left as it is: a deactivated account stays deactivated
    until an administrator reactivates it. `invited_by` is recorded on a new
    membership; `by` is who granted it (None: the command line).
    """
    return _grant_role(
        user,
        role,
        unit=unit,
        municipality=municipality,
        county=county,
        health_region=health_region,
        invited_by=invited_by,
        by=by,
    )


def _place(membership) -> dict:
    """The audit entry's fields for a role's place (ids and codes only), of a Membership
    or an Invitation."""
    what = {"role": str(membership.role), "target_user": membership.user_id}
    if membership.county_id:
        what["county"] = membership.county.code
    if getattr(membership, "health_region", ""):
        what["health_region"] = membership.health_region
    municipality = ""
    if membership.municipality_id:
        municipality = membership.municipality.code
    elif membership.unit_id:
        municipality = membership.unit.municipality.code
    return {"municipality": municipality, "unit": membership.unit_id, "what": what}


def _grant_role(
    user,
    role: str,
    *,
    unit=None,
    municipality=None,
    county=None,
    health_region="",
    invited_by,
    by,
) -> Membership:
    """grant_role inside the caller's transaction (an invitation's)."""
    membership, created = Membership.objects.get_or_create(
        user=user,
        role=role,
        unit=unit,
        municipality=municipality,
        county=county,
        health_region=health_region,
        defaults={"invited_by": invited_by},
    )
    if created or not membership.active:
        trail.record(Kind.ROLE_GRANTED, by=by, **_place(membership))
    if not membership.active:
        membership.active = True
        membership.deactivated_at = None
        membership.save(update_fields=["active", "deactivated_at"])
    return membership


def record_admin_change(membership: Membership, *, by, deleted: bool = False) -> None:
    """The audit entry of a role the Django admin saved (inside the admin's transaction):
    the admin writes the row itself, so it calls this with the staff user who acted."""
    place = _place(membership)
    place["what"]["via"] = "admin"
    if deleted:
        place["what"]["deleted"] = True
    kind = Kind.ROLE_GRANTED if membership.active and not deleted else Kind.ROLE_WITHDRAWN
    trail.record(kind, by=by, **place)


@dataclass(frozen=True)
class InvitationSent:
    """What the contact person is told: never a link for an account that already exists."""

    invitation: Invitation
    new_account: bool
    link: str  # the link for a new account; empty for an existing one


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_mapper(
    *, unit: Unit, email: str, first_name: str, last_name: str, invited_by, link_for
) -> InvitationSent:
    """Invite the person at `email` to map in `unit` (the contact person's invitation)."""
    return invite(
        Role.KARTLEGGER,
        unit=unit,
        email=email,
        first_name=first_name,
        last_name=last_name,
        invited_by=invited_by,
        link_for=link_for,
    )


def _check_place(role: str, *, unit, municipality, county, health_region) -> None:
    """The place a role needs (as Membership's constraint has it), in Norwegian."""
    places = {
        Role.KARTLEGGER: unit is not None and not (municipality or county or health_region),
        Role.KOMMUNEKONTAKT: municipality is not None and not (unit or county or health_region),
        Role.REGIONAL: not (unit or municipality) and ((county is None) != (not health_region)),
        Role.ANALYTIKER: not (unit or municipality or county or health_region),
    }
    if not places.get(role, False):
        if role == Role.REGIONAL:
            raise AccountError("Velg enten et fylke eller en helseregion.")
        raise AccountError("Rollen og stedet passer ikke sammen.")
    if unit is not None and not unit.active:
        raise AccountError("Enheten er deaktivert.")


def invite(
    role: str,
    *,
    unit: Unit | None = None,
    municipality=None,
    county=None,
    health_region: str = "",
    email: str,
    first_name: str,
    last_name: str,
    invited_by,
    link_for,
) -> InvitationSent:
    """Invite the person at `email` to take up `role` at a place: a mapper (a unit), a
    contact person (a municipality), a regional adviser (a county or a health region) or an
    analyst (the country). Who may invite whom is `permissions`' business; an administrator
    is made in the Django admin only.

    An address without an account gets a new account with no password, the role,
    and a link (by e-mail, and shown once to the one who invites) to choose the
    first password. An address that already has an account is only told by
    e-mail; the role is theirs when they accept while logged in. That account's
    password, state and roles are never touched here.

    `link_for(token)` makes the absolute link; the e-mail is sent inside the
    transaction, so a failed send leaves nothing behind.
    """
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError("Skriv en gyldig e-postadresse.") from None
    place = {
        "unit": unit,
        "municipality": municipality,
        "county": county,
        "health_region": health_region or "",
    }
    _check_place(role, **place)
    User = get_user_model()
    with transaction.atomic(durable=True):
        existing = (
            User.objects.select_for_update().filter(username=email).first()
            or User.objects.select_for_update().filter(email__iexact=email).first()
        )
        if (
            existing is not None
            and Membership.objects.filter(user=existing, role=role, active=True, **place).exists()
        ):
            raise AccountError("Personen har allerede denne rollen her.")
        user = existing
        if user is None:
            user = User(
                username=email,
                email=email,
                first_name=first_name.strip()[:150],
                last_name=last_name.strip()[:150],
            )
            user.set_unusable_password()
            user.save()
            _grant_role(user, role, **place, invited_by=invited_by, by=invited_by)
        # An earlier open offer of the same role is replaced by this one.
        now = timezone.now()
        Invitation.objects.filter(
            user=user, role=role, used_at=None, withdrawn_at=None, **place
        ).update(withdrawn_at=now)
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            user=user,
            role=role,
            **place,
            for_new_account=existing is None,
            token_hash=_token_hash(token),
            invited_by=invited_by,
            expires_at=now + Invitation.VALID_FOR,
        )
        audited = _place(invitation)
        audited["what"] |= {"invitation": invitation.pk, "new_account": existing is None}
        trail.record(Kind.INVITATION_SENT, by=invited_by, **audited)
        link = link_for(token)
        try:
            mail.send(
                "invitation_new_account" if existing is None else "invitation_existing_account",
                to=email,
                context={
                    "invitation": invitation,
                    "role": invitation.get_role_display().lower(),
                    "place": invitation.place_label,
                    "link": link,
                    "invited_by": invited_by,
                },
            )
        except (smtplib.SMTPException, OSError) as error:
            log.warning("invitation e-mail not sent: %s", type(error).__name__)
            raise AccountError(
                "Fikk ikke sendt e-post nå, så ingen invitasjon er laget. Prøv igjen om litt."
            ) from None
    return InvitationSent(invitation, existing is None, link if existing is None else "")


def open_invitation(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, if it can still be used."""
    if not token or len(token) > 200:
        return None
    invitation = (
        Invitation.objects.select_related("user", "unit__municipality", "municipality", "county")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    return invitation if invitation and _usable(invitation) else None


def _usable(invitation: Invitation) -> bool:
    if not invitation.is_open(timezone.now()):
        return False
    if invitation.for_new_account:
        # The role it was made with must still stand, and no password may have been set since.
        return (
            not invitation.user.has_usable_password()
            and Membership.objects.filter(
                user=invitation.user, role=invitation.role, active=True, **invitation.place
            ).exists()
        )
    return invitation.unit is None or invitation.unit.active


@transaction.atomic(durable=True)
def choose_first_password(invitation: Invitation, password: str, *, by=None) -> None:
    """A new account's first password, through its invitation; the link is used up.

    The one who acts is the invitation's own user, not yet logged in: `by` is None.
    """
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if not invitation.for_new_account or not _usable(invitation):
        raise AccountError("Invitasjonslenken er brukt eller utløpt.")
    invitation.user.set_password(password)
    invitation.user.save(update_fields=["password"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    trail.record(
        Kind.PASSWORD_CHOSEN,
        by=None,
        username=invitation.user.get_username(),
        what={"invitation": invitation.pk, "target_user": invitation.user_id},
    )


@transaction.atomic(durable=True)
def accept_invitation(invitation: Invitation, by) -> Membership:
    """An existing account (`by`) takes up the role it was offered, logged in as itself."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.user_id != by.pk:
        raise AccountError("Invitasjonen gjelder en annen bruker.")
    if invitation.for_new_account or not _usable(invitation):
        raise AccountError("Invitasjonslenken er brukt eller utløpt.")
    membership = _grant_role(
        by, invitation.role, **invitation.place, invited_by=invitation.invited_by, by=by
    )
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    place = _place(membership)
    place["what"]["invitation"] = invitation.pk
    trail.record(Kind.INVITATION_ACCEPTED, by=by, **place)
    return membership


@transaction.atomic(durable=True)
def withdraw_invitation(invitation: Invitation, *, by) -> None:
    """The contact person takes back an offer not yet taken up."""
    withdrawn = Invitation.objects.filter(pk=invitation.pk, used_at=None, withdrawn_at=None).update(
        withdrawn_at=timezone.now()
    )
    if withdrawn:
        audited = _place(invitation)
        audited["what"]["invitation"] = invitation.pk
        trail.record(Kind.INVITATION_WITHDRAWN, by=by, **audited)


@transaction.atomic(durable=True)
def deactivate_membership(membership: Membership, *, by) -> Membership:
    """End a role, and every open invitation to it; the user is told by e-mail.

    A user left with no active role is deactivated, which ends their sessions.
    """
    now = timezone.now()
    membership.active = False
    membership.deactivated_at = now
    membership.save(update_fields=["active", "deactivated_at"])
    Invitation.objects.filter(
        user=membership.user_id,
        role=membership.role,
        unit=membership.unit_id,
        municipality=membership.municipality_id,
        county=membership.county_id,
        health_region=membership.health_region,
        used_at=None,
        withdrawn_at=None,
    ).update(withdrawn_at=now)
    user = membership.user
    deactivated = False
    if not user.is_staff and not Membership.objects.filter(user=user, active=True).exists():
        user.is_active = False
        user.save(update_fields=["is_active"])
        deactivated = True
    place = _place(membership)
    place["what"]["account_deactivated"] = deactivated
    trail.record(Kind.ROLE_WITHDRAWN, by=by, **place)
    _tell_role_ended(membership, deactivated)
    return membership


def _tell_role_ended(membership: Membership, account_deactivated: bool) -> None:
    """A notice by e-mail. The role ends whether or not it arrives: withdrawing access
    never waits on the mail server."""
    address = membership.user.email or (
        membership.user.username if "@" in membership.user.username else ""
    )
    if not address:
        return
    try:
        mail.send(
            "role_ended",
            to=address,
            context={
                "role": membership.get_role_display().lower(),
                "place": membership.place_label,
                "account_deactivated": account_deactivated,
            },
        )
    except (smtplib.SMTPException, OSError) as error:
        log.warning("role-ended e-mail not sent: %s", type(error).__name__)


# --- the second factor and identity providers -------------------------------------

RECOVERY_CODES = 10


@transaction.atomic(durable=True)
def start_totp_enrolment(user, *, by):
    """The user's authenticator being set up: one unconfirmed TOTP device (kept until
    confirmed, so reloading the page shows the same QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=False)


@transaction.atomic(durable=True)
def confirm_totp_enrolment(device, *, by) -> list[str]:
    """The device's first code was right: it is the user's authenticator from now on, and
    the user gets new recovery codes (returned once; the old ones stop working)."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    trail.record(
        Kind.SECOND_FACTOR_ENROLLED, by=by, what={"target_user": device.user_id, "kind": "totp"}
    )
    return _new_recovery_codes(device.user)


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="Reservekoder", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


@transaction.atomic(durable=True)
def set_authenticator(user, key_hex: str, *, by=None):
    """Give the user a confirmed TOTP device with a known key (the demo's accounts)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, name="Autentiseringsapp", key=key_hex, confirmed=True
    )


@transaction.atomic(durable=True)
def link_external_identity(user, *, issuer: str, subject: str, by=None):
    """Let the identity provider's subject log in as `user` (roles stay as granted)."""
    issuer, subject = issuer.strip().rstrip("/"), subject.strip()
    if not issuer or not subject:
        raise AccountError("Utsteder og subjekt må fylles ut.")
    identity, created = ExternalIdentity.objects.get_or_create(
        issuer=issuer, subject=subject, defaults={"user": user}
    )
    if not created and identity.user_id != user.pk:
        raise AccountError("Denne identiteten er allerede knyttet til en annen bruker.")
    if created:
        # The issuer only: the subject is the provider's key for a person.
        trail.record(
            Kind.IDENTITY_LINKED, by=by, what={"target_user": user.pk, "issuer": issuer[:200]}
        )
    return identity
