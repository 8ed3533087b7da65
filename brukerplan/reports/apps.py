from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "brukerplan.reports"
    label = "reports"
