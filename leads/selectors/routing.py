"""Reads of the routing part: a lead's routing log as staff read it (every decision, rendered in the
reader's language from the ids and codes the engine stored), the partners staff may offer a lead
to, and a partner's capacity page."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from partners.models import Partner, PartnerStatus
from partners.selectors import partner_locations_for_actor
from prm.countries import country_name
from programs.models import Enrollment, ProductLine, Program, Region

from ..models import (
    DecisionOutcome,
    Lead,
    LeadCapacity,
    LeadOffer,
    LeadOfferTally,
    LeadStatus,
    OfferStatus,
    QueueReason,
    RoutingDecision,
    Strategy,
)
from ..permissions import LeadAction, lead_may, lead_require
from ..services.common import CapacityClock
from ..services.routing import ROUTABLE

EXCLUSION_LABELS = {
    "inactive": _("Not active"),
    "tier": _("Below the rule's minimum tier"),
    "territory": _("Does not serve the lead's country"),
    "industry": _("Does not list the lead's industry"),
    "tag": _("Has none of the rule's partner tags"),
    "offered_before": _("Offered this lead before (declined, timed out or returned)"),
    "paused": _("Capacity: paused"),
    "away": _("Capacity: out of office"),
    "daily_quota": _("Capacity: daily quota reached"),
    "monthly_cap": _("Capacity: monthly cap reached"),
    "too_far": _("Farther than the rule's maximum distance (or no location)"),
    "certification": _("Missing a required certification"),
    "competency": _("Missing a required competency"),
    "policy": _("Refused by the policy"),
}

# The policy's reason codes (programs.services.policy), as the routing log names them.
POLICY_CODES = {
    "partner_status": _("not active"),
    "line_inactive": _("product line withdrawn"),
    "product_inactive": _("product withdrawn"),
    "min_tier": _("tier too low for the product line"),
    "partner_type": _("partner type not allowed"),
    "licence": _("no verified licence"),
    "licence_missing": _("no verified licence"),
    "licence_pending": _("licence awaiting verification"),
    "licence_expired": _("licence expired"),
    "licence_rejected": _("licence rejected"),
    "competency": _("missing competency"),
    "territory_exclusive": _("another partner's exclusive territory"),
    "territory_missing": _("no territory grant"),
}

MISS_LABELS = {
    "countries": _("country"),
    "regions": _("region"),
    "postal_prefixes": _("postal code"),
    "industries": _("industry"),
    "product_lines": _("product line"),
}

TRIGGER_LABELS = {
    "new": _("New lead"),
    "declined": _("The offer was declined"),
    "expired": _("The offer timed out"),
    "returned": _("Returned by the partner"),
    "manual": _("Routed by staff"),
    "released": _("Released into routing by staff"),
    "withdrawn": _("Offer withdrawn by staff"),
    "locator": _("Contacted through the partner locator"),
}

NAMED_OUTCOMES = {
    "offered": _("offered to its partner"),
    "offered_before": _("its partner had this lead before"),
    "policy": _("the policy refuses its partner"),
}

LOCATED = {
    "city": _("from its city"),
    "country": _("at its country's capital (city unknown)"),
    "typed": _("from its stored coordinates"),
}


def _lead_for(actor, lead_id: int) -> Lead:
    lead = Lead.objects.filter(pk=lead_id).select_related("offered_to", "program", "product_line").first()
    if lead is None:
        raise Http404
    lead_require(actor, lead, LeadAction.VIEW_INTERNAL)
    return lead


def _rendered_rule(section: dict, programs: dict[int, str]) -> dict:
    excluded = []
    for reason, group in (section.get("excluded") or {}).items():
        examples = []
        for example in group.get("examples", []):
            codes = [str(POLICY_CODES.get(code, code)) for code in example.get("codes") or []]
            extra = ", ".join(codes or example.get("missing") or [])
            examples.append({"name": example.get("name", ""), "extra": extra})
        excluded.append(
            {
                "reason": reason,
                "label": EXCLUSION_LABELS.get(reason, reason),
                "count": group.get("count", 0),
                "examples": examples,
                "more": max(0, group.get("count", 0) - len(examples)),
            }
        )
    strategy = section.get("strategy", "")
    return {
        "name": section.get("name", ""),
        "program": programs.get(section.get("program_id"), ""),
        "strategy": Strategy(strategy).label if strategy in Strategy.values else strategy,
        "round_robin": strategy == Strategy.ROUND_ROBIN,
        "fallback": section.get("fallback", False),
        "matched": section.get("matched", False),
        "misses": [MISS_LABELS.get(miss, miss) for miss in section.get("misses") or []],
        "candidates": section.get("candidates", 0),
        "eligible": section.get("eligible", 0),
        "excluded": excluded,
        "head": section.get("head") or [],
        "clock": section.get("clock"),
        "winner": section.get("winner"),
        "gave_up": section.get("gave_up", False),
        "no_coordinates": section.get("no_coordinates", False),
    }


def _first_choice(choice: dict | None) -> dict | None:
    """The partner a visitor chose in the partner locator (``leads.services.locator``): offered
    first, or passed over with the reasons."""
    if not choice:
        return None
    reasons = [str(EXCLUSION_LABELS.get(reason, reason)) for reason in choice.get("reasons") or []]
    codes = [str(POLICY_CODES.get(code, code)) for code in choice.get("codes") or []]
    return {
        "name": choice.get("name", ""),
        "offered": choice.get("outcome") == "offered",
        "reasons": ", ".join(reasons + codes),
    }


def _rendered(decision: RoutingDecision, programs: dict[int, str], lines: dict[int, str]) -> dict:
    log = decision.log or {}
    lead = log.get("lead") or {}
    named = log.get("named_account")
    queue_reason = log.get("queue_reason", "")
    return {
        "id": decision.pk,
        "created_at": decision.created_at,
        "trigger": TRIGGER_LABELS.get(decision.trigger, decision.trigger),
        "outcome": DecisionOutcome(decision.outcome).label,
        "queued": decision.outcome == DecisionOutcome.QUEUED,
        "queue_reason": QueueReason(queue_reason).label if queue_reason in QueueReason.values else "",
        "duration_ms": decision.duration_ms,
        "lead": {
            "country": country_name(lead["country"]) if lead.get("country") else "",
            "regions": ", ".join(lead.get("regions") or []),
            "postal_code": lead.get("postal_code", ""),
            "industry": lead.get("industry", ""),
            "product_line": lines.get(lead.get("product_line_id"), ""),
            "located": LOCATED.get(lead.get("located") or "", ""),
        },
        "named": (
            {
                "name": named.get("name", ""),
                "partner": named.get("partner", ""),
                "outcome": NAMED_OUTCOMES.get(named.get("outcome", ""), ""),
                "codes": ", ".join(str(POLICY_CODES.get(code, code)) for code in named.get("codes") or []),
            }
            if named
            else None
        ),
        "manual": log.get("manual"),
        "first_choice": _first_choice(log.get("first_choice")),
        "max_offers": log.get("max_offers"),
        "rules": [_rendered_rule(section, programs) for section in log.get("rules", [])],
        "winner": log.get("winner"),
    }


def routing_log_for_actor(*, actor, lead_id: int) -> dict:
    """The lead, its offers and its routing decisions (newest first), ready to show; 404 unless
    the actor is staff who read leads. A fixed number of queries whatever the decisions."""
    lead = _lead_for(actor, lead_id)
    decisions = list(RoutingDecision.objects.filter(lead=lead).order_by("-created_at", "-id")[:50])
    programs = dict(Program.objects.values_list("pk", "name"))
    lines = dict(ProductLine.objects.values_list("pk", "name"))
    offers = list(
        LeadOffer.objects.filter(lead=lead)
        .select_related("partner")
        .order_by("-offered_at", "-id")
        .values("pk", "partner__display_name", "status", "rule_name", "weight", "offered_at", "due_at", "pinned")
    )
    for offer in offers:
        offer["status_label"] = OfferStatus(offer["status"]).label
    pending = any(offer["status"] == OfferStatus.PENDING for offer in offers)
    may_route = lead_may(actor, None, LeadAction.ROUTE)
    releasable = lead.status == LeadStatus.DUPLICATE or (
        lead.status == LeadStatus.QUEUED and lead.queue_reason == QueueReason.FLAGGED
    )
    return {
        "lead": lead,
        "status_label": LeadStatus(lead.status).label,
        "queue_reason_label": QueueReason(lead.queue_reason).label if lead.queue_reason else "",
        "decisions": [_rendered(decision, programs, lines) for decision in decisions],
        "offers": offers,
        "may_route": may_route,
        "can_route_now": may_route and (releasable or (lead.status in ROUTABLE and not pending)),
        "releasable": releasable,
        "can_offer": may_route and lead.status in ROUTABLE and not pending,
        "can_withdraw": may_route and pending,
    }


def offer_partner_options(*, lead: Lead) -> list[tuple[int, str]]:
    """The active partners enrolled in a program that were never offered this lead, by name:
    whom staff may choose to offer it to (the service checks again, and the policy too)."""
    offered = LeadOffer.objects.filter(lead=lead).values("partner_id")
    enrolled = Enrollment.objects.filter(program__is_active=True).values("partner_id")
    return list(
        Partner.objects.filter(status=PartnerStatus.ACTIVE, pk__in=enrolled)
        .exclude(pk__in=offered)
        .order_by("display_name", "id")
        .values_list("pk", "display_name")
    )


# --- a partner's capacity ------------------------------------------------------------------------


def capacity_page_for_actor(*, actor) -> dict:
    """The actor's company's capacity (defaults when none is saved), its offers this month and
    today, and its locations. 404 for staff (the portal's page)."""
    if not actor.is_partner_user:
        raise Http404
    partner_id = actor.partner_id
    lead_require(actor, None, LeadAction.CAPACITY, partner_id=partner_id)
    capacity = LeadCapacity.objects.filter(partner_id=partner_id).first() or LeadCapacity(partner_id=partner_id)
    today, month = CapacityClock.read().offers(LeadOfferTally.objects.filter(partner_id=partner_id).first())
    return {
        "capacity": capacity,
        "offered_month": month,
        "offered_today": today,
        "locations": partner_locations_for_actor(actor=actor, partner_id=partner_id),
    }


def region_choices() -> list[tuple[str, str]]:
    """The tenant's regions for the admin's rule form (code: name)."""
    return [(code, f"{name} ({code})") for code, name in Region.objects.order_by("name").values_list("code", "name")]
