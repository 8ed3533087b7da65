"""The legal basis from 2020 (seed 003): in August 2020 the permission for municipal health
and care services was renewed; NAV and child welfare had none, and all processing of
their registrations stopped."""

from django.db import migrations

FROM_YEAR = 2020
WITHOUT_BASIS = {"nav", "barnevern"}


def seed(apps, schema_editor):
    from brukerplan.instrument import definition

    LegalBasis = apps.get_model("organisations", "LegalBasis")
    unit_types = definition.current().unit_types
    missing = WITHOUT_BASIS - set(unit_types)
    if missing:
        raise LookupError(f"unit types not in the instrument: {sorted(missing)}")
    for unit_type in unit_types:
        LegalBasis.objects.get_or_create(
            unit_type=unit_type,
            year=FROM_YEAR,
            defaults={"allowed": unit_type not in WITHOUT_BASIS},
        )


def unseed(apps, schema_editor):
    apps.get_model("organisations", "LegalBasis").objects.filter(year=FROM_YEAR).delete()


class Migration(migrations.Migration):
    dependencies = [("organisations", "0003_legal_basis")]

    operations = [migrations.RunPython(seed, unseed)]
