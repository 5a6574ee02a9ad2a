"""Deal pages of the partner portal: register, my and company deals, a deal with its timeline
and conversation, the actions after approval."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views import View

from prm.accounts.access import PORTAL, MemberRequiredMixin
from prm.web.files import document_response
from prm.web.views import paginate, query_without_page, run_service
from programs.models import Product

from ..conflicts import conflict_hint
from ..forms_portal import (
    AttachmentForm,
    DealFilterForm,
    DealForm,
    ExtensionForm,
    HintForm,
    LineFormSet,
    MessageForm,
    ReasonForm,
    StageForm,
    WonForm,
)
from ..models import DealStatus, ExtensionStatus
from ..permissions import COMPANY, DealAction, deal_reach
from ..selectors.deals import (
    attachment_get_for_actor,
    attachment_list_for_actor,
    deal_get_for_actor,
    deal_list_for_actor,
    event_list_for_actor,
    message_list_for_actor,
)
from ..services import (
    PARTNER_EDITABLE_FIELDS,
    attachment_add,
    deal_create,
    deal_mark_lost,
    deal_mark_won,
    deal_submit,
    deal_update,
    deal_update_stage,
    deal_withdraw,
    extension_request,
    message_post,
)
from . import pricing_sections

S = DealStatus
# Capability of every deal page of the portal: the users who register deals (admins and reps).
CAPABILITY = "deals.register"
FIELD_LABELS = {name: field.label for name, field in DealForm.base_fields.items()} | {"lines": "Products"}


def _catalogue() -> list[Product]:
    """The tenant's active products of active lines, by line: the product picker's options."""
    return list(
        Product.objects.filter(is_active=True, line__is_active=True)
        .select_related("line")
        .order_by("line__name", "name", "id")
    )


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
        deals = deal_list_for_actor(actor=self.actor, mine=tab == "mine", **form.filters())
        page = paginate(request, deals)
        context = {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "tab": tab,
            "company_tab": company_tab,
        }
        template = "deals/portal_deal_list.html#results" if request.htmx else "deals/portal_deal_list.html"
        return render(request, template, context)


# --- register and edit ----------------------------------------------------------------------------


class DealFormMixin:
    template = "deals/portal_deal_form.html"

    def render_form(self, request, form, lines, *, deal=None, status=200):
        context = {
            "form": form,
            "lines": lines,
            "deal": deal,
            "lines_editable": lines is not None,
            "asked": [FIELD_LABELS.get(name, name) for name in (deal.info_fields if deal else [])],
        }
        return render(request, self.template, context, status=status)


class DealCreateView(DealFormMixin, MemberRequiredMixin, View):
    """Register a deal: save it as a draft, or submit it at once. A refused submission (the
    policy's reasons) writes nothing and keeps everything typed."""

    area, capability = PORTAL, CAPABILITY

    def get(self, request):
        form = DealForm(initial={"currency": request.tenant.default_currency})
        return self.render_form(request, form, LineFormSet(prefix="lines", products=_catalogue()))

    def post(self, request):
        form = DealForm(request.POST)
        lines = LineFormSet(request.POST, prefix="lines", products=_catalogue())
        if not (form.is_valid() and lines.is_valid()):
            messages.error(request, "The deal was not saved: correct the fields marked below.")
            return self.render_form(request, form, lines)
        partner = self.actor.partner
        submit = request.POST.get("intent") == "submit"
        created = {}

        def register():
            # One savepoint: a submission the policy refuses leaves no draft behind.
            with transaction.atomic():
                deal = deal_create(actor=self.actor, partner=partner, lines=lines.lines(), **form.cleaned_data)
                created["deal"] = deal_submit(actor=self.actor, deal=deal) if submit else deal

        if run_service(request, register):
            deal = created["deal"]
            messages.success(request, _saved_message(deal))
            return redirect("portal:deal_detail", deal_id=deal.pk)
        return self.render_form(request, form, lines)


def _saved_message(deal) -> str:
    if deal.status == S.APPROVED:
        return (
            f"{deal.reference} was approved: {deal.customer_name} is protected until {deal.protected_until:%-d %B %Y}."
        )
    if deal.status == S.SUBMITTED:
        due = f" A decision is due by {deal.decision_due_at:%-d %B %Y %H:%M}." if deal.decision_due_at else ""
        return f"{deal.reference} was submitted for review.{due}"
    return f"{deal.reference} was saved as a draft. Submit it when it is complete."


class DealEditView(DealFormMixin, MemberRequiredMixin, View):
    """Edit a draft, or complete what the vendor asked for (only those fields) and resubmit."""

    area, capability = PORTAL, CAPABILITY

    def _deal(self, deal_id):
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal_id)
        if not deal.is_editable_by_partner:
            messages.error(request=self.request, message=f"{deal.reference} can no longer be edited.")
            return deal, None
        editable = frozenset(deal.info_fields) & PARTNER_EDITABLE_FIELDS if deal.status == S.INFO_REQUESTED else None
        return deal, editable

    def _forms(self, deal, editable, data=None):
        initial = {name: getattr(deal, name) for name in DealForm.base_fields}
        form = DealForm(data, initial=initial, editable=editable)
        lines = None
        if editable is None or "lines" in editable:
            line_initial = [
                {"product": line.product_id, "quantity": line.quantity, "unit_price": line.unit_price}
                for line in deal.lines.all()
            ]
            lines = LineFormSet(data, prefix="lines", initial=line_initial, products=_catalogue())
        return form, lines

    def get(self, request, deal_id: int):
        deal, editable = self._deal(deal_id)
        if not deal.is_editable_by_partner:
            return redirect("portal:deal_detail", deal_id=deal.pk)
        form, lines = self._forms(deal, editable)
        return self.render_form(request, form, lines, deal=deal)

    def post(self, request, deal_id: int):
        deal, editable = self._deal(deal_id)
        if not deal.is_editable_by_partner:
            return redirect("portal:deal_detail", deal_id=deal.pk)
        form, lines = self._forms(deal, editable, request.POST)
        if not (form.is_valid() and (lines is None or lines.is_valid())):
            messages.error(request, "The deal was not saved: correct the fields marked below.")
            return self.render_form(request, form, lines, deal=deal)
        changes = {name: value for name, value in form.cleaned_data.items() if not form.fields[name].disabled}
        submit = request.POST.get("intent") == "submit"
        saved = {}

        def save():
            with transaction.atomic():
                updated = deal_update(
                    actor=self.actor, deal=deal, changes=changes, lines=lines.lines() if lines is not None else None
                )
                saved["deal"] = deal_submit(actor=self.actor, deal=updated) if submit else updated

        if run_service(request, save):
            messages.success(request, _saved_message(saved["deal"]))
            return redirect("portal:deal_detail", deal_id=deal.pk)
        return self.render_form(request, form, lines, deal=deal)


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


