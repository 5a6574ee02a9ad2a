from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "prm.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self):
        # The operator's page: periodic runs and failed tasks, from every worker's Celery signals.
        from . import signals

        signals.connect()
