"""Notification kinds of the master partner record (``prm.notifications.kinds``)."""

from prm.notifications.kinds import kind

STATUS_CHANGED = kind("partner.status_changed", "A partner's status changes")
PROFILE_UPDATED = kind("partner.profile_updated", "A partner's company profile is edited")
