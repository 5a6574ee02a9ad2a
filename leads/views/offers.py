"""Pages of the offers part of lead distribution: the partner's lead inbox, an offer (why it came,
accept or decline), a held lead (work it, give it on, return it, lose it, talk to the vendor,
convert it to a deal registration), and the vendor's lead page.

Every write is a ``ServiceView``: one form, one service call; success goes on, invalid input or a
refusal renders the page again with what was typed."""

from __future__ import annotations

from functools import cached_property

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from deals.forms_portal import RegistrationForm
from deals.permissions import DEALS_REGISTER
from deals.selectors.deals import product_offer_for_actor
from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.web.views import ServiceView, paginate, query_without_page, shown_time, url_pattern

from ..forms_offers import (
    AcceptForm,
    AssignForm,
    DeclineForm,
    InboxFilterForm,
    LeadUpdateForm,
    MessageForm,
    OfficeMessageForm,
    ReasonForm,
)
from ..models import LeadStatus, OfferStatus, Strategy
from ..permissions import LEADS_RECEIVE, LEADS_VIEW, LeadAction, lead_may
from ..selectors.offers import (
    INBOX_STATUSES,
    event_list_for_actor,
    held_leads_for_actor,
    lead_conversion_draft,
    lead_get_for_actor,
    lead_offer_of_partner,
    lead_offers_for_staff,
    message_list_for_actor,
    offer_get_for_actor,
    pending_offers_for_actor,
    receivers_for_actor,
)
from ..services.offers import offer_accept, offer_decline, offer_open
from ..services.work import (
    lead_assign,
    lead_convert,
    lead_hand_on,
    lead_mark_lost,
    lead_message_post,
    lead_return,
    lead_update,
)

# --- the inbox ------------------------------------------------------------------------------------


def _person(first: str, last: str, email: str) -> str:
    return f"{first} {last}".strip() or email


class LeadInboxView(MemberRequiredMixin, View):
    """The offers waiting for the company's answer (nearest deadline first, in the reader's time
    zone, unopened ones marked), then the leads the company holds (its admin) or the reader owns
    (a sales rep), by status, a page at a time."""

    area, capability = PORTAL, LEADS_RECEIVE

    def get(self, request):
        now = timezone.now()
        offer_url = url_pattern("portal:lead_offer", "offer_id")
        offers = pending_offers_for_actor(actor=self.actor)
        for offer in offers:
            offer["url"] = offer_url(offer["id"])
            offer["due"] = shown_time(offer["due_at"])
            offer["within"] = timeuntil(offer["due_at"], now) if offer["due_at"] > now else ""
        status = InboxFilterForm(request.GET).status_value()
        rows, leads = held_leads_for_actor(actor=self.actor, status=status)
        page = paginate(request, rows, count_from=leads)
        lead_url = url_pattern("portal:lead", "lead_id")
        labels = dict(LeadStatus.choices)
        for row in page.object_list:
            row["url"] = lead_url(row["id"])
            row["status_label"] = labels.get(row["status"], row["status"])
            row["owner"] = _person(
                row["owner__user__first_name"] or "",
                row["owner__user__last_name"] or "",
                row["owner__user__email"] or "",
            )
            row["accepted"] = shown_time(row["accepted_at"])
        context = {
            "offers": offers,
            "page": page,
            "query": query_without_page(request),
            "status": status,
            "statuses": [(value, labels[value]) for value in INBOX_STATUSES],
        }
        return render(request, "leads/offers/inbox.html", context)


# --- an offer ---------------------------------------------------------------------------------------


def _answerable(offer) -> bool:
    return offer.status == OfferStatus.PENDING and offer.due_at > timezone.now() and offer.visible_lead is not None


def offer_context(actor, offer, **overrides) -> dict:
    """The offer page; ``overrides`` carry the form that failed (with what was typed)."""
    answerable = _answerable(offer) and lead_may(actor, offer.partner_id, LeadAction.OFFER_RESPOND)
    members = (
        receivers_for_actor(actor=actor, partner_id=offer.partner_id)
        if answerable and lead_may(actor, offer.partner_id, LeadAction.ASSIGN)
        else []
    )
    lead = offer.visible_lead
    context = {
        "offer": offer,
        "lead": lead,
        "answerable": answerable,
        "nearest": offer.strategy == Strategy.NEAREST,
        "due": shown_time(offer.due_at),
        "within": timeuntil(offer.due_at) if offer.due_at > timezone.now() else "",
        "accept_form": AcceptForm(
            prefix="accept",
            members=members,
            initial={"currency": (lead.currency if lead else "") or actor.tenant.default_currency},
        )
        if answerable
        else None,
        "decline_form": DeclineForm(prefix="decline") if answerable else None,
        "held_url": reverse("portal:lead", kwargs={"lead_id": offer.lead_id})
        if offer.status == OfferStatus.ACCEPTED and lead is not None and lead.partner_id == offer.partner_id
        else "",
    }
    context.update(overrides)
    return context


