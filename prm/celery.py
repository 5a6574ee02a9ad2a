"""The Celery app. Configured for no loss: a task is acknowledged only after it ran, and a
task whose worker died goes back to the queue."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings.local")

app = Celery("prm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["prm.events", "prm.notifications"])
