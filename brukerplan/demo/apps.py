from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "brukerplan.demo"
    label = "demo"
