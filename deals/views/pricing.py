"""Special pricing pages: the partner asks for (or withdraws) a discount on its approved deal in
the portal; the vendor's roles decide it step by step in the back office, from the deal page or
their approvals queue.

The deal pages of both sides show the requests (``pricing_sections`` adds them to the page's
context); the writes here are actions of those pages (``DealPageAction`` of each side): they
come back to the deal page, or render it again with what was typed and the message.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from prm.accounts.access import OFFICE, MemberRequiredMixin
from prm.web.views import paginate

from ..forms_pricing import PricingDecisionForm, PricingRequestForm
from ..permissions import PRICING_DECIDE
from ..selectors.pricing import pricing_get_for_actor, pricing_review_list_for_actor
from ..services import pricing_decide, pricing_request, pricing_withdraw
from . import office, portal


class _OneRequest:
    """For an action on one request: the deal the URL names (the page's selector) and its
    request (``self.pricing``), a 404 unless the actor may see both."""

    def get_object(self):
        deal = super().get_object()
        self.pricing = pricing_get_for_actor(actor=self.actor, deal=deal, pricing_id=self.kwargs["pricing_id"])
        return deal


class DealPricingRequestView(portal.DealPageAction):
    """The partner asks for special pricing on its approved deal."""

    form_class, form_name = PricingRequestForm, "pricing_form"
    success = _("Your special-pricing request was sent to the vendor.")
    invalid_message = _("Nothing was sent: correct the fields marked below.")

    def get_form_kwargs(self):
        return {"prefix": "pricing"}

    def perform(self, data):
        return pricing_request(
            actor=self.actor,
            deal=self.object,
            discount_percent=data["discount_percent"],
            justification=data["justification"],
            competitor=data["competitor"],
            competitor_price=data["competitor_price"],
        )


class DealPricingWithdrawView(_OneRequest, portal.DealPageAction):
    """The partner takes back its pending special-pricing request; a refusal is told on the deal
    page."""

    success = _("Your special-pricing request was withdrawn.")

    def perform(self, data):
        return pricing_withdraw(actor=self.actor, pricing=self.pricing)

    def render_invalid(self, form):
        return redirect("portal:deal_detail", deal_id=self.object.pk)


class PricingDecideView(_OneRequest, office.DealPageAction):
    """A step's decision on a special-pricing request, from the staff deal page: a button per
    outcome, each confirmed once more before it is recorded (``confirm_first``)."""

    capability = PRICING_DECIDE
    form_class, name, confirm_first = PricingDecisionForm, "pricing", True
    not_done = _("Nothing was decided on {reference}'s special pricing: see the form below.")

    def confirmation(self, data) -> tuple[str, str]:
        values = {
            "discount": formats.number_format(self.pricing.discount_percent.normalize(), use_l10n=True),
            "reference": self.object.reference,
        }
        last_step = self.pricing.step_number >= len(self.pricing.approval_chain)
        if data["decision"] == "approve":
            question = gettext("Approve %(discount)s %% discount on %(reference)s?") % values
            button = gettext("Yes, approve %(discount)s %%") % values
        else:
            question = gettext("Reject the %(discount)s %% discount on %(reference)s?") % values
            button = gettext("Yes, reject it")
        if last_step or data["decision"] != "approve":
            consequence = gettext("The partner is told at once and this cannot be undone.")
        else:
            consequence = gettext("It goes on to the next approver; your decision cannot be undone.")
        return f"{question} {consequence}", button

    def perform(self, data):
        return pricing_decide(
            actor=self.actor,
            pricing=self.pricing,
            approve=data["decision"] == "approve",
            note=data["note"],
            step_role=data["step"],
        )

    def page_context(self, form) -> dict:
        # Refused (often: decided meanwhile), the form is valid: show the request as it is now.
        return {"pricing_decision_form": form if form.errors else None}

    def success_message(self, pricing) -> str:
        return gettext("Your decision on the special pricing of %(reference)s was recorded.") % {
            "reference": self.object.reference
        }


class PricingQueueView(MemberRequiredMixin, View):
    """Special-pricing requests awaiting the user's role (a vendor admin: all), oldest first."""

    area, capability = OFFICE, PRICING_DECIDE

    def get(self, request):
        page = paginate(request, pricing_review_list_for_actor(actor=self.actor))
        return render(request, "deals/office_pricing_queue.html", {"page": page})
