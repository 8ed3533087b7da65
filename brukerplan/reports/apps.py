from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "brukerplan.reports"
    label = "reports"

    def ready(self):
        from brukerplan.reports import signals

        # A closed period, and changed data of a closed year, enqueue the county's build.
        signals.connect()
