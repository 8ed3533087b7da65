from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "brukerplan.administration"
    label = "administration"
