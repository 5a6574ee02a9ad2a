"""A lead a visitor addressed to one partner (the public partner locator's "contact this partner"
form, ``marketing.services.locator``): offered to that partner first, with the normal acceptance
deadline; the rest is the routing engine's.

``lead_offer_first`` runs under the lead's lock and asks what the engine asks of every candidate:
the partner is active, the product policy lets it receive the lead (``policy_decide``), it was
not offered this lead before, and its capacity holds it (paused, out of office today, daily quota,
monthly cap against ``LeadOfferTally``). When all hold, the offer is made like any other
(``make_offer``: deadline and reminder in business hours from its program's terms, the partner's
people told) and a ``RoutingDecision`` says the visitor chose it (``log["first_choice"]``). When
one fails, the lead is routed by the rules instead (``lead_route``) and that decision's log says
why the chosen partner was passed over. Either way, a decline or a timeout routes the lead onward
as usual (``leads.services.offers``): the chosen partner, offered once, is never offered it again.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from partners.models import Partner, PartnerStatus
from prm.errors import assert_same_tenant
from prm.tenancy.scope import step_out_to_tenant
from programs.services.policy import policy_decide

from ..models import (
    DecisionOutcome,
    Lead,
    LeadCapacity,
    LeadOffer,
    LeadOfferTally,
    OfferStatus,
    RoutingDecision,
)
from .common import CapacityClock, lock
from .routing import (
    AWAY,
    DAILY_QUOTA,
    INACTIVE,
    MONTHLY_CAP,
    OFFERED_BEFORE,
    PAUSED,
    POLICY,
    ROUTABLE,
    _Winner,
    lead_route,
    make_offer,
    program_of,
)

LOCATOR = "locator"  # the routing log's trigger: the visitor chose the partner in the locator


def first_choice_refusals(*, lead: Lead, partner: Partner, clock: CapacityClock) -> tuple[list[str], list[str]]:
    """Why ``partner`` may not be offered ``lead`` now: the routing log's exclusion codes (in the
    engine's order) and the policy's codes; both empty when it may."""
    reasons: list[str] = []
    policy_codes: list[str] = []
    if partner.status != PartnerStatus.ACTIVE:
        reasons.append(INACTIVE)
    decided = policy_decide(
        partner=partner, action="receive_lead", product_line=lead.product_line, country=lead.country, on=clock.today
    )
    if not decided.allowed:
        reasons.append(POLICY)
        policy_codes = list(decided.codes)
    if LeadOffer.objects.filter(lead=lead, partner=partner).exists():
        reasons.append(OFFERED_BEFORE)
    capacity = LeadCapacity.objects.filter(partner=partner).first()
    if capacity is not None:
        today_count, month_count = clock.offers(LeadOfferTally.objects.filter(partner=partner).first())
        if capacity.paused:
            reasons.append(PAUSED)
        elif (
            capacity.away_from is not None
            and capacity.away_from <= clock.today
            and (capacity.away_until is None or capacity.away_until >= clock.today)
        ):
            reasons.append(AWAY)
        elif capacity.daily_quota is not None and capacity.daily_quota <= today_count:
            reasons.append(DAILY_QUOTA)
        elif capacity.monthly_cap is not None and capacity.monthly_cap <= month_count:
            reasons.append(MONTHLY_CAP)
    return reasons, policy_codes


@transaction.atomic
def lead_offer_first(*, lead: Lead, partner: Partner, trigger: str = LOCATOR) -> RoutingDecision | None:
    """Offer the (new) lead to ``partner`` first, as the visitor asked; when the partner may not
    receive it now, route it by the rules and say so in the routing log. None when the lead is not
    routable any more (it was answered, merged or closed meanwhile) or has an open offer.

    Runs in the tenant's scope (the system's work, like routing): it reads the partner's capacity
    and writes the offer whoever triggered it."""
    assert_same_tenant(lead, partner)
    with step_out_to_tenant():
        lead = lock(lead)
        if lead.status not in ROUTABLE:
            return None
        if LeadOffer.objects.filter(lead=lead, status=OfferStatus.PENDING).exists():
            return None
        clock = CapacityClock.read()
        reasons, policy_codes = first_choice_refusals(lead=lead, partner=partner, clock=clock)
        choice: dict[str, Any] = {"partner_id": partner.pk, "name": partner.display_name}
        if reasons:
            decision = lead_route(lead=lead, trigger=trigger)
            if decision is not None:
                choice.update(outcome="refused", reasons=reasons, codes=policy_codes)
                decision.log = {**decision.log, "first_choice": choice}
                RoutingDecision.objects.filter(pk=decision.pk).update(log=decision.log)
            return decision
        enrollment = program_of(partner)
        winner = _Winner(
            partner=partner,
            program_id=enrollment.program_id if enrollment else lead.program_id,
            weight=enrollment.tier.lead_routing_weight if enrollment else 1,
        )
        choice["outcome"] = "offered"
        decision = RoutingDecision.objects.create(
            lead=lead,
            created_at=clock.moment,
            trigger=trigger[:16],
            outcome=DecisionOutcome.OFFERED,
            partner=partner,
            log={
                "version": 1,
                "trigger": trigger,
                "first_choice": choice,
                "rules": [],
                "winner": {"partner_id": partner.pk, "name": partner.display_name, "weight": winner.weight},
            },
        )
        make_offer(lead=lead, winner=winner, decision=decision, now=clock.moment, trigger=trigger, zone=clock.zone)
        return decision


__all__ = ["LOCATOR", "first_choice_refusals", "lead_offer_first"]
