"""Factories of lead distribution (tests/factories.py's rules: one tenant per object graph).

A ``LeadFactory`` lead is new and unrouted; ``reference`` is set from a sequence (services set it
from the id). Route it with ``leads.services.routing.lead_route``; make offers through it too, or
with ``LeadOfferFactory`` where a test needs an offer in a given state without the engine."""

from __future__ import annotations

import factory
from django.utils import timezone

from leads.models import Lead, LeadOffer, LeadSource, LeadStatus, OfferStatus, RoutingRule, Strategy

from ..factories import PartnerFactory, ProgramFactory, TenantOwnedFactory, _same_tenant


class LeadFactory(TenantOwnedFactory):
    class Meta:
        model = Lead

    reference = factory.Sequence(lambda n: f"LD-T{n:06d}")
    status = LeadStatus.NEW
    source = LeadSource.MANUAL
    company = factory.Sequence(lambda n: f"Prospect {n} GmbH")
    company_key = factory.Sequence(lambda n: f"prospect {n}")
    website = factory.Sequence(lambda n: f"https://prospect{n}.example")
    domain = factory.Sequence(lambda n: f"prospect{n}.example")
    contact_name = "Ada Prospect"
    email = factory.Sequence(lambda n: f"ada@prospect{n}.example")
    country = "DE"
    city = "Berlin"
    industry = "Manufacturing"


class RoutingRuleFactory(TenantOwnedFactory):
    class Meta:
        model = RoutingRule

    program = factory.SubFactory(ProgramFactory, tenant=_same_tenant())
    name = factory.Sequence(lambda n: f"Rule {n}")
    priority = factory.Sequence(lambda n: 10 + n)
    strategy = Strategy.ROUND_ROBIN


class LeadOfferFactory(TenantOwnedFactory):
    """A pending offer (the lead is marked offered to the partner, as the engine would)."""

    class Meta:
        model = LeadOffer

    lead = factory.SubFactory(LeadFactory, tenant=_same_tenant(), status=LeadStatus.OFFERED)
    partner = factory.SubFactory(PartnerFactory, tenant=_same_tenant())
    status = OfferStatus.PENDING
    rule_name = "Rule"
    weight = 1
    offered_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=48))

    @factory.post_generation
    def offered_to(obj, create, extracted, **kwargs):
        if create and obj.status == OfferStatus.PENDING:
            Lead.objects.filter(pk=obj.lead_id).update(offered_to=obj.partner, offer_count=1)
