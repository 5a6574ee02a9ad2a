"""Notification kinds of programs, tiers and licences (``prm.notifications.kinds``)."""

from django.utils.translation import gettext_lazy as _

from prm.accounts.access import OFFICE, PORTAL
from prm.notifications.kinds import kind, kind_audience

TIER_CHANGED = kind("tier.changed", _("A partner's tier changes (promotion, demotion or manual change)"))
TIER_PROPOSAL = kind("tier.proposal", _("A tier change is proposed for a partner you manage"))
TIER_AT_RISK = kind("tier.at_risk", _("A partner falls below its tier's requirements at a review"))
LICENCE_UPLOADED = kind("licence.uploaded", _("A partner uploads a licence for verification"))
LICENCE_DECIDED = kind("licence.decided", _("A licence is verified or rejected"))

# Reviews and verifications are vendor staff's work; a licence decision is told to the partner.
kind_audience(OFFICE, TIER_PROPOSAL, LICENCE_UPLOADED)
kind_audience(PORTAL, LICENCE_DECIDED)
