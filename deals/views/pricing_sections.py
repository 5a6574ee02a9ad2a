"""The "Special pricing" section of the deal pages (portal and office): what it adds to the
page's context. Kept apart from ``views.pricing`` so that the deal views can import it."""

from __future__ import annotations

from ..forms_pricing import PricingDecisionForm, PricingRequestForm
from ..models import DealStatus, PricingStatus
from ..permissions import DealAction, deal_may
from ..selectors.pricing import pricing_list_for_actor


def portal_context(actor, deal, form=None) -> dict:
    """The deal page's "Special pricing" section: the requests and, on an approved deal with none
    pending, the form to ask."""
    requests = pricing_list_for_actor(actor=actor, deal=deal)
    pending = any(r.status == PricingStatus.PENDING for r in requests)
    if deal.status != DealStatus.APPROVED or pending:
        form = None
    elif form is None:
        form = PricingRequestForm(prefix="pricing")
    return {"pricing_requests": requests, "pricing_pending": pending, "pricing_form": form}


def office_context(actor, deal, form=None) -> dict:
    """The staff deal page's requests with every step, and the decision form of the pending one
    when the actor decides its step."""
    requests = pricing_list_for_actor(actor=actor, deal=deal)
    pending = next((r for r in requests if r.status == PricingStatus.PENDING), None)
    decides = pending is not None and deal_may(actor, deal, DealAction.PRICING_DECIDE) and pending.awaits(actor.role)
    if decides and form is None:
        form = PricingDecisionForm(initial={"step": pending.current_role}, auto_id="pricing_%s")
    return {
        "pricing_requests": requests,
        "pricing_pending": pending,
        "pricing_decision_form": form if decides else None,
    }
