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
