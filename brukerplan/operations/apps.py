from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "brukerplan.operations"
    label = "operations"
