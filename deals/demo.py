"""The deals' part of the demo (``load_demo``): registrations for acme, made through the real
services (so their timelines, conflict reports, protections and notifications are real): one
approved by an auto-approval rule, one in review that conflicts with it, one approved by the
channel manager and marked won, one waiting for more information, one rejected as a direct
account's, and a draft. The auto-approved one carries special pricing: 8 % approved by the
channel manager, and 18 % approved by the manager and now waiting for the channel director.

Idempotent: a tenant that already has deals is left as it is.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.tenancy.time import tenant_today
from prm.web.demo_kit import Demo
from programs.models import Product, Program

from .models import AutoApprovalRule, CustomerAccount, Deal, DealStatus, RejectionReason, SpecialPricingRequest
from .normalize import company_key
from .services import (
    deal_approve,
    deal_mark_won,
    deal_register,
    deal_reject,
    deal_request_info,
    pricing_decide,
    pricing_request,
)

# (partner, who registers, customer, website, country, product SKU, quantity, amount, then)
DEALS = [
    (
        "Northwind",
        Role.PARTNER_ADMIN,
        "Contoso Retail Group",
        "contosoretail.com",
        "US",
        "ACM-SW24",
        6,
        "8500",
        "submit",
    ),
    ("Silvergate", Role.SALES, "Contoso Retail", "www.contosoretail.com", "US", "ACM-SW48", 10, "24000", "submit"),
    ("Northwind", Role.SALES, "Wide World Importers", "wideworldimporters.com", "US", "ACM-RT1", 12, "41400", "won"),
    ("Northwind", Role.PARTNER_ADMIN, "Tailspin Toys", "tailspintoys.com", "US", "ACM-AP7", 30, "20700", "info"),
    (
        "Summitbridge",
        Role.PARTNER_ADMIN,
        "Globodyne Systems Inc.",
        "globodyne.com",
        "DE",
        "ACM-SW24",
        20,
        "25800",
        "reject",
    ),
    ("Northwind", Role.SALES, "Adventure Works", "adventure-works.com", "US", "ACM-RT1", 4, "13800", "draft"),
]


def load(demo: Demo) -> None:
    """The demo deals of acme, then the work the homes show (``demo_homes``: every tenant)."""
    from . import demo_homes

    _load_deals(demo)
    demo_homes.load(demo)


def _load_deals(demo: Demo) -> None:
    """The demo deals of acme (other tenants get none)."""
    tenant = demo.tenant
    if tenant.slug != "acme":
        return
    if Deal.objects.exists():
        _special_pricing()
        return
    program = Program.objects.filter(slug="resell").first()
    if program is None:
        return
    AutoApprovalRule.objects.get_or_create(
        program=program,
        name="Small registrations without conflict",
        defaults={"priority": 10, "require_no_conflict": True, "max_amount": Decimal("10000")},
    )
    for name, domain, kind in (
        ("Globodyne Systems", "globodyne.com", CustomerAccount.Kind.DIRECT_ONLY),
        ("Initech", "initech.com", CustomerAccount.Kind.NAMED),
    ):
        CustomerAccount.objects.get_or_create(
            name=name, defaults={"name_key": company_key(name), "domain": domain, "kind": kind}
        )
    manager = Membership.objects.filter(role=Role.CHANNEL_MANAGER, partner__isnull=True, is_active=True).first()
    today = tenant_today()
    created = 0
    for partner_name, role, customer, website, country, sku, quantity, amount, then in DEALS:
        partner = Partner.objects.filter(display_name=partner_name).first()
        product = Product.objects.filter(sku=sku).first()
        actor = Membership.objects.filter(partner=partner, role=role, is_active=True).first()
        if partner is None or product is None or actor is None:
            continue
        deal = deal_register(
            actor=actor,
            partner=partner,
            customer_name=customer,
            customer_website=website,
            customer_country=country,
            contact_name="Jordan Buyer",
            amount=Decimal(amount),
            currency=tenant.default_currency,
            expected_close_on=today + timedelta(days=60),
            lines=[(product, quantity, None)],
            stage="develop",
            submit=then != "draft",
        )
        created += 1
        if then == "draft":
            continue
        reviewer = deal.reviewer or manager
        if then == "won" and reviewer is not None:
            deal = deal_approve(actor=reviewer, deal=deal, note="Good fit for the spring refresh.")
            deal_mark_won(actor=actor, deal=deal, amount=Decimal(amount), won_on=today)
        elif then == "info" and reviewer is not None:
            deal_request_info(
                actor=reviewer,
                deal=deal,
                fields=["contact_email", "contact_phone"],
                message="Please add the buyer's e-mail and phone so we can confirm the opportunity.",
            )
        elif then == "reject" and reviewer is not None:
            deal_reject(
                actor=reviewer,
                deal=deal,
                reason_code=RejectionReason.DIRECT_ACCOUNT,
                message="Globodyne is served by our direct sales team.",
            )
    _special_pricing()
    demo.notes.append(f"{tenant.slug}: {created} deal registrations (auto-approved, in review, won, ...)")


def _special_pricing() -> None:
    """On the approved Contoso registration: 8 % approved by the channel manager, then 18 %
    approved by the manager and waiting for the channel director (left alone once made)."""
    if SpecialPricingRequest.objects.exists():
        return
    deal = Deal.objects.filter(customer_name="Contoso Retail Group", status=DealStatus.APPROVED).first()
    manager = Membership.objects.filter(role=Role.CHANNEL_MANAGER, partner__isnull=True, is_active=True).first()
    if deal is None or manager is None:
        return
    partner_side = Membership.objects.get(pk=deal.registered_by_id)
    first = pricing_request(
        actor=partner_side,
        deal=deal,
        discount_percent=Decimal("8"),
        justification="The customer standardises on our switches if the first site fits the budget.",
        competitor="Initrode Networks",
        competitor_price=Decimal("7900"),
    )
    pricing_decide(actor=manager, pricing=first, approve=True, note="Approved for the spring refresh.")
    second = pricing_request(
        actor=partner_side,
        deal=deal,
        discount_percent=Decimal("18"),
        justification="Initrode came back with a lower offer for all three sites; we need to match it.",
        competitor="Initrode Networks",
        competitor_price=Decimal("7000"),
    )
    pricing_decide(actor=manager, pricing=second, approve=True, note="Fine by me; over my band.")
