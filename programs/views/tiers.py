"""Tier pages: the portal's "Your tier" page, the back office's review queue, the actions of a
partner record's "Programs" tab (override, manual metrics) and evidence downloads. What the pages
show is built in ``programs.presenters``.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from partners.hooks import record_page
from partners.selectors import partner_get_for_actor
from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.web.files import document_response
from prm.web.views import ServiceView, paginate, query_without_page

from ..forms import ManualMetricValueForm, ProposalDecisionForm, ReviewFilterForm, TierOverrideForm
from ..models import ProposalStatus
from ..permissions import METRICS_RECORD, PROGRAM_VIEW, PROGRAMS_VIEW, TIERS_DECIDE, TIERS_OVERRIDE
from ..presenters import distribution_chart, partner_programs_context, proposal_row, standing_cards
from ..selectors.tiers import (
    enrollment_get_for_actor,
    manual_metric_options_for_actor,
    manual_value_get_for_actor,
    proposal_get_for_actor,
    proposal_review_list_for_actor,
    tier_distribution_for_actor,
)
from ..services.decisions import manual_metric_record, proposal_approve, proposal_reject, tier_override

# --- the partner portal ---------------------------------------------------------------------------


class PortalProgramView(MemberRequiredMixin, View):
    """The portal's "Your tier" page: per program, the tier, its status, progress to the next
    tier and the benefits of both."""

    area, capability = PORTAL, PROGRAM_VIEW

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
    distribution = tier_distribution_for_actor(actor=actor)
    filter_form = ReviewFilterForm(request.GET, programs=[row.program for row in distribution])
    page = paginate(request, proposal_review_list_for_actor(actor=actor, **filter_form.filters()))
    currency = request.tenant.default_currency
    return {
        "filter_form": filter_form,
        "page": page,
        "rows": [proposal_row(p, currency) for p in page.object_list],
        "query": query_without_page(request),  # the filters, for the pagination links
        "page_query": request.GET.urlencode(),  # filters and page, for the decision forms
        "distribution": [(row, f"tier-chart-{row.program.pk}", distribution_chart(row)) for row in distribution],
        "can_decide": actor.can(TIERS_DECIDE),
        "htmx": bool(request.htmx),
    }


class TierReviewListView(MemberRequiredMixin, View):
    """The tier review queue (htmx swaps the results) and the partners' spread over tiers."""

    area, capability = OFFICE, PROGRAMS_VIEW

    def get(self, request):
        template = "programs/tier_reviews.html#results" if request.htmx else "programs/tier_reviews.html"
        return render(request, template, _review_context(request, self.actor))


class ProposalDecideView(ServiceView):
    """Approve or reject one proposal: the form's decision picks the service (one locked service
    per transition). htmx gets the queue (and the distribution) re-rendered; a plain form post
    goes back to the queue, decided or refused (the message says which), or shows the queue with
    the row's note marked when it is invalid."""

    area, capability = OFFICE, TIERS_DECIDE
    form_class = ProposalDecisionForm

    def get_object(self):
        return proposal_get_for_actor(actor=self.actor, proposal_id=self.kwargs["proposal_id"])

    @property
    def invalid_message(self) -> str:
        form = self.form
        reasons = [
            *form.non_field_errors(),
            *([gettext("Choose approve or reject.")] if "decision" in form.errors else []),
        ]
        reasons += form.errors.get("note", [])
        return gettext("Nothing was decided for %(partner)s: %(reasons)s") % {
            "partner": self.object.partner.display_name,
            "reasons": " ".join(reasons),
        }

    def perform(self, data):
        if data["decision"] == "approve":
            return proposal_approve(actor=self.actor, proposal=self.object, note=data["note"].strip())
        return proposal_reject(actor=self.actor, proposal=self.object, note=data["note"].strip())

    def success_message(self, proposal) -> str:
        partner, program = self.object.partner, self.object.program.name
        if proposal.status == ProposalStatus.APPROVED:
            return gettext("%(partner)s moves to %(tier)s in %(program)s.") % {
                "partner": partner,
                "tier": self.object.to_tier.name,
                "program": program,
            }
        return gettext("%(partner)s stays %(tier)s in %(program)s.") % {
            "partner": partner,
            "tier": self.object.from_tier.name,
            "program": program,
        }

    def success_url(self, result=None) -> str:
        query = self.request.GET.urlencode()
        return reverse("office:tier_reviews") + (f"?{query}" if query else "")

    def success_response(self, proposal):
        return self._queue(failed=None) if self.request.htmx else super().success_response(proposal)

    def render_invalid(self, form):
        if not form.errors and not self.request.htmx:  # refused by the service (decided meanwhile)
            return redirect(self.success_url())
        return self._queue(failed={"proposal": self.object, "form": form} if form.errors else None)

    def _queue(self, *, failed):
        context = {**_review_context(self.request, self.actor), "failed": failed}
        template = "programs/tier_reviews.html#decided" if self.request.htmx else "programs/tier_reviews.html"
        return render(self.request, template, context)


