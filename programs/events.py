"""Event verbs of programs, tiers, metrics and channel policies (``prm.events.verbs``)."""

from django.utils.translation import gettext_lazy as _

from prm.events.verbs import verb

ENROLLED = verb("program.enrolled", _("Enrolled in a program"))
REVIEWED = verb("program.reviewed", _("Program review"))
TIER_PROMOTED = verb("tier.promoted", _("Promoted"))
TIER_DEMOTED = verb("tier.demoted", _("Demoted"))
TIER_OVERRIDDEN = verb("tier.overridden", _("Tier set by hand"))
TIER_AT_RISK = verb("tier.at_risk", _("Tier at risk"))
PROMOTION_PROPOSED = verb("tier.promotion_proposed", _("Promotion proposed"))
DEMOTION_PROPOSED = verb("tier.demotion_proposed", _("Demotion proposed"))
PROMOTION_REJECTED = verb("tier.promotion_rejected", _("Promotion rejected"))
DEMOTION_REJECTED = verb("tier.demotion_rejected", _("Demotion rejected"))
# A decided proposal's verb, by its direction ("promotion", "demotion").
PROPOSAL_APPLIED = {"promotion": TIER_PROMOTED, "demotion": TIER_DEMOTED}
PROPOSAL_REJECTED = {"promotion": PROMOTION_REJECTED, "demotion": DEMOTION_REJECTED}
METRIC_RECORDED = verb("metric.recorded", _("Metric recorded"))
LICENCE_UPLOADED = verb("licence.uploaded", _("Licence uploaded"))
LICENCE_VERIFIED = verb("licence.verified", _("Licence verified"))
LICENCE_REJECTED = verb("licence.rejected", _("Licence rejected"))
TERRITORY_GRANTED = verb("territory.granted", _("Territory granted"))
TERRITORY_CHANGED = verb("territory.changed", _("Territory changed"))
TERRITORY_REVOKED = verb("territory.revoked", _("Territory revoked"))
