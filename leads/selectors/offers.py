"""Every read of the offers part: a partner's inbox (offers waiting for an answer, then the leads
it holds), one offer, one held lead, the vendor's lead page, the conversation, the timeline, the
users a lead may be given to, and a deal registration pre-filled from a lead.

A partner user reads through row-level security as well as the guard: once an offer is over, its
lead is no longer the partner's row, so an offer is read without its lead and the lead after it
(None when the partner may no longer see it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from prm.accounts.models import Membership
from prm.events.selectors import events_for_object
from programs.models import Product

from ..models import Lead, LeadMessage, LeadOffer, LeadStatus, OfferStatus
from ..permissions import LeadAction, lead_filter, lead_may
from ..services.common import reference_for
from ..services.offers import receiver_roles

# The statuses of a company's leads in the inbox, in the order it lists them.
INBOX_STATUSES = (
    LeadStatus.ACCEPTED,
    LeadStatus.WORKING,
    LeadStatus.CONVERTED,
    LeadStatus.WON,
    LeadStatus.LOST,
)
# At most this many waiting offers are listed at the top of the inbox (the most urgent first).
PENDING_SHOWN = 50

LEAD_ROW_FIELDS = (
    "id",
    "reference",
    "company",
    "city",
    "country",
    "status",
    "stage",
    "next_step",
    "expected_value",
    "currency",
    "accepted_at",
    "owner__user__first_name",
    "owner__user__last_name",
    "owner__user__email",
)


def pending_offers_for_actor(*, actor) -> list[dict]:
    """The offers to the actor's company waiting for an answer, the nearest deadline first, with
    the few facts of their lead an inbox row shows (never its contact)."""
    visible = lead_filter(actor, LeadAction.OFFER_VIEW, owner_field=None)
    if visible is None or not actor.is_partner_user:
        return []
    return list(
        LeadOffer.objects.filter(visible, status=OfferStatus.PENDING)
        .order_by("due_at", "id")
        .values(
            "id",
            "offered_at",
            "due_at",
            "opened_at",
            "rule_name",
            "lead__reference",
            "lead__company",
            "lead__city",
            "lead__country",
            "lead__industry",
            "lead__estimated_value",
            "lead__currency",
        )[:PENDING_SHOWN]
    )


def held_leads_for_actor(*, actor, status: str = "") -> tuple[QuerySet[dict], QuerySet[Lead]]:
    """The leads the company holds (its admin) or the actor owns (a sales rep), by status (open
    ones first) then the latest accepted first; as row dicts, and the same leads to count."""
    visible = lead_filter(actor, LeadAction.VIEW)
    if visible is None:
        leads = Lead.objects.none()
    else:
        leads = Lead.objects.filter(visible, partner__isnull=False, status__in=INBOX_STATUSES)
    if status in INBOX_STATUSES:
        leads = leads.filter(status=status)
    order = Case(
        *(When(status=value, then=Value(n)) for n, value in enumerate(INBOX_STATUSES)),
        output_field=IntegerField(),
    )
    rows = leads.annotate(status_order=order).order_by("status_order", "-accepted_at", "-id").values(*LEAD_ROW_FIELDS)
    return rows, leads


def offer_get_for_actor(*, actor, offer_id: int) -> LeadOffer:
    """One offer to the actor's company (any offer, for staff), or a 404. Its lead is
    ``offer.visible_lead``: None when the offer is over and the lead no longer the partner's."""
    visible = lead_filter(actor, LeadAction.OFFER_VIEW, owner_field=None)
    if visible is None:
        raise Http404
    offer = LeadOffer.objects.filter(visible, pk=offer_id).select_related("partner", "opened_by__user").first()
    if offer is None:
        raise Http404
    offer.visible_lead = Lead.objects.filter(pk=offer.lead_id).select_related("product_line").first()
    offer.reference = offer.visible_lead.reference if offer.visible_lead else reference_for(offer.lead_id)
    return offer


def lead_get_for_actor(*, actor, lead_id: int) -> Lead:
    """A lead the actor may see (``LeadAction.VIEW``): a partner user one its company holds (a
    sales rep: one it owns); staff any. A 404 otherwise."""
    visible = lead_filter(actor, LeadAction.VIEW)
    if visible is None:
        raise Http404
    leads = Lead.objects.filter(visible, pk=lead_id)
    if actor.is_partner_user:
        leads = leads.filter(partner__isnull=False)
    lead = leads.select_related(
        "partner", "owner__user", "product_line", "program", "source_partner", "offered_to", "deal"
    ).first()
    if lead is None:
        raise Http404
    return lead


def lead_offers_for_staff(*, actor, lead: Lead) -> list[LeadOffer]:
    """Every offer of the lead with who opened and answered it (the vendor's lead page)."""
    if not lead_may(actor, None, LeadAction.VIEW_INTERNAL):
        return []
    return list(
        LeadOffer.objects.filter(lead_id=lead.pk)
        .select_related("partner", "opened_by__user", "responded_by__user")
        .order_by("offered_at", "id")
    )


