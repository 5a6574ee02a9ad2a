from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from prm.accounts.access import OFFICE, PORTAL
        from prm.tenancy.request_cache import watch_people
        from prm.web.home import home_card
        from prm.web.menu import menu_entry

        from . import events, notifications, permissions, views  # noqa: F401  (declares verbs, kinds, capabilities)
        from .hooks import record_tab

        watch_people(self.get_model("Partner"))  # a request's cached membership holds its partner
        from prm.accounts.hooks import person_erasing

        from .services import contacts_erase_person

        person_erasing.connect(contacts_erase_person)
        menu_entry(area=OFFICE, label=_("Dashboard"), url_name="office:dashboard", order=10)
        menu_entry(area=OFFICE, label=_("Partners"), url_name="office:partner_list", order=20)
        menu_entry(area=PORTAL, label=_("Home"), url_name="portal:home", order=10)
        menu_entry(area=PORTAL, label=_("Company"), url_name="portal:company", order=50)

        # The record's own tabs; apps above add theirs (programs: "Programs", order 50).
        detail = "partners/partner_detail.html"
        record_tab(
            name="profile", label=_("Profile"), template=f"{detail}#profile", context=views.profile_tab, order=10
        )
        record_tab(name="people", label=_("People"), template=f"{detail}#people", context=views.people_tab, order=20)
        record_tab(
            name="timeline", label=_("Timeline"), template=f"{detail}#timeline", context=views.timeline_tab, order=90
        )
        # The portal home's own cards, around those the apps above declare (programs: order 50).
        home_card(area=PORTAL, template="partners/portal_home.html#company", context=views.company_card, order=10)
        home_card(
            area=PORTAL, template="partners/portal_home.html#notifications", context=views.notifications_card, order=90
        )
