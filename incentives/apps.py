from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("Incentives")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import events, notifications, permissions, wiring  # noqa: F401  (declares verbs, kinds, capabilities)

        wiring.register()
        from prm.events.labels import register_states

        from .models import ClaimStatus, MdfStatus

        register_states("spiff", ClaimStatus.choices)
        register_states("mdf", MdfStatus.choices)
