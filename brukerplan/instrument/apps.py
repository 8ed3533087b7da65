from django.apps import AppConfig


class InstrumentConfig(AppConfig):
    name = "brukerplan.instrument"
    label = "instrument"
