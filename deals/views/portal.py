"""Deal pages of the partner portal: register, my and company deals, a deal with its timeline
and conversation, the actions after approval.

Every write is a ``ServiceView`` (or ``call_service``): one form, one service call; success
comes back to the deal, invalid input or a refusal renders the page again with what was typed.
"""

from __future__ import annotations

from functools import cached_property

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from prm.accounts.access import PORTAL, MemberRequiredMixin
from prm.accounts.rules import COMPANY
from prm.web.files import document_response
from prm.web.views import ServiceView, call_service, paginate, query_without_page, shown_time, url_pattern

from ..conflicts import conflict_hint
from ..forms_portal import (
    AttachmentForm,
    DealFilterForm,
    DealForm,
    ExtensionForm,
    HintForm,
    MessageForm,
    ReasonForm,
    RegistrationForm,
    StageForm,
    WonForm,
)
from ..models import DealStatus, ExtensionStatus
from ..permissions import DEALS_REGISTER, DealAction, deal_is_partner_draft, deal_may, deal_reach
from ..selectors.deals import (
    ProductOffer,
    attachment_get_for_actor,
    attachment_list_for_actor,
    deal_get_for_actor,
    deal_rows_for_actor,
    event_list_for_actor,
    message_list_for_actor,
    product_offer_for_actor,
)
from ..services import (
    PARTNER_EDITABLE_FIELDS,
    attachment_add,
    deal_mark_lost,
    deal_mark_won,
    deal_register,
    deal_register_role_refusal,
    deal_submit,
    deal_update,
    deal_update_stage,
    deal_withdraw,
    extension_request,
    message_post,
)
from . import pricing_sections
from .rows import deal_row

S = DealStatus
# Capability of every deal page of the portal: the users who register deals (admins and reps).
CAPABILITY = DEALS_REGISTER
AMOUNT_FIELDS = frozenset({"amount", "lines"})
FIELD_LABELS = {name: field.label for name, field in DealForm.base_fields.items()} | {"lines": gettext_lazy("Products")}
NOT_SAVED = gettext_lazy("The deal was not saved: correct the fields marked below.")


def _detail_url(deal) -> str:
    return reverse("portal:deal_detail", args=[deal.pk])


# --- the list -------------------------------------------------------------------------------------


class DealListView(MemberRequiredMixin, View):
    """My deals, and the company's for partner admins: filters, pagination; htmx swaps results."""

    area, capability = PORTAL, CAPABILITY

    def get(self, request):
        company_tab = deal_reach(self.actor, DealAction.VIEW) == COMPANY
        # Partner admins land on the company's registrations; "My deals" is a tab away.
        asked = request.GET.get("tab")
        tab = "company" if company_tab and asked != "mine" else "mine"
        form = DealFilterForm(request.GET)
        rows, deals = deal_rows_for_actor(actor=self.actor, mine=tab == "mine", **form.filters())
        page = paginate(request, rows, count_from=deals)
        page.object_list = _list_rows(page.object_list)
        context = {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "tab": tab,
            "company_tab": company_tab,
        }
        template = "deals/portal_deal_list.html#results" if request.htmx else "deals/portal_deal_list.html"
        return render(request, template, context)


def _list_rows(rows: list[dict]) -> list[dict]:
    """A page of the list (dicts of ``LIST_ROW_FIELDS``) with what it shows: the link from one
    reversed pattern, labels, the badge (``rows.deal_row``), the registrant's name, times
    formatted once."""
    detail_url = url_pattern("portal:deal_detail", "deal_id")
    for row in rows:
        status = deal_row(row, detail_url)["status"]
        full_name = f"{row['registered_by__user__first_name']} {row['registered_by__user__last_name']}".strip()
        row["registered_by"] = full_name or row["registered_by__user__email"]  # User.__str__
        row["due"] = shown_time(row["decision_due_at"]) if status == S.SUBMITTED else None
        row["protected"] = row["protected_until"] if status in (S.APPROVED, S.WON_PENDING) else None
        row["created"] = shown_time(row["created_at"])
    return rows


# --- register and edit ----------------------------------------------------------------------------


