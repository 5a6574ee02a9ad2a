"""Load the demo: two vendors (acme, globex), ~40 partners, staff and partner users of every role,
and each vendor's programs, tiers, metric history, catalogue, territories and licences
(``prm/web/demo_programs.py``), then the first tier evaluation.

Idempotent: run it again and nothing is duplicated. Partners are created and moved through
their lifecycle by the real services, so their timelines show real events.
"""

from __future__ import annotations

import functools
import random

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from partners.models import DEFAULT_PARTNER_TYPES, Partner, PartnerContact, PartnerStatus, PartnerType, SizeBand
from partners.services import partner_change_status, partner_create
from prm.accounts.models import Membership, User
from prm.accounts.roles import MembershipKind, Role
from prm.tenancy.models import Tenant
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web import demo_deals, demo_programs

PASSWORD = "demo-password-2026"

TENANTS = [
    {
        "slug": "acme",
        "name": "Acme Networks",
        "brand_color": "#1f4e8c",
        "default_currency": "USD",
        "time_zone": "America/New_York",
    },
    {
        "slug": "globex",
        "name": "Globex Software",
        "brand_color": "#6b2d8c",
        "default_currency": "EUR",
        "time_zone": "Europe/Berlin",
    },
]
STAFF = [
    ("admin", Role.ADMIN, "Ada", "Admin"),
    ("cam", Role.CHANNEL_MANAGER, "Carl", "Manager"),
    ("cam2", Role.CHANNEL_MANAGER, "Clara", "Second"),
    ("director", Role.CHANNEL_DIRECTOR, "Dana", "Director"),
    ("marketing", Role.MARKETING, "Mia", "Marketing"),
    ("finance", Role.FINANCE, "Finn", "Finance"),
]
PARTNER_ROLES = [
    ("admin", Role.PARTNER_ADMIN, "Pat", "Admin"),
    ("sales", Role.SALES, "Sam", "Sales"),
    ("tech", Role.TECHNICAL, "Tess", "Tech"),
    ("marketing", Role.PARTNER_MARKETING, "Max", "Marketing"),
    ("finance", Role.PARTNER_FINANCE, "Fay", "Finance"),
]
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


class Command(BaseCommand):
    help = "Load (or top up) the demo tenants, partners and users."

    def handle(self, *args, **options):
        logins: list[tuple[str, str, str]] = []
        with platform_scope():
            root = _user("root@prm.example", "Root", "Operator", superuser=True)
        logins.append(("platform", "superuser (needs 2FA setup)", root.email))
        for index, spec in enumerate(TENANTS):
            with platform_scope():
                tenant, _ = Tenant.objects.get_or_create(slug=spec["slug"], defaults=spec)
            with tenant_scope(tenant):
                logins += self._tenant(tenant, seed=index)
        # One reseller sells for both vendors: one login, two portals.
        with platform_scope():
            shared = _user("rep@multivendor.example", "Robin", "Reseller")
        for tenant in Tenant.objects.filter(slug__in=[t["slug"] for t in TENANTS]):
            with tenant_scope(tenant):
                partner = Partner.objects.order_by("id").filter(status=PartnerStatus.ACTIVE).first()
                Membership.objects.get_or_create(
                    user=shared, defaults={"kind": MembershipKind.PARTNER, "role": Role.SALES, "partner": partner}
                )
        logins.append(("acme + globex", "partner sales rep in both", shared.email))
        # The first evaluation, once every user exists (active users is a tier requirement).
        for tenant in Tenant.objects.filter(slug__in=[t["slug"] for t in TENANTS]).order_by("slug"):
            summary = demo_programs.evaluate(tenant=tenant)
            self.stdout.write(
                f"{tenant.slug}: evaluated {summary.enrollments} enrollments: {summary.proposed_promotions} promotions"
                f" proposed, {summary.promoted} promoted, {summary.at_risk} at risk,"
                f" {summary.proposed_demotions} demotions proposed"
            )
            deals = demo_deals.load(tenant=tenant)
            if deals:
                self.stdout.write(f"{tenant.slug}: {deals} deal registrations (auto-approved, in review, won, ...)")
        self._print(logins)

    @transaction.atomic
    def _tenant(self, tenant: Tenant, *, seed: int) -> list[tuple[str, str, str]]:
        rng = random.Random(seed)
        logins = []
        for slug, name in DEFAULT_PARTNER_TYPES:
            PartnerType.objects.get_or_create(slug=slug, defaults={"name": name})
        types = list(PartnerType.objects.order_by("id"))
        staff = {}
        for local, role, first, last in STAFF:
            user = _user(f"{local}@{tenant.slug}.example", first, last)
            staff[local], _ = Membership.objects.get_or_create(
                user=user, defaults={"kind": MembershipKind.STAFF, "role": role}
            )
            logins.append(
                (tenant.slug, Role(role).label + (" (needs 2FA setup)" if role == Role.ADMIN else ""), user.email)
            )
        admin = staff["admin"]
        managers = [staff["cam"], staff["cam2"]]

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

        # Partner users: every role at the first two partners, an admin and a rep at most others
        # (more where the demo's tiers need them: active users is a tier requirement).
        for position, partner in enumerate(Partner.objects.order_by("external_crm_id")):
            if not partner.is_operational:
                continue
            domain = partner.email_domains[0]
            count = len(PARTNER_ROLES) if position < 2 else 2
            roles = PARTNER_ROLES[: demo_programs.partner_user_count(tenant.slug, partner.display_name, count)]
            for local, role, first, last in roles:
                user = _user(f"{local}@{domain}", first, last)
                Membership.objects.get_or_create(
                    user=user, defaults={"kind": MembershipKind.PARTNER, "role": role, "partner": partner}
                )
                if position < 2:
                    logins.append((tenant.slug, f"{Role(role).label} of {partner}", user.email))
        demo_programs.load(tenant=tenant, staff=staff)
        return logins

    def _print(self, logins):
        width = max(len(email) for _, _, email in logins)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {PASSWORD})")
        for portal, role, email in logins:
            self.stdout.write(f"  {email:<{width}}  {portal:<14} {role}")
        self.stdout.write("")


@functools.cache
def _password_hash() -> str:
    # Hashing is deliberately slow: hash the shared demo password once, not per user.
    return make_password(PASSWORD)


def _user(email: str, first: str, last: str, *, superuser: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create(
            email=email,
            password=_password_hash(),
            first_name=first,
            last_name=last,
            is_superuser=superuser,
            is_staff=superuser,
        )
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user
