"""Routing by hand (staff holding LEADS_MANAGE) and a partner's lead capacity.

* ``lead_route_now``: run the engine now (a queued lead, a new one, a flagged duplicate released
  into routing). Staff asking for it lifts the offer limit for that run.
* ``lead_offer_to``: offer the lead to a partner staff chose: still never twice to one partner,
  and the policy still decides whether it may receive it.
* ``lead_offer_withdraw``: take back the pending offer; the lead waits in the queue (held by
  staff) until someone routes it again.
* ``capacity_save``: a partner's monthly cap, daily quota, pause (with a reason) and out-of-office
  dates, set by its admin in the portal or by staff.

Each locks the lead (or the capacity row) first, so of two people acting at once one wins and the
other is told what happened meanwhile.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from partners.models import Partner
from prm.errors import InvalidTransition, PolicyViolation, assert_same_tenant
from prm.events.services import event_record
from prm.notifications.services import notify
from prm.tenancy.scope import step_out_to_tenant
from programs.services.policy import policy_decide

from .. import events, notifications
from ..models import (
    DecisionOutcome,
    Lead,
    LeadCapacity,
    LeadOffer,
    LeadStatus,
    OfferStatus,
    QueueReason,
    RoutingDecision,
)
from ..permissions import LeadAction, lead_require
from .common import lock, offer_url
from .referrals import duplicate_released
from .routing import ROUTABLE, _receivers, _Winner, lead_route, make_offer, program_of, queue

MANUAL = "manual"
RELEASED = "released"


def _refuse_unroutable(lead: Lead) -> None:
    if lead.status not in ROUTABLE:
        raise InvalidTransition(
            gettext("Lead %(reference)s is %(status)s: it cannot be routed.")
            % {"reference": lead.reference, "status": LeadStatus(lead.status).label.lower()}
        )
    if LeadOffer.objects.filter(lead=lead, status=OfferStatus.PENDING).exists():
        raise InvalidTransition(
            gettext("Lead %(reference)s has an open offer: withdraw it first.") % {"reference": lead.reference}
        )


@transaction.atomic
def lead_route_now(*, actor, lead: Lead) -> RoutingDecision:
    """Route the lead now. A duplicate, or a lead a partner flagged, is released into routing
    (it becomes new again, with an event saying who released it)."""
    lead_require(actor, lead, LeadAction.ROUTE)
    lead = lock(lead)
    trigger = MANUAL
    if lead.status == LeadStatus.DUPLICATE:
        duplicate_released(actor=actor, lead=lead)
        trigger = RELEASED
    elif lead.status == LeadStatus.QUEUED and lead.queue_reason == QueueReason.FLAGGED:
        from_status = lead.status
        lead.status, lead.queue_reason = LeadStatus.NEW, ""
        lead.save(update_fields=["status", "queue_reason", "updated_at"])
        event_record(
            actor=actor,
            target=lead,
            verb=events.ROUTED,
            from_state=from_status,
            to_state=lead.status,
            message=gettext_noop("Released into routing"),
        )
        trigger = RELEASED
    _refuse_unroutable(lead)
    decision = lead_route(lead=lead, trigger=trigger, actor=actor)
    if decision is None:  # unreachable under the lock; kept for the contract
        raise InvalidTransition(gettext("This lead cannot be routed now."))
    return decision


@transaction.atomic
def lead_offer_to(*, actor, lead: Lead, partner: Partner, note: str = "") -> LeadOffer:
    """Offer the lead to ``partner`` (staff's choice). Refused when the partner had this lead
    before (declined, timed out, returned) or the policy refuses it."""
    lead_require(actor, lead, LeadAction.ROUTE)
    assert_same_tenant(actor, lead, partner)
    lead = lock(lead)
    _refuse_unroutable(lead)
    if LeadOffer.objects.filter(lead=lead, partner=partner).exists():
        raise PolicyViolation(
            gettext("%(partner)s was offered this lead before: a partner is never offered a lead twice.")
            % {"partner": partner.display_name}
        )
    decided = policy_decide(
        partner=partner, action="receive_lead", product_line=lead.product_line, country=lead.country
    )
    if not decided.allowed:
        raise PolicyViolation(
            gettext("%(partner)s may not receive this lead: %(reasons)s")
            % {"partner": partner.display_name, "reasons": " ".join(reason.message for reason in decided.reasons)}
        )
    enrollment = program_of(partner)
    winner = _Winner(
        partner=partner,
        program_id=enrollment.program_id if enrollment else lead.program_id,
        weight=enrollment.tier.lead_routing_weight if enrollment else 1,
    )
    now = timezone.now()
    decision = RoutingDecision.objects.create(
        lead=lead,
        created_at=now,
        trigger=MANUAL,
        outcome=DecisionOutcome.OFFERED,
        partner=partner,
        log={
            "version": 1,
            "trigger": MANUAL,
            "manual": {"actor_id": actor.pk, "actor": str(actor.user), "note": note.strip()},
            "rules": [],
            "winner": {"partner_id": partner.pk, "name": partner.display_name, "weight": winner.weight},
        },
    )
    with step_out_to_tenant():
        return make_offer(lead=lead, winner=winner, decision=decision, actor=actor, now=now, trigger=MANUAL)


@transaction.atomic
def lead_offer_withdraw(*, actor, lead: Lead, note: str = "") -> LeadOffer:
    """Take back the lead's pending offer: the offer is WITHDRAWN, the partner's people are told,
    and the lead waits in the queue (held by staff) until it is routed again."""
    lead_require(actor, lead, LeadAction.ROUTE)
    lead = lock(lead)
    offer = LeadOffer.objects.select_for_update().filter(lead=lead, status=OfferStatus.PENDING).first()
    if offer is None:
        raise InvalidTransition(
            gettext("Lead %(reference)s has no open offer any more: it was answered, timed out or withdrawn meanwhile.")
            % {"reference": lead.reference}
        )
    now = timezone.now()
    offer.status, offer.responded_at, offer.responded_by = OfferStatus.WITHDRAWN, now, actor
    offer.save(update_fields=["status", "responded_at", "responded_by"])
    event = event_record(
        actor=actor,
        target=lead,
        verb=events.WITHDRAWN,
        from_state=OfferStatus.PENDING,
        to_state=OfferStatus.WITHDRAWN,
        message=gettext_noop("Offer to %(partner)s withdrawn"),
        params={"partner": offer.partner.display_name},
        note=note,
        data={"offer_id": offer.pk, "partner_id": offer.partner_id},
    )
    notify(
        recipients=_receivers(offer.partner_id),
        kind=notifications.OFFER_WITHDRAWN,
        title=gettext_noop("The offer of lead %(reference)s was withdrawn"),
        body=gettext_noop("The vendor took the lead back; nothing more to do."),
        params={"reference": lead.reference},
        url=offer_url(offer),
        event=event,
    )
    queue(lead=lead, reason=QueueReason.MANUAL, actor=actor, trigger="withdrawn")
    return offer


# --- capacity ----------------------------------------------------------------------------------------

CAPACITY_FIELDS = ("monthly_cap", "daily_quota", "paused", "paused_reason", "away_from", "away_until")


@transaction.atomic
def capacity_save(
    *,
    actor,
    partner: Partner,
    monthly_cap: int | None = None,
    daily_quota: int | None = None,
    paused: bool = False,
    paused_reason: str = "",
    away_from: date | None = None,
    away_until: date | None = None,
) -> LeadCapacity:
    """Set how many leads the partner takes. A pause needs a reason; out-of-office dates run from
    ``away_from`` to ``away_until`` (both included; no end: until changed). Records what changed."""
    lead_require(actor, None, LeadAction.CAPACITY, partner_id=partner.pk)
    assert_same_tenant(actor, partner)
    paused_reason = (paused_reason or "").strip()
    if paused and not paused_reason:
        raise PolicyViolation(gettext("Say why you pause: your channel manager reads it."))
    if away_until and not away_from:
        raise PolicyViolation(gettext("Give the first day out of office too."))
    if away_from and away_until and away_until < away_from:
        raise PolicyViolation(gettext("The last day out of office comes after the first."))
    for value in (monthly_cap, daily_quota):
        if value is not None and value < 0:
            raise PolicyViolation(gettext("Caps and quotas are zero or more."))
    capacity = LeadCapacity.objects.select_for_update().filter(partner=partner).first()
    if capacity is None:
        capacity, _created = LeadCapacity.objects.get_or_create(partner=partner)
        capacity = LeadCapacity.objects.select_for_update().get(pk=capacity.pk)
    wanted: dict[str, Any] = {
        "monthly_cap": monthly_cap,
        "daily_quota": daily_quota,
        "paused": bool(paused),
        "paused_reason": paused_reason if paused else "",
        "away_from": away_from,
        "away_until": away_until if away_from else None,
    }
    diff = {
        name: [_jsonable(getattr(capacity, name)), _jsonable(value)]
        for name, value in wanted.items()
        if getattr(capacity, name) != value
    }
    if not diff:
        return capacity
    for name, value in wanted.items():
        setattr(capacity, name, value)
    capacity.save()
    event_record(
        actor=actor,
        target=capacity,
        verb=events.CAPACITY_CHANGED,
        message=gettext_noop("Lead capacity of %(partner)s changed"),
        params={"partner": partner.display_name},
        data={"changes": diff},
        partner_id=partner.pk,
    )
    return capacity


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value
