"""Deals attributed to a campaign: the registrations whose ``source_campaign`` cites a campaign's
code (carried from the lead they came from, or given when registered), for marketing's "campaigns
in a box". Set-based: one statement for any number of codes; the tenant comes from the ORM's
scope (row-level security underneath)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Lower

from ..models import Deal, DealStatus
from ..permissions import DealAction, deal_filter


def _citing(codes, actor):
    """The codes as compared (lower case) and the registrations citing one of them (drafts left
    out: nobody registered them yet), narrowed to what ``actor`` may see when given."""
    wanted = sorted({(code or "").strip().lower() for code in codes} - {""})
    deals = Deal.objects.exclude(status=DealStatus.DRAFT).annotate(cited=Lower("source_campaign"))
    deals = deals.filter(cited__in=wanted)
    if actor is not None:
        visible = deal_filter(actor, DealAction.VIEW)
        deals = deals.filter(visible) if visible is not None else deals.none()
    return wanted, deals


def deal_figures_by_campaign(codes, *, actor=None, by_partner: bool = False) -> dict:
    """The registrations citing each campaign code: ``{code: {"registered": n, "won": n,
    "won_amounts": {currency: amount}}}`` (codes in lower case; a code no deal cites is absent;
    the won amount summed per currency, never converted). ``by_partner``: keyed by ``(code,
    partner_id)``. ``actor``: only the deals it may see (the guard's ``VIEW``); without one, the
    tenant's. One statement (grouped by code and currency)."""
    wanted, deals = _citing(codes, actor)
    if not wanted:
        return {}
    keys = ("cited", "partner_id", "currency") if by_partner else ("cited", "currency")
    won = Q(status=DealStatus.WON)
    rows = (
        deals.values(*keys)
        .annotate(registered=Count("id"), won=Count("id", filter=won), won_amount=Sum("won_amount", filter=won))
        .order_by()
    )
    figures: dict = {}
    for row in rows:
        key = (row["cited"], row["partner_id"]) if by_partner else row["cited"]
        entry = figures.setdefault(key, {"registered": 0, "won": 0, "won_amounts": {}})
        entry["registered"] += row["registered"]
        entry["won"] += row["won"]
        if row["won"]:
            amounts = entry["won_amounts"]
            amounts[row["currency"]] = amounts.get(row["currency"], Decimal(0)) + (row["won_amount"] or Decimal(0))
    return figures


def deal_rows_citing_campaign(*, actor, code: str, limit: int = 25) -> list[dict]:
    """The newest ``limit`` registrations citing ``code`` that ``actor`` may see (a partner user:
    its company's, or its own for a rep), for a campaign's page."""
    _wanted, deals = _citing([code], actor)
    if actor.partner_id is not None:
        deals = deals.filter(partner_id=actor.partner_id)
    fields = ("id", "customer_name", "status", "amount", "currency", "won_amount", "won_on", "created_at")
    return list(deals.order_by("-created_at", "-id").values(*fields)[:limit])
