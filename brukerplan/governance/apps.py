from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "brukerplan.governance"
    label = "governance"
