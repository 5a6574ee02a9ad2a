from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from prm.accounts.access import OFFICE, PORTAL
        from prm.web.menu import menu_entry

        from . import events, notifications, permissions  # noqa: F401  (declares verbs, kinds, capabilities)

        menu_entry(area=OFFICE, label="Dashboard", url_name="office:dashboard", order=10)
        menu_entry(area=OFFICE, label="Partners", url_name="office:partner_list", order=20)
        menu_entry(area=PORTAL, label="Home", url_name="portal:home", order=10)
        menu_entry(area=PORTAL, label="Company", url_name="portal:company", order=50)
