"""Special pricing, for its tests, the isolation matrix and the hostile-input tests. Each set-up
takes a ``ctx`` with ``side`` (a ``conftest.Side``): an approved registration of partner 1 by its
sales rep (``ctx.deal``, see ``office_setup.approved``) and a pending request on it
(``ctx.pricing``), which awaits the channel manager (8 % is within the manager's band).
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from deals.models import SpecialPricingRequest
from deals.services import pricing_request
from prm.tenancy.scope import platform_scope

from . import office_setup
from .deal_setup import as_partner


def ask(side, deal, discount="8", **fields) -> SpecialPricingRequest:
    """``side``'s partner 1 sales rep asks for ``discount`` % on ``deal``, in its own scope."""
    values = {"justification": "Competitive bid", "competitor": "Initrode", "competitor_price": Decimal("7000")}
    values.update(fields)
    with as_partner(side.sales[0]):
        return pricing_request(actor=side.sales[0], deal=deal, discount_percent=Decimal(discount), **values)


def pending(ctx) -> None:
    office_setup.approved(ctx)
    ctx.pricing = ask(ctx.side, ctx.deal)


def status_of(ctx) -> str:
    with platform_scope():
        return SpecialPricingRequest.objects.get(pk=ctx.pricing.pk).status


def requested(ctx) -> bool:
    with platform_scope():
        return SpecialPricingRequest.objects.filter(deal_id=ctx.deal.pk, justification="Matrix").exists()


def for_world(world) -> SimpleNamespace:
    """acme's approved registration with a pending request (for the fuzzed decision); once per world."""
    if not hasattr(world, "pricing"):
        ctx = SimpleNamespace(side=world.acme)
        pending(ctx)
        world.pricing = ctx
    return world.pricing
