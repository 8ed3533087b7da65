from django.apps import AppConfig


class InstrumentConfig(AppConfig):
    name = "brukerplan.instrument"
    label = "instrument"

    def ready(self) -> None:
        from django.conf import settings

        from brukerplan.instrument import definition

        for path in getattr(settings, "BRUKERPLAN_INSTRUMENT_DIRS", []):
            definition.add_directory(path)