def _detail_context(actor, deal, **overrides) -> dict:
    extensions = list(deal.extensions.select_related("requested_by__user"))
    context = {
        "deal": deal,
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
        return render(request, "deals/portal_deal_detail.html", _detail_context(self.actor, deal))


class DealSubmitView(MemberRequiredMixin, View):
    """Submit a draft (or resubmit a completed one) as it is."""

    area, capability = PORTAL, CAPABILITY

    def post(self, request, deal_id: int):
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal_id)
        done = {}
        if run_service(request, lambda: done.setdefault("deal", deal_submit(actor=self.actor, deal=deal))):
            messages.success(request, _saved_message(done["deal"]))
        return redirect("portal:deal_detail", deal_id=deal.pk)


class DealActionView(MemberRequiredMixin, View):
    """One action on a deal (``action``): stage, extension, won, lost, withdraw. Bad input
    re-renders the deal page with what was typed."""

    area, capability = PORTAL, CAPABILITY
    action = ""
    forms = {"stage": StageForm, "extension": ExtensionForm, "won": WonForm, "lost": ReasonForm, "withdraw": ReasonForm}

    def call(self, deal, data):
        actor = self.actor
        if self.action == "stage":
            return lambda: deal_update_stage(actor=actor, deal=deal, stage=data["stage"]), "The stage was updated."
        if self.action == "extension":
            return (
                lambda: extension_request(actor=actor, deal=deal, days=data["days"], reason=data["reason"]),
                "Your extension request was sent to the vendor.",
            )
        if self.action == "won":
            return (
                lambda: deal_mark_won(actor=actor, deal=deal, amount=data["amount"], won_on=data["won_on"]),
                "Congratulations: the win was recorded.",
            )
        if self.action == "lost":
            return lambda: deal_mark_lost(actor=actor, deal=deal, reason=data["reason"]), "The deal was marked lost."
        return lambda: deal_withdraw(actor=actor, deal=deal, reason=data["reason"]), "The registration was withdrawn."

    def post(self, request, deal_id: int):
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal_id)
        form = self.forms[self.action](request.POST, prefix=self.action)
        if form.is_valid():
            call, success = self.call(deal, form.cleaned_data)
            if run_service(request, call, success=success):
                return redirect("portal:deal_detail", deal_id=deal.pk)
        else:
            messages.error(request, "Nothing was changed: correct the fields marked below.")
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal_id)
        context = _detail_context(self.actor, deal, action_forms={self.action: form}, open_action=self.action)
        return render(request, "deals/portal_deal_detail.html", context)


class DealMessageView(MemberRequiredMixin, View):
    """Write to the vendor on the deal; htmx swaps the conversation with the message added."""

    area, capability = PORTAL, CAPABILITY

    def post(self, request, deal_id: int):
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal_id)
        form = MessageForm(request.POST)
        sent = form.is_valid() and run_service(
            request, lambda: message_post(actor=self.actor, deal=deal, body=form.cleaned_data["body"])
        )
        if not request.htmx:
            if sent:
                messages.success(request, "Your message was sent.")
                return redirect("portal:deal_detail", deal_id=deal.pk)
            return render(
                request, "deals/portal_deal_detail.html", _detail_context(self.actor, deal, message_form=form)
            )
        context = {
            "deal": deal,
            "conversation": message_list_for_actor(actor=self.actor, deal=deal),
            "message_form": MessageForm() if sent else form,
        }
        return render(request, "deals/portal_deal_detail.html#conversation", context)


class DealAttachmentAddView(MemberRequiredMixin, View):
    area, capability = PORTAL, CAPABILITY

    def post(self, request, deal_id: int):
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal_id)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            if run_service(
                request,
                lambda: attachment_add(actor=self.actor, deal=deal, file=data["file"], name=data["name"]),
                success="The document was attached.",
            ):
                return redirect("portal:deal_detail", deal_id=deal.pk)
        else:
            messages.error(request, "Nothing was attached: correct the fields marked below.")
        return render(request, "deals/portal_deal_detail.html", _detail_context(self.actor, deal, attachment_form=form))


class DealAttachmentView(MemberRequiredMixin, View):
    """An attachment, as a download, to whoever may see the deal."""

    area, capability = PORTAL, CAPABILITY

    def get(self, request, deal_id: int, attachment_id: int):
        attachment = attachment_get_for_actor(actor=self.actor, deal_id=deal_id, attachment_id=attachment_id)
        return document_response(attachment.file, name=f"deal-{deal_id}-attachment-{attachment.pk}")
