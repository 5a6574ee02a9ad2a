"""Isolation cases of lead distribution: the offers part (tests/leads/isolation.py merges them), with
its form views for the hostile-input fuzz (tests/hostile/test_fuzz_forms.py).

Acme's catalogue enrols both its partners; a lead is offered to partner 1 (``offer``), or partner 1
accepted it for its sales rep (``held``). Partner 2 never sees either: a 404."""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import reverse

from leads.models import Lead, LeadMessage, LeadOffer, LeadStatus, OfferStatus
from prm.tenancy.scope import platform_scope

from ..isolation import STAFF, Case, in_platform, office_page, office_write, portal_page, portal_write
from .offers_setup import accepted, make_catalogue, offered


def offer(ctx) -> None:
    make_catalogue(ctx.side)
    ctx.lead, ctx.offer = offered(ctx.side, company="Matrix Prospect AG")


def held(ctx) -> None:
    make_catalogue(ctx.side)
    ctx.lead = accepted(ctx.side, company="Matrix Prospect AG")


def _offer_status(ctx) -> str:
    with platform_scope():
        return LeadOffer.objects.get(pk=ctx.offer.pk).status


def _lead(ctx) -> Lead:
    with platform_scope():
        return Lead.objects.get(pk=ctx.lead.pk)


OFFER = lambda ctx: [ctx.offer.pk]  # noqa: E731
LEAD = lambda ctx: [ctx.lead.pk]  # noqa: E731

CASES: dict[str, Case] = {
    "office:lead": office_page(allowed=STAFF, setup=held, args=LEAD, contains="Matrix Prospect AG"),
    "office:lead_message": office_write(
        allowed=STAFF,
        setup=held,
        args=LEAD,
        data={"body": "Matrix question"},
        effect=in_platform(lambda ctx: LeadMessage.objects.filter(lead_id=ctx.lead.pk).exists()),
    ),
    "portal:leads": portal_page(setup=offer, contains="Matrix Prospect AG"),
    "portal:lead_offer": portal_page(setup=offer, args=OFFER, contains="Why you received this lead"),
    "portal:lead_offer_accept": portal_write(
        setup=offer,
        args=OFFER,
        data={"accept-next_step": "Call them"},
        effect=lambda ctx: _offer_status(ctx) == OfferStatus.ACCEPTED,
    ),
    "portal:lead_offer_decline": portal_write(
        setup=offer,
        args=OFFER,
        data={"decline-reason": "territory"},
        effect=lambda ctx: _offer_status(ctx) == OfferStatus.DECLINED,
    ),
    # The lead is the sales rep's: the company's admin and the rep see it, partner 2 does not.
    "portal:lead": portal_page(setup=held, args=LEAD, contains="Matrix Prospect AG"),
    "portal:lead_update": portal_write(
        setup=held,
        args=LEAD,
        data={"update-stage": "contacted", "update-next_step": "Demo"},
        effect=lambda ctx: _lead(ctx).status == LeadStatus.WORKING,
    ),
    "portal:lead_assign": portal_write(
        setup=held,
        args=LEAD,
        data=lambda ctx: {"assign-owner": str(ctx.side.partner_admin.pk)},
        effect=lambda ctx: _lead(ctx).owner_id == ctx.side.partner_admin.pk,
    ),
    "portal:lead_return": portal_write(
        setup=held,
        args=LEAD,
        data={"return-reason": "Not ours"},
        effect=lambda ctx: _lead(ctx).partner_id is None,
    ),
    "portal:lead_lost": portal_write(
        setup=held,
        args=LEAD,
        data={"lost-reason": "Gone quiet"},
        effect=lambda ctx: _lead(ctx).status == LeadStatus.LOST,
    ),
    "portal:lead_message": portal_write(
        setup=held,
        args=LEAD,
        data={"body": "Matrix question"},
        effect=in_platform(lambda ctx: LeadMessage.objects.filter(lead_id=ctx.lead.pk).exists()),
    ),
    "portal:lead_convert": portal_page(setup=held, args=LEAD, contains="Matrix Prospect AG"),
}


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


def _ctx(world, kind: str):
    cache = getattr(world, "_leads_offers", None)
    if cache is None:
        cache = world._leads_offers = {}
        make_catalogue(world.acme)
    if kind not in cache:
        ctx = SimpleNamespace(side=world.acme)
        if kind == "offer":
            ctx.lead, ctx.offer = offered(world.acme, company="Fuzz Prospect AG")
        else:
            ctx.lead = accepted(world.acme, company="Fuzz Prospect AG")
        cache[kind] = ctx
    return cache[kind]


def _form(name: str, kind: str, data, who=lambda w: w.acme.partner_admin):
    arg = (lambda ctx: ctx.offer.pk) if kind == "offer" else (lambda ctx: ctx.lead.pk)
    return (
        who,
        lambda w: reverse(name, args=[arg(_ctx(w, kind))]),
        lambda w: data(w) if callable(data) else dict(data),
    )


FORM_VIEWS: dict = {
    "portal:lead_offer_accept": _form(
        "portal:lead_offer_accept",
        "offer",
        {"accept-next_step": "Call them", "accept-expected_value": "1000", "accept-currency": "EUR"},
    ),
    "portal:lead_offer_decline": _form(
        "portal:lead_offer_decline", "offer", {"decline-reason": "other", "decline-note": "Not for us"}
    ),
    "portal:lead_update": _form(
        "portal:lead_update",
        "held",
        {
            "update-stage": "contacted",
            "update-next_step": "Demo",
            "update-expected_value": "10",
            "update-currency": "EUR",
        },
    ),
    "portal:lead_assign": _form(
        "portal:lead_assign",
        "held",
        lambda w: {"assign-owner": str(w.acme.partner_admin.pk), "assign-note": "Yours"},
    ),
    "portal:lead_return": _form("portal:lead_return", "held", {"return-reason": "Not ours"}),
    "portal:lead_lost": _form("portal:lead_lost", "held", {"lost-reason": "Gone quiet"}),
    "portal:lead_message": _form("portal:lead_message", "held", {"body": "A question"}),
    "portal:lead_convert": _form(
        "portal:lead_convert",
        "held",
        {
            "customer_name": "Fuzz Prospect AG",
            "customer_country": "DE",
            "currency": "USD",
            "expected_close_on": "2099-01-01",
            "stage": "qualify",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": "",
            "lines-0-quantity": "1",
        },
    ),
    "office:lead_message": _form(
        "office:lead_message", "held", {"body": "A question", "internal": "on"}, who=lambda w: w.acme.manager
    ),
}
NO_INPUT: set[str] = set()
