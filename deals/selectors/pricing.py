"""What actors read of special pricing: a deal's requests with their steps (the deal's own
partner, or staff), one request to decide, and the approvals queue of a staff role."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from ..models import Deal, SpecialPricingRequest, SpecialPricingStep
from ..permissions import DealAction, deal_filter, deal_may
from .deals import _of_deal


def pricing_list_for_actor(*, actor, deal: Deal) -> list[SpecialPricingRequest]:
    """The requests of a deal the actor may already see, newest first, each with its steps
    (``steps``, in order). Staff read who decided each step; the portal shows the roles only."""
    steps = SpecialPricingStep.objects.order_by("decided_at", "id")
    if deal_may(actor, deal, DealAction.VIEW_INTERNAL):
        steps = steps.select_related("decided_by__user")
    return list(
        SpecialPricingRequest.objects.filter(deal_id=deal.pk)
        .select_related("requested_by__user")
        .prefetch_related(Prefetch("steps", queryset=steps))
        .order_by("-requested_at", "-id")
    )


def pricing_get_for_actor(*, actor, deal: Deal, pricing_id: int) -> SpecialPricingRequest:
    """A request of a deal the actor may see (its selector found it), in any status, or a 404."""
    return _of_deal(actor, deal, SpecialPricingRequest, pricing_id)


def pricing_review_list_for_actor(*, actor) -> QuerySet[SpecialPricingRequest]:
    """Pending requests awaiting the actor's role (a vendor admin: every pending one), oldest
    first, with their deal and partner (served by ``pricing_pending_idx``). Only who decides
    special pricing has a queue; anyone else asking is a 404."""
    deals = deal_filter(actor, DealAction.PRICING_DECIDE)
    if deals is None:
        raise Http404
    queryset = SpecialPricingRequest.objects.filter(SpecialPricingRequest.awaiting(actor.role))
    if deals:  # staff reach the whole tenant (an empty filter); anything narrower narrows the queue
        queryset = queryset.filter(deal__in=Deal.objects.filter(deals))
    return queryset.select_related("deal", "partner", "requested_by__user").order_by("requested_at", "id")
