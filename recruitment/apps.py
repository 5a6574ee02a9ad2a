from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecruitmentConfig(AppConfig):
    name = "recruitment"
    verbose_name = _("Recruitment and onboarding")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import events, notifications, permissions  # noqa: F401  (declares verbs, kinds, capabilities)
        from .wiring import apply, imports, onboard, select

        for part in (apply, select, onboard, imports):
            part.register()
        from prm.events.labels import register_states

        from .models import ApplicationStatus, ImportStatus, JoinRequestStatus, OnboardingStatus

        register_states("application", ApplicationStatus.choices)
        register_states("join", JoinRequestStatus.choices)
        register_states("onboarding", OnboardingStatus.choices)
        register_states("partner_import", ImportStatus.choices)
