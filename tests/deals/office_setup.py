"""What the back-office deal pages name, for their tests, the isolation matrix and the
hostile-input tests. Every function takes a ``ctx`` with ``side`` (a ``conftest.Side``) and adds
to it:

``conflicting(ctx)``: the catalogue (``ctx.cat``, once per tenant); partner 2 registers "Initech GmbH"
(``ctx.original``), then partner 1 registers the same customer (``ctx.deal``, submitted, with a
conflict); ``approved(ctx)``: partner 1's registration approved (``ctx.deal``);
``pending_extension(ctx)``: and a 30-day extension asked (``ctx.extension``);
``won_pending(ctx)``: and reported won, awaiting confirmation; ``with_attachment(ctx)``: the
conflicting registration with a document its sales rep attached (``ctx.attachment``).
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from deals.models import Deal, DealExtension, DealMessage
from deals.services import attachment_add, deal_approve, deal_confirm_win, deal_mark_won, extension_request
from prm.tenancy.scope import platform_scope, tenant_scope
from programs.models import Product, ProductLine, Program, Tier

from .deal_setup import Catalogue, as_partner, make_catalogue, submitted

_customers = itertools.count(1)


def catalogue(ctx) -> None:
    """The catalogue of ``deal_setup``, made once per tenant (pages of one world share it)."""
    if not hasattr(ctx, "cat"):
        ctx.cat = _existing_catalogue(ctx.side) or make_catalogue(ctx.side)


def _existing_catalogue(side) -> Catalogue | None:
    with tenant_scope(side.tenant):
        program = Program.objects.filter(slug="resell").first()
        if program is None:
            return None
        tiers = {tier.name: tier for tier in Tier.objects.filter(program=program)}
        lines = {line.slug: line for line in ProductLine.objects.filter(slug__in=["firewalls", "switches"])}
        products = {product.name: product for product in Product.objects.filter(name__in=["FW-100", "SW-24"])}
    return Catalogue(
        program=program,
        silver=tiers["Silver"],
        gold=tiers["Gold"],
        firewalls=lines["firewalls"],
        switches=lines["switches"],
        firewall=products["FW-100"],
        switch=products["SW-24"],
    )


def conflicting(ctx) -> None:
    catalogue(ctx)
    ctx.original = submitted(ctx.side.sales[1], ctx.cat, customer_name="Initech GmbH")
    ctx.deal = submitted(ctx.side.sales[0], ctx.cat, customer_name="Initech AG")


def approved(ctx, customer: str = "") -> None:
    catalogue(ctx)
    # One protection per customer: each call protects another one.
    customer = customer or f"Umbrella{next(_customers)}"
    website = f"https://{customer.lower()}.example"
    deal = submitted(
        ctx.side.sales[0],
        ctx.cat,
        customer_name=f"{customer} Corp",
        customer_website=website,
        contact_email=f"buyer@{customer.lower()}.example",
    )
    with tenant_scope(ctx.side.tenant):
        ctx.deal = deal_approve(actor=ctx.side.manager, deal=deal)


def pending_extension(ctx) -> None:
    approved(ctx)
    with as_partner(ctx.side.sales[0]):
        ctx.extension = extension_request(actor=ctx.side.sales[0], deal=ctx.deal, days=30, reason="Board meets late")


def won_pending(ctx, customer: str = "") -> None:
    approved(ctx, customer)
    with as_partner(ctx.side.sales[0]):
        deal_mark_won(actor=ctx.side.sales[0], deal=ctx.deal, amount=Decimal("9500"), won_on=timezone.localdate())


def won(ctx, customer: str = "") -> None:
    """A win the vendor confirmed."""
    won_pending(ctx, customer)
    with tenant_scope(ctx.side.tenant):
        deal_confirm_win(actor=ctx.side.manager, deal=ctx.deal)


def with_attachment(ctx) -> None:
    from .portal_setup import pdf_upload

    conflicting(ctx)
    with as_partner(ctx.side.sales[0]):
        ctx.attachment = attachment_add(actor=ctx.side.sales[0], deal=ctx.deal, file=pdf_upload(), name="Quote")


def message_posted(ctx) -> bool:
    with platform_scope():
        return DealMessage.objects.filter(deal_id=ctx.deal.pk, body="Matrix message").exists()


def for_world(world) -> SimpleNamespace:
    """For the fuzzed forms: acme's registration to review (``deal``, conflicting with
    ``original``), an approved one with a pending extension (``extended``, ``extension``) and
    one reported won (``won``); made once per world."""
    if not hasattr(world, "office_deals"):
        ctx = SimpleNamespace(side=world.acme)
        pending_extension(ctx)
        extended, extension = ctx.deal, ctx.extension
        won_pending(ctx, "Soylent")
        won = ctx.deal
        conflicting(ctx)
        ctx.extended, ctx.won = extended, won
        ctx.extension = extension
        world.office_deals = ctx
    return world.office_deals


def status_of(ctx) -> str:
    with platform_scope():
        return Deal.objects.get(pk=ctx.deal.pk).status


def extension_status(ctx) -> str:
    with platform_scope():
        return DealExtension.objects.get(pk=ctx.extension.pk).status


def registered_on_behalf(ctx) -> bool:
    with platform_scope():
        return Deal.objects.filter(customer_name="Matrix Customer GmbH", entered_by__isnull=False).exists()


def registration_data(ctx) -> dict:
    """A valid on-behalf registration for partner 1 (``catalogue`` first)."""
    catalogue(ctx)
    return {
        "partner": str(ctx.side.partner.pk),
        "customer_name": "Matrix Customer GmbH",
        "customer_website": "https://matrix-customer.example",
        "customer_country": "DE",
        "contact_email": "buyer@matrix-customer.example",
        "amount": "12000",
        "currency": "USD",
        "expected_close_on": (timezone.localdate() + timedelta(days=45)).isoformat(),
        "product_1": str(ctx.cat.firewall.pk),
        "quantity_1": "2",
        "product_2": str(ctx.cat.switch.pk),
        "quantity_2": "3",
    }
