"""Who may do what where: a user's roles, each bound to the unit, municipality or region it covers.

A user may hold several memberships (a mapper in two units, a contact person
who also maps). Only active memberships grant anything; deactivating a mapper
deactivates the membership and keeps the history. The rules that read these
rows live in one place: `brukerplan.accounts.permissions`.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brukerplan.organisations.models import County, Municipality, Unit


class Role(models.TextChoices):
    KARTLEGGER = "kartlegger", _("Kartlegger")
    KOMMUNEKONTAKT = "kommunekontakt", _("Kommunekontakt")
    REGIONAL = "regional", _("Regional rådgiver")
    ANALYTIKER = "analytiker", _("Nasjonal analytiker")
    ADMINISTRATOR = "administrator", _("Administrator")


class HealthRegion(models.TextChoices):
    HELSE_SOR_OST = "helse_sor_ost", _("Helse Sør-Øst")
    HELSE_VEST = "helse_vest", _("Helse Vest")
    HELSE_MIDT = "helse_midt", _("Helse Midt-Norge")
    HELSE_NORD = "helse_nord", _("Helse Nord")


_NO_PLACE = Q(unit__isnull=True, municipality__isnull=True, county__isnull=True, health_region="")


class Membership(models.Model):
    """One role of one user, with the one place it covers.

    - kartlegger: a unit
    - kommunekontakt: a municipality
    - regional: a county (county governor) or a health region (competence centre)
    - analytiker, administrator: the whole country (no place)
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    county = models.ForeignKey(
        County, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    health_region = models.CharField(
        _("helseregion"), max_length=20, blank=True, choices=HealthRegion.choices
    )
    active = models.BooleanField(_("aktiv"), default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rolle")
        verbose_name_plural = _("roller")
        constraints = [
            models.CheckConstraint(
                name="membership_place_fits_role",
                condition=(
                    Q(
                        role="kartlegger",
                        unit__isnull=False,
                        municipality__isnull=True,
                        county__isnull=True,
                        health_region="",
                    )
                    | Q(
                        role="kommunekontakt",
                        unit__isnull=True,
                        municipality__isnull=False,
                        county__isnull=True,
                        health_region="",
                    )
                    | (
                        Q(role="regional", unit__isnull=True, municipality__isnull=True)
                        & (
                            Q(county__isnull=False, health_region="")
                            | (Q(county__isnull=True) & ~Q(health_region=""))
                        )
                    )
                    | (Q(role__in=["analytiker", "administrator"]) & _NO_PLACE)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.place_label}"

    @property
    def place_label(self) -> str:
        if self.unit_id:
            return str(self.unit)
        if self.municipality_id:
            return str(self.municipality)
        if self.county_id:
            return str(self.county)
        if self.health_region:
            return self.get_health_region_display()
        return str(_("hele landet"))


class Invitation(models.Model):
    """A one-time link that lets one person take up one role.

    Two kinds, told by `for_new_account`:
    - a new account: the link lets the person choose the first password;
    - an existing account: the link only offers the role, which the person
      accepts while logged in. It never touches the account's password or state.

    The link is bound to this row, not to the account's password state: it works
    once, for `VALID_FOR`, and not after the role it offers is withdrawn. Only a
    hash of the token is stored, so a copy of the database opens no account.
    """

    VALID_FOR = datetime.timedelta(days=7)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    # The place of the role offered, as a Membership holds it (none: the whole country).
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="invitations"
    )
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    county = models.ForeignKey(
        County, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    health_region = models.CharField(
        _("helseregion"), max_length=20, blank=True, choices=HealthRegion.choices
    )
    for_new_account = models.BooleanField(default=False)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitasjon")
        verbose_name_plural = _("invitasjoner")

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.place_label}"

    @property
    def place(self) -> dict:
        """The place as `Membership`'s fields (for a lookup or a grant)."""
        return {
            "unit": self.unit,
            "municipality": self.municipality,
            "county": self.county,
            "health_region": self.health_region,
        }

    place_label = Membership.place_label

    def is_open(self, now: datetime.datetime) -> bool:
        return self.used_at is None and self.withdrawn_at is None and now < self.expires_at


class ExternalIdentity(models.Model):
    """A login at an identity provider (HelseID, ID-porten) that is this user.

    Matched on the provider's issuer and stable subject (`sub`), never on a name, an
    e-mail address or a national identity number, which the subject is not. The row
    only says who the person is: what they may do is still their memberships here.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities"
    )
    issuer = models.CharField(_("utsteder"), max_length=200)
    subject = models.CharField(_("subjekt (sub)"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ekstern identitet")
        verbose_name_plural = _("eksterne identiteter")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.issuer}"

    def clean(self) -> None:
        # The provider's issuer as its discovery document spells it, without a final slash.
        self.issuer = self.issuer.strip().rstrip("/")
        self.subject = self.subject.strip()
