"""Every kind of notification, in one registry: preferences are per kind.

Apps add their kinds here as they grow (deals, leads, ...).
"""

KINDS: dict[str, str] = {
    "partner.status_changed": "A partner's status changes",
    "partner.profile_updated": "A partner's company profile is edited",
    "invitation.accepted": "Someone accepts an invitation you sent",
    "membership.deactivated": "A user's access is deactivated",
    "membership.reactivated": "A user's access is restored",
}


def label(kind: str) -> str:
    return KINDS.get(kind, kind)
