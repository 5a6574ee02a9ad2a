"""Deal pages of the back office: the review queue, a deal with its conflict compare and the
decisions, the pipeline dashboard and CSV export, registering on a partner's behalf.

Every decision posts to its own URL and goes through ``run_service``: success redirects to the
deal; invalid input or a refused decision (a stale one included: the service's
``InvalidTransition``) renders the deal again with what was typed and the message.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from prm.accounts.access import OFFICE, MemberRequiredMixin
from prm.web.exports import csv_export, csv_safe
from prm.web.files import document_response
from prm.web.views import paginate, query_without_page, run_service

from ..forms_office import (
    ApproveForm,
    DealMessageForm,
    DuplicateForm,
    ExtensionDecisionForm,
    OnBehalfRegistrationForm,
    QueueFilterForm,
    RejectForm,
    RequestInfoForm,
    WinDecisionForm,
)
from ..forms_portal import AttachmentForm
from ..models import DealConflict, DealStage, DealStatus
from ..selectors.deals import (
    attachment_get_for_actor,
    attachment_list_for_actor,
    event_list_for_actor,
    message_list_for_actor,
)
from ..selectors.review import (
    deal_export_list_for_actor,
    deal_review_get_for_actor,
    deal_review_list_for_actor,
    partner_options_for_actor,
    pipeline_get_for_actor,
    product_options_for_actor,
    reviewer_options_for_actor,
)
from ..services import (
    attachment_add,
    deal_approve,
    deal_confirm_win,
    deal_create,
    deal_mark_duplicate,
    deal_refuse_win,
    deal_reject,
    deal_request_info,
    deal_submit,
    extension_decide,
    message_post,
    pipeline_refresh,
)
from . import pricing_sections

# --- the review queue -------------------------------------------------------------------------------


def _queue_filters(request, actor) -> QueueFilterForm:
    return QueueFilterForm(request.GET, reviewers=reviewer_options_for_actor(actor=actor))


class DealReviewListView(MemberRequiredMixin, View):
    """Registrations waiting for a decision, most urgent first; htmx swaps the results."""

    area, capability = OFFICE, "deals.view"

    def get(self, request):
        filter_form = _queue_filters(request, self.actor)
        page = paginate(request, deal_review_list_for_actor(actor=self.actor, **filter_form.filters()))
        context = {
            "filter_form": filter_form,
            "page": page,
            "query": query_without_page(request),
            "now": timezone.now(),
        }
        template = "deals/office_deal_reviews.html#results" if request.htmx else "deals/office_deal_reviews.html"
        return render(request, template, context)


# --- one deal: the compare and the decisions ----------------------------------------------------------


def _compare_rows(deal) -> list[dict]:
    """Each conflict beside the deal: the other registration (any partner: staff may see it) or
    the vendor account, with the score and the reasons."""
    rows = []
    for conflict in deal.conflicts.all():
        other = conflict.other_deal
        if conflict.kind == DealConflict.Kind.REGISTRATION and other is not None:
            rows.append(
                {
                    "conflict": conflict,
                    "title": f"{other.reference} by {other.partner.display_name}",
                    "deal": other,
                    "customer": other.customer_name,
                    "domain": other.customer_domain,
                    "country": other.customer_country,
                    "partner": other.partner.display_name,
                    "amount": f"{other.currency} {other.amount:,.2f}",
                    "status": other.get_status_display(),
                    "lines": ", ".join(line.product_line.name for line in other.lines.all()),
                }
            )
        elif conflict.account is not None:
            account = conflict.account
            rows.append(
                {
                    "conflict": conflict,
                    "title": f"Vendor account ({account.get_kind_display().lower()})",
                    "deal": None,
                    "customer": account.name,
                    "domain": account.domain,
                    "country": account.country,
                    "partner": "",
                    "amount": "",
                    "status": account.get_kind_display(),
                    "lines": "",
                }
            )
    return rows


def _originals(deal) -> list:
    """What a registration may duplicate: the conflicting registrations the reviewer sees."""
    return [c.other_deal for c in deal.conflicts.all() if c.other_deal is not None and c.other_deal.pk != deal.pk]


def _detail_context(actor, deal, **bound) -> dict:
    """The deal page; ``bound`` carries the form that failed (with what was typed)."""
    extension = deal.pending_extensions[0] if deal.pending_extensions else None
    forms = {
        "approve_form": ApproveForm(auto_id="approve_%s"),
        "reject_form": RejectForm(auto_id="reject_%s"),
        "info_form": RequestInfoForm(auto_id="info_%s"),
        "duplicate_form": DuplicateForm(originals=_originals(deal), auto_id="duplicate_%s"),
        "extension_form": ExtensionDecisionForm(auto_id="extension_%s"),
        "win_form": WinDecisionForm(auto_id="win_%s"),
        "message_form": DealMessageForm(auto_id="message_%s"),
        "attachment_form": AttachmentForm(auto_id="attachment_%s"),
    }
    pricing = pricing_sections.office_context(actor, deal, bound.pop("pricing_decision_form", None))
    forms.update(bound)
    own_lines = ", ".join(line.product_line.name for line in deal.lines.all())
    return {
        "deal": deal,
        "own_lines": own_lines,
        "compare": _compare_rows(deal),
        "extension": extension,
        "can_decide": actor.can("deals.review"),
        "awaiting_review": deal.status == DealStatus.SUBMITTED,
        "awaiting_win": deal.status == DealStatus.WON_PENDING,
        "overdue": deal.decision_due_at is not None and deal.decision_due_at < timezone.now(),
        # Staff read every message and event, internal ones included.
        "conversation": message_list_for_actor(actor=actor, deal=deal),
        "attachments": attachment_list_for_actor(actor=actor, deal=deal),
        "events": event_list_for_actor(actor=actor, deal=deal),
        **forms,
        **pricing,
    }


class DealDetailView(MemberRequiredMixin, View):
    area, capability = OFFICE, "deals.view"

    def get(self, request, deal_id: int):
        deal = deal_review_get_for_actor(actor=self.actor, deal_id=deal_id)
        return render(request, "deals/office_deal_detail.html", _detail_context(self.actor, deal))


class _DealPostView(MemberRequiredMixin, View):
    """One form posted on a deal (a decision, a reply, a document): parse it, call the service,
    come back to the deal; invalid input or a refusal renders the deal with what was typed."""

    area, capability = OFFICE, "deals.review"
    form_name: str = ""
    anchor: str = ""  # where the deal page opens after success
    not_done: str = "Nothing was decided on {reference}: see the form below."

    def form(self, request, deal):
        raise NotImplementedError

    def decide(self, deal, data) -> tuple:
        """(the service call, the success message)."""
        raise NotImplementedError

    def post(self, request, deal_id: int, **kwargs):
        deal = deal_review_get_for_actor(actor=self.actor, deal_id=deal_id)
        form = self.form(request, deal)
        if form.is_valid():
            call, success = self.decide(deal, form.cleaned_data)
            if run_service(request, call, success=success):
                return redirect(f"{reverse('office:deal_detail', args=[deal.pk])}{self.anchor}")
        else:
            messages.error(request, self.not_done.format(reference=deal.reference))
        # Read again: a refused decision may be refused because someone else decided meanwhile.
        deal = deal_review_get_for_actor(actor=self.actor, deal_id=deal_id)
        context = _detail_context(self.actor, deal, **{self.form_name: form})
        return render(request, "deals/office_deal_detail.html", context)


class DealApproveView(_DealPostView):
    form_name = "approve_form"

    def form(self, request, deal):
        return ApproveForm(request.POST, auto_id="approve_%s")

    def decide(self, deal, data):
        return (
            lambda: deal_approve(actor=self.actor, deal=deal, note=data["note"]),
            f"{deal.reference} is approved and protected for {deal.partner.display_name}.",
        )


class DealRejectView(_DealPostView):
    form_name = "reject_form"

    def form(self, request, deal):
        return RejectForm(request.POST, auto_id="reject_%s")

    def decide(self, deal, data):
        return (
            lambda: deal_reject(actor=self.actor, deal=deal, reason_code=data["reason_code"], message=data["message"]),
            f"{deal.reference} is rejected; the partner is told why.",
        )


class DealRequestInfoView(_DealPostView):
    form_name = "info_form"

    def form(self, request, deal):
        return RequestInfoForm(request.POST, auto_id="info_%s")

    def decide(self, deal, data):
        return (
            lambda: deal_request_info(
                actor=self.actor, deal=deal, fields=data["fields_requested"], message=data["message"]
            ),
            f"{deal.reference} is back with the partner to complete.",
        )


class DealDuplicateView(_DealPostView):
    form_name = "duplicate_form"

    def form(self, request, deal):
        return DuplicateForm(request.POST, originals=_originals(deal), auto_id="duplicate_%s")

    def decide(self, deal, data):
        original = data["original"]
        return (
            lambda: deal_mark_duplicate(actor=self.actor, deal=deal, original=original),
            f"{deal.reference} is closed as a duplicate of {original.reference}.",
        )


class ExtensionDecideView(_DealPostView):
    form_name = "extension_form"

    def form(self, request, deal):
        self.extension = next((e for e in deal.pending_extensions if e.pk == self.kwargs["extension_id"]), None)
        if self.extension is None:
            raise Http404
        return ExtensionDecisionForm(request.POST, auto_id="extension_%s")

    def decide(self, deal, data):
        approve = data["decision"] == "approve"
        return (
            lambda: extension_decide(actor=self.actor, extension=self.extension, approve=approve, note=data["note"]),
            f"The extension of {deal.reference} is {'approved' if approve else 'refused'}.",
        )


class DealWinView(_DealPostView):
    form_name = "win_form"

    def form(self, request, deal):
        return WinDecisionForm(request.POST, auto_id="win_%s")

    def decide(self, deal, data):
        if data["decision"] == "confirm":
            return (
                lambda: deal_confirm_win(actor=self.actor, deal=deal),
                f"{deal.reference}'s win is confirmed.",
            )
        return (
            lambda: deal_refuse_win(actor=self.actor, deal=deal, reason=data["reason"]),
            f"{deal.reference}'s win is not confirmed; the deal is approved again.",
        )


# --- one deal: the conversation and its documents ----------------------------------------------------


class DealMessageView(_DealPostView):
    """Answer the partner on the deal (they are notified), or leave an internal note that only
    staff read. An empty message renders the deal again with what was typed."""

    form_name, anchor = "message_form", "#conversation"
    not_done = "Nothing was sent on {reference}: see the message form below."

    def form(self, request, deal):
        return DealMessageForm(request.POST, auto_id="message_%s")

    def decide(self, deal, data):
        internal = data["internal"]
        return (
            lambda: message_post(actor=self.actor, deal=deal, body=data["body"], internal=internal),
            "Your internal note was added." if internal else "Your message was sent to the partner.",
        )


class DealAttachmentAddView(_DealPostView):
    """Attach a document (the vendor's quote, a customer's purchase order) for both sides to read."""

    form_name, anchor = "attachment_form", "#attachments-title"
    not_done = "Nothing was attached: correct the fields marked below."

    def form(self, request, deal):
        return AttachmentForm(request.POST, request.FILES, auto_id="attachment_%s")

    def decide(self, deal, data):
        return (
            lambda: attachment_add(actor=self.actor, deal=deal, file=data["file"], name=data["name"]),
            "The document was attached.",
        )


class DealAttachmentView(MemberRequiredMixin, View):
    """A document of the deal, as a download (never rendered inline), to the tenant's staff."""

    area, capability = OFFICE, "deals.view"

    def get(self, request, deal_id: int, attachment_id: int):
        # The office area lets in only this tenant's staff; the selector 404s another deal's file.
        attachment = attachment_get_for_actor(actor=self.actor, deal_id=deal_id, attachment_id=attachment_id)
        return document_response(attachment.file, name=f"deal-{deal_id}-attachment-{attachment.pk}")


