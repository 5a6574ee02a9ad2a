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
from partners.hooks import record_page, record_tab_url
from partners.selectors import partner_get_for_actor
from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.web.exports import csv_export, csv_safe
from prm.web.files import document_response
from prm.web.views import ServiceView, paginate

from .forms import ClaimFilterForm, ClaimForm, PaidForm, PayoutHoldForm, PrepareRunForm, RejectForm
from .models import Payout, SpiffCampaign
from .permissions import EARNINGS_COMPANY, EARNINGS_OWN, INCENTIVES_FINANCE, INCENTIVES_VIEW, SPIFF_CLAIM
from .selectors.payouts import (
    payout_get_for_actor,
    payout_run_get,
    payout_run_get_object,
    payout_runs_for_office,
    payout_schedule_label,
    statement_rows_for_actor,
)
from .selectors.spiffs import claim_choices, claim_get_for_actor, claims_for_office, earnings_for_actor
from .services.payouts import (
    payout_hold,
    payout_hold_release,
    payout_run_approve,
    payout_run_discard,
    payout_run_mark_paid,
    payout_run_prepare,
)
from .services.spiffs import spiff_claim_approve, spiff_claim_clawback, spiff_claim_reject, spiff_claim_submit

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


def _claims_context(request, actor, *, rejecting=None, clawing=None, reject_form=None) -> dict:
    filter_form = ClaimFilterForm(request.GET or None)
    status = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    rows, counted = claims_for_office(status=status)
    return {
        "filter_form": filter_form,
        "page": paginate(request, rows, count_from=counted),
        "can_decide": actor.can(INCENTIVES_FINANCE),
        "rejecting": rejecting,  # the claim whose reject form comes back with what was typed
        "clawing": clawing,  # the claim whose clawback form comes back with what was typed
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


class SpiffClaimClawbackView(_Decision):
    """Take back an approved (or paid) SPIFF found invalid: the next payout nets it."""

    form_class = RejectForm

    def perform(self, data):
        return spiff_claim_clawback(actor=self.actor, claim=self.object, reason=data["reason"])

    def success_message(self, claim) -> str:
        return gettext("The SPIFF for %(customer)s is clawed back; the next payout nets it.") % {
            "customer": claim.deal.customer_name
        }

    def render_invalid(self, form):
        context = _claims_context(self.request, self.actor, clawing=self.object.pk, reject_form=form)
        return render(self.request, CLAIMS_TEMPLATE, context)


class SpiffClaimDocumentView(MemberRequiredMixin, View):
    area, capability = OFFICE, INCENTIVES_VIEW

    def get(self, request, claim_id: int):
        claim = claim_get_for_actor(actor=self.actor, claim_id=claim_id)
        return document_response(claim.document, name=f"spiff-claim-{claim.pk}-proof")


# --- payouts --------------------------------------------------------------------------------------

RUNS_TEMPLATE = "incentives/runs.html"
RUN_TEMPLATE = "incentives/run.html"


def _runs_context(request, *, form=None) -> dict:
    rows, counted = payout_runs_for_office()
    return {
        "page": paginate(request, rows, count_from=counted),
        "form": form or PrepareRunForm(),
        "schedule": payout_schedule_label(),
    }


class PayoutRunsView(MemberRequiredMixin, View):
    area, capability = OFFICE, INCENTIVES_VIEW

    def get(self, request):
        context = _runs_context(request)
        context["can_run"] = self.actor.can(INCENTIVES_FINANCE)
        return render(request, RUNS_TEMPLATE, context)


class PayoutRunPrepareView(ServiceView):
    area, capability = OFFICE, INCENTIVES_FINANCE
    form_class = PrepareRunForm

    def perform(self, data):
        return payout_run_prepare(actor=self.actor, period_end=data["period_end"])

    def success_message(self, run) -> str:
        return gettext("The payout run is prepared: someone else approves it.")

    def success_url(self, run) -> str:
        return reverse("office:payout_run", args=[run.pk])

    def render_invalid(self, form):
        context = _runs_context(self.request, form=form)
        context["can_run"] = True
        return render(self.request, RUNS_TEMPLATE, context)


def _run_context(actor, run_id: int, *, paid_form=None) -> dict:
    context = payout_run_get(run_id=run_id)
    context["can_run"] = actor.can(INCENTIVES_FINANCE)
    context["paid_form"] = paid_form or PaidForm()
    return context


class PayoutRunView(MemberRequiredMixin, View):
    area, capability = OFFICE, INCENTIVES_VIEW

    def get(self, request, run_id: int):
        return render(request, RUN_TEMPLATE, _run_context(self.actor, run_id))


class _RunAction(ServiceView):
    area, capability = OFFICE, INCENTIVES_FINANCE

    def get_object(self):
        return payout_run_get_object(run_id=self.kwargs["run_id"])

    def success_url(self, run) -> str:
        return reverse("office:payout_run", args=[run.pk])

    def render_invalid(self, form):
        return render(self.request, RUN_TEMPLATE, _run_context(self.actor, self.object.pk, paid_form=form))


class PayoutRunApproveView(_RunAction):
    def perform(self, data):
        return payout_run_approve(actor=self.actor, run=self.object)

    def success_message(self, run) -> str:
        return gettext("The payout run is approved; its statements are being made.")


class PayoutRunDiscardView(_RunAction):
    def perform(self, data):
        return payout_run_discard(actor=self.actor, run=self.object)

    def success_message(self, run) -> str:
        return gettext("The draft is discarded; its amounts wait for the next run.")


class PayoutRunPaidView(_RunAction):
    form_class = PaidForm

    def perform(self, data):
        return payout_run_mark_paid(actor=self.actor, run=self.object, reference=data["reference"])

    def success_message(self, run) -> str:
        return gettext("The payout run is marked paid; the payees are told.")


class PayoutRunExportView(MemberRequiredMixin, View):
    """The run for accounts payable: one line per payee and currency, with what an AP system
    matches on (the partner's legal name and the vendor's CRM id for it) and, once paid, the
    bank's reference."""

    area, capability = OFFICE, INCENTIVES_VIEW

    def get(self, request, run_id: int):
        run = payout_run_get_object(run_id=run_id)
        columns = [
            gettext("Payout"),
            gettext("Period ending"),
            gettext("Partner"),
            gettext("Legal name"),
            gettext("CRM id"),
            gettext("Payee"),
            gettext("Currency"),
            gettext("Amount"),
            gettext("Payment reference"),
        ]
        rows = Payout.objects.filter(run=run).select_related("partner", "member__user").order_by("partner_id", "id")
        return csv_export(
            name=f"payout-run-{run.pk}",
            columns=columns,
            rows=rows,
            row=lambda p: [
                p.pk,
                run.period_end.isoformat(),
                csv_safe(p.partner.display_name),
                csv_safe(p.partner.legal_name),
                csv_safe(p.partner.external_crm_id),
                csv_safe(p.member.user.email if p.member_id else p.partner.display_name),
                p.currency,
                f"{p.amount:.2f}",
                csv_safe(run.payment_reference),
            ],
        )


class _PayoutHoldAction(ServiceView):
    """Finance holds or resumes a partner's payouts from its record's Incentives tab."""

    area, capability = OFFICE, INCENTIVES_FINANCE

    def get_object(self):
        return partner_get_for_actor(actor=self.actor, partner_id=self.kwargs["partner_id"])

    def success_url(self, result) -> str:
        return record_tab_url("incentives", self.object.pk)

    def render_invalid(self, form):
        from .extensions import incentives_tab

        context = incentives_tab(request=self.request, actor=self.actor, partner=self.object)
        if form is not None:
            context["hold_form"] = form
        return record_page(self.request, actor=self.actor, partner=self.object, tab="incentives", context=context)


class PayoutHoldView(_PayoutHoldAction):
    form_class = PayoutHoldForm

    def perform(self, data):
        return payout_hold(actor=self.actor, partner=self.object, reason=data["reason"])

    def success_message(self, hold) -> str:
        return gettext("The partner's payouts are on hold: runs leave them out until you resume them.")


class PayoutResumeView(_PayoutHoldAction):
    def perform(self, data):
        return payout_hold_release(actor=self.actor, partner=self.object)

    def success_message(self, hold) -> str:
        return gettext("The partner's payouts resume with the next run.")


class PortalStatementsView(MemberRequiredMixin, View):
    """Every statement of the payee (a rep's own; the company's and its people's for its admins
    and finance), newest first, a page at a time."""

    area, capability = PORTAL, EARNINGS_OWN

    def get(self, request):
        company = self.actor.can(EARNINGS_COMPANY)
        rows, counted = statement_rows_for_actor(actor=self.actor)
        page = paginate(request, rows, count_from=counted)
        return render(request, "incentives/statements.html", {"page": page, "company": company})


class _StatementView(MemberRequiredMixin, View):
    def get(self, request, payout_id: int):
        payout = payout_get_for_actor(actor=self.actor, payout_id=payout_id)
        return document_response(payout.statement, name=f"statement-{payout.run.period_end:%Y-%m-%d}-{payout.pk}")


class OfficeStatementView(_StatementView):
    area, capability = OFFICE, INCENTIVES_VIEW


class PortalStatementView(_StatementView):
    area, capability = PORTAL, EARNINGS_OWN


office_urlpatterns = [
    path("payouts/", PayoutRunsView.as_view(), name="payout_runs"),
    path("payouts/prepare/", PayoutRunPrepareView.as_view(), name="payout_run_prepare"),
    path("payouts/<int:run_id>/", PayoutRunView.as_view(), name="payout_run"),
    path("payouts/<int:run_id>/approve/", PayoutRunApproveView.as_view(), name="payout_run_approve"),
    path("payouts/<int:run_id>/discard/", PayoutRunDiscardView.as_view(), name="payout_run_discard"),
    path("payouts/<int:run_id>/paid/", PayoutRunPaidView.as_view(), name="payout_run_paid"),
    path("payouts/<int:run_id>/export/", PayoutRunExportView.as_view(), name="payout_run_export"),
    path("payouts/statements/<int:payout_id>/", OfficeStatementView.as_view(), name="payout_statement"),
    path("payouts/holds/<int:partner_id>/", PayoutHoldView.as_view(), name="payout_hold"),
    path("payouts/holds/<int:partner_id>/resume/", PayoutResumeView.as_view(), name="payout_resume"),
    path("spiffs/claims/", SpiffClaimsView.as_view(), name="spiff_claims"),
    path("spiffs/claims/<int:claim_id>/approve/", SpiffClaimApproveView.as_view(), name="spiff_claim_approve"),
    path("spiffs/claims/<int:claim_id>/reject/", SpiffClaimRejectView.as_view(), name="spiff_claim_reject"),
    path("spiffs/claims/<int:claim_id>/clawback/", SpiffClaimClawbackView.as_view(), name="spiff_claim_clawback"),
    path("spiffs/claims/<int:claim_id>/proof/", SpiffClaimDocumentView.as_view(), name="spiff_claim_document"),
]
portal_urlpatterns = [
    path("earnings/", EarningsView.as_view(), name="earnings"),
    path("earnings/claim/", SpiffClaimView.as_view(), name="spiff_claim"),
    path("earnings/statements/", PortalStatementsView.as_view(), name="payout_statements"),
    path("earnings/statements/<int:payout_id>/", PortalStatementView.as_view(), name="payout_statement"),
]
