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
from .spiffs import (
    spiff_claim_approve,
    spiff_claim_reject,
    spiff_claim_submit,
    spiff_claims_for_win,
    spiff_quote,
)

__all__ = [
    "Line",
    "MissingExchangeRate",
    "exchange_rate_set",
    "ledger_adjust",
    "ledger_post",
    "ledger_reverse",
    "rate_on",
    "spiff_claim_approve",
    "spiff_claim_reject",
    "spiff_claim_submit",
    "spiff_claims_for_win",
    "spiff_quote",
]