# --- the pipeline and the export ---------------------------------------------------------------------


def _chart(pipeline) -> dict:
    """Open protected deals per stage, for the bar chart (static/js/charts.js)."""
    return {
        "label": "Approved deals by stage",
        "labels": [label for _, label in DealStage.choices],
        "values": [pipeline.stage_counts.get(value, 0) for value, _ in DealStage.choices],
        "colors": ["#6c757d", "#0d6efd", "#6610f2", "#fd7e14", "#198754"],
    }


class DealPipelineView(MemberRequiredMixin, View):
    """The pipeline dashboard: approvals due and SLA breaches (live), then tables and one chart
    (the figures a worker computes every 15 minutes, ``services.pipeline_refresh``)."""

    area, capability = OFFICE, "deals.view"

    def get(self, request):
        pipeline = pipeline_get_for_actor(actor=self.actor)
        if pipeline is None:  # a tenant before its first background refresh: compute the figures now
            pipeline_refresh()
            pipeline = pipeline_get_for_actor(actor=self.actor)
        return render(request, "deals/office_deal_pipeline.html", {"pipeline": pipeline, "chart": _chart(pipeline)})


class DealExportView(MemberRequiredMixin, View):
    """Every registration (drafts aside), filtered like the queue, as CSV. ``?status=`` narrows
    it to one status; ``?queue=1`` exports the review queue itself."""

    area, capability = OFFICE, "deals.view"
    columns = (
        "reference",
        "partner",
        "customer",
        "country",
        "amount",
        "currency",
        "status",
        "stage",
        "submitted",
        "decision_due",
        "protected_until",
        "lines",
    )

    def get(self, request):
        filters = _queue_filters(request, self.actor).filters()
        if request.GET.get("queue"):
            deals = deal_review_list_for_actor(actor=self.actor, **filters).prefetch_related("lines__product_line")
        else:
            filters.pop("sla")
            deals = deal_export_list_for_actor(actor=self.actor, status=request.GET.get("status", ""), **filters)
        return csv_export(name="deals", columns=self.columns, rows=deals, row=self.row)

    @staticmethod
    def row(deal) -> list:
        return [
            deal.reference,
            csv_safe(deal.partner.display_name),
            csv_safe(deal.customer_name),
            deal.customer_country,
            f"{deal.amount:.2f}",
            deal.currency,
            deal.get_status_display(),
            deal.get_stage_display(),
            deal.submitted_at.isoformat() if deal.submitted_at else "",
            deal.decision_due_at.isoformat() if deal.decision_due_at else "",
            deal.protected_until.isoformat() if deal.protected_until else "",
            csv_safe("; ".join(f"{line.product_line.name} x{line.quantity}" for line in deal.lines.all())),
        ]


