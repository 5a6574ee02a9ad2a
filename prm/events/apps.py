from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "prm.events"
    label = "events"
    verbose_name = "Events and outbox"

    def ready(self):
        # Register every app's tasks in every process (web too), so the outbox relay publishes
        # through registered tasks and eager mode runs them in-process.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")
