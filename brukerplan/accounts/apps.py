from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "brukerplan.accounts"
    label = "accounts"
