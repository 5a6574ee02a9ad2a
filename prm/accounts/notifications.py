"""Notification kinds about people and their access (``prm.notifications.kinds``)."""

from django.utils.translation import gettext_lazy as _

from prm.notifications.kinds import kind

INVITATION_ACCEPTED = kind("invitation.accepted", _("Someone accepts an invitation you sent"))
MEMBERSHIP_DEACTIVATED = kind("membership.deactivated", _("A user's access is deactivated"))
MEMBERSHIP_REACTIVATED = kind("membership.reactivated", _("A user's access is restored"))
