from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brukerplan.accounts.models import HealthRegion, Role
from brukerplan.audit.models import Kind
from brukerplan.organisations.models import County, Municipality


class AuditSearchForm(forms.Form):
    bruker = forms.CharField(label=_("Bruker"), required=False, max_length=150)
    enhet = forms.IntegerField(label=_("Enhet (nummer)"), required=False, min_value=1)
    kommune = forms.RegexField(
        label=_("Kommunenummer"),
        regex=r"^\d{4}$",
        required=False,
        error_messages={"invalid": _("Skriv et kommunenummer med fire sifre.")},
    )
    hendelse = forms.ChoiceField(
        label=_("Hendelse"), required=False, choices=[("", _("Alle"))] + Kind.choices
    )
    fra = forms.DateField(label=_("Fra og med"), required=False)
    til = forms.DateField(label=_("Til og med"), required=False)

    def search(self) -> dict:
        data = self.cleaned_data
        return {
            "user": data.get("bruker") or "",
            "unit": data.get("enhet"),
            "municipality": data.get("kommune") or "",
            "kind": data.get("hendelse") or "",
            "since": data.get("fra"),
            "until": data.get("til"),
        }


class PersonForm(forms.Form):
    first_name = forms.CharField(label=_("Fornavn"), max_length=150)
    last_name = forms.CharField(label=_("Etternavn"), max_length=150)
    email = forms.EmailField(label=_("E-post (brukernavn)"))


def _counties():
    year = timezone.localdate().year
    return County.objects.filter(valid_from__lte=year).exclude(valid_to__lt=year).order_by("code")


class StaffForm(PersonForm):
    role = forms.ChoiceField(
        label=_("Rolle"),
        choices=[(Role.REGIONAL, Role.REGIONAL.label), (Role.ANALYTIKER, Role.ANALYTIKER.label)],
    )
    county = forms.ModelChoiceField(
        label=_("Fylke (regional rådgiver hos statsforvalteren)"),
        queryset=County.objects.none(),
        required=False,
    )
    health_region = forms.ChoiceField(
        label=_("Eller helseregion (kompetansesenter)"),
        choices=[("", "–")] + HealthRegion.choices,
        required=False,
    )
    field_order = ["role", "county", "health_region", "first_name", "last_name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = _counties()


class ContactForm(PersonForm):
    municipality = forms.ModelChoiceField(label=_("Kommune"), queryset=Municipality.objects.none())
    field_order = ["municipality", "first_name", "last_name", "email"]

    def __init__(self, county_code: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = (
            Municipality.objects.valid_in(timezone.localdate().year)
            .filter(county__code=county_code)
            .order_by("name")
        )
