"""Every write of incentives (the ledger today; SPIFFs, rebates, MDF and payouts post through it)."""

from .ledger import (
    Line,
    MissingExchangeRate,
    exchange_rate_set,
    ledger_adjust,
    ledger_post,
    ledger_reverse,
    rate_on,
)

__all__ = [
    "Line",
    "MissingExchangeRate",
    "exchange_rate_set",
    "ledger_adjust",
    "ledger_post",
    "ledger_reverse",
    "rate_on",
]
