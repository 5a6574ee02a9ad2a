"""Notification kinds of scorecards, business plans and reviews (``prm.notifications.kinds``)."""

from django.utils.translation import gettext_lazy as _

from prm.accounts.access import OFFICE
from prm.notifications.kinds import kind, kind_audience

AT_RISK_DIGEST = kind("scorecards.at_risk_digest", _("Weekly digest of your partners at risk"))
kind_audience(OFFICE, AT_RISK_DIGEST)
PLAN_TO_SIGN = kind("business_plan.to_sign", _("A business plan waits for your signature"))
PLAN_AGREED = kind("business_plan.agreed", _("A business plan was signed by both sides"))
REVIEW_SCHEDULED = kind("review.scheduled", _("A relationship review is scheduled (calendar invitation)"))
REVIEW_SUMMARY = kind("review.summary", _("The summary of a relationship review is ready"))
ACTION_ASSIGNED = kind("action_item.assigned", _("An action item from a review is yours"))
ACTION_DONE = kind("action_item.done", _("An action item from a review was completed"))
