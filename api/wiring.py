"""What the API plugs into the foundation: the webhook messages of every recorded event (the
hook's receiver is connected on import), the tasks, the notification kind, and the webhook
failures at every metrics scrape."""

from . import metrics, notifications, tasks, webhooks  # noqa: F401
