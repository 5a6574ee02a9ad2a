"""Balances, derived from the ledger's lines (never stored)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from ..models import PAYEE_ACCOUNTS, LedgerEntry

EVERYONE = object()  # balances of the partner and all its members together


@dataclass(frozen=True)
class Balance:
    account: str
    currency: str
    amount: Decimal  # payee accounts: what is owed to the payee (the credit, as a positive figure)
    reporting_amount: Decimal


def balances(*, partner_id: int, member_id: int | object | None = EVERYONE) -> list[Balance]:
    """The partner's balances per account and currency: of the company's own lines
    (``member_id=None``), of one member's, or of both together (the default: what finance sees as
    the partner's total). One aggregate over the balance index."""
    lines = LedgerEntry.objects.filter(partner_id=partner_id)
    if member_id is not EVERYONE:
        lines = lines.filter(member_id=member_id)
    rows = (
        lines.values("account", "currency")
        .annotate(total=Sum("amount"), reporting=Sum("reporting_amount"))
        .order_by("account", "currency")
    )
    return [
        Balance(
            account=row["account"],
            currency=row["currency"],
            amount=-row["total"] if row["account"] in PAYEE_ACCOUNTS else row["total"],
            reporting_amount=-row["reporting"] if row["account"] in PAYEE_ACCOUNTS else row["reporting"],
        )
        for row in rows
    ]
