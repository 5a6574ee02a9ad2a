"""The homes' part of the demo (run by ``deals.demo.load`` after the deals' own): work for the
homes to show that the deals' demo does not leave.

* Each vendor returns one registration of the rep who sells for both vendors
  (``rep@multivendor.example``) for information: the platform page's inbox lists work in both
  portals, and each portal's home lists its own.
* At acme, Northwind asks to extend the protection of its approved Contoso registration: the
  channel manager's dashboard lists the request.

Through the services, as the people would have done it. Idempotent: what exists is left alone.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.db import transaction

from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.errors import DomainError
from prm.tenancy.time import tenant_today
from prm.web.demo_kit import Demo
from programs.models import Product

from .models import Deal, DealExtension, DealStatus
from .services import deal_register, deal_request_info, extension_request

SHARED_REP_EMAIL = "rep@multivendor.example"
# The shared rep's customer at each vendor.
CUSTOMERS = {
    "acme": ("Lucerne Publishing", "lucernepublishing.com", "US"),
    "globex": ("Margie's Travel", "margiestravel.com", "GB"),
}


def load(demo: Demo) -> None:
    _shared_rep_returned_for_information(demo)
    _extension_requested(demo)


def _channel_manager() -> Membership | None:
    return Membership.objects.filter(role=Role.CHANNEL_MANAGER, partner__isnull=True, is_active=True).first()


def _shared_rep_returned_for_information(demo: Demo) -> None:
    customer = CUSTOMERS.get(demo.tenant.slug)
    rep = (
        Membership.objects.filter(user__email=SHARED_REP_EMAIL, is_active=True, partner__isnull=False)
        .select_related("partner")
        .first()
    )
    manager = _channel_manager()
    if customer is None or rep is None or manager is None or Deal.objects.filter(registered_by=rep).exists():
        return
    name, website, country = customer
    # The first product the partner's program lets it sell (the policy refuses the others), for
    # more than an auto-approval rule decides alone (acme's: up to 10,000): a reviewer asks.
    for product in Product.objects.filter(is_active=True).order_by("list_price", "id")[:20]:
        quantity = max(1, math.ceil(15_000 / float(product.list_price or 1)))
        try:
            with transaction.atomic():
                deal = deal_register(
                    actor=rep,
                    partner=rep.partner,
                    customer_name=name,
                    customer_website=website,
                    customer_country=country,
                    contact_name="Alex Buyer",
                    amount=product.list_price * quantity,
                    currency=product.currency,
                    expected_close_on=tenant_today() + timedelta(days=45),
                    lines=[(product, quantity, None)],
                    stage="develop",
                    submit=True,
                )
        except DomainError:
            continue
        if deal.status == DealStatus.SUBMITTED:
            deal_request_info(
                actor=deal.reviewer or manager,
                deal=deal,
                fields=["contact_email", "contact_phone"],
                message="Who signs the order? Add the buyer's e-mail and phone, please.",
            )
        demo.notes.append(f"{demo.tenant.slug}: {SHARED_REP_EMAIL} has a registration to complete (the inbox)")
        return


def _extension_requested(demo: Demo) -> None:
    if DealExtension.objects.exists():
        return
    deal = Deal.objects.filter(customer_name="Contoso Retail Group", status=DealStatus.APPROVED).first()
    if deal is None:
        return
    partner_side = Membership.objects.get(pk=deal.registered_by_id)
    extension_request(
        actor=partner_side,
        deal=deal,
        days=30,
        reason="The customer's board approves the budget a month after our protection ends.",
    )
    demo.notes.append(f"{demo.tenant.slug}: an extension request waits for the channel manager")
