"""What the API plugs into the foundation: the webhook messages of every recorded event (the
hook's receiver is connected on import), the tasks, and the notification kind."""

from . import notifications, tasks, webhooks  # noqa: F401
