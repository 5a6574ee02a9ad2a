from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API and webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import wiring  # noqa: F401  (the webhook hook, menus, notification kinds)
