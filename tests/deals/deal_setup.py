"""A catalogue and a program for deal-registration tests, and helpers acting as a partner user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from deals.services import deal_register, deal_submit
from prm.tenancy.scope import tenant_scope
from tests.factories import EnrollmentFactory, ProductFactory, ProductLineFactory, ProgramFactory, TierFactory


@dataclass
class Catalogue:
    program: object
    silver: object
    gold: object
    firewalls: object  # product line
    switches: object  # product line
    firewall: object  # product (5,000 USD)
    switch: object  # product (800 USD)


def make_catalogue(side) -> Catalogue:
    """Firewalls and switches; partner 1 is Silver (90 days), partner 2 Gold (120 days) in Resell."""
    firewalls = ProductLineFactory(tenant=side.tenant, name="Firewalls", slug="firewalls")
    switches = ProductLineFactory(tenant=side.tenant, name="Switches", slug="switches")
    program = ProgramFactory(tenant=side.tenant, name="Resell", slug="resell")
    silver = TierFactory(program=program, name="Silver", rank=1, protection_days=90)
    gold = TierFactory(program=program, name="Gold", rank=2, protection_days=120)
    EnrollmentFactory(partner=side.partners[0], tier=silver)
    EnrollmentFactory(partner=side.partners[1], tier=gold)
    return Catalogue(
        program=program,
        silver=silver,
        gold=gold,
        firewalls=firewalls,
        switches=switches,
        firewall=ProductFactory(line=firewalls, name="FW-100", list_price=5000, currency="USD"),
        switch=ProductFactory(line=switches, name="SW-24", list_price=800, currency="USD"),
    )


def as_partner(member):
    """The scope a partner user's request runs in (row-level security of its partner)."""
    return tenant_scope(member.tenant_id, partner=member.partner_id)


def draft(member, catalogue: Catalogue, *, products=None, **fields):
    """A draft registered by ``member`` (a partner user) in its own scope."""
    values = {
        "customer_name": "Initech GmbH",
        "customer_website": "https://www.initech.de",
        "customer_country": "DE",
        "amount": Decimal("10000"),
        "currency": "USD",
        "expected_close_on": timezone.localdate() + timedelta(days=60),
        "contact_email": "peter@initech.de",
    }
    values.update(fields)
    lines = [(product, 2, None) for product in (products or [catalogue.firewall])]
    with as_partner(member):
        return deal_register(actor=member, partner=member.partner, lines=lines, **values)


def submitted(member, catalogue: Catalogue, **fields):
    deal = draft(member, catalogue, **fields)
    with as_partner(member):
        return deal_submit(actor=member, deal=deal)
