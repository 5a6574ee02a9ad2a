"""Notification kinds of the API (``prm.notifications.kinds``)."""

from django.utils.translation import gettext_lazy as _

from prm.notifications.kinds import kind

ENDPOINT_DISABLED = kind("webhook.disabled", _("A webhook endpoint you own failed for a day and was disabled"))
EXPORT_FINISHED = kind("data_export.finished", _("A data export you started is ready to download, or failed"))
