"""The partners' part of the demo (``load_demo``): 20 partners per vendor of every type and
status, walked through their lifecycle by the real services (their timelines show each step),
a contact each, and portal users: every role at the first two partners (Northwind at acme),
an admin and a sales rep at the others. One reseller's rep sells for both vendors.
"""

from __future__ import annotations

import random

from prm.accounts.models import Membership
from prm.accounts.roles import MembershipKind, Role
from prm.web.demo_kit import PARTNER_ROLES, Demo, demo_partner_users, demo_user

from .models import DEFAULT_PARTNER_TYPES, Partner, PartnerContact, PartnerStatus, PartnerType, SizeBand
from .services import partner_change_status, partner_create

FIRST = [
    "North",
    "Blue",
    "Silver",
    "Bright",
    "Iron",
    "Summit",
    "Harbor",
    "Cedar",
    "Polar",
    "Quantum",
    "Red",
    "Atlas",
    "Nimbus",
    "Vertex",
    "Orbit",
    "Granite",
    "Delta",
    "Pioneer",
    "Crest",
    "Aurora",
]
SECOND = ["wind", "river", "stone", "peak", "field", "bridge", "gate", "line", "works", "point"]
SUFFIX = ["Ltd", "GmbH", "Inc", "S.A.", "B.V.", "LLC", "AB", "Pty Ltd"]
COUNTRIES = ["US", "DE", "GB", "FR", "NL", "SE", "ES", "AU", "CA", "JP", "BR", "IN"]
REGIONS = {"US": "NA", "CA": "NA", "BR": "LATAM", "AU": "APAC", "JP": "APAC", "IN": "APAC"}
INDUSTRIES = ["Manufacturing", "Healthcare", "Finance", "Retail", "Public sector", "Education", "Energy"]
PARTNERS_PER_TENANT = 20

# The rep who sells for both demo vendors: one login, two portals.
SHARED_REP = ("rep@multivendor.example", "Robin", "Reseller")


def load(demo: Demo) -> None:
    tenant, rng = demo.tenant, random.Random(demo.seed)
    seed = demo.seed
    for slug, name in DEFAULT_PARTNER_TYPES:
        PartnerType.objects.get_or_create(slug=slug, defaults={"name": name})
    types = list(PartnerType.objects.order_by("id"))
    admin = demo.staff["admin"]
    managers = [demo.staff["cam"], demo.staff["cam2"]]

    for number in range(PARTNERS_PER_TENANT):
        crm_id = f"DEMO-{tenant.slug.upper()}-{number:03d}"
        if Partner.objects.filter(external_crm_id=crm_id).exists():
            continue
        # Fixed names, so the README can list the demo logins.
        first, second = FIRST[(number + 7 * seed) % len(FIRST)], SECOND[(number * 3 + seed) % len(SECOND)]
        display = f"{first}{second}"
        country = COUNTRIES[number % len(COUNTRIES)]
        domain = f"{display.lower()}.example"
        partner = partner_create(
            actor=admin,
            legal_name=f"{display} {SUFFIX[number % len(SUFFIX)]}",
            display_name=display,
            partner_type=types[number % len(types)],
            country=country,
            website=f"https://www.{domain}",
            email_domains=[domain],
            city=rng.choice(["Springfield", "Riverton", "Lakeside", "Hillview", "Bayport"]),
            regions_served=[REGIONS.get(country, "EMEA")],
            countries_served=sorted({country, rng.choice(COUNTRIES)}),
            industries=rng.sample(INDUSTRIES, 2),
            size_band=rng.choice(SizeBand.values),
            account_manager=managers[number % 2],
            external_crm_id=crm_id,
            description=f"{display} is a demo partner of {tenant.name}.",
        )
        # Walk the lifecycle through the services: the timeline shows each step.
        path = [PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE]
        if number % 10 == 7:
            path = [PartnerStatus.ONBOARDING]
        elif number % 10 == 9:
            path = []
        elif number % 10 == 8:
            path = [PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE, PartnerStatus.SUSPENDED]
        for status in path:
            reason = "Missed the annual compliance review." if status == PartnerStatus.SUSPENDED else ""
            partner = partner_change_status(actor=admin, partner=partner, to_status=status, reason=reason)
        PartnerContact.objects.get_or_create(
            partner=partner,
            name=f"{rng.choice(['Alex', 'Jordan', 'Kim', 'Lee'])} {second.capitalize()}",
            defaults={"email": f"contracts@{domain}", "role": PartnerContact.ContactRole.SIGNATORY},
        )

    # Portal users: every role at the first two partners, an admin and a rep at the others. Only the
    # demo's own partners: on a later start, the other demos' (a recruited company) are there too.
    demo_partners = Partner.objects.filter(external_crm_id__startswith=f"DEMO-{tenant.slug.upper()}-")
    for position, partner in enumerate(demo_partners.order_by("external_crm_id")):
        if not partner.is_operational:
            continue
        count = len(PARTNER_ROLES) if position < 2 else 2
        for member in demo_partner_users(partner, partner.email_domains[0], count):
            if position < 2:
                demo.login(f"{Role(member.role).label} of {partner}", member.user.email)

    email, first, last = SHARED_REP
    shared = demo_user(email, first, last)
    partner = Partner.objects.order_by("id").filter(status=PartnerStatus.ACTIVE).first()
    Membership.objects.get_or_create(
        user=shared, defaults={"kind": MembershipKind.PARTNER, "role": Role.SALES, "partner": partner}
    )