# --- the back office: a partner's programs tab ----------------------------------------------------


def _render_programs_tab(request, actor, partner, **forms):
    """The partner's record at its Programs tab again, with the bound form that was refused."""
    context = partner_programs_context(actor=actor, partner=partner, currency=request.tenant.default_currency, **forms)
    return record_page(request, actor=actor, partner=partner, tab="programs", context=context)


class TierOverrideView(ServiceView):
    area, capability = OFFICE, TIERS_OVERRIDE
    form_class = TierOverrideForm

    def get_object(self):
        self.partner = partner_get_for_actor(actor=self.actor, partner_id=self.kwargs["partner_id"])
        return enrollment_get_for_actor(
            actor=self.actor, partner_id=self.partner.pk, enrollment_id=self.kwargs["enrollment_id"]
        )

    def get_form_kwargs(self):
        return {"tiers": self.object.program.ladder, "auto_id": f"id_override{self.object.pk}_%s"}

    @property
    def invalid_message(self):
        return gettext("The tier in %(program)s was not changed: see the form below.") % {
            "program": self.object.program.name
        }

    def perform(self, data):
        return tier_override(
            actor=self.actor, enrollment=self.object, tier=data["tier"], reason=data["reason"], until=data["until"]
        )

    def success_message(self, enrollment):
        return gettext("%(partner)s is now %(tier)s in %(program)s.") % {
            "partner": self.partner,
            "tier": enrollment.tier.name,
            "program": enrollment.program.name,
        }

    def success_url(self, enrollment):
        return reverse("office:partner_programs", kwargs={"partner_id": self.partner.pk})

    def render_invalid(self, form):
        return _render_programs_tab(self.request, self.actor, self.partner, override=(self.object.pk, form))


class ManualMetricRecordView(ServiceView):
    area, capability = OFFICE, METRICS_RECORD
    form_class = ManualMetricValueForm
    invalid_message = _("The value was not recorded: see the form below.")

    def get_object(self):
        return partner_get_for_actor(actor=self.actor, partner_id=self.kwargs["partner_id"])

    def get_form_kwargs(self):
        return {"metrics": manual_metric_options_for_actor(actor=self.actor)}

    def perform(self, data):
        return manual_metric_record(
            actor=self.actor,
            partner=self.object,
            metric=data["metric"],
            value=data["value"],
            effective_on=data["effective_on"],
            evidence=data["evidence"],
            note=data["note"],
        )

    def success_message(self, value):
        return gettext("%(metric)s is recorded; %(partner)s's standing is recalculated shortly.") % {
            "metric": value.metric.name,
            "partner": self.object,
        }

    def success_url(self, value):
        return reverse("office:partner_programs", kwargs={"partner_id": self.object.pk})

    def render_invalid(self, form):
        return _render_programs_tab(self.request, self.actor, self.object, metric_form=form)


class ManualMetricEvidenceView(MemberRequiredMixin, View):
    """A recorded value's evidence, as a download: never shown inline, never sniffed."""

    area, capability = OFFICE, PROGRAMS_VIEW

    def get(self, request, value_id: int):
        value = manual_value_get_for_actor(actor=self.actor, value_id=value_id)
        return document_response(value.evidence, name=f"evidence-{value.pk}")
