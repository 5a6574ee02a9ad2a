"""The Celery app. Configured for no loss: a task is acknowledged only after it ran, and a
task whose worker died goes back to the queue."""

import os

from celery import Celery

from prm.operations import logs, metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings.local")

app = Celery("prm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["prm.events", "prm.notifications"])

# Every process: the request's id travels in the headers of the tasks it publishes, workers log
# in the same format with it, and time their tasks (prm/operations/logs.py, metrics.py).
logs.connect_celery()
metrics.connect_celery()