def _saved_message(deal) -> str:
    if deal.status == S.APPROVED:
        return _("%(reference)s was approved: %(customer)s is protected until %(day)s.") % {
            "reference": deal.reference,
            "customer": deal.customer_name,
            "day": date_format(deal.protected_until, "DATE_FORMAT"),
        }
    if deal.status == S.SUBMITTED:
        if deal.decision_due_at:
            return _("%(reference)s was submitted for review. A decision is due by %(due)s.") % {
                "reference": deal.reference,
                "due": date_format(timezone.localtime(deal.decision_due_at), "DATETIME_FORMAT"),
            }
        return _("%(reference)s was submitted for review.") % {"reference": deal.reference}
    return _("%(reference)s was saved as a draft: only your company sees it. Submit it when it is complete.") % {
        "reference": deal.reference
    }


class _RegistrationFormView(ServiceView):
    """The registration form, to register a deal or edit one; "Submit" (``intent``) submits it in
    the same service call, so a refused submission writes nothing and keeps everything typed."""

    area, capability = PORTAL, CAPABILITY
    form_class = RegistrationForm
    invalid_message = NOT_SAVED
    template = "deals/portal_deal_form.html"
    deal = None

    @property
    def submit(self) -> bool:
        return self.request.POST.get("intent") == "submit"

    def render_form(self, form: RegistrationForm):
        context = {
            "form": form.deal,
            "lines": form.lines,
            "deal": self.deal,
            "lines_editable": form.lines is not None,
            "not_offered": form.offer.not_offered,
            "asked": [FIELD_LABELS.get(name, name) for name in (self.deal.info_fields if self.deal else [])],
        }
        return render(self.request, self.template, context)

    def render_invalid(self, form):
        return self.render_form(form)

    def success_message(self, deal) -> str:
        return _saved_message(deal)

    def success_url(self, deal) -> str:
        return _detail_url(deal)


class DealCreateView(_RegistrationFormView):
    """Register a deal: save it as a draft, or submit it at once. A partner user whose role the
    company's program does not let register is told so before typing anything (the list still
    offers the button: asking the program there would cost every list two queries)."""

    def get(self, request):
        refusal = deal_register_role_refusal(actor=self.actor, partner=self.actor.partner)
        if refusal is not None:
            messages.error(request, refusal)
            return redirect("portal:deal_list")
        form = RegistrationForm(
            offer=product_offer_for_actor(actor=self.actor), initial={"currency": request.tenant.default_currency}
        )
        return self.render_form(form)

    def get_form_kwargs(self):
        return {"offer": product_offer_for_actor(actor=self.actor)}

    def perform(self, data):
        partner = self.actor.partner
        return deal_register(
            actor=self.actor, partner=partner, lines=self.form.line_inputs(), submit=self.submit, **data
        )


class DealEditView(_RegistrationFormView):
    """Edit a draft, or complete what the vendor asked for (only those fields) and resubmit."""

    @cached_property
    def deal(self):
        return deal_get_for_actor(actor=self.actor, deal_id=self.kwargs["deal_id"])

    def get_object(self):
        return self.deal

    def get_form_kwargs(self):
        deal = self.deal
        editable = None
        if deal.status == S.INFO_REQUESTED:
            editable = frozenset(deal.info_fields) & PARTNER_EDITABLE_FIELDS
            if editable & AMOUNT_FIELDS:  # the amount is the lines' total: asked about together
                editable |= AMOUNT_FIELDS
        return {
            "offer": product_offer_for_actor(actor=self.actor)
            if editable is None or "lines" in editable
            else ProductOffer(products=[]),
            "initial": {name: getattr(deal, name) for name in DealForm.base_fields},
            "editable": editable,
            "line_initial": [
                {"product": line.product_id, "quantity": line.quantity, "unit_price": line.unit_price}
                for line in deal.lines.all()
            ],
        }

    def _no_longer_editable(self):
        messages.error(self.request, _("%(reference)s can no longer be edited.") % {"reference": self.deal.reference})
        return redirect(_detail_url(self.deal))

    def get(self, request, deal_id: int):
        if not self.deal.is_editable_by_partner:
            return self._no_longer_editable()
        return self.render_form(RegistrationForm(**self.get_form_kwargs()))

    def post(self, request, *args, **kwargs):
        if not self.deal.is_editable_by_partner:
            return self._no_longer_editable()
        return super().post(request, *args, **kwargs)

    def perform(self, data):
        return deal_update(
            actor=self.actor, deal=self.deal, changes=data, lines=self.form.line_inputs(), submit=self.submit
        )


