"""Pages of market development funds:

* portal: ``portal:mdf`` (the partner's funds: allocated, available, committed, reimbursed per
  budget; its activities; the request form), ``portal:mdf_request`` (one activity: its figures,
  the claim form with the proof checklist, more time, the deals and leads it brought, its return),
  and the posts on it (claim, extension, link, cancel), ``portal:mdf_proof`` (a document);
* office: ``office:mdf_budgets`` (every budget with its balances and return; a new budget),
  ``office:mdf_budget`` (its allocations; allocate by hand or by tier), ``office:mdf_requests``
  (the queue: requests to pre-approve, claims to approve, requests for more time),
  ``office:mdf_request`` (one activity, with the decisions; finance claws back a reimbursement
  found invalid: ``office:mdf_clawback``) and ``office:mdf_proof``.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.views import View

from deals.models import Deal
from deals.permissions import DEALS_VIEW_COMPANY
from leads.models import Lead
from partners.models import Partner, PartnerStatus
from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.l10n import money
from prm.web.files import document_response
from prm.web.views import ServiceView, paginate
from programs.models import Program, Region

from .forms import (
    MdfAllocateByTierForm,
    MdfAllocateForm,
    MdfBudgetForm,
    MdfClaimForm,
    MdfClawbackForm,
    MdfDecisionForm,
    MdfExtensionForm,
    MdfLinkForm,
    MdfNoteForm,
    MdfRequestForm,
    MdfStatusForm,
)
from .models import MdfActivityType, MdfAllocation, MdfStatus, ProofKind
from .permissions import INCENTIVES_FINANCE, INCENTIVES_VIEW, MDF_MANAGE, MDF_REQUEST, MDF_VIEW
from .selectors import mdf as selectors
from .services.mdf import (
    ClaimDecision,
    mdf_allocate,
    mdf_allocate_by_tier,
    mdf_budget_create,
    mdf_claim_clawback,
    mdf_claim_decide,
    mdf_claim_submit,
    mdf_extension_decide,
    mdf_extension_request,
    mdf_link,
    mdf_request_cancel,
    mdf_request_decide,
    mdf_request_submit,
)

FUNDS_TEMPLATE = "incentives/mdf.html"
REQUEST_TEMPLATE = "incentives/mdf_request.html"
BUDGETS_TEMPLATE = "incentives/mdf_budgets.html"
BUDGET_TEMPLATE = "incentives/mdf_budget.html"
QUEUE_TEMPLATE = "incentives/mdf_requests.html"


# --- portal ---------------------------------------------------------------------------------------


def _request_form_kwargs(context) -> dict:
    return {
        "funds": [
            (f["allocation"].pk, f"{f['budget'].name} ({money(f['mdf_allocated'], f['budget'].currency)})")
            for f in context["open_funds"]
        ],
        "activity_types": [
            (t.pk, f"{t.name} ({format(t.vendor_share_percent.normalize(), 'f')}%)") for t in context["activity_types"]
        ],
    }


def _funds_context(actor, *, form=None) -> dict:
    context = selectors.funds_for_partner(actor=actor)
    context["can_request"] = actor.can(MDF_REQUEST) and bool(context["open_funds"])
    if context["can_request"]:
        context["form"] = form or MdfRequestForm(**_request_form_kwargs(context))
    return context


class FundsView(MemberRequiredMixin, View):
    area, capability = PORTAL, MDF_VIEW

    def get(self, request):
        return render(request, FUNDS_TEMPLATE, _funds_context(self.actor))


class MdfRequestNewView(ServiceView):
    area, capability = PORTAL, MDF_REQUEST
    form_class = MdfRequestForm

    def get_form_kwargs(self):
        return _request_form_kwargs(selectors.funds_for_partner(actor=self.actor))

    def perform(self, data):
        allocation = MdfAllocation.objects.get(pk=data["allocation"], partner_id=self.actor.partner_id)
        return mdf_request_submit(
            actor=self.actor,
            allocation=allocation,
            activity_type=MdfActivityType.objects.get(pk=data["activity_type"]),
            title=data["title"],
            description=data["description"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            cost=data["cost"],
            expected_leads=data.get("expected_leads") or 0,
            expected_pipeline=data.get("expected_pipeline") or 0,
        )

    def success_message(self, result) -> str:
        return gettext("Your request is sent to the vendor for pre-approval.")

    def success_url(self, result) -> str:
        return reverse("portal:mdf_request", args=[result.pk])

    def render_invalid(self, form):
        return render(self.request, FUNDS_TEMPLATE, _funds_context(self.actor, form=form))


def _proof_kinds(request) -> list[tuple[str, str]]:
    kinds = list(request.activity_type.proof_required) or [ProofKind.INVOICE]
    return [(kind, ProofKind(kind).label) for kind in kinds]


def _request_context(actor, request_id: int, **forms) -> dict:
    mdf_request = selectors.request_get_for_actor(actor=actor, request_id=request_id)
    context = {"mdf": mdf_request, **selectors.request_detail(request=mdf_request), **forms}
    status = mdf_request.status
    if actor.partner_id is not None:
        can = actor.can(MDF_REQUEST)
        context["can_claim"] = can and status == MdfStatus.PRE_APPROVED
        context["can_cancel"] = can and status in (MdfStatus.SUBMITTED, MdfStatus.PRE_APPROVED)
        context["can_link"] = can and status in (MdfStatus.PRE_APPROVED, MdfStatus.CLAIMED, MdfStatus.APPROVED)
        context["pending_extension"] = any(e.status == "pending" for e in context["extensions"])
        if context["can_claim"]:
            context.setdefault("claim_form", MdfClaimForm(proof_kinds=_proof_kinds(mdf_request)))
            context.setdefault("extension_form", MdfExtensionForm())
        if context["can_link"]:
            context.setdefault(
                "link_form", MdfLinkForm(targets=selectors.link_options_for_actor(actor=actor, request=mdf_request))
            )
    else:
        manage = actor.can(MDF_MANAGE)
        context["can_decide"] = manage and status == MdfStatus.SUBMITTED
        context["can_decide_claim"] = manage and status == MdfStatus.CLAIMED
        context["can_answer"] = manage
        context.setdefault("decision_form", MdfDecisionForm())
        context.setdefault("note_form", MdfNoteForm())
        context["can_claw_back"] = (
            actor.can(INCENTIVES_FINANCE) and status == MdfStatus.APPROVED and context["clawback"] is None
        )
        if context["can_claw_back"]:
            context.setdefault("clawback_form", MdfClawbackForm())
    context["office"] = actor.partner_id is None
    # Who may read the credited deals' and leads' customers: staff, and a partner's admins.
    context["show_names"] = context["office"] or actor.can(DEALS_VIEW_COMPANY)
    return context


class PortalRequestView(MemberRequiredMixin, View):
    area, capability = PORTAL, MDF_VIEW

    def get(self, request, request_id: int):
        return render(request, REQUEST_TEMPLATE, _request_context(self.actor, request_id))


class _PortalRequestAction(ServiceView):
    area, capability = PORTAL, MDF_REQUEST
    form_key = ""

    def get_object(self):
        return selectors.request_get_for_actor(actor=self.actor, request_id=self.kwargs["request_id"])

    def success_url(self, result) -> str:
        return reverse("portal:mdf_request", args=[self.object.pk])

    def render_invalid(self, form):
        forms = {self.form_key: form} if self.form_key else {}
        return render(self.request, REQUEST_TEMPLATE, _request_context(self.actor, self.object.pk, **forms))


class MdfClaimView(_PortalRequestAction):
    form_class, form_key = MdfClaimForm, "claim_form"

    def get_form_kwargs(self):
        return {"proof_kinds": _proof_kinds(self.object)}

    def perform(self, data):
        return mdf_claim_submit(
            actor=self.actor,
            request=self.object,
            actual_cost=data["actual_cost"],
            proofs=self.form.proofs(),
            note=data.get("note", ""),
        )

    def success_message(self, result) -> str:
        return gettext("Your claim is sent to the vendor.")


class MdfExtensionView(_PortalRequestAction):
    form_class, form_key = MdfExtensionForm, "extension_form"

    def perform(self, data):
        return mdf_extension_request(actor=self.actor, request=self.object, days=data["days"], reason=data["reason"])

    def success_message(self, result) -> str:
        return gettext("Your request for more time is sent to the vendor.")


class MdfLinkView(_PortalRequestAction):
    form_class, form_key = MdfLinkForm, "link_form"

    def get_form_kwargs(self):
        return {"targets": selectors.link_options_for_actor(actor=self.actor, request=self.object)}

    def perform(self, data):
        kind, pk = data["target"].split(":")
        if kind == "deal":
            return mdf_link(actor=self.actor, request=self.object, deal=Deal.objects.get(pk=int(pk)))
        return mdf_link(actor=self.actor, request=self.object, lead=Lead.objects.get(pk=int(pk)))

    def success_message(self, result) -> str:
        return gettext("Credited to this activity.")


class MdfCancelView(_PortalRequestAction):
    def perform(self, data):
        return mdf_request_cancel(actor=self.actor, request=self.object)

    def success_message(self, result) -> str:
        return gettext("The activity is cancelled; what was pre-approved is back in your funds.")


class _ProofView(MemberRequiredMixin, View):
    def get(self, request, proof_id: int):
        proof = selectors.proof_get_for_actor(actor=self.actor, proof_id=proof_id)
        return document_response(proof.document, name=f"mdf-{proof.request_id}-{proof.kind}-{proof.pk}")


class PortalProofView(_ProofView):
    area, capability = PORTAL, MDF_VIEW


# --- office ---------------------------------------------------------------------------------------


def _budget_form_kwargs() -> dict:
    return {
        "programs": list(Program.objects.order_by("name").values_list("id", "name")),
        "regions": list(Region.objects.order_by("name").values_list("id", "name")),
    }


def _budgets_context(actor, *, form=None) -> dict:
    context = {"budgets": selectors.budgets_for_office(), "can_manage": actor.can(MDF_MANAGE)}
    if context["can_manage"]:
        context["form"] = form or MdfBudgetForm(**_budget_form_kwargs())
    context["waiting"] = selectors.waiting_counts()
    return context


class BudgetsView(MemberRequiredMixin, View):
    area, capability = OFFICE, INCENTIVES_VIEW

    def get(self, request):
        return render(request, BUDGETS_TEMPLATE, _budgets_context(self.actor))


class BudgetCreateView(ServiceView):
    area, capability = OFFICE, MDF_MANAGE
    form_class = MdfBudgetForm

    def get_form_kwargs(self):
        return _budget_form_kwargs()

    def perform(self, data):
        return mdf_budget_create(
            actor=self.actor,
            name=data["name"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            amount=data["amount"],
            currency=data["currency"],
            program=Program.objects.get(pk=data["program"]) if data.get("program") else None,
            region=Region.objects.get(pk=data["region"]) if data.get("region") else None,
        )

    def success_message(self, result) -> str:
        return gettext("The budget is funded: allocate it to partners.")

    def success_url(self, result) -> str:
        return reverse("office:mdf_budget", args=[result.pk])

    def render_invalid(self, form):
        return render(self.request, BUDGETS_TEMPLATE, _budgets_context(self.actor, form=form))


PARTNERS_OFFERED = 5000


def _partner_choices():
    """The active partners, by name (a select of up to 5,000, written in one loop by ``bs``)."""
    partners = Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("display_name")
    return list(partners.values_list("id", "display_name")[:PARTNERS_OFFERED])


def _budget_context(request, actor, budget_id: int, *, form=None, tier_form=None) -> dict:
    budget = selectors.budget_get(budget_id=budget_id)
    rows = selectors.allocations_for_office(budget=budget)
    context = {
        "budget": budget,
        "figures": selectors.budgets_for_office(budget_id=budget.pk)[0],
        "page": paginate(request, rows, count_from=MdfAllocation.objects.filter(budget=budget)),
        "can_manage": actor.can(MDF_MANAGE),
    }
    if context["can_manage"]:
        context["form"] = form or MdfAllocateForm(partners=_partner_choices())
        context["tier_form"] = tier_form or MdfAllocateByTierForm()
    return context


class BudgetView(MemberRequiredMixin, View):
    area, capability = OFFICE, INCENTIVES_VIEW

    def get(self, request, budget_id: int):
        return render(request, BUDGET_TEMPLATE, _budget_context(request, self.actor, budget_id))


class _BudgetAction(ServiceView):
    area, capability = OFFICE, MDF_MANAGE

    def get_object(self):
        return selectors.budget_get(budget_id=self.kwargs["budget_id"])

    def success_url(self, result) -> str:
        return reverse("office:mdf_budget", args=[self.object.pk])

    def render_invalid(self, form):
        return render(
            self.request, BUDGET_TEMPLATE, _budget_context(self.request, self.actor, self.object.pk, form=form)
        )


class AllocateView(_BudgetAction):
    form_class = MdfAllocateForm

    def get_form_kwargs(self):
        return {"partners": _partner_choices()}

    def perform(self, data):
        partner = Partner.objects.get(pk=data["partner"])
        return mdf_allocate(actor=self.actor, budget=self.object, partner=partner, amount=data["amount"])

    def success_message(self, result) -> str:
        return gettext("The allocation is saved; the partner is told.")


class AllocateByTierView(_BudgetAction):
    form_class = MdfAllocateByTierForm

    def perform(self, data):
        return mdf_allocate_by_tier(actor=self.actor, budget=self.object, tag=data["tag"])

    def render_invalid(self, form):
        return render(
            self.request, BUDGET_TEMPLATE, _budget_context(self.request, self.actor, self.object.pk, tier_form=form)
        )

    def success_message(self, result) -> str:
        if not result.partners:
            return gettext("No eligible partner without an allocation had revenue last period: nothing was allocated.")
        if result.scaled:
            return gettext("%(count)s partners allocated by tier, scaled down to fit what the budget had left.") % {
                "count": result.partners
            }
        return gettext("%(count)s partners allocated by tier.") % {"count": result.partners}


def _queue_context(request) -> dict:
    filter_form = MdfStatusForm(request.GET or None)
    status = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    rows, counted = selectors.requests_for_office(status=status)
    return {
        "filter_form": filter_form,
        "page": paginate(request, rows, count_from=counted),
        "extensions": selectors.extensions_waiting(),
        "waiting": selectors.waiting_counts(),
    }


class QueueView(MemberRequiredMixin, View):
    area, capability = OFFICE, INCENTIVES_VIEW

    def get(self, request):
        return render(request, QUEUE_TEMPLATE, _queue_context(request))


class OfficeRequestView(MemberRequiredMixin, View):
    area, capability = OFFICE, INCENTIVES_VIEW

    def get(self, request, request_id: int):
        return render(request, REQUEST_TEMPLATE, _request_context(self.actor, request_id))


class _OfficeRequestAction(ServiceView):
    area, capability = OFFICE, MDF_MANAGE
    form_class = MdfDecisionForm

    def get_object(self):
        return selectors.request_get_for_actor(actor=self.actor, request_id=self.kwargs["request_id"])

    def success_url(self, result) -> str:
        return reverse("office:mdf_request", args=[self.object.pk])

    def render_invalid(self, form):
        return render(self.request, REQUEST_TEMPLATE, _request_context(self.actor, self.object.pk, decision_form=form))


class PreApproveView(_OfficeRequestAction):
    def perform(self, data):
        return mdf_request_decide(
            actor=self.actor,
            request=self.object,
            approve=True,
            amount=data.get("amount"),
            reason=data.get("reason", ""),
        )

    def success_message(self, result) -> str:
        return gettext("Pre-approved; the partner is told.")


class RejectView(_OfficeRequestAction):
    def perform(self, data):
        return mdf_request_decide(actor=self.actor, request=self.object, approve=False, reason=data.get("reason", ""))

    def success_message(self, result) -> str:
        return gettext("Rejected; the partner reads why.")


class ClaimDecideView(_OfficeRequestAction):
    decision = ""

    def perform(self, data):
        return mdf_claim_decide(
            actor=self.actor,
            request=self.object,
            decision=self.decision,
            amount=data.get("amount"),
            reason=data.get("reason", ""),
        )

    def success_message(self, result) -> str:
        return {
            ClaimDecision.APPROVE: gettext("The claim is approved: the next payout run reimburses it."),
            ClaimDecision.RETURN: gettext("The claim is sent back for more proof."),
            ClaimDecision.REJECT: gettext("The claim is rejected; the funds are back in the allocation."),
        }[self.decision]


class ClawbackView(_OfficeRequestAction):
    """Finance takes back an approved (or paid) reimbursement found invalid."""

    capability = INCENTIVES_FINANCE
    form_class = MdfClawbackForm

    def perform(self, data):
        return mdf_claim_clawback(actor=self.actor, request=self.object, reason=data["reason"])

    def success_message(self, result) -> str:
        return gettext("The reimbursement is clawed back; the next payout nets it and the partner is told.")

    def render_invalid(self, form):
        return render(self.request, REQUEST_TEMPLATE, _request_context(self.actor, self.object.pk, clawback_form=form))


class ExtensionDecideView(ServiceView):
    area, capability = OFFICE, MDF_MANAGE
    form_class = MdfNoteForm
    approve = True

    def get_object(self):
        return selectors.extension_get_for_actor(actor=self.actor, extension_id=self.kwargs["extension_id"])

    def perform(self, data):
        return mdf_extension_decide(
            actor=self.actor, extension=self.object, approve=self.approve, note=data.get("note", "")
        )

    def success_message(self, result) -> str:
        return gettext("More time granted.") if self.approve else gettext("More time refused; the partner reads why.")

    def success_url(self, result) -> str:
        return reverse("office:mdf_request", args=[self.object.request_id])

    def render_invalid(self, form):
        return render(
            self.request, REQUEST_TEMPLATE, _request_context(self.actor, self.object.request_id, note_form=form)
        )


class OfficeProofView(_ProofView):
    area, capability = OFFICE, INCENTIVES_VIEW


office_urlpatterns = [
    path("mdf/", BudgetsView.as_view(), name="mdf_budgets"),
    path("mdf/new/", BudgetCreateView.as_view(), name="mdf_budget_create"),
    path("mdf/budgets/<int:budget_id>/", BudgetView.as_view(), name="mdf_budget"),
    path("mdf/budgets/<int:budget_id>/allocate/", AllocateView.as_view(), name="mdf_allocate"),
    path("mdf/budgets/<int:budget_id>/allocate-by-tier/", AllocateByTierView.as_view(), name="mdf_allocate_tier"),
    path("mdf/requests/", QueueView.as_view(), name="mdf_requests"),
    path("mdf/requests/<int:request_id>/", OfficeRequestView.as_view(), name="mdf_request"),
    path("mdf/requests/<int:request_id>/pre-approve/", PreApproveView.as_view(), name="mdf_pre_approve"),
    path("mdf/requests/<int:request_id>/reject/", RejectView.as_view(), name="mdf_reject"),
    path(
        "mdf/requests/<int:request_id>/claim/approve/",
        ClaimDecideView.as_view(decision=ClaimDecision.APPROVE),
        name="mdf_claim_approve",
    ),
    path(
        "mdf/requests/<int:request_id>/claim/return/",
        ClaimDecideView.as_view(decision=ClaimDecision.RETURN),
        name="mdf_claim_return",
    ),
    path(
        "mdf/requests/<int:request_id>/claim/reject/",
        ClaimDecideView.as_view(decision=ClaimDecision.REJECT),
        name="mdf_claim_reject",
    ),
    path("mdf/requests/<int:request_id>/clawback/", ClawbackView.as_view(), name="mdf_clawback"),
    path(
        "mdf/extensions/<int:extension_id>/grant/",
        ExtensionDecideView.as_view(approve=True),
        name="mdf_extension_grant",
    ),
    path(
        "mdf/extensions/<int:extension_id>/refuse/",
        ExtensionDecideView.as_view(approve=False),
        name="mdf_extension_refuse",
    ),
    path("mdf/proofs/<int:proof_id>/", OfficeProofView.as_view(), name="mdf_proof"),
]
portal_urlpatterns = [
    path("funds/", FundsView.as_view(), name="mdf"),
    path("funds/new/", MdfRequestNewView.as_view(), name="mdf_request_new"),
    path("funds/<int:request_id>/", PortalRequestView.as_view(), name="mdf_request"),
    path("funds/<int:request_id>/claim/", MdfClaimView.as_view(), name="mdf_claim"),
    path("funds/<int:request_id>/extension/", MdfExtensionView.as_view(), name="mdf_extension"),
    path("funds/<int:request_id>/link/", MdfLinkView.as_view(), name="mdf_link"),
    path("funds/<int:request_id>/cancel/", MdfCancelView.as_view(), name="mdf_cancel"),
    path("funds/proofs/<int:proof_id>/", PortalProofView.as_view(), name="mdf_proof"),
]