class LeadOfferView(MemberRequiredMixin, View):
    """One offer to the company: what the lead is (its contact only once accepted), why the
    company received it, and the forms to answer. Opening it records the first open."""

    area, capability = PORTAL, LEADS_RECEIVE

    def get(self, request, offer_id: int):
        offer = offer_get_for_actor(actor=self.actor, offer_id=offer_id)
        offer_open(actor=self.actor, offer=offer)
        return render(request, "leads/offers/offer.html", offer_context(self.actor, offer))


class _OfferAnswer(ServiceView):
    area, capability = PORTAL, LEADS_RECEIVE
    prefix = ""

    def get_object(self):
        return offer_get_for_actor(actor=self.actor, offer_id=self.kwargs["offer_id"])

    def render_invalid(self, form):
        offer = offer_get_for_actor(actor=self.actor, offer_id=self.kwargs["offer_id"])
        overrides = {f"{self.prefix}_form": form} if form is not None and _answerable(offer) else {}
        return render(self.request, "leads/offers/offer.html", offer_context(self.actor, offer, **overrides))


class LeadOfferAcceptView(_OfferAnswer):
    form_class, prefix = AcceptForm, "accept"

    def get_form_kwargs(self):
        may_assign = lead_may(self.actor, self.object.partner_id, LeadAction.ASSIGN)
        members = receivers_for_actor(actor=self.actor, partner_id=self.object.partner_id) if may_assign else []
        return {"prefix": "accept", "members": members}

    def perform(self, data):
        return offer_accept(
            actor=self.actor,
            offer=self.object,
            next_step=data["next_step"],
            expected_value=data.get("expected_value"),
            currency=data.get("currency") or "",
            owner=data.get("owner"),
        )

    def success_message(self, lead) -> str:
        return _("%(reference)s is yours: the contact details are below.") % {"reference": lead.reference}

    def success_url(self, lead) -> str:
        return reverse("portal:lead", kwargs={"lead_id": lead.pk})


class LeadOfferDeclineView(_OfferAnswer):
    form_class, prefix = DeclineForm, "decline"

    def get_form_kwargs(self):
        return {"prefix": "decline"}

    def perform(self, data):
        return offer_decline(actor=self.actor, offer=self.object, reason=data["reason"], note=data["note"])

    def success_message(self, offer) -> str:
        if offer.decline_reason in ("spam", "duplicate"):
            return _("Declined and flagged: the lead went back to the vendor.")
        return _("Declined: the lead goes on to the next partner.")

    def success_url(self, offer) -> str:
        return reverse("portal:leads")


# --- a held lead ------------------------------------------------------------------------------------


def _members_for_giving(actor, lead) -> list:
    if not (
        lead_may(actor, lead.partner_id, LeadAction.ASSIGN, owner_id=lead.owner_id)
        or lead_may(actor, lead.partner_id, LeadAction.HAND_ON, owner_id=lead.owner_id)
    ):
        return []
    return [m for m in receivers_for_actor(actor=actor, partner_id=lead.partner_id) if m.pk != lead.owner_id]


def lead_context(actor, lead, **overrides) -> dict:
    """The portal's lead page; ``overrides`` carry the form that failed (with what was typed)."""
    workable = lead.status in (LeadStatus.ACCEPTED, LeadStatus.WORKING)
    may_work = workable and lead_may(actor, lead.partner_id, LeadAction.WORK, owner_id=lead.owner_id)
    members = _members_for_giving(actor, lead) if workable else []
    offer = lead_offer_of_partner(lead=lead)
    context = {
        "area": PORTAL,
        "lead": lead,
        "offer": offer,
        "nearest": offer is not None and offer.strategy == Strategy.NEAREST,
        "may_work": may_work,
        "may_convert": may_work and actor.can(DEALS_REGISTER),
        "update_form": LeadUpdateForm(
            prefix="update",
            initial={
                "stage": lead.stage,
                "next_step": lead.next_step,
                "expected_value": lead.expected_value,
                "currency": lead.currency or actor.tenant.default_currency,
            },
        )
        if may_work
        else None,
        "assign_form": AssignForm(prefix="assign", members=members) if members else None,
        "return_form": ReasonForm(prefix="return") if may_work else None,
        "lost_form": ReasonForm(prefix="lost") if may_work else None,
        "message_form": MessageForm(),
        "may_message": lead_may(actor, lead.partner_id, LeadAction.POST_MESSAGE, owner_id=lead.owner_id),
        "conversation": message_list_for_actor(actor=actor, lead=lead),
        "events": event_list_for_actor(actor=actor, lead=lead),
    }
    context.update(overrides)
    return context


