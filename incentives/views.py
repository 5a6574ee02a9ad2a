"""Pages of incentives:

* portal: ``portal:earnings`` (what the company, or the rep, is owed: pending, approved, held per
  currency from the ledger; the latest SPIFF claims with their status and reasons; the claim form)
  and ``portal:spiff_claim`` (a rep's claim with its proof);
* office: ``office:spiff_claims`` (every claim, by status, with approve and reject for finance),
  ``office:spiff_claim_approve``, ``office:spiff_claim_reject`` and ``office:spiff_claim_document``
  (the proof, as a download).
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.views import View

from deals.models import Deal
from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.web.files import document_response
from prm.web.views import ServiceView, paginate

from .forms import ClaimFilterForm, ClaimForm, RejectForm
from .models import SpiffCampaign
from .permissions import EARNINGS_OWN, INCENTIVES_FINANCE, INCENTIVES_VIEW, SPIFF_CLAIM
from .selectors.spiffs import claim_choices, claim_get_for_actor, claims_for_office, earnings_for_actor
from .services.spiffs import spiff_claim_approve, spiff_claim_reject, spiff_claim_submit

EARNINGS_TEMPLATE = "incentives/earnings.html"
CLAIMS_TEMPLATE = "incentives/claims.html"


def _earnings_context(actor, *, form=None) -> dict:
    context = earnings_for_actor(actor=actor)
    if context["campaigns"]:
        context["form"] = form or ClaimForm(**claim_choices(context))
    return context


class EarningsView(MemberRequiredMixin, View):
    area, capability = PORTAL, EARNINGS_OWN

    def get(self, request):
        return render(request, EARNINGS_TEMPLATE, _earnings_context(self.actor))


class SpiffClaimView(ServiceView):
    area, capability = PORTAL, SPIFF_CLAIM
    form_class = ClaimForm

    def get_form_kwargs(self):
        return claim_choices(earnings_for_actor(actor=self.actor))

    def perform(self, data):
        campaign = SpiffCampaign.objects.get(pk=data["campaign"])
        deal = Deal.objects.get(pk=data["deal"], partner_id=self.actor.partner_id)
        return spiff_claim_submit(
            actor=self.actor, campaign=campaign, deal=deal, document=data["document"], note=data.get("note", "")
        )

    def success_message(self, claim) -> str:
        if claim.capped:
            return gettext("Your claim is sent to finance, trimmed to what the campaign's cap leaves.")
        return gettext("Your claim is sent to finance.")

    def success_url(self, claim) -> str:
        return reverse("portal:earnings")

    def render_invalid(self, form):
        return render(self.request, EARNINGS_TEMPLATE, _earnings_context(self.actor, form=form))


def _claims_context(request, actor, *, rejecting=None, reject_form=None) -> dict:
    filter_form = ClaimFilterForm(request.GET or None)
    status = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    rows, counted = claims_for_office(status=status)
    return {
        "filter_form": filter_form,
        "page": paginate(request, rows, count_from=counted),
        "can_decide": actor.can(INCENTIVES_FINANCE),
        "rejecting": rejecting,  # the claim whose reject form comes back with what was typed
        "reject_form": reject_form,
    }


class SpiffClaimsView(MemberRequiredMixin, View):
    area, capability = OFFICE, INCENTIVES_VIEW

    def get(self, request):
        return render(request, CLAIMS_TEMPLATE, _claims_context(request, self.actor))


class _Decision(ServiceView):
    area, capability = OFFICE, INCENTIVES_FINANCE

    def get_object(self):
        return claim_get_for_actor(actor=self.actor, claim_id=self.kwargs["claim_id"])

    def success_url(self, claim) -> str:
        return reverse("office:spiff_claims")

    def render_invalid(self, form):
        context = _claims_context(self.request, self.actor, rejecting=self.object.pk, reject_form=form)
        return render(self.request, CLAIMS_TEMPLATE, context)


class SpiffClaimApproveView(_Decision):
    def perform(self, data):
        return spiff_claim_approve(actor=self.actor, claim=self.object)

    def success_message(self, claim) -> str:
        return gettext("The claim for %(customer)s is approved.") % {"customer": claim.deal.customer_name}


class SpiffClaimRejectView(_Decision):
    form_class = RejectForm

    def perform(self, data):
        return spiff_claim_reject(actor=self.actor, claim=self.object, reason=data["reason"])

    def success_message(self, claim) -> str:
        return gettext("The claim for %(customer)s is rejected; the rep reads why.") % {
            "customer": claim.deal.customer_name
        }


class SpiffClaimDocumentView(MemberRequiredMixin, View):
    area, capability = OFFICE, INCENTIVES_VIEW

    def get(self, request, claim_id: int):
        claim = claim_get_for_actor(actor=self.actor, claim_id=claim_id)
        return document_response(claim.document, name=f"spiff-claim-{claim.pk}-proof")


office_urlpatterns = [
    path("spiffs/claims/", SpiffClaimsView.as_view(), name="spiff_claims"),
    path("spiffs/claims/<int:claim_id>/approve/", SpiffClaimApproveView.as_view(), name="spiff_claim_approve"),
    path("spiffs/claims/<int:claim_id>/reject/", SpiffClaimRejectView.as_view(), name="spiff_claim_reject"),
    path("spiffs/claims/<int:claim_id>/proof/", SpiffClaimDocumentView.as_view(), name="spiff_claim_document"),
]
portal_urlpatterns = [
    path("earnings/", EarningsView.as_view(), name="earnings"),
    path("earnings/claim/", SpiffClaimView.as_view(), name="spiff_claim"),
]
