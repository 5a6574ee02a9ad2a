"""Notification kinds of incentives (``prm.notifications.kinds``)."""

from django.utils.translation import gettext_lazy as _

from prm.accounts.access import OFFICE, PORTAL
from prm.notifications.kinds import kind, kind_audience

CLAIM_SUBMITTED = kind("spiff.claim_submitted", _("A SPIFF claim is waiting for finance"))
CLAIM_DECIDED = kind("spiff.claim_decided", _("Finance decided on a SPIFF claim"))

kind_audience(OFFICE, CLAIM_SUBMITTED)
kind_audience(PORTAL, CLAIM_DECIDED)
PAID = kind("payout.paid", _("An incentive payout is paid"))
kind_audience(PORTAL, PAID)
