"""Isolation cases of deals: a partner's registrations in the portal (register, edit, act on them
after approval, ask for special pricing), and the back office's review queue, decisions,
pipeline and pricing approvals. Their set-ups and effects are in office_setup, portal_setup and
pricing_setup (the deal tests and the hostile-input tests use them too)."""

from __future__ import annotations

from ..isolation import MANAGERS, OFFICE, PARTNER_ID, PORTAL, Case, office_page, office_write, portal_page, portal_write
from . import office_setup, portal_setup, pricing_setup
from .portal_setup import approved_deal, draft_deal

DEAL = lambda ctx: [ctx.deal.pk]  # noqa: E731  acme partner 1's registration
PRICING = lambda ctx: [ctx.deal.pk, ctx.pricing.pk]  # noqa: E731
ATTACHMENT = lambda ctx: [ctx.deal.pk, ctx.attachment.pk]  # noqa: E731


def deal_write(area, setup, data, effect) -> Case:
    """A POST on ``ctx.deal``: by partner 1's users in the portal, by the managers in the office."""
    write = portal_write if area == PORTAL else office_write
    return write(setup=setup, args=DEAL, data=data, effect=effect)


def status_becomes(status: str):
    return lambda ctx: office_setup.status_of(ctx) == status


def reference(ctx):
    return ctx.deal.reference


def upload(name: str):
    return lambda ctx: {"file": portal_setup.pdf_upload(), "name": name}


CASES: dict[str, Case] = {
    # --- the portal ----------------------------------------------------------------------------
    "portal:deal_list": portal_page(setup=draft_deal, contains="Matrix Customer"),
    "portal:deal_create": portal_page(setup=draft_deal),
    "portal:deal_conflict_hint": portal_page(),
    "portal:deal_detail": portal_page(setup=draft_deal, args=DEAL, contains="Matrix Customer"),
    "portal:deal_edit": portal_page(setup=draft_deal, args=DEAL, contains="Matrix Customer"),
    "portal:deal_submit": deal_write(PORTAL, draft_deal, None, portal_setup.status_is("submitted")),
    "portal:deal_withdraw": deal_write(
        PORTAL, draft_deal, {"withdraw-reason": "Matrix"}, portal_setup.status_is("withdrawn")
    ),
    "portal:deal_stage": deal_write(
        PORTAL, approved_deal, {"stage-stage": "negotiate"}, portal_setup.stage_is("negotiate")
    ),
    "portal:deal_extension": deal_write(
        PORTAL,
        approved_deal,
        {"extension-days": "30", "extension-reason": "Matrix"},
        portal_setup.extension_requested,
    ),
    "portal:deal_won": deal_write(
        PORTAL, approved_deal, {"won-amount": "9000", "won-won_on": "2020-01-01"}, portal_setup.won
    ),
    "portal:deal_lost": deal_write(PORTAL, approved_deal, {"lost-reason": "Matrix"}, portal_setup.status_is("lost")),
    "portal:deal_message": deal_write(PORTAL, approved_deal, {"body": "Matrix message"}, portal_setup.message_posted),
    "portal:deal_attachment_add": deal_write(PORTAL, draft_deal, upload("Matrix"), portal_setup.attachment_added),
    "portal:deal_attachment": portal_page(setup=portal_setup.deal_with_attachment, args=ATTACHMENT),
    # --- the back office -----------------------------------------------------------------------
    "office:deal_reviews": office_page(setup=office_setup.conflicting, contains=reference),
    "office:deal_list": office_page(setup=office_setup.approved, contains=reference),
    "office:deal_list_export": office_page(setup=office_setup.approved, contains=reference),
    "office:partner_deals": office_page(setup=office_setup.approved, args=PARTNER_ID, contains=reference),
    "office:deal_pipeline": office_page(setup=office_setup.approved, contains="Firewalls"),
    "office:deal_export": office_page(setup=office_setup.approved, contains=reference),
    "office:deal_register": office_page(allowed=MANAGERS, setup=office_setup.catalogue),
    "office:deal_detail": office_page(setup=office_setup.conflicting, args=DEAL, contains="Initech GmbH"),
    "office:deal_approve": deal_write(
        OFFICE,
        office_setup.conflicting,
        lambda ctx: {"note": "Matrix", "conflicts_acknowledged": "on", "acknowledged": f"deal:{ctx.original.pk}"},
        status_becomes("approved"),
    ),
    "office:deal_reject": deal_write(
        OFFICE,
        office_setup.conflicting,
        {"reason_code": "conflict", "message": "Matrix", "confirm": "1"},
        status_becomes("rejected"),
    ),
    "office:deal_request_info": deal_write(
        OFFICE,
        office_setup.conflicting,
        {"fields_requested": ["customer_website"], "message": "Matrix"},
        status_becomes("info_requested"),
    ),
    "office:deal_duplicate": deal_write(
        OFFICE,
        office_setup.conflicting,
        lambda ctx: {"original": str(ctx.original.pk), "confirm": "1"},
        status_becomes("duplicate"),
    ),
    "office:extension_decide": office_write(
        setup=office_setup.pending_extension,
        args=lambda ctx: [ctx.deal.pk, ctx.extension.pk],
        data={"decision": "approve", "note": "Matrix", "confirm": "1"},
        effect=lambda ctx: office_setup.extension_status(ctx) == "approved",
    ),
    "office:deal_win": deal_write(
        OFFICE, office_setup.won_pending, {"decision": "confirm", "confirm": "1"}, status_becomes("won")
    ),
    "office:deal_reverse_win": deal_write(
        OFFICE, office_setup.won, {"reason": "Order cancelled", "confirm": "1"}, status_becomes("lost")
    ),
    "office:deal_message": deal_write(
        OFFICE, office_setup.conflicting, {"body": "Matrix message"}, office_setup.message_posted
    ),
    "office:deal_attachment_add": deal_write(
        OFFICE, office_setup.conflicting, upload("Vendor quote"), portal_setup.attachment_added
    ),
    "office:deal_attachment": office_page(setup=office_setup.with_attachment, args=ATTACHMENT),
    # --- special pricing -----------------------------------------------------------------------
    "portal:deal_pricing": deal_write(
        PORTAL,
        approved_deal,
        {"pricing-discount_percent": "8", "pricing-justification": "Matrix"},
        pricing_setup.requested,
    ),
    "portal:deal_pricing_withdraw": portal_write(
        setup=pricing_setup.pending,
        args=PRICING,
        effect=lambda ctx: pricing_setup.status_of(ctx) == "withdrawn",
    ),
    "office:pricing_queue": office_page(allowed=MANAGERS, setup=pricing_setup.pending, contains=reference),
    "office:pricing_decide": office_write(
        setup=pricing_setup.pending,
        args=PRICING,
        data={"decision": "approve", "note": "Matrix", "step": "channel_manager", "confirm": "1"},
        effect=lambda ctx: pricing_setup.status_of(ctx) == "approved",
    ),
}