# --- registering on a partner's behalf ------------------------------------------------------------------


def _registration_form(request, actor, data=None) -> OnBehalfRegistrationForm:
    return OnBehalfRegistrationForm(
        data,
        partners=partner_options_for_actor(actor=actor),
        products=product_options_for_actor(actor=actor),
        initial={"currency": request.tenant.default_currency},
    )


@transaction.atomic
def _register_and_submit(*, actor, data: dict, lines: list):
    """Create and submit in one transaction: a submission the policy refuses leaves no draft."""
    deal = deal_create(
        actor=actor,
        partner=data["partner"],
        customer_name=data["customer_name"],
        customer_website=data["customer_website"],
        customer_country=data["customer_country"],
        contact_email=data["contact_email"],
        amount=data["amount"],
        currency=data["currency"],
        expected_close_on=data["expected_close_on"],
        lines=lines,
    )
    return deal_submit(actor=actor, deal=deal)


class DealRegisterView(MemberRequiredMixin, View):
    """A channel manager registers a deal for a partner; it is submitted at once (``entered_by``
    records who entered it)."""

    area, capability = OFFICE, "deals.register_on_behalf"

    def get(self, request):
        return render(request, "deals/office_deal_register.html", {"form": _registration_form(request, self.actor)})

    def post(self, request):
        form = _registration_form(request, self.actor, request.POST)
        if form.is_valid():
            created = {}

            def call():
                created["deal"] = _register_and_submit(actor=self.actor, data=form.cleaned_data, lines=form.lines)

            if run_service(request, call):
                deal = created["deal"]
                messages.success(
                    request,
                    f"{deal.reference} is registered for {deal.partner.display_name} "
                    f"({deal.get_status_display().lower()}).",
                )
                return redirect("office:deal_detail", deal_id=deal.pk)
        else:
            messages.error(request, "The registration was not saved: see the form below.")
        return render(request, "deals/office_deal_register.html", {"form": form})
