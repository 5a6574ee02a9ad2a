"""Isolation cases of partners: the back office's directory and a partner's record with its
contacts and status, and the portal's home and company profile."""

from __future__ import annotations

from partners.models import Partner, PartnerContact, PartnerStatus

from ..accounts.isolation import NEW_PARTNER_USER, partner_user_invited
from ..factories import ContactFactory
from ..isolation import MANAGERS, PARTNER_ID, Case, in_platform, office_page, office_write, portal_page

# --- set-ups and effects --------------------------------------------------------------------------


def contact(ctx):
    ctx.contact = ContactFactory(partner=ctx.side.partner, name="Doomed Contact")


@in_platform
def contact_gone(ctx):
    return not PartnerContact.objects.filter(pk=ctx.contact.pk).exists()


@in_platform
def contact_added(ctx):
    return PartnerContact.objects.filter(partner_id=ctx.side.partner.pk, name="Matrix Contact").exists()


@in_platform
def partner_suspended(ctx):
    return Partner.objects.get(pk=ctx.side.partner.pk).status == PartnerStatus.SUSPENDED


def partner_name(ctx):
    return ctx.side.partner.display_name


CASES: dict[str, Case] = {
    # --- back office ---------------------------------------------------------------------------
    "office:dashboard": office_page(),
    "office:partner_list": office_page(contains=partner_name),
    "office:partner_export": office_page(contains=partner_name),
    "office:partner_create": office_page(allowed=("admin",)),
    "office:partner_detail": office_page(args=PARTNER_ID, contains=partner_name),
    "office:partner_people": office_page(args=PARTNER_ID, contains=lambda ctx: ctx.side.partner_admin.user.email),
    "office:partner_timeline": office_page(args=PARTNER_ID),
    "office:partner_edit": office_page(allowed=MANAGERS, args=PARTNER_ID),
    "office:partner_status": office_write(
        args=PARTNER_ID, data={"to_status": PartnerStatus.SUSPENDED, "reason": "Matrix"}, effect=partner_suspended
    ),
    "office:contact_create": office_write(
        args=PARTNER_ID, data={"name": "Matrix Contact", "role": "primary"}, effect=contact_added
    ),
    "office:contact_delete": office_write(
        setup=contact, args=lambda ctx: [ctx.side.partner.pk, ctx.contact.pk], effect=contact_gone
    ),
    "office:partner_invite": office_write(args=PARTNER_ID, data=NEW_PARTNER_USER, effect=partner_user_invited),
    # --- partner portal ------------------------------------------------------------------------
    "portal:home": portal_page(contains=partner_name),
    "portal:company": portal_page(contains=lambda ctx: ctx.side.partner.legal_name),
    "portal:company_edit": portal_page(allowed=("partner_admin",)),
}
