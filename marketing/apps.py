"""The marketing app (issue 19): ``ready()`` declares its verbs, notification kinds and
capabilities and plugs each part into the foundation (``wiring``: menus, home cards, metrics)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "marketing"
    verbose_name = _("Marketing and the partner locator")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import events, notifications, permissions, wiring  # noqa: F401  (declares verbs, kinds, capabilities)

        wiring.register()
