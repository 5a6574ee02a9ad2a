from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "prm.web"
    label = "web"
    verbose_name = "Web shell"

    def ready(self):
        from prm.accounts.access import OFFICE
        from prm.accounts.roles import ADMIN_ACCESS

        from .menu import menu_entry

        menu_entry(area=OFFICE, label=_("Configure"), url_name="admin:index", capability=ADMIN_ACCESS, order=80)
