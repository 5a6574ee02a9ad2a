"""Every read of incentives."""

from .ledger import Balance, balances
from .spiffs import claim_get_for_actor, claims_for_office, earnings_for_actor

__all__ = ["Balance", "balances", "claim_get_for_actor", "claims_for_office", "earnings_for_actor"]
