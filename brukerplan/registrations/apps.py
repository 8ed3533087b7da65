from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "brukerplan.registrations"
    label = "registrations"
