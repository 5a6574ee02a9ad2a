"""Event verbs of the API's own objects (``prm.events.verbs``)."""

from django.utils.translation import gettext_lazy as _

from prm.events.verbs import verb

ENDPOINT_CREATED = verb("webhook.endpoint_created", _("Webhook endpoint added"))
ENDPOINT_CHANGED = verb("webhook.endpoint_changed", _("Webhook endpoint changed"))
ENDPOINT_DISABLED = verb("webhook.endpoint_disabled", _("Webhook endpoint disabled"))
ENDPOINT_ENABLED = verb("webhook.endpoint_enabled", _("Webhook endpoint enabled"))
SECRET_ROTATED = verb("webhook.secret_rotated", _("Webhook signing secret rotated"))
MESSAGE_REPLAYED = verb("webhook.message_replayed", _("Webhook message sent again"))
# Data exports (api/exports.py)
EXPORT_REQUESTED = verb("data_export.requested", _("Data export started"))
EXPORT_FINISHED = verb("data_export.finished", _("Data export ready"))
EXPORT_FAILED = verb("data_export.failed", _("Data export failed"))