def lead_offer_of_partner(*, lead: Lead) -> LeadOffer | None:
    """The offer the holding partner accepted (why it received the lead)."""
    if lead.partner_id is None:
        return None
    return LeadOffer.objects.filter(lead_id=lead.pk, partner_id=lead.partner_id).order_by("-offered_at", "-id").first()


def message_list_for_actor(*, actor, lead: Lead) -> list[LeadMessage]:
    """The conversation, oldest first; partner users never read internal notes."""
    messages = LeadMessage.objects.filter(lead_id=lead.pk).select_related("author__user")
    if actor.is_partner_user:
        messages = messages.filter(internal=False, partner_id=actor.partner_id)
    return list(messages.order_by("created_at", "id"))


def event_list_for_actor(*, actor, lead: Lead) -> list:
    """The lead's timeline, newest first (a partner user reads only its own company's events)."""
    return list(events_for_object(actor=actor, target=lead)[:200])


def receivers_for_actor(*, actor, partner_id: int) -> list[Membership]:
    """The company's active users a lead may be given to (those who receive leads)."""
    if not actor.is_staff_member and actor.partner_id != partner_id:
        return []
    return list(
        Membership.objects.filter(partner_id=partner_id, role__in=receiver_roles(), is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk")
    )


@dataclass(frozen=True)
class ConversionDraft:
    """What the deal registration form starts from: its fields and its product rows."""

    initial: dict
    line_initial: list[dict]


def lead_conversion_draft(*, lead: Lead, products: list[Product], default_currency: str) -> ConversionDraft:
    """The registration pre-filled from the lead: the customer, its website, country, address,
    contact, the notes; the first product of the lead's product line the company may register
    (of ``products``), priced at the expected value so the deal's amount starts from it."""
    address = ", ".join(part for part in (lead.postal_code, lead.city) if part)
    notes = "\n".join(
        part
        for part in (
            lead.description,
            f"{lead.reference}{' · ' + lead.campaign if lead.campaign else ''}",
            lead.next_step,
        )
        if part
    )
    initial = {
        "customer_name": lead.company,
        "customer_website": lead.website or lead.domain,
        "customer_country": lead.country,
        "customer_address": address,
        "contact_name": lead.contact_name,
        "contact_email": lead.email,
        "contact_phone": lead.phone,
        "title": lead.company,
        "currency": lead.currency or default_currency,
        "expected_close_on": timezone.localdate() + timedelta(days=90),
        "notes": notes[:5000],
    }
    line_initial = []
    if lead.product_line_id:
        first = next((product for product in products if product.line_id == lead.product_line_id), None)
        if first is not None:
            value = lead.expected_value if lead.expected_value is not None else lead.estimated_value
            line_initial.append({"product": first.pk, "quantity": 1, "unit_price": value})
    return ConversionDraft(initial=initial, line_initial=line_initial)


# --- the REST API's leads: each with the offers the actor may see ----------------------------------


def _api_visible(actor):
    """What ``lead_list_for_actor`` shows ``actor``, as a filter (None: nothing). Staff reading
    leads: every lead of the tenant. A partner user: the leads offered to its company now (it
    answers offers) and the leads its company holds (its admin; a sales rep the ones it owns)."""
    held = lead_filter(actor, LeadAction.VIEW)
    if actor.is_staff_member:
        return held
    offered = lead_filter(actor, LeadAction.OFFER_VIEW, partner_field="offered_to_id", owner_field=None)
    parts = []
    if offered is not None:
        parts.append(offered & Q(status=LeadStatus.OFFERED))
    if held is not None:
        parts.append(held & Q(partner__isnull=False))
    if not parts:
        return None
    visible = parts[0]
    for part in parts[1:]:
        visible |= part
    return visible


def lead_list_for_actor(*, actor, status: str = "", created_since=None, updated_since=None) -> QuerySet[Lead]:
    """The leads ``actor`` may read (see ``_api_visible``: a lead offered to another partner, or
    whose offer to the actor's company is over, is not there), each with ``visible_offers``: its
    offers the actor may see, oldest first (staff: every offer; a partner user: its company's),
    fetched in one query for a page. Unordered: the caller pages it."""
    visible = _api_visible(actor)
    if visible is None:
        return Lead.objects.none()
    leads = Lead.objects.filter(visible)
    if status:
        leads = leads.filter(status=status)
    if created_since is not None:
        leads = leads.filter(created_at__gte=created_since)
    if updated_since is not None:
        leads = leads.filter(updated_at__gte=updated_since)
    offers = LeadOffer.objects.order_by("offered_at", "id")
    if not actor.is_staff_member:
        offers = offers.filter(partner_id=actor.partner_id)
    return leads.prefetch_related(Prefetch("offers", queryset=offers, to_attr="visible_offers"))


def lead_with_offers_get_for_actor(*, actor, lead_id: int) -> Lead:
    """One lead of ``lead_list_for_actor``, with its ``visible_offers``; a 404 otherwise."""
    lead = lead_list_for_actor(actor=actor).filter(pk=lead_id).first()
    if lead is None:
        raise Http404
    return lead
