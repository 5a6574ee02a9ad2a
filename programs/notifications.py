"""Notification kinds of programs, tiers and licences (``prm.notifications.kinds``)."""

from prm.accounts.access import OFFICE, PORTAL
from prm.notifications.kinds import kind, kind_audience

TIER_CHANGED = kind("tier.changed", "A partner's tier changes (promotion, demotion or manual change)")
TIER_PROPOSAL = kind("tier.proposal", "A tier change is proposed for a partner you manage")
TIER_AT_RISK = kind("tier.at_risk", "A partner falls below its tier's requirements at a review")
LICENCE_UPLOADED = kind("licence.uploaded", "A partner uploads a licence for verification")
LICENCE_DECIDED = kind("licence.decided", "A licence is verified or rejected")

# Reviews and verifications are vendor staff's work; a licence decision is told to the partner.
kind_audience(OFFICE, TIER_PROPOSAL, LICENCE_UPLOADED)
kind_audience(PORTAL, LICENCE_DECIDED)
