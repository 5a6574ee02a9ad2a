"""Every write of incentives: the ledger (everything posts through it) and SPIFF claims."""

from .ledger import (
    Line,
    MissingExchangeRate,
    exchange_rate_set,
    ledger_adjust,
    ledger_post,
    ledger_reverse,
    rate_on,
)
from .payouts import (
    incentive_settings,
    payout_hold,
    payout_hold_release,
    payout_run_approve,
    payout_run_discard,
    payout_run_mark_paid,
    payout_run_prepare,
    payout_statements,
)
from .spiffs import (
    spiff_claim_approve,
    spiff_claim_clawback,
    spiff_claim_reject,
    spiff_claim_submit,
    spiff_claims_clawback_for_deal,
    spiff_claims_for_win,
    spiff_quote,
)

__all__ = [
    "Line",
    "MissingExchangeRate",
    "exchange_rate_set",
    "incentive_settings",
    "ledger_adjust",
    "ledger_post",
    "ledger_reverse",
    "payout_hold",
    "payout_hold_release",
    "payout_run_approve",
    "payout_run_discard",
    "payout_run_mark_paid",
    "payout_run_prepare",
    "payout_statements",
    "rate_on",
    "spiff_claim_approve",
    "spiff_claim_clawback",
    "spiff_claim_reject",
    "spiff_claim_submit",
    "spiff_claims_clawback_for_deal",
    "spiff_claims_for_win",
    "spiff_quote",
]
