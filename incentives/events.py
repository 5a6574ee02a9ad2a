"""The event verbs of incentives (other apps and the timelines read them)."""

from django.utils.translation import gettext_lazy as _

from prm.events.verbs import verb

ADJUSTED = verb("ledger.adjusted", _("Incentive adjustment posted"))
REVERSED = verb("ledger.reversed", _("Ledger posting reversed"))
RATE_SET = verb("exchange_rate.set", _("Exchange rate entered"))
CLAIMED = verb("spiff.claimed", _("SPIFF claimed"))
CLAIM_APPROVED = verb("spiff.approved", _("SPIFF claim approved"))
CLAIM_REJECTED = verb("spiff.rejected", _("SPIFF claim rejected"))
RUN_PREPARED = verb("payout_run.prepared", _("Payout run prepared"))
RUN_APPROVED = verb("payout_run.approved", _("Payout run approved"))
RUN_DISCARDED = verb("payout_run.discarded", _("Payout run discarded"))
RUN_PAID = verb("payout_run.paid", _("Payout run paid"))
CLAWED_BACK = verb("spiff.clawed_back", _("SPIFF clawed back"))
REBATE_ACCRUED = verb("rebate_plan.accrued", _("Rebates measured"))
REBATE_CLOSED = verb("rebate_plan.closed", _("Rebate quarter closed"))
MDF_BUDGET_FUNDED = verb("mdf_budget.funded", _("MDF budget funded"))
MDF_ALLOCATED = verb("mdf.allocated", _("MDF allocated"))
MDF_REQUESTED = verb("mdf.requested", _("MDF requested"))
MDF_PRE_APPROVED = verb("mdf.pre_approved", _("MDF request pre-approved"))
MDF_REJECTED = verb("mdf.rejected", _("MDF request rejected"))
MDF_CANCELLED = verb("mdf.cancelled", _("MDF activity cancelled"))
MDF_CLAIMED = verb("mdf.claimed", _("MDF claimed"))
MDF_CLAIM_APPROVED = verb("mdf.claim_approved", _("MDF claim approved"))
MDF_CLAIM_RETURNED = verb("mdf.claim_returned", _("MDF claim sent back for more proof"))
MDF_CLAIM_REJECTED = verb("mdf.claim_rejected", _("MDF claim rejected"))
MDF_EXTENSION_REQUESTED = verb("mdf.extension_requested", _("More time to claim MDF requested"))
MDF_EXTENSION_DECIDED = verb("mdf.extension_decided", _("More time to claim MDF answered"))
MDF_LINKED = verb("mdf.linked", _("Deal or lead credited to an MDF activity"))
MDF_EXPIRED = verb("mdf.expired", _("MDF activity expired"))
