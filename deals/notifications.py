"""Notification kinds of deal registration and special pricing (``prm.notifications.kinds``)."""

from prm.accounts.access import OFFICE, PORTAL
from prm.notifications.kinds import kind, kind_audience

SUBMITTED = kind("deal.submitted", "A deal registration is submitted for your review")
DECIDED = kind("deal.decided", "A deal registration is approved, rejected, returned for information or closed")
REMINDER = kind("deal.reminder", "A deal registration you review is half-way to its decision deadline")
ESCALATED = kind("deal.escalated", "A deal registration passed its decision deadline without a decision")
EXPIRING = kind("deal.expiring", "A deal registration's protection ends soon")
EXPIRED = kind("deal.expired", "A deal registration's protection ended")
WON = kind("deal.won", "A deal is reported or confirmed won")
EXTENSION = kind("deal.extension", "A protection extension is requested or decided")
MESSAGE = kind("deal.message", "A message is written on a deal registration")
PRICING_AWAITING = kind("pricing.awaiting", "A special-pricing request awaits your role's decision (or is withdrawn)")
PRICING_DECIDED = kind("pricing.decided", "A special-pricing request on your deal is approved or rejected")

# Reviewers' work is for vendor staff; what happens to a partner's own deal is for its people.
kind_audience(OFFICE, SUBMITTED, REMINDER, ESCALATED, PRICING_AWAITING)
kind_audience(PORTAL, EXPIRING, EXPIRED, PRICING_DECIDED)
