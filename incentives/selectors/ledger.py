"""Balances, derived from the ledger's lines (never stored)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from prm.tenancy.models import Tenant
from prm.tenancy.scope import current_tenant_id

from ..models import PAYEE_ACCOUNTS, LedgerEntry
from ..permissions import EARNINGS_COMPANY, EARNINGS_OWN, INCENTIVES_VIEW

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


def ledger_entries_for_actor(*, actor, account: str = "", kind: str = "", partner_id: int | None = None):
    """The ledger lines ``actor`` may read, each with its posting (``transaction``): staff who read
    incentives (``INCENTIVES_VIEW``) every line of the tenant (or ``partner_id``'s); a partner's
    admin and finance (``EARNINGS_COMPANY``) the company's and its people's lines on the payee
    accounts (what is owed to them); a sales rep (``EARNINGS_OWN``) its own; anyone else none.
    Unordered: the caller pages it."""
    lines = LedgerEntry.objects.select_related("transaction")
    if actor.is_staff_member:
        if not actor.can(INCENTIVES_VIEW):
            return LedgerEntry.objects.none()
        if partner_id is not None:
            lines = lines.filter(partner_id=partner_id)
    elif actor.partner_id is not None and actor.can(EARNINGS_COMPANY):
        lines = lines.filter(partner_id=actor.partner_id, account__in=sorted(PAYEE_ACCOUNTS))
    elif actor.partner_id is not None and actor.can(EARNINGS_OWN):
        lines = lines.filter(partner_id=actor.partner_id, member_id=actor.pk, account__in=sorted(PAYEE_ACCOUNTS))
    else:
        return LedgerEntry.objects.none()
    if account:
        lines = lines.filter(account=account)
    if kind:
        lines = lines.filter(transaction__kind=kind)
    return lines
