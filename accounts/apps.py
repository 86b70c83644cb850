from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Groups and their permissions are code, so every migrate brings them up to date.
        post_migrate.connect(
            _roles_sync_after_migrate, dispatch_uid="accounts_roles_sync"
        )


def _roles_sync_after_migrate(sender: AppConfig, **kwargs: object) -> None:
    if sender.name != "programs":  # the last app whose permissions the roles use
        return
    from accounts.services import roles_sync

    roles_sync()
