"""Notification kinds of the master partner record (``prm.notifications.kinds``)."""

from django.utils.translation import gettext_lazy as _

from prm.notifications.kinds import kind

STATUS_CHANGED = kind("partner.status_changed", _("A partner's status changes"))
PROFILE_UPDATED = kind("partner.profile_updated", _("A partner's company profile is edited"))
