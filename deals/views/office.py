"""Deal pages of the back office: the review queue, a deal with its conflict compare and the
decisions, the pipeline dashboard and CSV export, registering on a partner's behalf.

Every decision posts to its own URL, one ``ServiceView`` each (``DealPageAction``).
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from prm.accounts.access import OFFICE, MemberRequiredMixin
from prm.accounts.selectors import staff_members
from prm.errors import PolicyViolation
from prm.web.exports import csv_export, csv_safe
from prm.web.files import document_response
from prm.web.saved_filters import saved_filter_list_for_actor
from prm.web.views import ServiceView, paginate, query_without_page, shown_time, url_pattern
from programs.selectors.policies import product_line_options

from ..conflicts import conflict_key, is_strong
from ..forms_office import (
    ApproveForm,
    DealListFilterForm,
    DealMessageForm,
    DuplicateForm,
    ExtensionDecisionForm,
    OnBehalfRegistrationForm,
    QueueFilterForm,
    RejectForm,
    RequestInfoForm,
    ReverseWinForm,
    WinDecisionForm,
)
from ..forms_portal import AttachmentForm
from ..models import DealConflict, DealStage, DealStatus, RejectionReason
from ..permissions import DEALS_REGISTER_ON_BEHALF, DEALS_REVIEW, DEALS_VIEW, DealAction, deal_may, deal_reach
from ..selectors.deals import (
    attachment_get_for_actor,
    attachment_list_for_actor,
    event_list_for_actor,
    extension_get_for_actor,
    message_list_for_actor,
    product_options_for_actor,
)
from ..selectors.review import (
    deal_export_list_for_actor,
    deal_office_rows_for_actor,
    deal_partner_options_for_actor,
    deal_review_get_for_actor,
    deal_review_list_for_actor,
    deal_review_rows_for_actor,
    pipeline_get_for_actor,
    reviewer_options_for_actor,
)
from ..services import (
    attachment_add,
    deal_approve,
    deal_confirm_win,
    deal_mark_duplicate,
    deal_refuse_win,
    deal_register,
    deal_reject,
    deal_request_info,
    deal_reverse_win,
    extension_decide,
    message_post,
    pipeline_refresh,
)
from ..services.review import deal_conflicts_recheck
from . import pricing_sections
from .rows import deal_row

# --- the review queue -------------------------------------------------------------------------------


def _queue_filters(request, actor) -> QueueFilterForm:
    return QueueFilterForm(request.GET, reviewers=reviewer_options_for_actor(actor=actor))


class DealReviewListView(MemberRequiredMixin, View):
    """Registrations waiting for a decision, most urgent first; htmx swaps the results."""

    area, capability = OFFICE, DEALS_VIEW

    def get(self, request):
        filter_form = _queue_filters(request, self.actor)
        rows, deals = deal_review_rows_for_actor(actor=self.actor, **filter_form.filters())
        page = paginate(request, rows, count_from=deals)
        page.object_list = _queue_rows(page.object_list)
        context = {
            "filter_form": filter_form,
            "page": page,
            "query": query_without_page(request),
            "may_decide_pricing": deal_reach(self.actor, DealAction.PRICING_DECIDE) is not None,
            "may_register": deal_reach(self.actor, DealAction.REGISTER) is not None,
        }
        template = "deals/office_deal_reviews.html#results" if request.htmx else "deals/office_deal_reviews.html"
        return render(request, template, context)


def _queue_rows(rows: list[dict]) -> list[dict]:
    """A page of the queue (dicts of ``QUEUE_ROW_FIELDS``) with what it shows: the link from
    one reversed pattern, the reviewer's name, the amount and the two times formatted once here
    in the tenant's zone (100 ``date`` filters were a tenth of the page's time)."""
    detail_url = url_pattern("office:deal_detail", "deal_id")
    names = {member.id: member.label for member in staff_members()}
    now = timezone.now()
    for row in rows:
        row["url"] = detail_url(row["id"])
        row["reference"] = f"DR-{row['id']:06d}"  # Deal.reference
        row["amount_text"] = formats.number_format(row["amount"], decimal_pos=2, use_l10n=True, force_grouping=True)
        row["reviewer"] = names.get(row["reviewer_id"], "") if row["reviewer_id"] else ""
        row["submitted"] = shown_time(row["submitted_at"])
        row["due"] = shown_time(row["decision_due_at"])
        row["overdue"] = row["decision_due_at"] is not None and row["decision_due_at"] < now
    return rows


# --- every registration -------------------------------------------------------------------------------


class DealListView(MemberRequiredMixin, View):
    """Every registration of the tenant but drafts, newest first, filtered; htmx swaps the
    results. The review queue is the registrations waiting for a decision; this is all of them."""

    area, capability = OFFICE, DEALS_VIEW

    def get(self, request):
        filter_form = DealListFilterForm(request.GET, lines=product_line_options(active_only=False))
        filters = filter_form.filters()
        rows, deals = deal_office_rows_for_actor(actor=self.actor, **filters)
        page = paginate(request, rows, count_from=deals)
        page.object_list = office_rows(page.object_list)
        partner_id = filters["partner_id"]
        context = {
            "filter_form": filter_form,
            "page": page,
            "query": query_without_page(request),
            "partner_id": partner_id,
            # The chosen partner's name from its rows: no query for a chip.
            "partner_name": page.object_list[0]["partner__display_name"] if partner_id and page.object_list else "",
            "saved_filters": saved_filter_list_for_actor(actor=self.actor, page="deals"),
            "saved_filter_page": "deals",
            "export_cap": LIST_EXPORT_MAX,
        }
        template = "deals/office_deal_list.html#results" if request.htmx else "deals/office_deal_list.html"
        return render(request, template, context)


def office_rows(rows: list[dict]) -> list[dict]:
    """Rows of ``OFFICE_ROW_FIELDS`` with what they show: the link from one reversed pattern,
    labels, the badge (``rows.deal_row``), the submission time formatted once here."""
    detail_url = url_pattern("office:deal_detail", "deal_id")
    for row in rows:
        deal_row(row, detail_url)["submitted"] = shown_time(row["submitted_at"])
    return rows


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
                    "title": gettext("%(reference)s by %(partner)s")
                    % {"reference": other.reference, "partner": other.partner.display_name},
                    "strong": is_strong(score=conflict.score),
                    "key": conflict_key(other_deal_id=other.pk, account_id=None),
                    "deal": other,
                    "customer": other.customer_name,
                    "domain": other.customer_domain,
                    "country": other.customer_country,
                    "partner": other.partner.display_name,
                    "amount": f"{other.currency} "
                    + formats.number_format(other.amount, decimal_pos=2, use_l10n=True, force_grouping=True),
                    "status": other.get_status_display(),
                    "lines": ", ".join(line.product_line.name for line in other.lines.all()),
                }
            )
        elif conflict.account is not None:
            account = conflict.account
            rows.append(
                {
                    "conflict": conflict,
                    "title": gettext("Vendor account (%(kind)s)") % {"kind": account.get_kind_display().lower()},
                    "strong": is_strong(score=conflict.score, account_kind=account.kind),
                    "key": conflict_key(other_deal_id=None, account_id=account.pk),
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


def detail_context(actor, deal, **bound) -> dict:
    """The deal page; ``bound`` carries the form that failed (with what was typed)."""
    extension = deal.pending_extensions[0] if deal.pending_extensions else None
    forms = {
        "approve_form": ApproveForm(auto_id="approve_%s"),
        "reject_form": RejectForm(auto_id="reject_%s"),
        "info_form": RequestInfoForm(auto_id="info_%s"),
        "duplicate_form": DuplicateForm(originals=_originals(deal), auto_id="duplicate_%s"),
        "extension_form": ExtensionDecisionForm(auto_id="extension_%s"),
        "win_form": WinDecisionForm(auto_id="win_%s"),
        "reverse_win_form": ReverseWinForm(auto_id="reverse_win_%s"),
        "message_form": DealMessageForm(auto_id="message_%s"),
        "attachment_form": AttachmentForm(auto_id="attachment_%s"),
    }
    pricing = pricing_sections.office_context(actor, deal, bound.pop("pricing_decision_form", None))
    forms.update(bound)
    lines = list(deal.lines.all())
    compare = _compare_rows(deal)
    return {
        "area": OFFICE,
        "deal": deal,
        # What the page offers is what the guard allows (a form per action the actor may take).
        "may": {action.value: deal_may(actor, deal, action) for action in DealAction},
        "lines": lines,
        "own_lines": ", ".join(line.product_line.name for line in lines),
        "compare": compare,
        # What an approval must acknowledge (the service checks again under its lock).
        "strong_conflicts": [row for row in compare if row["strong"]],
        "extension": extension,
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
    area, capability = OFFICE, DEALS_VIEW

    def get(self, request, deal_id: int):
        deal = deal_review_get_for_actor(actor=self.actor, deal_id=deal_id)
        return render(request, "deals/office_deal_detail.html", detail_context(self.actor, deal))


class DealPageAction(ServiceView):
    """One form posted on the back office's deal page (a decision, a reply, a document), named
    ``<name>_form`` in the page's context: success comes back to the deal (at ``anchor``); invalid
    input or a refusal (a stale decision included: the service's ``InvalidTransition``) renders
    the deal again with what was typed and the message.

    An irreversible decision (``confirm_first``) is asked twice: the first valid POST renders the
    page with a confirmation panel that states the consequence (``confirmation(data)``) and
    posts the same values again with ``confirm=1``; only that second POST calls the service.
    Server-rendered, so it works without JavaScript."""

    area, capability = OFFICE, DEALS_REVIEW
    name = ""  # the form is the page's "<name>_form", its fields' ids "<name>_..."
    anchor = ""  # where the deal page opens after success
    not_done = _("Nothing was decided on {reference}: see the form below.")
    confirm_first = False

    def read_deal(self):
        """The deal the URL names, as a reviewer reads it (a 404 when the actor may not see it)."""
        return deal_review_get_for_actor(actor=self.actor, deal_id=self.kwargs["deal_id"])

    def get_object(self):
        return self.read_deal()

    def get_form_kwargs(self):
        # The page holds several forms: each names its fields' ids after itself.
        return {"auto_id": f"{self.name}_%s"}

    @property
    def invalid_message(self) -> str:
        return format_lazy(self.not_done, reference=self.object.reference)

    def page_context(self, form) -> dict:
        return {f"{self.name}_form": form}

    def render_invalid(self, form):
        # Read the deal again, and only the deal: a refused decision may be refused because someone
        # else decided meanwhile, and what an action found with the deal (an extension, a pricing
        # request) may be decided now; the page shows what is left.
        context = detail_context(self.actor, self.read_deal(), **self.page_context(form))
        return render(self.request, "deals/office_deal_detail.html", context)

    def confirmation(self, data) -> tuple[str, str]:
        """The question the confirmation panel asks (with its consequence) and its button."""
        raise NotImplementedError

    def render_confirmation(self, form):
        question, button = self.confirmation(form.cleaned_data)
        values = [(key, value) for key in self.request.POST for value in self.request.POST.getlist(key)]
        confirming = {
            "question": question,
            "button": button,
            "action": self.request.path,
            "values": [(key, value) for key, value in values if key not in ("csrfmiddlewaretoken", "confirm")],
        }
        context = detail_context(self.actor, self.object, **self.page_context(form))
        return render(self.request, "deals/office_deal_detail.html", {**context, "confirming": confirming})

    def post(self, request, *args, **kwargs):
        if not self.confirm_first or request.POST.get("confirm") == "1":
            return super().post(request, *args, **kwargs)
        self.object = self.get_object()
        self.form = form = self.get_form()
        if not form.is_valid():
            messages.error(request, self.invalid_message)
            return self.render_invalid(form)
        return self.render_confirmation(form)

    def success_url(self, result) -> str:
        return reverse("office:deal_detail", args=[self.object.pk]) + self.anchor


# Said by every confirmation of a decision the partner is told about.
_TOLD_AT_ONCE = _("The partner is told at once and this cannot be undone.")


ACKNOWLEDGED_KEY = re.compile(r"(deal|account):\d{1,18}")


class DealApproveView(DealPageAction):
    """Approve; over a strong conflict only with the acknowledgement (the service enforces it)."""

    form_class, name = ApproveForm, "approve"

    def perform(self, data):
        try:
            return deal_approve(
                actor=self.actor,
                deal=self.object,
                note=data["note"],
                # The conflicts the page showed, as it posts them back (a newer one is not among them).
                conflicts_acknowledged={
                    key for key in self.request.POST.getlist("acknowledged")[:100] if ACKNOWLEDGED_KEY.fullmatch(key)
                }
                if data["conflicts_acknowledged"]
                else False,
            )
        except PolicyViolation as refusal:
            if refusal.code == "conflict_not_acknowledged":
                # The refused approval's report was rolled back with it: keep it, so that the page
                # shows the conflicts to acknowledge (one may be newer than the page).
                deal_conflicts_recheck(actor=self.actor, deal=self.object)
            raise

    def success_message(self, deal) -> str:
        return gettext("%(reference)s is approved and protected for %(partner)s.") % {
            "reference": deal.reference,
            "partner": deal.partner.display_name,
        }


class DealRejectView(DealPageAction):
    form_class, name, confirm_first = RejectForm, "reject", True

    def confirmation(self, data) -> tuple[str, str]:
        question = gettext("Reject %(reference)s (%(reason)s)?") % {
            "reference": self.object.reference,
            "reason": RejectionReason(data["reason_code"]).label,
        }
        return f"{question} {_TOLD_AT_ONCE}", gettext("Yes, reject %(reference)s") % {
            "reference": self.object.reference
        }

    def perform(self, data):
        return deal_reject(actor=self.actor, deal=self.object, reason_code=data["reason_code"], message=data["message"])

    def success_message(self, deal) -> str:
        return gettext("%(reference)s is rejected; the partner is told why.") % {"reference": deal.reference}


class DealRequestInfoView(DealPageAction):
    form_class, name = RequestInfoForm, "info"

    def perform(self, data):
        return deal_request_info(
            actor=self.actor, deal=self.object, fields=data["fields_requested"], message=data["message"]
        )

    def success_message(self, deal) -> str:
        return gettext("%(reference)s is back with the partner to complete.") % {"reference": deal.reference}


class DealDuplicateView(DealPageAction):
    form_class, name, confirm_first = DuplicateForm, "duplicate", True

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "originals": _originals(self.object)}

    def confirmation(self, data) -> tuple[str, str]:
        question = gettext("Close %(reference)s as a duplicate of %(original)s?") % {
            "reference": self.object.reference,
            "original": data["original"].reference,
        }
        return f"{question} {_TOLD_AT_ONCE}", gettext("Yes, close it as a duplicate")

    def perform(self, data):
        return deal_mark_duplicate(actor=self.actor, deal=self.object, original=data["original"])

    def success_message(self, deal) -> str:
        return gettext("%(reference)s is closed as a duplicate of %(original)s.") % {
            "reference": deal.reference,
            "original": self.form.cleaned_data["original"].reference,
        }


class ExtensionDecideView(DealPageAction):
    """Grant or refuse an asked extension of the protection (a button each)."""

    form_class, name, confirm_first = ExtensionDecisionForm, "extension", True

    def get_object(self):
        deal = super().get_object()
        # In any status: of two reviewers deciding it, the second is told it is decided already.
        self.extension = extension_get_for_actor(actor=self.actor, deal=deal, extension_id=self.kwargs["extension_id"])
        return deal

    def confirmation(self, data) -> tuple[str, str]:
        values = {"days": self.extension.days, "reference": self.object.reference}
        if data["decision"] == "approve":
            question = ngettext(
                "Grant %(days)s more day of protection on %(reference)s?",
                "Grant %(days)s more days of protection on %(reference)s?",
                self.extension.days,
            )
            return f"{question % values} {_TOLD_AT_ONCE}", gettext("Yes, grant the extension")
        question = ngettext(
            "Refuse the %(days)s-day extension of %(reference)s?",
            "Refuse the %(days)s-day extension of %(reference)s?",
            self.extension.days,
        )
        return f"{question % values} {_TOLD_AT_ONCE}", gettext("Yes, refuse the extension")

    def perform(self, data):
        approve = data["decision"] == "approve"
        return extension_decide(actor=self.actor, extension=self.extension, approve=approve, note=data["note"])

    def success_message(self, extension) -> str:
        return gettext("The extension of %(reference)s is %(status)s.") % {
            "reference": self.object.reference,
            "status": extension.get_status_display().lower(),
        }


class DealWinView(DealPageAction):
    """Confirm a reported win, or refuse it with a reason (a button each)."""

    form_class, name, confirm_first = WinDecisionForm, "win", True

    def confirmation(self, data) -> tuple[str, str]:
        deal = self.object
        values = {"reference": deal.reference}
        if data["decision"] == "confirm":
            question = gettext("Confirm the win of %(reference)s?") % values
            return f"{question} {_TOLD_AT_ONCE}", gettext("Yes, confirm the win")
        question = gettext("Refuse the reported win of %(reference)s? The deal is approved again.") % values
        return f"{question} {_TOLD_AT_ONCE}", gettext("Yes, refuse the win")

    def perform(self, data):
        if data["decision"] == "confirm":
            return deal_confirm_win(actor=self.actor, deal=self.object)
        return deal_refuse_win(actor=self.actor, deal=self.object, reason=data["reason"])

    def success_message(self, deal) -> str:
        if deal.status == DealStatus.WON:
            return gettext("%(reference)s's win is confirmed.") % {"reference": deal.reference}
        return gettext("%(reference)s's win is not confirmed; the deal is approved again.") % {
            "reference": deal.reference
        }


class DealReverseWinView(DealPageAction):
    """Reverse a confirmed win that did not stand: the deal is lost, and what the win earned
    (incentives) is clawed back."""

    form_class, name, confirm_first = ReverseWinForm, "reverse_win", True

    def confirmation(self, data) -> tuple[str, str]:
        question = gettext(
            "Reverse the win of %(reference)s? The deal is lost, and incentives it earned are taken back."
        ) % {"reference": self.object.reference}
        return f"{question} {_TOLD_AT_ONCE}", gettext("Yes, reverse the win")

    def perform(self, data):
        return deal_reverse_win(actor=self.actor, deal=self.object, reason=data["reason"])

    def success_message(self, deal) -> str:
        return gettext("%(reference)s's win is reversed; the deal is lost.") % {"reference": deal.reference}


# --- one deal: the conversation and its documents ----------------------------------------------------


class DealMessageView(DealPageAction):
    """Answer the partner on the deal (they are notified), or leave an internal note that only
    staff read. An empty message renders the deal again with what was typed."""

    form_class, name, anchor = DealMessageForm, "message", "#conversation"
    not_done = _("Nothing was sent on {reference}: see the message form below.")

    def perform(self, data):
        return message_post(actor=self.actor, deal=self.object, body=data["body"], internal=data["internal"])

    def success_message(self, message) -> str:
        if message.internal:
            return gettext("Your internal note was added.")
        return gettext("Your message was sent to the partner.")


class DealAttachmentAddView(DealPageAction):
    """Attach a document (the vendor's quote, a customer's purchase order) for both sides to read."""

    form_class, name, anchor = AttachmentForm, "attachment", "#attachments-title"
    not_done = _("Nothing was attached: correct the fields marked below.")

    def perform(self, data):
        return attachment_add(actor=self.actor, deal=self.object, file=data["file"], name=data["name"])

    def success_message(self, attachment) -> str:
        return gettext("The document was attached.")


class DealAttachmentView(MemberRequiredMixin, View):
    """A document of the deal, as a download (never rendered inline), to the tenant's staff."""

    area, capability = OFFICE, DEALS_VIEW

    def get(self, request, deal_id: int, attachment_id: int):
        # The office area lets in only this tenant's staff; the selector 404s another deal's file.
        attachment = attachment_get_for_actor(actor=self.actor, deal_id=deal_id, attachment_id=attachment_id)
        return document_response(attachment.file, name=f"deal-{deal_id}-attachment-{attachment.pk}")


# --- the pipeline and the export ---------------------------------------------------------------------


def _chart(pipeline) -> dict:
    """Open protected deals per stage, for the bar chart (static/js/charts.js)."""
    return {
        "label": gettext("Approved deals by stage"),
        "labels": [label for _, label in DealStage.choices],
        "values": [pipeline.stage_counts.get(value, 0) for value, _ in DealStage.choices],
        "colors": ["#6c757d", "#0d6efd", "#6610f2", "#fd7e14", "#198754"],
    }


class DealPipelineView(MemberRequiredMixin, View):
    """The pipeline dashboard: approvals due and SLA breaches (live), then tables and one chart
    (the figures a worker computes every 15 minutes, ``services.pipeline_refresh``)."""

    area, capability = OFFICE, DEALS_VIEW

    def get(self, request):
        pipeline = pipeline_get_for_actor(actor=self.actor)
        if pipeline is None:  # a tenant before its first background refresh: compute the figures now
            pipeline_refresh()
            pipeline = pipeline_get_for_actor(actor=self.actor)
        return render(request, "deals/office_deal_pipeline.html", {"pipeline": pipeline, "chart": _chart(pipeline)})


class DealExportView(MemberRequiredMixin, View):
    """Every registration (drafts aside), filtered like the queue, as CSV. ``?status=`` narrows
    it to one status; ``?queue=1`` exports the review queue itself."""

    area, capability = OFFICE, DEALS_VIEW
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


# The list's export stops here: a channel manager's spreadsheet, not a data dump (the pipeline
# export, ``DealExportView``, has every registration).
LIST_EXPORT_MAX = 5000


class DealListExportView(MemberRequiredMixin, View):
    """The back office's deal list as CSV, with the list's filters (the same form, the same
    selector, the same order), at most ``LIST_EXPORT_MAX`` rows, newest first."""

    area, capability = OFFICE, DEALS_VIEW

    @staticmethod
    def columns() -> list[str]:
        return [
            gettext("Reference"),
            gettext("Partner"),
            gettext("Customer"),
            gettext("Customer domain"),
            gettext("Country"),
            gettext("Amount"),
            gettext("Currency"),
            gettext("Status"),
            gettext("Stage"),
            gettext("Product lines"),
            gettext("Expected close"),
            gettext("Protected until"),
            gettext("Submitted"),
            gettext("Decided"),
            gettext("Reviewer"),
        ]

    def get(self, request):
        filters = DealListFilterForm(request.GET, lines=product_line_options(active_only=False)).filters()
        _, deals = deal_office_rows_for_actor(actor=self.actor, **filters)
        deals = deals.select_related("partner", "reviewer__user").prefetch_related("lines__product_line")
        return csv_export(name="deal-list", columns=self.columns(), rows=deals[:LIST_EXPORT_MAX], row=self.row)

    @staticmethod
    def row(deal) -> list:
        def day(value) -> str:
            return value.isoformat() if value else ""

        def moment(value) -> str:
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

        return [
            deal.reference,
            csv_safe(deal.partner.display_name),
            csv_safe(deal.customer_name),
            deal.customer_domain,
            deal.customer_country,
            f"{deal.amount:.2f}",
            deal.currency,
            deal.get_status_display(),
            deal.get_stage_display(),
            csv_safe("; ".join(f"{line.product_line.name} x{line.quantity}" for line in deal.lines.all())),
            day(deal.expected_close_on),
            day(deal.protected_until),
            moment(deal.submitted_at),
            moment(deal.decided_at),
            csv_safe(str(deal.reviewer.user)) if deal.reviewer else "",
        ]


# --- registering on a partner's behalf ------------------------------------------------------------------


class DealRegisterView(ServiceView):
    """A channel manager registers a deal for a partner; it is submitted at once (``entered_by``
    records who entered it), in the one service call: a submission the policy refuses leaves no
    draft."""

    area, capability = OFFICE, DEALS_REGISTER_ON_BEHALF
    form_class = OnBehalfRegistrationForm
    invalid_message = _("The registration was not saved: see the form below.")

    def get_form_kwargs(self):
        return {
            "partners": deal_partner_options_for_actor(actor=self.actor),
            "products": product_options_for_actor(actor=self.actor),
            "initial": {"currency": self.request.tenant.default_currency},
        }

    def get(self, request):
        return self.render_invalid(OnBehalfRegistrationForm(**self.get_form_kwargs()))

    def perform(self, data):
        return deal_register(
            actor=self.actor,
            partner=data["partner"],
            customer_name=data["customer_name"],
            customer_website=data["customer_website"],
            customer_country=data["customer_country"],
            contact_email=data["contact_email"],
            amount=data["amount"],
            currency=data["currency"],
            expected_close_on=data["expected_close_on"],
            lines=self.form.lines,
            submit=True,
        )

    def success_message(self, deal) -> str:
        status = deal.get_status_display().lower()
        return gettext("%(reference)s is registered for %(partner)s (%(status)s).") % {
            "reference": deal.reference,
            "partner": deal.partner.display_name,
            "status": status,
        }

    def success_url(self, deal) -> str:
        return reverse("office:deal_detail", args=[deal.pk])

    def render_invalid(self, form):
        return render(self.request, "deals/office_deal_register.html", {"form": form})
