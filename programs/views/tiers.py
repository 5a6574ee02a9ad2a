"""Tier pages: the portal's "Your tier" page, the back office's review queue, the actions of a
partner record's "Programs" tab (override, manual metrics) and evidence downloads. What the pages
show is built in ``programs.presenters``.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from partners.hooks import record_page
from partners.selectors import partner_get_for_actor
from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.web.files import document_response
from prm.web.views import paginate, query_without_page, run_service

from ..forms import ManualMetricValueForm, ProposalDecisionForm, ReviewFilterForm, TierOverrideForm
from ..presenters import distribution_chart, partner_programs_context, proposal_row, standing_cards
from ..selectors.tiers import (
    enrollment_get_for_actor,
    manual_metrics_for_actor,
    manual_value_get_for_actor,
    proposal_get_for_actor,
    proposal_queue_for_actor,
    tier_distribution,
)
from ..services.decisions import manual_metric_record, proposal_approve, proposal_reject, tier_override

# --- the partner portal ---------------------------------------------------------------------------


class PortalProgramView(MemberRequiredMixin, View):
    """The portal's "Your tier" page: per program, the tier, its status, progress to the next
    tier and the benefits of both."""

    area, capability = PORTAL, "program.view"

    def get(self, request):
        cards = standing_cards(
            actor=self.actor, partner_id=self.actor.partner_id, currency=request.tenant.default_currency
        )
        return render(request, "programs/portal_program.html", {"cards": cards})


# --- the back office: tier reviews ----------------------------------------------------------------


def _review_context(request, actor) -> dict:
    """The review queue, filtered and paged by the query string, and the tier distribution.

    Decision forms post to their URL with the queue's query string, so that a decision comes
    back to the same filters and page."""
    distribution = tier_distribution(actor=actor)
    filter_form = ReviewFilterForm(request.GET, programs=[row.program for row in distribution])
    page = paginate(request, proposal_queue_for_actor(actor=actor, **filter_form.filters()))
    currency = request.tenant.default_currency
    return {
        "filter_form": filter_form,
        "page": page,
        "rows": [proposal_row(p, currency) for p in page.object_list],
        "query": query_without_page(request),  # the filters, for the pagination links
        "page_query": request.GET.urlencode(),  # filters and page, for the decision forms
        "distribution": [(row, f"tier-chart-{row.program.pk}", distribution_chart(row)) for row in distribution],
        "can_decide": actor.can("tiers.decide"),
        "htmx": bool(request.htmx),
    }


class TierReviewListView(MemberRequiredMixin, View):
    """The tier review queue (htmx swaps the results) and the partners' spread over tiers."""

    area, capability = OFFICE, "programs.view"

    def get(self, request):
        template = "programs/tier_reviews.html#results" if request.htmx else "programs/tier_reviews.html"
        return render(request, template, _review_context(request, self.actor))


class ProposalDecideView(MemberRequiredMixin, View):
    """Approve or reject one proposal. htmx gets the queue (and the distribution) re-rendered;
    a plain form post goes back to the queue."""

    area, capability = OFFICE, "tiers.decide"

    def post(self, request, proposal_id: int):
        proposal = proposal_get_for_actor(actor=self.actor, proposal_id=proposal_id)
        form = ProposalDecisionForm(request.POST)
        failed = None
        if form.is_valid():
            note, partner = form.cleaned_data["note"].strip(), proposal.partner
            if form.cleaned_data["decision"] == "approve":
                run_service(
                    request,
                    lambda: proposal_approve(actor=self.actor, proposal=proposal, note=note),
                    success=f"{partner} moves to {proposal.to_tier.name} in {proposal.program.name}.",
                )
            else:
                run_service(
                    request,
                    lambda: proposal_reject(actor=self.actor, proposal=proposal, note=note),
                    success=f"{partner} stays {proposal.from_tier.name} in {proposal.program.name}.",
                )
        else:
            failed = {"proposal": proposal, "form": form}
        if not request.htmx and failed is None:
            query = request.GET.urlencode()
            return redirect(reverse("office:tier_reviews") + (f"?{query}" if query else ""))
        context = {**_review_context(request, self.actor), "failed": failed}
        template = "programs/tier_reviews.html#decided" if request.htmx else "programs/tier_reviews.html"
        return render(request, template, context)


# --- the back office: a partner's programs tab ----------------------------------------------------


def _render_programs_tab(request, actor, partner, **forms):
    """The partner's record at its Programs tab again, with the bound form that was refused."""
    context = partner_programs_context(actor=actor, partner=partner, currency=request.tenant.default_currency, **forms)
    return record_page(request, actor=actor, partner=partner, tab="programs", context=context)


class TierOverrideView(MemberRequiredMixin, View):
    area, capability = OFFICE, "tiers.override"

    def post(self, request, partner_id: int, enrollment_id: int):
        partner = partner_get_for_actor(actor=self.actor, partner_id=partner_id)
        enrollment = enrollment_get_for_actor(actor=self.actor, partner_id=partner.pk, enrollment_id=enrollment_id)
        form = TierOverrideForm(request.POST, tiers=enrollment.program.ladder, auto_id=f"id_override{enrollment.pk}_%s")
        if form.is_valid():
            data = form.cleaned_data
            if run_service(
                request,
                lambda: tier_override(
                    actor=self.actor,
                    enrollment=enrollment,
                    tier=data["tier"],
                    reason=data["reason"],
                    until=data["until"],
                ),
                success=f"{partner} is now {data['tier'].name} in {enrollment.program.name}.",
            ):
                return redirect("office:partner_programs", partner_id=partner.pk)
        else:
            messages.error(request, f"The tier in {enrollment.program.name} was not changed: see the form below.")
        return _render_programs_tab(request, self.actor, partner, override=(enrollment.pk, form))


class ManualMetricRecordView(MemberRequiredMixin, View):
    area, capability = OFFICE, "metrics.record"

    def post(self, request, partner_id: int):
        partner = partner_get_for_actor(actor=self.actor, partner_id=partner_id)
        form = ManualMetricValueForm(request.POST, request.FILES, metrics=manual_metrics_for_actor(actor=self.actor))
        if form.is_valid():
            data = form.cleaned_data
            if run_service(
                request,
                lambda: manual_metric_record(
                    actor=self.actor,
                    partner=partner,
                    metric=data["metric"],
                    value=data["value"],
                    effective_on=data["effective_on"],
                    evidence=data["evidence"],
                    note=data["note"],
                ),
                success=f"{data['metric'].name} is recorded; {partner}'s standing is recalculated shortly.",
            ):
                return redirect("office:partner_programs", partner_id=partner.pk)
        else:
            messages.error(request, "The value was not recorded: see the form below.")
        return _render_programs_tab(request, self.actor, partner, metric_form=form)


class ManualMetricEvidenceView(MemberRequiredMixin, View):
    """A recorded value's evidence, as a download: never shown inline, never sniffed."""

    area, capability = OFFICE, "programs.view"

    def get(self, request, value_id: int):
        value = manual_value_get_for_actor(actor=self.actor, value_id=value_id)
        return document_response(value.evidence, name=f"evidence-{value.pk}")