class DealConflictHintView(MemberRequiredMixin, View):
    """The live hint while the customer is typed: the same small partial whatever is found, and
    never a name, a reference or a score."""

    area, capability = PORTAL, CAPABILITY

    def get(self, request):
        form = HintForm(request.GET)
        possible = False
        if form.is_valid() and len(form.cleaned_data["customer_name"].strip()) >= 2:
            possible = conflict_hint(partner_id=self.actor.partner_id, **form.cleaned_data)
        return render(request, "deals/portal_deal_form.html#conflict_hint", {"possible_conflict": possible})


# --- the deal page ------------------------------------------------------------------------------


def _action_forms(deal) -> dict:
    if deal.status == S.APPROVED:
        return {
            "stage": StageForm(initial={"stage": deal.stage}, prefix="stage"),
            "extension": ExtensionForm(prefix="extension"),
            "won": WonForm(initial={"amount": deal.amount}, prefix="won"),
            "lost": ReasonForm(prefix="lost"),
            "withdraw": ReasonForm(prefix="withdraw"),
        }
    if deal.status in (S.DRAFT, S.SUBMITTED, S.INFO_REQUESTED):
        return {"withdraw": ReasonForm(prefix="withdraw")}
    return {}


def detail_context(actor, deal, **overrides) -> dict:
    """The deal page; ``overrides`` carry the form that failed (with what was typed)."""
    extensions = list(deal.extensions.select_related("requested_by__user"))
    context = {
        "area": PORTAL,
        "deal": deal,
        "may": {
            action.value: deal_may(actor, deal, action)
            and not (action == DealAction.POST_MESSAGE and deal_is_partner_draft(deal))
            for action in DealAction
        },
        "lines": list(deal.lines.all()),
        "events": event_list_for_actor(actor=actor, deal=deal),
        "conversation": message_list_for_actor(actor=actor, deal=deal),
        "attachments": attachment_list_for_actor(actor=actor, deal=deal),
        "extensions": extensions,
        "pending_extension": any(e.status == ExtensionStatus.PENDING for e in extensions),
        "asked": [FIELD_LABELS.get(name, name) for name in deal.info_fields],
        "message_form": MessageForm(),
        "attachment_form": AttachmentForm(),
        "actions": _action_forms(deal),
        **pricing_sections.portal_context(actor, deal, overrides.pop("pricing_form", None)),
    }
    context.update(overrides)
    if "action_forms" in overrides:
        context["actions"] = {**context["actions"], **overrides["action_forms"]}
    return context


class DealDetailView(MemberRequiredMixin, View):
    area, capability = PORTAL, CAPABILITY

    def get(self, request, deal_id: int):
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal_id)
        return render(request, "deals/portal_deal_detail.html", detail_context(self.actor, deal))


class DealPageAction(ServiceView):
    """One form posted on the portal's deal page (``form_name`` in its context): success comes
    back to the deal; invalid input or a refusal renders the deal page again with what was typed."""

    area, capability = PORTAL, CAPABILITY
    form_name = ""
    success = ""

    def read_deal(self):
        """The deal the URL names (a 404 when the actor may not see it)."""
        return deal_get_for_actor(actor=self.actor, deal_id=self.kwargs["deal_id"])

    def get_object(self):
        return self.read_deal()

    def page_context(self, form) -> dict:
        return {self.form_name: form}

    def render_invalid(self, form):
        # Read the deal again, and only the deal: a refusal may come from a change someone else
        # made meanwhile (to the deal, or to what an action found with it).
        context = detail_context(self.actor, self.read_deal(), **self.page_context(form))
        return render(self.request, "deals/portal_deal_detail.html", context)

    def success_message(self, result) -> str:
        return self.success

    def success_url(self, result) -> str:
        return _detail_url(self.object)


