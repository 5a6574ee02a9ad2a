"""What actors read of special pricing: a deal's requests with their steps (the deal's own
partner, or staff), one request to decide, and the approvals queue of a staff role."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from prm.accounts.roles import Role

from ..models import Deal, PricingStatus, SpecialPricingRequest, SpecialPricingStep
from .review import require_staff_actor


def pricing_requests_for_actor(*, actor, deal: Deal) -> list[SpecialPricingRequest]:
    """The requests of a deal the actor may already see, newest first, each with its steps
    (``steps``, in order). Staff read who decided each step; the portal shows the roles only."""
    steps = SpecialPricingStep.objects.order_by("decided_at", "id")
    if actor.is_staff_member:
        steps = steps.select_related("decided_by__user")
    return list(
        SpecialPricingRequest.objects.filter(deal_id=deal.pk)
        .select_related("requested_by__user")
        .prefetch_related(Prefetch("steps", queryset=steps))
        .order_by("-requested_at", "-id")
    )


def pricing_request_of_deal(*, deal: Deal, pricing_id: int) -> SpecialPricingRequest:
    """A request of a deal the caller has already found visible (a selector's 404), or a 404."""
    pricing = SpecialPricingRequest.objects.filter(deal_id=deal.pk, pk=pricing_id).first()
    if pricing is None:
        raise Http404
    return pricing


def may_decide(actor, pricing: SpecialPricingRequest) -> bool:
    """Whether the actor decides the awaited step: its role's members, or a vendor admin."""
    return (
        pricing.status == PricingStatus.PENDING
        and actor.is_staff_member
        and actor.can("pricing.decide")
        and (actor.role == Role.ADMIN or actor.role == pricing.current_role)
    )


def pricing_queue_for_actor(*, actor) -> QuerySet[SpecialPricingRequest]:
    """Pending requests awaiting the actor's role (a vendor admin: every pending one), oldest
    first, with their deal and partner (served by ``pricing_pending_idx``)."""
    require_staff_actor(actor)
    queryset = SpecialPricingRequest.objects.filter(status=PricingStatus.PENDING)
    if actor.role != Role.ADMIN:
        queryset = queryset.filter(current_role=actor.role)
    return queryset.select_related("deal", "partner", "requested_by__user").order_by("requested_at", "id")
