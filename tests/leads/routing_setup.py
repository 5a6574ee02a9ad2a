"""What the routing tests share: a program with tiers of weights, partners enrolled in it, leads,
and reading what the engine decided."""

from __future__ import annotations

from types import SimpleNamespace

from leads.models import LeadOffer, OfferStatus, RoutingDecision
from leads.services.routing import lead_route
from partners.models import PartnerLocation
from prm.tenancy.scope import platform_scope, tenant_scope

from ..factories import EnrollmentFactory, PartnerFactory, ProgramFactory, TierFactory
from .factories import LeadFactory, RoutingRuleFactory


def program_with_tiers(tenant, weights=(1, 2, 3), name="Leads program"):
    """A program whose tiers (ranks 1, 2, 3, ...) carry these lead-routing weights."""
    program = ProgramFactory(tenant=tenant, name=name)
    tiers = [
        TierFactory(tenant=tenant, program=program, rank=rank, name=f"T{rank}", lead_routing_weight=weight)
        for rank, weight in enumerate(weights, start=1)
    ]
    return SimpleNamespace(program=program, tiers=tiers)


def enrolled(tenant, tier, *, name, city="", country="DE", **fields):
    """An active partner enrolled in ``tier``, with its HQ location when it has a city."""
    from prm import geo

    partner = PartnerFactory(
        tenant=tenant, display_name=name, legal_name=f"{name} Ltd", country=country, city=city, **fields
    )
    EnrollmentFactory(tenant=tenant, partner=partner, tier=tier)
    if city:
        found = geo.locate(city, country)
        with platform_scope():
            PartnerLocation.objects.create(
                tenant=tenant,
                partner=partner,
                city=city,
                country=country,
                latitude=found.latitude,
                longitude=found.longitude,
                is_headquarters=True,
            )
    return partner


def rule(tenant, program, **fields):
    return RoutingRuleFactory(tenant=tenant, program=program, **fields)


def route(tenant, lead=None, *, trigger="new", **lead_fields):
    """Route a lead (a new one with ``lead_fields`` unless given) as a worker would."""
    with tenant_scope(tenant):
        if lead is None:
            lead = LeadFactory(tenant=tenant, **lead_fields)
        decision = lead_route(lead=lead, trigger=trigger)
    return lead, decision


def offer_of(lead) -> LeadOffer | None:
    with platform_scope():
        return LeadOffer.objects.filter(lead_id=lead.pk, status=OfferStatus.PENDING).select_related("partner").first()


def decisions_of(lead) -> list[RoutingDecision]:
    with platform_scope():
        return list(RoutingDecision.objects.filter(lead_id=lead.pk).order_by("created_at", "id"))


def excluded(decision, rule_index=0) -> dict[str, list[str]]:
    """A rule's exclusions in the log: reason -> the partners named."""
    section = decision.log["rules"][rule_index]
    return {reason: [e["name"] for e in group["examples"]] for reason, group in section.get("excluded", {}).items()}


def decline(lead) -> None:
    """The pending offer is declined (as the offers part would, without routing on)."""
    with platform_scope():
        LeadOffer.objects.filter(lead_id=lead.pk, status=OfferStatus.PENDING).update(status=OfferStatus.DECLINED)