class DealSubmitView(DealPageAction):
    """Submit a draft (or resubmit a completed one) as it is; a refusal is told on the deal page."""

    def perform(self, data):
        return deal_submit(actor=self.actor, deal=self.object)

    def success_message(self, deal) -> str:
        return _saved_message(deal)

    def render_invalid(self, form):
        return redirect(_detail_url(self.object))


class _AfterApprovalAction(DealPageAction):
    """One of the deal page's "Actions" (its form prefixed with ``action``, the section opened)."""

    action = ""

    def get_form_kwargs(self):
        return {"prefix": self.action}

    def page_context(self, form) -> dict:
        return {"action_forms": {self.action: form}, "open_action": self.action}


class DealStageView(_AfterApprovalAction):
    form_class, action, success = StageForm, "stage", gettext_lazy("The stage was updated.")

    def perform(self, data):
        return deal_update_stage(actor=self.actor, deal=self.object, stage=data["stage"])


class DealExtensionRequestView(_AfterApprovalAction):
    form_class, action = ExtensionForm, "extension"
    success = gettext_lazy("Your extension request was sent to the vendor.")

    def perform(self, data):
        return extension_request(actor=self.actor, deal=self.object, days=data["days"], reason=data["reason"])


class DealWonView(_AfterApprovalAction):
    form_class, action, success = WonForm, "won", gettext_lazy("Congratulations: the win was recorded.")

    def perform(self, data):
        return deal_mark_won(actor=self.actor, deal=self.object, amount=data["amount"], won_on=data["won_on"])


class DealLostView(_AfterApprovalAction):
    form_class, action, success = ReasonForm, "lost", gettext_lazy("The deal was marked lost.")

    def perform(self, data):
        return deal_mark_lost(actor=self.actor, deal=self.object, reason=data["reason"])


class DealWithdrawView(_AfterApprovalAction):
    form_class, action, success = ReasonForm, "withdraw", gettext_lazy("The registration was withdrawn.")

    def perform(self, data):
        return deal_withdraw(actor=self.actor, deal=self.object, reason=data["reason"])


class DealMessageView(MemberRequiredMixin, View):
    """Write to the vendor on the deal; htmx swaps the conversation with the message added (its
    own partial, not the page: hence ``call_service`` rather than a ``ServiceView``)."""

    area, capability = PORTAL, CAPABILITY

    def post(self, request, deal_id: int):
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal_id)
        form = MessageForm(request.POST)
        sent = form.is_valid() and (
            call_service(
                request,
                message_post,
                actor=self.actor,
                deal=deal,
                body=form.cleaned_data["body"],
                success=None if request.htmx else _("Your message was sent."),
            ).ok
        )
        if not request.htmx:
            if sent:
                return redirect(_detail_url(deal))
            return render(request, "deals/portal_deal_detail.html", detail_context(self.actor, deal, message_form=form))
        context = {
            "area": PORTAL,
            "deal": deal,
            "may": {DealAction.POST_MESSAGE.value: deal_may(self.actor, deal, DealAction.POST_MESSAGE)},
            "conversation": message_list_for_actor(actor=self.actor, deal=deal),
            "message_form": MessageForm() if sent else form,
        }
        return render(request, "deals/portal_deal_detail.html#conversation", context)


class DealAttachmentAddView(DealPageAction):
    form_class, form_name, success = AttachmentForm, "attachment_form", gettext_lazy("The document was attached.")
    invalid_message = gettext_lazy("Nothing was attached: correct the fields marked below.")

    def perform(self, data):
        return attachment_add(actor=self.actor, deal=self.object, file=data["file"], name=data["name"])


class DealAttachmentView(MemberRequiredMixin, View):
    """An attachment, as a download, to whoever may see the deal."""

    area, capability = PORTAL, CAPABILITY

    def get(self, request, deal_id: int, attachment_id: int):
        attachment = attachment_get_for_actor(actor=self.actor, deal_id=deal_id, attachment_id=attachment_id)
        return document_response(attachment.file, name=f"deal-{deal_id}-attachment-{attachment.pk}")
