from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "prm.accounts"
    label = "accounts"
    verbose_name = "Accounts and memberships"

    def ready(self):
        from . import checks  # noqa: F401  (registers the PRM_MFA_KEYS check)
