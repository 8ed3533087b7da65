from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from brukerplan.instrument import definition
from brukerplan.organisations import reference


class County(models.Model):
    """A county (fylke) with the years its code is valid (reference data, see data/SOURCE.md)."""

    code = models.CharField(max_length=2)
    name = models.CharField(max_length=100)
    valid_from = models.PositiveSmallIntegerField()
    valid_to = models.PositiveSmallIntegerField(null=True, blank=True)
    health_region = models.CharField(max_length=20)

    class Meta:
        verbose_name = _("fylke")
        verbose_name_plural = _("fylker")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="county_code_period")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MunicipalityQuerySet(models.QuerySet):
    def valid_in(self, year: int):
        year = reference.register_year(year)
        return self.filter(valid_from__lte=year).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=year)
        )


class Municipality(models.Model):
    """A municipality code in the years it is valid; a renumbered municipality is a new row."""

    code = models.CharField(max_length=4)
    name = models.CharField(max_length=100)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="municipalities")
    valid_from = models.PositiveSmallIntegerField()
    valid_to = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="municipality_code_period")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def valid_in(self, year: int) -> bool:
        year = reference.register_year(year)
        return self.valid_from <= year and (self.valid_to is None or year <= self.valid_to)


class MunicipalityChange(models.Model):
    """From 1 January of `year`, the area of `old_code` is (partly) `new_code`'s (KLASS's
    change table): a renumbering, a merger (one row per old code), a split (one per part)."""

    year = models.PositiveSmallIntegerField()
    old_code = models.CharField(max_length=4)
    new_code = models.CharField(max_length=4)

    class Meta:
        ordering = ["year", "old_code", "new_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "old_code", "new_code"], name="municipality_change_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.old_code} → {self.new_code}"


class RegisterLoad(models.Model):
    """Each time the register was loaded or imported, and the last year it was checked for
    after: the newest row says how far the register reaches (`register.current`)."""

    loaded_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=300)
    checked_through = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.source} ({self.checked_through})"


class Population(models.Model):
    """Inhabitants of a municipality in a year (Statistics Norway): coverage and size classes."""

    municipality_code = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    total = models.PositiveIntegerField()
    adults = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality_code", "year"], name="population_once")
        ]

    def __str__(self) -> str:
        return f"{self.municipality_code} {self.year}: {self.total}"


def _unit_types() -> type[models.TextChoices]:
    """The instrument's unit types as choices: `Unit.Type.NAV` is "nav", labelled "NAV"."""
    unit_types = definition.current().unit_types
    return models.TextChoices(
        "Type",
        [(code.upper(), (code, label)) for code, label in unit_types.items()],
        module=__name__,
        qualname="Unit.Type",
    )


class Unit(models.Model):
    # The current instrument version's unit types: it is the one list of them.
    Type = _unit_types()

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("navn"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("enhet")
        verbose_name_plural = _("enheter")
        ordering = ["municipality__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="unit_name_in_municipality"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.municipality.name})"


class MappingPeriod(models.Model):
    """The mapping period of a county and year: the same dates for all its municipalities."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="periods")
    year = models.PositiveSmallIntegerField()
    start = models.DateField(_("start"))
    end = models.DateField(_("slutt"))
    closed_at = models.DateTimeField(_("lukket"), null=True, blank=True)
    # Results are presented regionally before they are public (seed 004): until this day
    # only the municipality itself, regional advisers and analysts see them (`release`).
    release_on = models.DateField(_("offentlig fra"), null=True, blank=True)

    class Meta:
        verbose_name = _("kartleggingsperiode")
        verbose_name_plural = _("kartleggingsperioder")
        ordering = ["-year", "county__code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="one_period_per_county_year"),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="period_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county.name} {self.year}: {self.start}–{self.end}"

    def is_open_on(self, day) -> bool:
        return self.closed_at is None and self.start <= day <= self.end


class LegalBasis(models.Model):
    """Whether units of a type may map, from a year on (until the type's next row).

    A year before a type's first row has a basis. Seeded from 2020 (seed 003: the
    permission for municipal health and care services was renewed, NAV and child welfare
    had none); changed by the administrator (`actions.set_legal_basis`). The rule that
    reads these rows is `brukerplan.organisations.legal_basis`."""

    unit_type = models.CharField(_("enhetstype"), max_length=20, choices=Unit.Type.choices)
    year = models.PositiveSmallIntegerField(_("fra år"))
    allowed = models.BooleanField(_("har rettslig grunnlag"))

    class Meta:
        verbose_name = _("rettslig grunnlag")
        verbose_name_plural = _("rettslig grunnlag")
        ordering = ["unit_type", "year"]
        constraints = [
            models.UniqueConstraint(fields=["unit_type", "year"], name="legal_basis_once")
        ]

    def __str__(self) -> str:
        return f"{self.unit_type} {self.year}: {self.allowed}"


class LegalBasisChange(models.Model):
    """One change of the legal basis: what was set, why, by whom and when (the audit trail;
    rows are only added)."""

    unit_type = models.CharField(_("enhetstype"), max_length=20, choices=Unit.Type.choices)
    year = models.PositiveSmallIntegerField(_("fra år"))
    allowed = models.BooleanField(_("har rettslig grunnlag"))
    reason = models.CharField(_("begrunnelse"), max_length=500)
    changed_at = models.DateTimeField(_("endret"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("endring av rettslig grunnlag")
        verbose_name_plural = _("endringer av rettslig grunnlag")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.unit_type} {self.year}: {self.allowed}"


class PeriodChange(models.Model):
    """One decision on a mapping period (opened, moved, closed, reopened), with its reason,
    who made it and when (the audit trail; rows are only added)."""

    class Action(models.TextChoices):
        OPEN = "open", _("Åpnet")
        MOVE = "move", _("Flyttet")
        CLOSE = "close", _("Lukket")
        REOPEN = "reopen", _("Åpnet igjen")
        RELEASE = "release", _("Offentlig fra")

    period = models.ForeignKey(MappingPeriod, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(_("handling"), max_length=10, choices=Action.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("slutt"))
    reason = models.CharField(_("begrunnelse"), max_length=500)
    changed_at = models.DateTimeField(_("endret"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("endring av kartleggingsperiode")
        verbose_name_plural = _("endringer av kartleggingsperioder")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.period}: {self.action}"
