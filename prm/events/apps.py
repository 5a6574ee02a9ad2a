from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "prm.events"
    label = "events"
    verbose_name = "Events and outbox"
