"""Notification kinds of deal registration and special pricing (``prm.notifications.kinds``)."""

from django.utils.translation import gettext_lazy as _

from prm.accounts.access import OFFICE, PORTAL
from prm.notifications.kinds import kind, kind_audience

SUBMITTED = kind("deal.submitted", _("A deal registration is submitted for your review"))
DECIDED = kind("deal.decided", _("A deal registration is approved, rejected, returned for information or closed"))
REMINDER = kind("deal.reminder", _("A deal registration you review is half-way to its decision deadline"))
ESCALATED = kind("deal.escalated", _("A deal registration passed its decision deadline without a decision"))
EXPIRING = kind("deal.expiring", _("A deal registration's protection ends soon"))
EXPIRED = kind("deal.expired", _("A deal registration's protection ended"))
WON = kind("deal.won", _("A deal is reported or confirmed won"))
EXTENSION = kind("deal.extension", _("A protection extension is requested or decided"))
MESSAGE = kind("deal.message", _("A message is written on a deal registration"))
PRICING_AWAITING = kind(
    "pricing.awaiting", _("A special-pricing request awaits your role's decision (or is withdrawn)")
)
PRICING_DECIDED = kind("pricing.decided", _("A special-pricing request on your deal is approved or rejected"))

# Reviewers' work is for vendor staff; what happens to a partner's own deal is for its people.
kind_audience(OFFICE, SUBMITTED, REMINDER, ESCALATED, PRICING_AWAITING)
kind_audience(PORTAL, EXPIRING, EXPIRED, PRICING_DECIDED)
