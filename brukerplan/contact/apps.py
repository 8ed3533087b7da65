from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "brukerplan.contact"
    label = "contact"
