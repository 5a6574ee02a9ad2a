from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "prm.notifications"
    label = "notifications"
    verbose_name = "Notifications"
