"""What the offers part's tests share: acme's catalogue (partner 1 Silver, partner 2 Gold in
"Resell"), a lead routed to partner 1 (the scaffold's routing offers the enrolled partners in
order), and acting as a partner user."""

from __future__ import annotations

from decimal import Decimal

from leads.models import Lead, LeadOffer, OfferStatus
from leads.services.offers import offer_accept
from leads.services.routing import lead_route
from prm.tenancy.scope import platform_scope, tenant_scope

from ..deals.deal_setup import as_partner, make_catalogue
from .factories import LeadFactory

__all__ = ["accepted", "as_partner", "make_catalogue", "offered", "reload"]


def offered(side, **fields) -> tuple[Lead, LeadOffer]:
    """A new lead of ``side`` routed once: offered to its partner 1 (needs the catalogue)."""
    lead = LeadFactory(tenant=side.tenant, **fields)
    with tenant_scope(side.tenant):
        lead_route(lead=lead, trigger="new")
        offer = LeadOffer.objects.select_related("partner").get(lead=lead, status=OfferStatus.PENDING)
        return Lead.objects.get(pk=lead.pk), offer


def accepted(side, *, owner=None, **fields) -> Lead:
    """A lead offered to partner 1 and accepted by its admin (owned by ``owner``: its sales rep
    unless told otherwise)."""
    _lead, offer = offered(side, **fields)
    with as_partner(side.partner_admin):
        return offer_accept(
            actor=side.partner_admin,
            offer=offer,
            next_step="Call the buyer",
            expected_value=Decimal("12000"),
            currency="USD",
            owner=owner or side.sales_rep,
        )


def reload(instance):
    with platform_scope():
        return type(instance).objects.get(pk=instance.pk)
