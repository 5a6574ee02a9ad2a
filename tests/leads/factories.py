"""Factories of lead distribution (tests/factories.py's rules: one tenant per object graph).

A ``LeadFactory`` lead is new and unrouted; ``reference`` is set from a sequence (services set it
from the id). Route it with ``leads.services.routing.lead_route``; make offers through it too, or
with ``LeadOfferFactory`` where a test needs an offer in a given state without the engine."""

from __future__ import annotations

import factory
from django.utils import timezone

from leads.models import Lead, LeadOffer, LeadSource, LeadStatus, OfferStatus, RoutingRule, Strategy
from prm.tenancy.scope import platform_scope

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
        # The hook below updates the lead; saving the offer again after it would run outside the
        # factories' platform scope (row-level security hides the row: the save tries an INSERT).
        skip_postgeneration_save = True

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
            with platform_scope():
                Lead.objects.filter(pk=obj.lead_id).update(offered_to=obj.partner, offer_count=1)


# --- reports: offers with an outcome, without the engine ----------------------------------------

from leads.models import DecisionOutcome, RoutingDecision  # noqa: E402  (kept with the part's additions)


class RoutingDecisionFactory(TenantOwnedFactory):
    class Meta:
        model = RoutingDecision

    lead = factory.SubFactory(LeadFactory, tenant=_same_tenant())
    created_at = factory.LazyFunction(timezone.now)
    trigger = "new"
    outcome = DecisionOutcome.QUEUED


def offer_with_outcome(
    *,
    partner,
    status: str = OfferStatus.PENDING,
    offered_at=None,
    hours: float | None = None,
    opened: bool = False,
    rule=None,
    program=None,
    pinned: bool = False,
    window_hours: float = 48,
    converted: bool = False,
    won_amount=None,
    currency: str = "",
) -> LeadOffer:
    """An offer to ``partner`` made at ``offered_at`` (default now) in ``rule``'s program (or
    ``program``), in the state a finished story leaves it: answered ``hours`` after it was made
    (accepted, declined, returned), timed out at its deadline (``window_hours`` after), or still
    pending. An accepted offer's lead is held by the partner (converted to a deal, won for
    ``won_amount`` in ``currency`` when asked); the other leads wait in the vendor's queue."""
    offered_at = offered_at or timezone.now()
    responded_at = offered_at + timezone.timedelta(hours=hours) if hours is not None else None
    lead_fields: dict = {"tenant": partner.tenant, "program": program or (rule.program if rule else None)}
    if status == OfferStatus.ACCEPTED:
        lead_fields |= {"status": LeadStatus.ACCEPTED, "partner": partner, "accepted_at": responded_at}
        if converted or won_amount is not None:
            lead_fields |= {"status": LeadStatus.CONVERTED, "converted_at": responded_at}
        if won_amount is not None:
            lead_fields |= {
                "status": LeadStatus.WON,
                "won_amount": won_amount,
                "won_on": (responded_at or offered_at).date(),
                "currency": currency,
            }
    elif status == OfferStatus.PENDING:
        lead_fields |= {"status": LeadStatus.OFFERED, "offered_to": partner, "offer_count": 1}
    else:
        lead_fields |= {"status": LeadStatus.QUEUED}
    lead = LeadFactory(**lead_fields)
    return LeadOfferFactory(
        tenant=partner.tenant,
        lead=lead,
        partner=partner,
        status=status,
        rule=rule,
        rule_name=rule.name if rule else "",
        pinned=pinned,
        offered_at=offered_at,
        due_at=offered_at + timezone.timedelta(hours=window_hours),
        opened_at=(offered_at + timezone.timedelta(minutes=5)) if opened or responded_at else None,
        responded_at=responded_at,
    )
