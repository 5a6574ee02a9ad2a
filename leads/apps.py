from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Lead distribution")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import events, notifications, permissions  # noqa: F401  (declares verbs, kinds, capabilities)
        from .wiring import intake, offers, reports, routing

        for part in (intake, routing, offers, reports):
            part.register()
        from prm.events.labels import register_states

        from .models import ImportStatus, LeadStatus, OfferStatus

        register_states("lead", LeadStatus.choices)
        register_states("lead_offer", OfferStatus.choices)
        register_states("lead_import", ImportStatus.choices)
