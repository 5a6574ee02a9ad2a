from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The tier metrics declared by programs.metrics become measurable once this app is in.
        from .metrics import register_metrics

        register_metrics()
        # Timelines show "Under review → Approved", not the stored status codes.
        from prm.events.labels import register_states

        from .models import DealStatus

        register_states("deal", DealStatus.choices)
