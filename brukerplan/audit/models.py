"""The audit trail: who did or tried what, when, in which role, with what outcome.

Append-only. An entry names scopes and ids (a unit, a municipality, a registration
number, a report's scope and year), never a fødselsnummer and never a person key.
The app cannot change or delete an entry (`save` of an existing row, `delete` and
the queryset's `update`/`delete` raise); on PostgreSQL a trigger refuses it too
(migration 0001). The one sanctioned deletion is `prune`, the retention.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """An attempt to change or delete an audit entry."""


class Kind(models.TextChoices):
    LOGIN = "login", _("innlogging")
    LOGOUT = "logout", _("utlogging")
    LOGIN_FAILED = "login_failed", _("mislykket innlogging")
    UNIT_LIST_VIEWED = "unit_list_viewed", _("enhetens liste vist")
    REGISTRATION_VIEWED = "registration_viewed", _("kartlegging åpnet")
    ROW_DATA = "row_data", _("rådata lest")
    REPORT_DOWNLOADED = "report_downloaded", _("rapport lastet ned")
    REGISTRATION_STARTED = "registration_started", _("kartlegging startet")
    REGISTRATION_CHANGED = "registration_changed", _("kartlegging endret")
    REGISTRATION_SUBMITTED = "registration_submitted", _("kartlegging sendt inn")
    DRAFT_DELETED = "draft_deleted", _("utkast slettet")
    DUPLICATE_SETTLED = "duplicate_settled", _("dublett avgjort")
    IMPORT = "import", _("import")
    INVITATION_SENT = "invitation_sent", _("invitasjon sendt")
    INVITATION_WITHDRAWN = "invitation_withdrawn", _("invitasjon trukket tilbake")
    INVITATION_ACCEPTED = "invitation_accepted", _("invitasjon godtatt")
    PASSWORD_CHOSEN = "password_chosen", _("første passord valgt")
    ROLE_GRANTED = "role_granted", _("rolle gitt")
    ROLE_WITHDRAWN = "role_withdrawn", _("rolle trukket tilbake")
    ACCOUNT_DEACTIVATED = "account_deactivated", _("konto deaktivert")
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("andre faktor tatt i bruk")
    IDENTITY_LINKED = "identity_linked", _("identitet fra innloggingstjeneste knyttet")
    UNIT_CREATED = "unit_created", _("enhet opprettet")
    UNIT_CHANGED = "unit_changed", _("enhet endret")
    PERIOD_OPENED = "period_opened", _("kartleggingsperiode åpnet")
    PERIOD_CLOSED = "period_closed", _("kartleggingsperiode lukket")
    PERIOD_MOVED = "period_moved", _("kartleggingsperiode flyttet")
    PERIOD_REOPENED = "period_reopened", _("kartleggingsperiode åpnet igjen")
    RELEASE_DATE_SET = "release_date_set", _("frigivelsesdato satt")
    LEGAL_BASIS_CHANGED = "legal_basis_changed", _("rettslig grunnlag endret")
    RESERVATION_RECORDED = "reservation_recorded", _("reservasjon registrert")
    UNLAWFUL_DELETED = "unlawful_deleted", _("kartlegginger uten rettslig grunnlag slettet")
    REFERENCE_DATA = "reference_data", _("kommuneregister lastet")
    POPULATION_IMPORT = "population_import", _("folketall importert")
    RETENTION_APPLIED = "retention_applied", _("kartlegginger slettet etter oppbevaringstiden")
    BACKUP = "backup", _("sikkerhetskopi laget")
    RESTORE = "restore", _("database gjenopprettet")
    AUDIT_EXPORTED = "audit_exported", _("logg lastet ned")
    AUDIT_PRUNED = "audit_pruned", _("gamle loggoppføringer slettet")


class Outcome(models.TextChoices):
    ALLOWED = "allowed", _("tillatt")
    REFUSED = "refused", _("avvist")
    FAILED = "failed", _("mislyktes")


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("audit entries cannot be changed")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnly("audit entries cannot be changed")

    def delete(self):
        raise AppendOnly("audit entries cannot be deleted")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("tidspunkt"), default=timezone.now, db_index=True)
    # No database constraint and nothing done when a user goes: the entry keeps the
    # username, and deleting a user must not have to change the trail.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("bruker"), max_length=150, blank=True)
    role = models.CharField(_("rolle"), max_length=120, blank=True)
    kind = models.CharField(_("hva"), max_length=40, choices=Kind.choices, db_index=True)
    outcome = models.CharField(_("utfall"), max_length=10, choices=Outcome.choices)
    municipality = models.CharField(_("kommune"), max_length=4, blank=True, db_index=True)
    unit_id = models.BigIntegerField(_("enhet"), null=True, blank=True, db_index=True)
    what = models.JSONField(_("detaljer"), default=dict, blank=True)
    request_id = models.CharField(_("forespørsel"), max_length=64, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("loggoppføring")
        verbose_name_plural = _("loggoppføringer")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.kind} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("audit entries cannot be deleted")
