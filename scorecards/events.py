"""The event verbs of scorecards, business plans and reviews."""

from django.utils.translation import gettext_lazy as _

from prm.events.verbs import verb

COMPUTED = verb("scorecard.computed", _("Scorecards measured"))
MEASURE_ASKED = verb("scorecard.measure_asked", _("Scorecard measure asked for"))
INVEST_MARKED = verb("partner.marked_for_investment", _("Partner marked for investment"))
INVEST_UNMARKED = verb("partner.unmarked_for_investment", _("Investment mark removed"))
PLAN_DRAFTED = verb("business_plan.drafted", _("Business plan drafted"))
PLAN_CHANGED = verb("business_plan.changed", _("Business plan changed"))
PLAN_SIGNED = verb("business_plan.signed", _("Business plan signed"))
PLAN_AGREED = verb("business_plan.agreed", _("Business plan agreed and locked"))
PLAN_REVISED = verb("business_plan.revised", _("New version of a business plan started"))
PLAN_WITHDRAWN = verb("business_plan.withdrawn", _("Business plan draft withdrawn"))
REVIEW_DUE = verb("review.due", _("Relationship review due"))
REVIEW_SCHEDULED = verb("review.scheduled", _("Relationship review scheduled"))
REVIEW_HELD = verb("review.held", _("Relationship review held"))
REVIEW_CANCELLED = verb("review.cancelled", _("Relationship review cancelled"))
REVIEW_RATED = verb("review.rated", _("Partner rated in a review"))
ACTION_ASSIGNED = verb("action_item.assigned", _("Action item assigned"))
ACTION_DONE = verb("action_item.done", _("Action item completed"))
