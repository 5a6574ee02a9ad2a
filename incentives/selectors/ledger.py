"""Balances, derived from the ledger's lines (never stored)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from prm.tenancy.models import Tenant
from prm.tenancy.scope import current_tenant_id

from ..models import PAYEE_ACCOUNTS, LedgerEntry

EVERYONE = object()  # balances of the partner and all its members together


def reporting_currency() -> str:
    """The tenant's reporting currency: every ledger line's amount is also kept in it."""
    return Tenant.objects.filter(pk=current_tenant_id()).values_list("default_currency", flat=True).get()


def deal_rate_sql(day: str = "d.won_on") -> str:
    """SQL for the rate that converts a deal ``d``'s currency to the reporting currency on ``day``
    (the latest rate entered on or before it; 1 for the reporting currency; NULL when none was
    entered): the statements that measure revenue from deals (rebates, MDF allocations by tier, an
    activity's return) read it alike. Takes the ``%(reporting)s`` parameter."""
    # ``day`` is an SQL expression the callers write, never input.
    return f"""CASE WHEN d.currency = %(reporting)s THEN 1 ELSE (
        SELECT x.rate FROM incentives_exchangerate x
        WHERE x.tenant_id = d.tenant_id AND x.currency = d.currency AND x.on <= {day}
        ORDER BY x.on DESC LIMIT 1) END"""  # noqa: S608


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
