from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "deals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from prm.accounts.access import OFFICE, PORTAL
        from prm.web.menu import menu_entry

        from . import events, notifications, permissions  # noqa: F401  (declares verbs, kinds, capabilities)

        menu_entry(
            area=OFFICE, label=_("Deals"), url_name="office:deal_reviews", capability=permissions.DEALS_VIEW, order=30
        )
        menu_entry(
            area=OFFICE,
            label=_("Pricing approvals"),
            url_name="office:pricing_queue",
            capability=permissions.PRICING_DECIDE,
            order=40,
        )
        menu_entry(
            area=PORTAL, label=_("Deals"), url_name="portal:deal_list", capability=permissions.DEALS_REGISTER, order=40
        )
        # The partner record's Deals tab.
        from . import extensions

        extensions.register()
        # The homes' work items, main actions and pipeline card.
        from . import home

        home.register()
        # The tier metrics declared by programs.metrics become measurable once this app is in.
        from .metrics import register_metrics

        register_metrics()
        # Timelines show "Under review → Approved", not the stored status codes.
        from prm.events.labels import register_states

        from .models import DealStatus

        register_states("deal", DealStatus.choices)
