"""Every read of incentives."""

from .ledger import Balance, balances

__all__ = ["Balance", "balances"]
