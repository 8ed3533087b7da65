import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from brukerplan.masking import looks_like_fodselsnummer
from brukerplan.organisations import legal_basis
from brukerplan.organisations.models import Municipality, Unit


def new_registrering_id() -> str:
    # One hex id in a few dozen holds eleven digits in a row, which every log mask, the
    # audit trail and the import read as a fødselsnummer: such an id is drawn again.
    while True:
        candidate = f"BP-{uuid.uuid4().hex[:16]}"
        if not looks_like_fodselsnummer(candidate):
            return candidate


class RegistrationQuerySet(models.QuerySet):
    def lawful(self):
        """Without the registrations whose unit type had no legal basis in their year
        (`organisations.legal_basis`): every report, export, count, duplicate check and
        comparison reads through this."""
        return self.exclude(legal_basis.refused_q())


class Registration(models.Model):
    """One mapping of one person by one unit in one year.

    Holds no fødselsnummer: only the keyed pseudonym `person_key` and the
    fields derived from the number. The answers are one JSON document keyed by
    the instrument's codes (its shape follows the instrument version); what
    reports filter and group on is kept in real columns.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        SUBMITTED = "submitted", _("Sendt inn")

    registrering_id = models.CharField(max_length=64, unique=True, default=new_registrering_id)
    aar = models.PositiveSmallIntegerField(_("år"))
    kartlagt_dato = models.DateField(_("kartlagt dato"))
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT)
    kommunenummer = models.CharField(max_length=4)
    fylkesnummer = models.CharField(max_length=2)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="registrations")
    enhetstype = models.CharField(max_length=20, choices=Unit.Type.choices)
    instrument_version = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)

    person_key = models.CharField(max_length=64)
    # The pseudonym key version that made person_key (keys.py, `brukerplan rotate-key`).
    key_version = models.PositiveSmallIntegerField(default=1)
    fodselsaar = models.PositiveSmallIntegerField(_("fødselsår"))
    kjonn = models.CharField(_("kjønn"), max_length=6)
    alder = models.PositiveSmallIntegerField(_("alder"))

    answers = models.JSONField(default=dict)
    # Derived from complete answers; null while a draft is incomplete.
    levekarsindeks = models.FloatField(null=True, blank=True)
    indeksgruppe = models.CharField(max_length=10, blank=True)
    kategori = models.CharField(max_length=30, blank=True)

    # Set by the contact person when settling a duplicate (see duplicates.py).
    foretrukket = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("kartlegging")
        verbose_name_plural = _("kartlegginger")
        indexes = [
            models.Index(fields=["aar", "status", "kommunenummer"], name="reg_year_municipality"),
            models.Index(fields=["aar", "status", "fylkesnummer"], name="reg_year_county"),
            models.Index(fields=["person_key", "aar"], name="reg_person_year"),
            models.Index(fields=["unit", "aar"], name="reg_unit_year"),
            # Covers the year's fingerprint (brukerplan/reports/store.py), read by every
            # report and dashboard page: without it, a scan of the rows (0.2 s at 60,000).
            models.Index(
                fields=["aar", "status", "updated_at", "foretrukket"], name="reg_year_fingerprint"
            ),
        ]

    def __str__(self) -> str:
        return self.registrering_id


class KeyRotation(models.Model):
    """Every stored person key was moved to `version` (`brukerplan rotate-key`); the newest
    row is the version new keys are made with."""

    version = models.PositiveSmallIntegerField(unique=True)
    rotated_at = models.DateTimeField(auto_now_add=True)
    registrations = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.version} ({self.rotated_at:%Y-%m-%d})"


class Reservation(models.Model):
    """A person who objects to being mapped (the right to object): only the person key,
    never the number. The form and the import refuse the person; their registrations
    are deleted when it is recorded (`actions.add_reservations`)."""

    person_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reservasjon")
        verbose_name_plural = _("reservasjoner")

    def __str__(self) -> str:
        return _("reservasjon")
