from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "brukerplan.organisations"
    label = "organisations"
