from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("E-learning and certification")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import events, notifications, permissions  # noqa: F401  (declares verbs, kinds, capabilities)
        from .wiring import authoring, certification, learner, reports, scorm

        for part in (authoring, learner, scorm, certification, reports):
            part.register()
        from prm.events.labels import register_states

        from .models import CertificateStatus, EnrollmentStatus

        register_states("certificate", CertificateStatus.choices)
        register_states("enrollment", EnrollmentStatus.choices)
