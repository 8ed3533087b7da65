from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "brukerplan.audit"
    label = "audit"

    def ready(self) -> None:
        # Login, logout and failed logins come from Django's auth signals.
        from brukerplan.audit import signals  # noqa: F401
