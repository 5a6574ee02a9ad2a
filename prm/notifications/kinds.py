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
    "deal.submitted": "A deal registration is submitted for your review",
    "deal.decided": "A deal registration is approved, rejected, returned for information or closed",
    "deal.reminder": "A deal registration you review is half-way to its decision deadline",
    "deal.escalated": "A deal registration passed its decision deadline without a decision",
    "deal.expiring": "A deal registration's protection ends soon",
    "deal.expired": "A deal registration's protection ended",
    "deal.won": "A deal is reported or confirmed won",
    "deal.extension": "A protection extension is requested or decided",
    "deal.message": "A message is written on a deal registration",
    "pricing.awaiting": "A special-pricing request awaits your role's decision (or is withdrawn)",
    "pricing.decided": "A special-pricing request on your deal is approved or rejected",
}


def label(kind: str) -> str:
    return KINDS.get(kind, kind)
