from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardsConfig(AppConfig):
    name = "scorecards"
    verbose_name = _("Scorecards and reviews")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import events, notifications, permissions, wiring  # noqa: F401  (declares verbs, kinds, capabilities)

        wiring.register()
        from prm.events.labels import register_states

        from .models import PlanStatus, ReviewStatus

        register_states("business_plan", PlanStatus.choices)
        register_states("review", ReviewStatus.choices)
