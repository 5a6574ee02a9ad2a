"""Event verbs of programs, tiers, metrics and channel policies (``prm.events.verbs``)."""

from prm.events.verbs import verb

ENROLLED = verb("program.enrolled", "Enrolled in a program")
REVIEWED = verb("program.reviewed", "Program review")
TIER_PROMOTED = verb("tier.promoted", "Promoted")
TIER_DEMOTED = verb("tier.demoted", "Demoted")
TIER_OVERRIDDEN = verb("tier.overridden", "Tier set by hand")
TIER_AT_RISK = verb("tier.at_risk", "Tier at risk")
PROMOTION_PROPOSED = verb("tier.promotion_proposed", "Promotion proposed")
DEMOTION_PROPOSED = verb("tier.demotion_proposed", "Demotion proposed")
PROMOTION_REJECTED = verb("tier.promotion_rejected", "Promotion rejected")
DEMOTION_REJECTED = verb("tier.demotion_rejected", "Demotion rejected")
# A decided proposal's verb, by its direction ("promotion", "demotion").
PROPOSAL_APPLIED = {"promotion": TIER_PROMOTED, "demotion": TIER_DEMOTED}
PROPOSAL_REJECTED = {"promotion": PROMOTION_REJECTED, "demotion": DEMOTION_REJECTED}
METRIC_RECORDED = verb("metric.recorded", "Metric recorded")
LICENCE_UPLOADED = verb("licence.uploaded", "Licence uploaded")
LICENCE_VERIFIED = verb("licence.verified", "Licence verified")
LICENCE_REJECTED = verb("licence.rejected", "Licence rejected")
TERRITORY_GRANTED = verb("territory.granted", "Territory granted")
TERRITORY_CHANGED = verb("territory.changed", "Territory changed")
TERRITORY_REVOKED = verb("territory.revoked", "Territory revoked")
