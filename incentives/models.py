"""Incentives: SPIFFs, rebates, MDF and payouts on an append-only ledger. Nothing yet."""
