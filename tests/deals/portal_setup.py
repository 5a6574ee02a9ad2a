"""What the portal's deal pages name, for the isolation matrix and the hostile-input tests.

Each set-up takes a ``ctx`` with ``side`` (a ``conftest.Side``) and adds a registration of its
partner 1 by its sales rep (so both the partner admin and the rep may see it): ``ctx.deal``.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deals.models import DealAttachment, DealExtension, DealMessage, DealStatus
from deals.services import attachment_add, deal_approve
from prm.tenancy.scope import platform_scope, tenant_scope

from ..programs.documents import small_pdf
from .deal_setup import as_partner, draft, submitted
from .office_setup import catalogue as shared_catalogue


def _catalogue(ctx):
    # Once per tenant: pages rendered in one world (the inline-script test) share it.
    shared_catalogue(ctx)
    ctx.catalogue = ctx.cat
    return ctx.catalogue


def draft_deal(ctx) -> None:
    _catalogue(ctx)
    ctx.deal = draft(ctx.side.sales_rep, ctx.catalogue, customer_name="Matrix Customer")


def approved_deal(ctx) -> None:
    _catalogue(ctx)
    deal = submitted(ctx.side.sales_rep, ctx.catalogue, customer_name="Matrix Customer")
    with tenant_scope(ctx.side.tenant):
        ctx.deal = deal_approve(actor=ctx.side.manager, deal=deal)


def deal_with_attachment(ctx) -> None:
    draft_deal(ctx)
    with as_partner(ctx.side.sales_rep):
        ctx.attachment = attachment_add(actor=ctx.side.sales_rep, deal=ctx.deal, file=pdf_upload(), name="Quote")


def pdf_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("quote.pdf", small_pdf(), "application/pdf")


def _deal(ctx):
    with platform_scope():
        ctx.deal.refresh_from_db()
    return ctx.deal


def status_is(status: str):
    return lambda ctx: _deal(ctx).status == status


def won(ctx) -> bool:
    return _deal(ctx).status in (DealStatus.WON, DealStatus.WON_PENDING)


def stage_is(stage: str):
    return lambda ctx: _deal(ctx).stage == stage


def extension_requested(ctx) -> bool:
    with platform_scope():
        return DealExtension.objects.filter(deal_id=ctx.deal.pk).exists()


def message_posted(ctx) -> bool:
    with platform_scope():
        return DealMessage.objects.filter(deal_id=ctx.deal.pk, body="Matrix message").exists()


def attachment_added(ctx) -> bool:
    with platform_scope():
        return DealAttachment.objects.filter(deal_id=ctx.deal.pk).exists()


def portal_deals_for(world):
    """acme partner 1's draft and approved registrations (made once per world)."""
    if not hasattr(world, "portal_deals"):
        ctx = SimpleNamespace(side=world.acme)
        approved_deal(ctx)
        ctx.approved = ctx.deal
        ctx.draft = draft(ctx.side.sales_rep, ctx.catalogue, customer_name="Fuzz Draft")
        world.portal_deals = ctx
    return world.portal_deals


def registration_data(world) -> dict:
    """Valid fields of the portal's "Register a deal" form (a draft, one firewall)."""
    catalogue = portal_deals_for(world).catalogue
    return {
        "customer_name": "Fuzz Customer",
        "customer_website": "fuzz.example",
        "customer_country": "DE",
        "customer_address": "Main street 1",
        "contact_name": "Jo",
        "contact_email": "jo@fuzz.example",
        "contact_phone": "+49 1",
        "title": "Fuzz",
        "amount": "1000",
        "currency": "USD",
        "expected_close_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "stage": "qualify",
        "notes": "Notes",
        "intent": "save",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "20",
        "lines-0-product": str(catalogue.firewall.pk),
        "lines-0-quantity": "1",
        "lines-0-unit_price": "",
    }