class LeadDetailView(MemberRequiredMixin, View):
    area, capability = PORTAL, LEADS_RECEIVE

    def get(self, request, lead_id: int):
        lead = lead_get_for_actor(actor=self.actor, lead_id=lead_id)
        return render(request, "leads/offers/lead.html", lead_context(self.actor, lead))


class _LeadAction(ServiceView):
    """One form posted on the portal's lead page: back to the lead, or the page again."""

    area, capability = PORTAL, LEADS_RECEIVE
    prefix = ""
    success = ""

    def read_lead(self):
        return lead_get_for_actor(actor=self.actor, lead_id=self.kwargs["lead_id"])

    def get_object(self):
        return self.read_lead()

    def get_form_kwargs(self):
        return {"prefix": self.prefix}

    def render_invalid(self, form):
        context = lead_context(
            self.actor, self.read_lead(), **{f"{self.prefix}_form": form, "open_action": self.prefix}
        )
        return render(self.request, "leads/offers/lead.html", context)

    def success_message(self, result) -> str:
        return self.success

    def success_url(self, result) -> str:
        return reverse("portal:lead", kwargs={"lead_id": self.object.pk})


class LeadUpdateView(_LeadAction):
    form_class, prefix, success = LeadUpdateForm, "update", gettext_lazy("The lead was updated.")

    def perform(self, data):
        return lead_update(
            actor=self.actor,
            lead=self.object,
            stage=data["stage"],
            next_step=data["next_step"],
            expected_value=data.get("expected_value"),
            currency=data.get("currency") or "",
        )


class LeadAssignView(_LeadAction):
    """The company's admin assigns the lead; its owner hands it on (the same form)."""

    form_class, prefix = AssignForm, "assign"

    def get_form_kwargs(self):
        return {
            "prefix": self.prefix,
            "members": receivers_for_actor(actor=self.actor, partner_id=self.object.partner_id),
        }

    def perform(self, data):
        service = lead_assign if lead_may(self.actor, self.object.partner_id, LeadAction.ASSIGN) else lead_hand_on
        return service(actor=self.actor, lead=self.object, owner=data["owner"], note=data["note"])

    def success_message(self, lead) -> str:
        return _("%(reference)s is now %(person)s's.") % {"reference": lead.reference, "person": lead.owner.user}

    def success_url(self, lead) -> str:
        # A rep who handed it on no longer sees it.
        if lead_may(self.actor, lead.partner_id, LeadAction.VIEW, owner_id=lead.owner_id):
            return reverse("portal:lead", kwargs={"lead_id": lead.pk})
        return reverse("portal:leads")


class LeadReturnView(_LeadAction):
    form_class, prefix = ReasonForm, "return"
    success = gettext_lazy("The lead was given back to the vendor.")

    def perform(self, data):
        return lead_return(actor=self.actor, lead=self.object, reason=data["reason"])

    def success_url(self, lead) -> str:
        return reverse("portal:leads")


class LeadLostView(_LeadAction):
    form_class, prefix, success = ReasonForm, "lost", gettext_lazy("The lead was marked lost.")

    def perform(self, data):
        return lead_mark_lost(actor=self.actor, lead=self.object, reason=data["reason"])


class LeadMessageView(_LeadAction):
    form_class, prefix, success = MessageForm, "message", gettext_lazy("Your message was sent.")

    def get_form_kwargs(self):
        return {}

    def perform(self, data):
        return lead_message_post(actor=self.actor, lead=self.object, body=data["body"])


