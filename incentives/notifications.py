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
CLAWED_BACK = kind("incentive.clawed_back", _("An incentive is clawed back"))
kind_audience(PORTAL, CLAWED_BACK)
PAYOUTS_HELD = kind("payout.held", _("Your incentive payouts are put on hold or resumed"))
kind_audience(PORTAL, PAYOUTS_HELD)
RUN_READY = kind("payout.run_ready", _("A scheduled payout run is ready for approval"))
kind_audience(OFFICE, RUN_READY)
MDF_WAITING = kind("mdf.waiting", _("An MDF request, claim or extension is waiting"))
MDF_DECIDED = kind("mdf.decided", _("The vendor answered an MDF request or claim"))
MDF_ALLOCATED = kind("mdf.allocated", _("Market development funds were allocated to you"))
kind_audience(OFFICE, MDF_WAITING)
kind_audience(PORTAL, MDF_DECIDED, MDF_ALLOCATED)
