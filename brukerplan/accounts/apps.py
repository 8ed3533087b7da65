from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "brukerplan.accounts"
    label = "accounts"

    def ready(self) -> None:
        # The audit trail (a layer below) records each entry's roles as this app reads them.
        from brukerplan.accounts import permissions
        from brukerplan.audit import trail

        trail.set_role_reader(permissions.roles_label)
