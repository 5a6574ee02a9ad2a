"""Every kind of notification, in one registry: preferences are per kind.

Apps add their kinds here as they grow (deals, leads, ...).
"""

KINDS: dict[str, str] = {
    "partner.status_changed": "A partner's status changes",
    "partner.profile_updated": "A partner's company profile is edited",
    "invitation.accepted": "Someone accepts an invitation you sent",
    "membership.deactivated": "A user's access is deactivated",
    "membership.reactivated": "A user's access is restored",
    "tier.changed": "A partner's tier changes (promotion, demotion or manual change)",
    "tier.proposal": "A tier change is proposed for a partner you manage",
    "tier.at_risk": "A partner falls below its tier's requirements at a review",
    "licence.uploaded": "A partner uploads a licence for verification",
    "licence.decided": "A licence is verified or rejected",
}


def label(kind: str) -> str:
    return KINDS.get(kind, kind)