class LeadConvertView(ServiceView):
    """Convert the lead: the deal registration form (deals' own), pre-filled from the lead; "Save
    draft" or "Submit" as on the registration page."""

    area, capability = PORTAL, LEADS_RECEIVE
    form_class = RegistrationForm
    invalid_message = gettext_lazy("The deal was not saved: correct the fields marked below.")

    @cached_property
    def lead(self):
        return lead_get_for_actor(actor=self.actor, lead_id=self.kwargs["lead_id"])

    @cached_property
    def offer(self):
        return product_offer_for_actor(actor=self.actor)

    def get_object(self):
        return self.lead

    def get_form_kwargs(self):
        return {"offer": self.offer}

    def _not_convertible(self):
        messages.error(self.request, _("%(reference)s cannot be converted now.") % {"reference": self.lead.reference})
        return redirect("portal:lead", lead_id=self.lead.pk)

    def _convertible(self) -> bool:
        lead = self.lead
        return (
            lead.status in (LeadStatus.ACCEPTED, LeadStatus.WORKING)
            and lead.deal_id is None
            and lead_may(self.actor, lead.partner_id, LeadAction.WORK, owner_id=lead.owner_id)
            and self.actor.can(DEALS_REGISTER)
        )

    def render_form(self, form):
        context = {
            "form": form.deal,
            "lines": form.lines,
            "deal": None,
            "lines_editable": form.lines is not None,
            "not_offered": form.offer.not_offered,
            "asked": [],
            "converting": self.lead,
        }
        return render(self.request, "deals/portal_deal_form.html", context)

    def get(self, request, lead_id: int):
        if not self._convertible():
            return self._not_convertible()
        messages.info(
            request,
            _("Pre-filled from %(reference)s: check it, then save it as a draft or submit it.")
            % {"reference": self.lead.reference},
        )
        draft = lead_conversion_draft(
            lead=self.lead, products=self.offer.products, default_currency=request.tenant.default_currency
        )
        return self.render_form(
            RegistrationForm(offer=self.offer, initial=draft.initial, line_initial=draft.line_initial)
        )

    def post(self, request, *args, **kwargs):
        if not self._convertible():
            return self._not_convertible()
        return super().post(request, *args, **kwargs)

    def perform(self, data):
        return lead_convert(
            actor=self.actor,
            lead=self.lead,
            lines=self.form.line_inputs(),
            submit=self.request.POST.get("intent") == "submit",
            **data,
        )

    def render_invalid(self, form):
        return self.render_form(form)

    def success_message(self, deal) -> str:
        return _("%(lead)s was converted into the deal registration %(deal)s.") % {
            "lead": self.lead.reference,
            "deal": deal.reference,
        }

    def success_url(self, deal) -> str:
        return reverse("portal:deal_detail", args=[deal.pk])


# --- the vendor's lead page -------------------------------------------------------------------------


def office_lead_context(actor, lead, **overrides) -> dict:
    context = {
        "area": OFFICE,
        "lead": lead,
        "offers": lead_offers_for_staff(actor=actor, lead=lead),
        "conversation": message_list_for_actor(actor=actor, lead=lead),
        "events": event_list_for_actor(actor=actor, lead=lead),
        "message_form": OfficeMessageForm(),
        "may_message": lead.partner_id is not None
        and lead_may(actor, lead.partner_id, LeadAction.POST_MESSAGE, owner_id=lead.owner_id),
    }
    context.update(overrides)
    return context


class OfficeLeadView(MemberRequiredMixin, View):
    """The vendor's lead page: the facts, every offer with its times and answer, who holds and
    owns it, the conversation with internal notes, the deal and the win, the routing log."""

    area, capability = OFFICE, LEADS_VIEW

    def get(self, request, lead_id: int):
        lead = lead_get_for_actor(actor=self.actor, lead_id=lead_id)
        return render(request, "leads/offers/office_lead.html", office_lead_context(self.actor, lead))


class OfficeLeadMessageView(ServiceView):
    area, capability = OFFICE, LEADS_VIEW
    form_class = OfficeMessageForm

    def get_object(self):
        return lead_get_for_actor(actor=self.actor, lead_id=self.kwargs["lead_id"])

    def perform(self, data):
        return lead_message_post(actor=self.actor, lead=self.object, body=data["body"], internal=data["internal"])

    def success_message(self, message) -> str:
        return _("The internal note was saved.") if message.internal else _("Your message was sent to the partner.")

    def success_url(self, message) -> str:
        return reverse("office:lead", kwargs={"lead_id": self.object.pk})

    def render_invalid(self, form):
        context = office_lead_context(self.actor, self.object, message_form=form)
        return render(self.request, "leads/offers/office_lead.html", context)


office_urls: list = [
    path("leads/<int:lead_id>/", OfficeLeadView.as_view(), name="lead"),
    path("leads/<int:lead_id>/message/", OfficeLeadMessageView.as_view(), name="lead_message"),
]
portal_urls: list = [
    path("leads/", LeadInboxView.as_view(), name="leads"),
    path("leads/offers/<int:offer_id>/", LeadOfferView.as_view(), name="lead_offer"),
    path("leads/offers/<int:offer_id>/accept/", LeadOfferAcceptView.as_view(), name="lead_offer_accept"),
    path("leads/offers/<int:offer_id>/decline/", LeadOfferDeclineView.as_view(), name="lead_offer_decline"),
    path("leads/<int:lead_id>/", LeadDetailView.as_view(), name="lead"),
    path("leads/<int:lead_id>/update/", LeadUpdateView.as_view(), name="lead_update"),
    path("leads/<int:lead_id>/assign/", LeadAssignView.as_view(), name="lead_assign"),
    path("leads/<int:lead_id>/return/", LeadReturnView.as_view(), name="lead_return"),
    path("leads/<int:lead_id>/lost/", LeadLostView.as_view(), name="lead_lost"),
    path("leads/<int:lead_id>/message/", LeadMessageView.as_view(), name="lead_message"),
    path("leads/<int:lead_id>/convert/", LeadConvertView.as_view(), name="lead_convert"),
]
public_urls: list = []
