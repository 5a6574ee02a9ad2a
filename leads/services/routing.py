"""The routing engine (a placeholder: the routing part replaces it with rules, rotation, capacity
and the routing log; the signature below is the contract the other parts call)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from programs.models import Enrollment

from ..models import DecisionOutcome, Lead, LeadOffer, LeadStatus, OfferStatus, QueueReason, RoutingDecision
from .common import lock, offer_due_at, offer_terms


@transaction.atomic
def lead_route(*, lead: Lead, trigger: str, actor=None) -> RoutingDecision | None:
    """Route ``lead`` (locked): offer it to the next partner or return it to the vendor's queue,
    and write the decision to the routing log. Nothing when it has an open offer or is held.
    ``trigger``: why now (new, declined, expired, returned, manual)."""
    lead = lock(lead)
    if (
        lead.status not in (LeadStatus.NEW, LeadStatus.OFFERED, LeadStatus.QUEUED)
        or lead.offers.filter(status=OfferStatus.PENDING).exists()
    ):
        return None
    now = timezone.now()
    offered = set(lead.offers.values_list("partner_id", flat=True))
    enrollment = (
        Enrollment.objects.exclude(partner_id__in=offered).select_related("tier").order_by("partner_id").first()
    )
    terms = offer_terms(enrollment.program_id if enrollment else None)
    if enrollment is None or lead.offer_count >= terms.max_offers:
        decision = RoutingDecision.objects.create(
            lead=lead, created_at=now, trigger=trigger, outcome=DecisionOutcome.QUEUED, log={}
        )
        lead.status, lead.offered_to = LeadStatus.QUEUED, None
        lead.queue_reason = QueueReason.NO_CANDIDATE if enrollment is None else QueueReason.MAX_OFFERS
        lead.save(update_fields=["status", "offered_to", "queue_reason", "updated_at"])
        return decision
    decision = RoutingDecision.objects.create(
        lead=lead,
        created_at=now,
        trigger=trigger,
        outcome=DecisionOutcome.OFFERED,
        partner_id=enrollment.partner_id,
        log={},
    )
    LeadOffer.objects.create(
        lead=lead,
        partner_id=enrollment.partner_id,
        decision=decision,
        weight=enrollment.tier.lead_routing_weight,
        offered_at=now,
        due_at=offer_due_at(now, terms.acceptance_hours),
        remind_at=offer_due_at(now, terms.acceptance_hours / 2),
    )
    lead.status, lead.offered_to_id, lead.program_id = LeadStatus.OFFERED, enrollment.partner_id, enrollment.program_id
    lead.offer_count += 1
    lead.save(update_fields=["status", "offered_to", "program", "offer_count", "updated_at"])
    return decision
