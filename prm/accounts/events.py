"""Event verbs of people and their access (``prm.events.verbs``)."""

from prm.events.verbs import verb

MEMBERSHIP_CREATED = verb("membership.created", "Joined")
MEMBERSHIP_DEACTIVATED = verb("membership.deactivated", "Access deactivated")
MEMBERSHIP_REACTIVATED = verb("membership.reactivated", "Access restored")
INVITATION_SENT = verb("invitation.sent", "Invitation sent")
INVITATION_REVOKED = verb("invitation.revoked", "Invitation revoked")
