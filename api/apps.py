from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API and webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from prm.accounts.access import OFFICE, PORTAL
        from prm.accounts.roles import API_KEYS_MANAGE, PARTNER_API_KEYS_MANAGE
        from prm.web.menu import menu_entry

        from . import exports, wiring  # noqa: F401  (the webhook hook, the export's task, notification kinds)

        # The data export pages are reached from the Integrations pages (api/integrations.html).
        # Beside Settings (70) and Configure (80) in the back office; last in the portal's bar.
        menu_entry(
            area=OFFICE, label=_("Integrations"), url_name="office:integrations", capability=API_KEYS_MANAGE, order=75
        )
        menu_entry(
            area=PORTAL,
            label=_("Integrations"),
            url_name="portal:integrations",
            capability=PARTNER_API_KEYS_MANAGE,
            order=95,
        )
