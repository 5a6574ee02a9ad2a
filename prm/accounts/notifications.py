"""Notification kinds about people and their access (``prm.notifications.kinds``)."""

from prm.notifications.kinds import kind

INVITATION_ACCEPTED = kind("invitation.accepted", "Someone accepts an invitation you sent")
MEMBERSHIP_DEACTIVATED = kind("membership.deactivated", "A user's access is deactivated")
MEMBERSHIP_REACTIVATED = kind("membership.reactivated", "A user's access is restored")
