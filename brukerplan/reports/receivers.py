"""The reports app's answers to what registrations tells it (registrations/signals.py)."""

from django.dispatch import receiver

from brukerplan.registrations.signals import registrations_imported
from brukerplan.reports import data


@receiver(registrations_imported)
def prepare_imported_years(sender, years, **kwargs) -> list[str]:
    """After a bulk import reports follow: build the years' analysis frames now, once,
    instead of in the first report (brukerplan/reports/store.py)."""
    lines = []
    for year in years:
        data.national_frame(year)
        lines.append(f"Rapportgrunnlaget for {year} er klart.")
    return lines
