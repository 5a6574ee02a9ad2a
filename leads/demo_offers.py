"""The offers part of the demo (acme only), through the part's services, on the leads the routing
and intake parts offered (when they have not run, a few leads are entered and routed here): one
offer opened, one accepted and worked with a conversation, one declined (and offered to the next
partner), one converted into a deal registration that was then won (attributed to the lead), one
waiting near its deadline, one timed out.

Idempotent: a tenant where an offer was accepted already is left as it is."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from deals.selectors.deals import product_offer_for_actor
from deals.services import deal_approve, deal_confirm_win, deal_mark_won
from prm.accounts.roles import Role
from prm.errors import DomainError
from prm.tenancy.time import tenant_today
from programs.models import ProductLine

from .models import DeclineReason, Lead, LeadOffer, LeadSource, LeadStage, OfferStatus
from .services.common import reference_for
from .services.offers import offer_accept, offer_decline, offer_open, offers_sweep, receivers_by_partner
from .services.routing import lead_route
from .services.work import lead_convert, lead_deal_closed, lead_message_post, lead_update

# Used only when no other part left leads to answer.
PROSPECTS = [
    ("Initech GmbH", "Berlin", "DE", "Manufacturing", "Needs 40 firewalls for two plants.", 48000),
    ("Umbrella Health BV", "Rotterdam", "NL", "Healthcare", "Wants a managed network for 12 clinics.", 90000),
    ("Hooli Logistics SAS", "Lyon", "FR", "Logistics", "Replacing the warehouse Wi-Fi.", 22000),
    ("Vandelay Imports Ltd", "Leeds", "GB", "Retail", "Asks for a quote on branch switches.", 15000),
    ("Stark Foods AG", "Zurich", "CH", "Food", "Security audit, then firewalls.", 30000),
    ("Wayne Media SpA", "Milan", "IT", "Media", "Studio network upgrade.", 27000),
    ("Soylent Labs Oy", "Helsinki", "FI", "Research", "Secure lab network.", 18000),
]


def _leads_to_answer(demo) -> None:
    """Enter and route a few leads when no other part has (never once leads exist)."""
    if Lead.objects.exists():
        return
    line = ProductLine.objects.order_by("pk").first()
    for company, city, country, industry, need, value in PROSPECTS:
        slug = company.split()[0].lower()
        lead = Lead.objects.create(
            reference="",
            source=LeadSource.MANUAL,
            company=company,
            company_key=company.lower(),
            website=f"https://www.{slug}.example",
            domain=f"{slug}.example",
            contact_name="Alex Buyer",
            email=f"alex@{slug}.example",
            phone="+49 30 1234567",
            job_title="Head of IT",
            country=country,
            city=city,
            industry=industry,
            product_line=line,
            description=need,
            estimated_value=Decimal(value),
            currency="EUR",
            campaign="Spring trade fair",
            created_by=demo.staff["admin"],
        )
        lead.reference = reference_for(lead.pk)
        lead.save(update_fields=["reference"])
        lead_route(lead=lead, trigger="new")


def _people(offer) -> tuple:
    """The partner's admin and a sales rep (the admin when it has none)."""
    members = receivers_by_partner([offer.partner_id]).get(offer.partner_id, [])
    admin = next((m for m in members if m.role == Role.PARTNER_ADMIN), None)
    rep = next((m for m in members if m.role == Role.SALES), admin)
    return admin, rep


def _convert_and_win(demo, lead, admin) -> None:
    products = product_offer_for_actor(actor=admin).products
    if not products:
        return
    product = next((p for p in products if p.line_id == lead.product_line_id), products[0])
    cam = demo.staff.get("cam") or demo.staff["admin"]
    try:
        deal = lead_convert(
            actor=admin,
            lead=lead,
            customer_name=lead.company,
            customer_country=lead.country or "DE",
            currency=product.currency,
            expected_close_on=tenant_today() + timedelta(days=45),
            lines=[(product, 3, None)],
            customer_website=lead.website,
            contact_name=lead.contact_name,
            contact_email=lead.email,
            notes=lead.description,
            submit=True,
        )
        if deal.status == "submitted":
            deal = deal_approve(actor=cam, deal=deal)
        deal = deal_mark_won(actor=admin, deal=deal, amount=deal.amount, won_on=tenant_today())
        if deal.status != "won":
            deal = deal_confirm_win(actor=cam, deal=deal)
    except DomainError as refused:  # a policy of the demo's catalogue: the lead stays converted or held
        demo.notes.append(f"leads (offers): conversion demo stopped: {refused.message}")
        return
    # The hook's task would do this after commit; the demo shows it at once (the task then does nothing).
    lead_deal_closed(deal_id=deal.pk, won=True, amount=deal.won_amount, currency=deal.currency, won_on=deal.won_on)


def load(demo) -> None:
    if demo.tenant.slug != "acme" or LeadOffer.objects.filter(status=OfferStatus.ACCEPTED).exists():
        return
    _leads_to_answer(demo)
    pending = [
        offer
        for offer in LeadOffer.objects.filter(status=OfferStatus.PENDING)
        .select_related("partner", "lead")
        .order_by("pk")
        if _people(offer)[0] is not None
    ]
    if len(pending) < 6:
        demo.notes.append("leads (offers): fewer than 6 offers to answer; the offers demo was skipped")
        return
    opened, worked, declined, converted, near, late = pending[:6]
    cam = demo.staff.get("cam") or demo.staff["admin"]

    admin, rep = _people(opened)
    offer_open(actor=rep, offer=opened)

    admin, rep = _people(worked)
    offer_open(actor=admin, offer=worked)
    lead = offer_accept(
        actor=admin,
        offer=worked,
        next_step="Call the head of IT",
        expected_value=Decimal("25000"),
        currency="EUR",
        owner=rep,
    )
    lead = lead_update(
        actor=rep,
        lead=lead,
        stage=LeadStage.MEETING,
        next_step="On-site visit next week",
        expected_value=Decimal("28000"),
        currency="EUR",
    )
    lead_message_post(actor=rep, lead=lead, body="We have a meeting booked. Is there a budget figure we can share?")
    lead_message_post(actor=cam, lead=lead, body="They mentioned about 30k at the fair; the decision is in Q3.")
    lead_message_post(actor=cam, lead=lead, body="Partner responsive; check again in two weeks.", internal=True)

    admin, rep = _people(declined)
    offer_open(actor=rep, offer=declined)
    offer_decline(actor=rep, offer=declined, reason=DeclineReason.NO_CAPACITY, note="Fully booked until next month.")
    lead_route(lead=declined.lead, trigger="declined")  # the task would, after commit

    admin, rep = _people(converted)
    offer_open(actor=admin, offer=converted)
    lead = offer_accept(
        actor=admin, offer=converted, next_step="Send the quote", expected_value=Decimal("15000"), currency="EUR"
    )
    _convert_and_win(demo, lead, admin)

    # Deadlines (no service moves one by hand): one close, one gone by, which the sweep times out.
    now = timezone.now()
    LeadOffer.objects.filter(pk=near.pk).update(remind_at=now - timedelta(hours=20), due_at=now + timedelta(hours=3))
    LeadOffer.objects.filter(pk=late.pk).update(due_at=now - timedelta(hours=1))
    offers_sweep()
    lead_route(lead=late.lead, trigger="expired")  # the task would, after commit
    demo.notes.append(
        "leads (offers): offers opened, accepted and worked, declined, converted and won, near and past due"
    )
