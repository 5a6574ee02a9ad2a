"""Special pricing pages: the partner asks for (or withdraws) a discount on its approved deal in
the portal; the vendor's roles decide it step by step in the back office, from the deal page or
their approvals queue.

The deal pages of both sides show the requests (``pricing_sections`` adds them to the page's
context); the writes here come back to the deal page, or render it again with what was typed
and the message.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.web.views import paginate, run_service

from ..forms_pricing import PricingDecisionForm, PricingRequestForm
from ..selectors.deals import deal_get_for_actor
from ..selectors.pricing import pricing_get_for_actor, pricing_review_list_for_actor
from ..selectors.review import deal_review_get_for_actor
from ..services import pricing_decide, pricing_request, pricing_withdraw
from . import office, portal


class DealPricingRequestView(MemberRequiredMixin, View):
    """The partner asks for special pricing on its approved deal."""

    area, capability = PORTAL, portal.CAPABILITY

    def post(self, request, deal_id: int):
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal_id)
        form = PricingRequestForm(request.POST, prefix="pricing")
        if form.is_valid():
            data = form.cleaned_data
            if run_service(
                request,
                lambda: pricing_request(
                    actor=self.actor,
                    deal=deal,
                    discount_percent=data["discount_percent"],
                    justification=data["justification"],
                    competitor=data["competitor"],
                    competitor_price=data["competitor_price"],
                ),
                success="Your special-pricing request was sent to the vendor.",
            ):
                return redirect("portal:deal_detail", deal_id=deal.pk)
        else:
            messages.error(request, "Nothing was sent: correct the fields marked below.")
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal_id)
        context = portal._detail_context(self.actor, deal, pricing_form=form)
        return render(request, "deals/portal_deal_detail.html", context)


class DealPricingWithdrawView(MemberRequiredMixin, View):
    """The partner takes back its pending special-pricing request."""

    area, capability = PORTAL, portal.CAPABILITY

    def post(self, request, deal_id: int, pricing_id: int):
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal_id)
        pricing = pricing_get_for_actor(actor=self.actor, deal=deal, pricing_id=pricing_id)
        run_service(
            request,
            lambda: pricing_withdraw(actor=self.actor, pricing=pricing),
            success="Your special-pricing request was withdrawn.",
        )
        return redirect("portal:deal_detail", deal_id=deal.pk)


class PricingDecideView(MemberRequiredMixin, View):
    """A step's decision on a special-pricing request, from the staff deal page."""

    area, capability = OFFICE, "pricing.decide"

    def post(self, request, deal_id: int, pricing_id: int):
        deal = deal_review_get_for_actor(actor=self.actor, deal_id=deal_id)
        pricing = pricing_get_for_actor(actor=self.actor, deal=deal, pricing_id=pricing_id)
        form = PricingDecisionForm(request.POST, auto_id="pricing_%s")
        if form.is_valid():
            data = form.cleaned_data
            approve = data["decision"] == "approve"
            if run_service(
                request,
                lambda: pricing_decide(
                    actor=self.actor,
                    pricing=pricing,
                    approve=approve,
                    note=data["note"],
                    step_role=data["step"],
                ),
                success=f"Your decision on the special pricing of {deal.reference} was recorded.",
            ):
                return redirect("office:deal_detail", deal_id=deal.pk)
            form = None  # refused (often: decided meanwhile): show the request as it is now
        else:
            messages.error(request, f"Nothing was decided on {deal.reference}'s special pricing: see the form below.")
        deal = deal_review_get_for_actor(actor=self.actor, deal_id=deal_id)
        context = office._detail_context(self.actor, deal, pricing_decision_form=form)
        return render(request, "deals/office_deal_detail.html", context)


class PricingQueueView(MemberRequiredMixin, View):
    """Special-pricing requests awaiting the user's role (a vendor admin: all), oldest first."""

    area, capability = OFFICE, "pricing.decide"

    def get(self, request):
        page = paginate(request, pricing_review_list_for_actor(actor=self.actor))
        return render(request, "deals/office_pricing_queue.html", {"page": page})
