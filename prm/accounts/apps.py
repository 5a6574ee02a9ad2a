from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "prm.accounts"
    label = "accounts"
    verbose_name = _("Accounts and memberships")

    def ready(self):
        from prm.tenancy.request_cache import watch_people
        from prm.web.menu import menu_entry

        from . import checks, events, notifications  # noqa: F401  (the PRM_MFA_KEYS check; verbs and kinds)
        from .access import OFFICE, PORTAL
        from .roles import STAFF_MANAGE, STAFF_VIEW

        watch_people(self.get_model("Membership"))  # a request's cached membership
        menu_entry(area=OFFICE, label=_("Staff"), url_name="office:staff", capability=STAFF_VIEW, order=60)
        menu_entry(area=OFFICE, label=_("Personal data"), url_name="office:privacy", capability=STAFF_MANAGE, order=62)
        menu_entry(area=PORTAL, label=_("People"), url_name="portal:people", order=70)
