"""The programs' part of the demo (``load_demo``): programs, tiers, metric history, catalogue,
territories and licences, then the first tier evaluation.

Each vendor runs a "Resell" program (resellers, systems integrators and MSPs; a channel manager
approves each promotion; quarterly review) and a smaller "Referral" program (referral agents;
automatic promotions; monthly review, due on the day the demo is loaded). The partners' manual
metric history (15 months of quarterly values) is chosen so that the first evaluation finds a
mix: promotions proposed, an automatic promotion, partners at risk, partners exactly at a
threshold, and Northwind (acme's main demo partner) Silver and on track for Gold.

Configuration rows are created directly, as an admin would in the Django admin; the values are
set-up history (what channel managers recorded over the past year), created directly too so
that loading does not queue one re-evaluation per value: ``evaluate()`` runs once at the end.
Everything is looked up before it is created, so loading twice duplicates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from partners.models import Partner, PartnerType
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.tenancy.models import Tenant
from prm.tenancy.time import tenant_today
from prm.web.demo_kit import Demo, demo_partner_users
from prm.web.files import minimal_pdf

from .models import (
    AuthorizationRule,
    Enrollment,
    LicenceStatus,
    LicenceType,
    ManualMetric,
    ManualMetricValue,
    PartnerLicence,
    Product,
    ProductLine,
    Program,
    PromotionMode,
    Region,
    TerritoryGrant,
    Tier,
    TierChangeProposal,
    TierRequirement,
    TierStanding,
)
from .services.evaluation import tier_evaluate

# --- What each vendor configures ----------------------------------------------------------------

REGIONS = [
    ("dach", "DACH", ["DE", "AT", "CH"]),
    ("nordics", "Nordics", ["SE", "NO", "DK", "FI", "IS"]),
    ("north-america", "North America", ["US", "CA"]),
    ("benelux", "Benelux", ["BE", "NL", "LU"]),
]
# code, name, unit ("" = the tenant's currency), evidence required, description
MANUAL_METRICS = [
    ("revenue", "Annual revenue (verified)", "", True, "Trailing twelve months of our products sold, per statement."),
    ("business-plan", "Business plan score", "points", False, "The joint business plan, scored 0-100 at review."),
    ("customer-sat", "Customer satisfaction", "%", False, "Share of satisfied customers in the last survey."),
]
REVENUE, PLAN, SATISFACTION = "manual:revenue", "manual:business-plan", "manual:customer-sat"
ACTIVE_USERS = "partners.active_users"


@dataclass(frozen=True)
class Req:
    metric: str
    threshold: int
    mandatory: bool = True
    window_days: int = 365


@dataclass(frozen=True)
class TierSpec:
    name: str
    rank: int
    color: str
    description: str
    discount: int
    protection_days: int
    mdf_percent: int  # 0: not MDF eligible
    lead_weight: int
    rebate: int
    content: tuple[str, ...]
    requirements: tuple[Req, ...] = ()
    optional_required: int = 0


@dataclass(frozen=True)
class ProgramSpec:
    slug: str
    name: str
    description: str
    partner_types: tuple[str, ...]
    promotion_mode: str
    cadence_months: int
    review_today: bool  # False: the review is at the start of next quarter
    tiers: tuple[TierSpec, ...]
    deal_min_amount: int = 0


RESELL = ProgramSpec(
    slug="resell",
    name="Resell",
    description="For partners who buy and resell our products and services to their customers.",
    partner_types=("reseller", "systems-integrator", "msp"),
    promotion_mode=PromotionMode.PROPOSED,
    cadence_months=3,
    review_today=False,
    deal_min_amount=5000,
    tiers=(
        TierSpec(
            "Registered",
            1,
            "#6c757d",
            "Entry level: sign the agreement and start selling.",
            5,
            60,
            0,
            1,
            0,
            ("basics",),
        ),
        TierSpec(
            "Silver",
            2,
            "#8a8f98",
            "An established reseller with a trained team.",
            10,
            90,
            1,
            2,
            1,
            ("basics", "sales-plays"),
            (Req(REVENUE, 25_000), Req(ACTIVE_USERS, 2, window_days=0)),
        ),
        TierSpec(
            "Gold",
            3,
            "#b8860b",
            "A strategic partner with a joint business plan.",
            15,
            120,
            2,
            3,
            2,
            ("basics", "sales-plays", "technical-deep-dives"),
            (Req(REVENUE, 100_000), Req(ACTIVE_USERS, 3, window_days=0), Req(PLAN, 60, mandatory=False)),
            optional_required=1,
        ),
        TierSpec(
            "Platinum",
            4,
            "#4a6fa5",
            "Our top partners: executive sponsorship and roadmap access.",
            20,
            180,
            3,
            5,
            3,
            ("basics", "sales-plays", "technical-deep-dives", "roadmaps"),
            (
                Req(REVENUE, 250_000),
                Req(ACTIVE_USERS, 5, window_days=0),
                Req(PLAN, 75, mandatory=False),
                Req(SATISFACTION, 90, mandatory=False),
            ),
            optional_required=1,
        ),
    ),
)
REFERRAL = ProgramSpec(
    slug="referral",
    name="Referral",
    description="For partners who introduce customers and earn a referral fee on the deals we close.",
    partner_types=("referral-agent",),
    promotion_mode=PromotionMode.AUTOMATIC,
    cadence_months=1,
    review_today=True,
    tiers=(
        TierSpec("Registered", 1, "#6c757d", "Refer customers and earn a fee.", 0, 60, 0, 1, 5, ("basics",)),
        TierSpec(
            "Preferred",
            2,
            "#2e7d32",
            "A referral partner with a steady flow of introductions.",
            0,
            90,
            0,
            2,
            8,
            ("basics", "sales-plays"),
            (Req(REVENUE, 15_000), Req(ACTIVE_USERS, 2, window_days=0)),
        ),
        TierSpec(
            "Premier",
            3,
            "#6a1b9a",
            "Our most valued referral partners.",
            0,
            120,
            1,
            3,
            12,
            ("basics", "sales-plays", "roadmaps"),
            (Req(REVENUE, 60_000), Req(ACTIVE_USERS, 3, window_days=0), Req(SATISFACTION, 85, window_days=365)),
        ),
    ),
)
PROGRAMS = (RESELL, REFERRAL)

# Metric values are recorded quarterly; the latest one 25 days ago. A series lists the last N
# values, oldest first (the trend over the last review period is the last two).
RECORDED_DAYS_AGO = (455, 365, 275, 185, 100, 25)


@dataclass(frozen=True)
class Plan:
    """Where a demo partner stands: program, tier, the metric history behind it."""

    program: str
    tier: str
    revenue: tuple[int, ...] = ()
    plan_score: int | None = None
    satisfaction: int | None = None
    users: int = 2  # portal users (the first roles of prm.web.demo_kit.PARTNER_ROLES)
    grace_used: int = 0


# What each demo partner shows after the first evaluation (by display name; see the README).
PLANS: dict[str, dict[str, Plan]] = {
    "acme": {
        # Silver, on track: revenue 92k against Gold's 100k, rising by ~11k a quarter.
        "Northwind": Plan("resell", "Silver", (41_000, 52_000, 63_000, 72_000, 81_000, 92_000), 72, 88, 5),
        # Premier, but revenue and satisfaction fell below it: at risk at today's review.
        "Bluepeak": Plan("referral", "Premier", (98_000, 94_000, 85_000, 76_000, 63_000, 52_000), 58, 81, 5),
        # Gold qualifying for Platinum: a promotion proposal.
        "Silvergate": Plan("resell", "Gold", (150_000, 170_000, 195_000, 220_000, 248_000, 268_000), 81, 92, 5),
        # Registered qualifying for Silver: a promotion proposal.
        "Summitbridge": Plan("resell", "Registered", (18_000, 27_000, 38_000), 55),
        # Exactly at Silver's revenue threshold (25,000): meets it, no change.
        "Harborworks": Plan("resell", "Silver", (24_000, 26_000, 25_000, 25_000), 64),
        "Atlaspeak": Plan("resell", "Silver", (33_000, 35_000, 38_000, 41_000), 62),
        # Exactly at Gold: revenue 100,000, three users, business plan 60.
        "Nimbusgate": Plan("resell", "Gold", (90_000, 96_000, 100_000, 100_000), 60, 86, 3),
        "Orbitstone": Plan("resell", "Platinum", (280_000, 295_000, 305_000, 320_000, 338_000), 88, 93, 5),
        "Pioneerriver": Plan("resell", "Registered", (8_000, 12_000)),
        "Polarfield": Plan("resell", "Registered"),
        "Crestfield": Plan("resell", "Registered"),
        # Qualifies for Preferred: promoted automatically (the Referral program).
        "Vertexpoint": Plan("referral", "Registered", (9_000, 14_000, 22_000), satisfaction=87),
        "Cedarriver": Plan("referral", "Registered", (4_000,)),
        "Auroraline": Plan("referral", "Registered"),
    },
    "globex": {
        "Cedarriver": Plan("resell", "Silver", (30_000, 38_000, 47_000, 58_000, 70_000, 84_000), 70, 85, 5),
        "Polarfield": Plan("referral", "Preferred", (35_000, 44_000, 58_000, 71_000), satisfaction=91, users=5),
        "Quantumline": Plan("resell", "Gold", (120_000, 130_000, 140_000), 77, users=3),
        "Vertexpoint": Plan("resell", "Registered", (12_000, 19_000, 31_000), 58),
        # Falling below Silver: at risk.
        "Nimbusgate": Plan("resell", "Silver", (40_000, 33_000, 27_000, 19_000), 61),
        "Crestfield": Plan("resell", "Silver", (22_000, 25_000, 25_000), 66),
        "Auroraline": Plan("resell", "Platinum", (260_000, 275_000, 290_000), 84, 94, 5),
        "Bluepeak": Plan("resell", "Gold", (190_000, 230_000, 262_000), 79, 90, 5),
        "Granitebridge": Plan("resell", "Registered"),
        "Summitbridge": Plan("resell", "Registered"),
        "Ironstone": Plan("resell", "Registered", (6_000,)),
        "Northwind": Plan("referral", "Registered", (6_000, 8_000)),
        "Orbitstone": Plan("referral", "Registered"),
        "Harborworks": Plan("referral", "Registered"),
    },
}

# slug, name, description, requires territory, authorization (min tier "program/Tier",
# partner types, licence type code, note), products (SKU, name, list price)
CATALOGUE = {
    "acme": [
        (
            "core-networking",
            "Core Networking",
            "Switches, routers and access points for campus and branch.",
            False,
            None,
            [
                ("ACM-SW24", "Edge Switch, 24 ports", 1290),
                ("ACM-SW48", "Edge Switch, 48 ports", 2190),
                ("ACM-RT1", "Branch Router R1", 3450),
                ("ACM-AP7", "Wi-Fi 7 Access Point", 690),
            ],
        ),
        (
            "cloud-security",
            "Cloud Security",
            "Secure gateways and zero-trust access.",
            False,
            ("resell/Gold", (), "security-clearance", "Gold partners with a verified security clearance."),
            [
                ("ACM-SGW", "Secure Gateway appliance", 9800),
                ("ACM-TDS", "Threat Defense subscription, 1 year", 3200),
                ("ACM-ZTA", "Zero-Trust Access, 100 users", 5400),
            ],
        ),
        (
            "public-sector",
            "Public Sector",
            "Hardened products for government tenders.",
            True,
            (None, ("reseller", "systems-integrator"), "", "Resellers and integrators with a territory grant."),
            [("ACM-GR2", "Hardened Router GR-2", 7900), ("ACM-SCG", "Sovereign Cloud Gateway", 14500)],
        ),
    ],
    "globex": [
        (
            "core-platform",
            "Core Platform",
            "The Globex platform in its editions.",
            False,
            None,
            [
                ("GLX-PLT-S", "Platform Standard, 10 seats", 4800),
                ("GLX-PLT-E", "Platform Enterprise, 50 seats", 19500),
                ("GLX-ANL", "Analytics add-on", 2400),
            ],
        ),
        (
            "cloud-security",
            "Cloud Security",
            "Posture management and identity protection.",
            False,
            ("resell/Gold", (), "security-clearance", "Gold partners with a verified security clearance."),
            [("GLX-SEC-P", "Posture Manager", 6900), ("GLX-SEC-I", "Identity Shield", 3900)],
        ),
        (
            "public-sector",
            "Public Sector",
            "The government cloud edition and air-gapped deployments.",
            True,
            (None, ("reseller", "systems-integrator"), "", "Resellers and integrators with a territory grant."),
            [("GLX-GOV", "Gov Cloud edition", 24000), ("GLX-GOV-AIR", "Air-gapped deployment kit", 12500)],
        ),
    ],
}
LICENCE_TYPES = [
    ("security-clearance", "Security clearance", "A government security clearance of the company (verified)."),
    ("export-licence", "Export licence", "Dual-use export licence for encryption products."),
]
# partner, line slug ("" = every line), country or region code, exclusive, expired, note
TERRITORIES = {
    "acme": [
        ("Summitbridge", "public-sector", "DE", True, False, "Framework agreement with the German federal IT office."),
        ("Northwind", "public-sector", "US", False, False, ""),
        ("Nimbusgate", "public-sector", "US", False, False, ""),
        ("Atlaspeak", "public-sector", "IN", True, False, ""),
        ("Harborworks", "public-sector", "ES", False, True, "Tender period ended."),
        ("Pioneerriver", "public-sector", "region:nordics", False, False, ""),
        ("Bluepeak", "", "region:dach", False, False, "Referral territory."),
    ],
    "globex": [
        ("Quantumline", "public-sector", "GB", True, False, ""),
        ("Cedarriver", "public-sector", "US", False, False, ""),
        ("Auroraline", "public-sector", "US", False, False, ""),
        ("Crestfield", "public-sector", "IN", False, False, ""),
        ("Vertexpoint", "public-sector", "ES", False, True, "Tender period ended."),
        ("Nimbusgate", "public-sector", "region:nordics", False, False, ""),
    ],
}
# partner, licence type, number, status, expires in days (negative: expired)
LICENCES = {
    "acme": [
        ("Orbitstone", "security-clearance", "SC-GB-20417", LicenceStatus.VERIFIED, 400),
        ("Silvergate", "security-clearance", "SC-GB-19982", LicenceStatus.VERIFIED, 250),
        ("Northwind", "security-clearance", "FCL-US-88213", LicenceStatus.PENDING, 730),
        ("Nimbusgate", "security-clearance", "FCL-US-61120", LicenceStatus.VERIFIED, -20),
    ],
    "globex": [
        ("Quantumline", "security-clearance", "SC-GB-30551", LicenceStatus.VERIFIED, 500),
        ("Cedarriver", "security-clearance", "FCL-US-90412", LicenceStatus.PENDING, 700),
        ("Auroraline", "export-licence", "EXP-US-1187", LicenceStatus.VERIFIED, -45),
    ],
}


def _top_up_users(tenant_slug: str) -> None:
    """Partners whose plan counts on more active users (a tier requirement) get them."""
    for name, plan in PLANS.get(tenant_slug, {}).items():
        partner = Partner.objects.filter(display_name=name).first()
        if partner is not None and partner.is_operational and plan.users:
            demo_partner_users(partner, partner.email_domains[0], plan.users)


# --- Loading ------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    tenant: Tenant
    today: date
    staff: dict[str, Membership]
    partners: dict[str, Partner] = field(default_factory=dict)
    tiers: dict[str, Tier] = field(default_factory=dict)  # "program/Tier"
    metrics: dict[str, ManualMetric] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    lines: dict[str, ProductLine] = field(default_factory=dict)
    licence_types: dict[str, LicenceType] = field(default_factory=dict)


def load(demo: Demo) -> None:
    """Programs, metric history, catalogue, territories and licences of one demo tenant, then
    its first evaluation: standings, proposals, the automatic promotion, today's review.

    Runs in the tenant's scope, after its partners and users exist (the partners' demo).
    """
    tenant = demo.tenant
    _top_up_users(tenant.slug)
    # The vendor's today, as evaluation counts it: the Referral review is due on this date.
    loaded = _Loaded(tenant=tenant, today=tenant_today(), staff=demo.staff)
    loaded.partners = {p.display_name: p for p in Partner.objects.order_by("external_crm_id")}
    _remove_previous_demo_program()
    for code, name, countries in REGIONS:
        loaded.regions[code] = Region.objects.get_or_create(code=code, defaults={"name": name, "countries": countries})[
            0
        ]
    for code, name, unit, evidence, description in MANUAL_METRICS:
        loaded.metrics[code] = ManualMetric.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit or tenant.default_currency,
                "evidence_required": evidence,
                "description": description,
            },
        )[0]
    types = dict(PartnerType.objects.values_list("slug", "id"))
    for spec in PROGRAMS:
        _program(loaded, spec, types)
    _enrollments_and_history(loaded)
    _catalogue(loaded, types)
    _territories(loaded)
    _licences(loaded)
    summary = tier_evaluate()
    demo.notes.append(
        f"{tenant.slug}: evaluated {summary.enrollments} enrollments: {summary.proposed_promotions} promotions"
        f" proposed, {summary.promoted} promoted, {summary.at_risk} at risk,"
        f" {summary.proposed_demotions} demotions proposed"
    )


def _remove_previous_demo_program() -> None:
    # Earlier versions of the demo enrolled every partner in one untargeted "Partner Program".
    # Demo data only: a database loaded by them gets the programs above instead.
    legacy = Program.objects.filter(slug="partner-program").first()
    if legacy is None:
        return
    TierChangeProposal.objects.filter(program=legacy).delete()
    TierStanding.objects.filter(program=legacy).delete()
    Enrollment.objects.filter(program=legacy).delete()
    Tier.objects.filter(program=legacy).delete()
    legacy.delete()


def _next_quarter(today: date) -> date:
    quarter_month = (today.month - 1) // 3 * 3 + 4
    return date(today.year + (quarter_month > 12), (quarter_month - 1) % 12 + 1, 1)


def _program(loaded: _Loaded, spec: ProgramSpec, types: dict[str, int]) -> None:
    program, _ = Program.objects.get_or_create(
        slug=spec.slug,
        defaults={
            "name": spec.name,
            "description": spec.description,
            "target_partner_type_ids": [types[slug] for slug in spec.partner_types],
            "promotion_mode": spec.promotion_mode,
            "review_cadence_months": spec.cadence_months,
            "next_review_on": loaded.today if spec.review_today else _next_quarter(loaded.today),
            "grace_periods": 1,
            "deal_min_amount": spec.deal_min_amount,
        },
    )
    for tier_spec in spec.tiers:
        tier, created = Tier.objects.get_or_create(
            program=program,
            rank=tier_spec.rank,
            defaults={
                "name": tier_spec.name,
                "color": tier_spec.color,
                "description": tier_spec.description,
                "optional_required": tier_spec.optional_required,
                "discount_percent": tier_spec.discount,
                "protection_days": tier_spec.protection_days,
                "mdf_eligible": tier_spec.mdf_percent > 0,
                "mdf_allocation_percent": tier_spec.mdf_percent,
                "lead_routing_weight": tier_spec.lead_weight,
                "rebate_percent": tier_spec.rebate,
                "content_access": list(tier_spec.content),
            },
        )
        loaded.tiers[f"{spec.slug}/{tier.name}"] = tier
        if not created:
            continue
        for requirement in tier_spec.requirements:
            TierRequirement.objects.create(
                tier=tier,
                metric=requirement.metric,
                threshold=requirement.threshold,
                window_days=requirement.window_days,
                mandatory=requirement.mandatory,
            )


def _enrollments_and_history(loaded: _Loaded) -> None:
    plans = PLANS.get(loaded.tenant.slug, {})
    for name, plan in plans.items():
        partner = loaded.partners.get(name)
        if partner is None:
            continue
        tier = loaded.tiers[f"{plan.program}/{plan.tier}"]
        Enrollment.objects.get_or_create(
            partner=partner,
            program=tier.program,
            defaults={"tier": tier, "grace_used": plan.grace_used},
        )
        recorder = partner.account_manager or loaded.staff["cam"]
        history = [("revenue", plan.revenue)]
        # The scores are taken at the half-yearly business review: the last two.
        history += [("business-plan", _scores(plan.plan_score)), ("customer-sat", _scores(plan.satisfaction))]
        for code, values in history:
            metric = loaded.metrics[code]
            if not values or ManualMetricValue.objects.filter(partner=partner, metric=metric).exists():
                continue
            days = RECORDED_DAYS_AGO[-len(values) :]
            for days_ago, value in zip(days, values, strict=True):
                on = loaded.today - timedelta(days=days_ago)
                row = ManualMetricValue(
                    partner=partner,
                    metric=metric,
                    value=Decimal(value),
                    effective_on=on,
                    recorded_by=recorder,
                    note=f"Quarterly review {on:%B %Y}." if code == "revenue" else "Business review.",
                )
                if metric.evidence_required:
                    row.evidence.save(
                        "statement.pdf",
                        ContentFile(minimal_pdf(f"{partner.display_name}: revenue statement, {on:%B %Y}")),
                        save=False,
                    )
                row.save()


def _scores(latest: int | None) -> tuple[int, ...]:
    # Half a year ago the score was a little lower (plans and service improve with the relationship).
    return () if latest is None else (max(latest - 6, 0), latest)


def _catalogue(loaded: _Loaded, types: dict[str, int]) -> None:
    for code, name, description in LICENCE_TYPES:
        loaded.licence_types[code] = LicenceType.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )[0]
    currency = loaded.tenant.default_currency
    for slug, name, description, requires_territory, rule, products in CATALOGUE.get(loaded.tenant.slug, []):
        line, created = ProductLine.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "requires_territory": requires_territory}
        )
        loaded.lines[slug] = line
        if created and rule is not None:
            min_tier, partner_types, licence, note = rule
            AuthorizationRule.objects.create(
                product_line=line,
                min_tier=loaded.tiers[min_tier] if min_tier else None,
                allowed_partner_type_ids=[types[t] for t in partner_types],
                required_licence_type=loaded.licence_types[licence] if licence else None,
                note=note,
            )
        for sku, product_name, price in products:
            Product.objects.get_or_create(
                sku=sku, defaults={"line": line, "name": product_name, "list_price": price, "currency": currency}
            )


def _territories(loaded: _Loaded) -> None:
    granted_by = loaded.staff["admin"]
    for name, line_slug, where, exclusive, expired, note in TERRITORIES.get(loaded.tenant.slug, []):
        partner = loaded.partners.get(name)
        if partner is None:
            continue
        region = loaded.regions[where.removeprefix("region:")] if where.startswith("region:") else None
        TerritoryGrant.objects.get_or_create(
            partner=partner,
            product_line=loaded.lines.get(line_slug),
            country="" if region else where,
            region=region,
            defaults={
                "exclusive": exclusive,
                "valid_from": loaded.today - timedelta(days=540),
                "valid_until": loaded.today - timedelta(days=30) if expired else None,
                "note": note,
                "granted_by": granted_by,
            },
        )


def _licences(loaded: _Loaded) -> None:
    for name, type_code, number, status, expires_in in LICENCES.get(loaded.tenant.slug, []):
        partner = loaded.partners.get(name)
        licence_type = loaded.licence_types[type_code]
        if partner is None or PartnerLicence.objects.filter(partner=partner, licence_type=licence_type).exists():
            continue
        expires_on = loaded.today + timedelta(days=expires_in)
        licence = PartnerLicence(
            partner=partner,
            licence_type=licence_type,
            number=number,
            issued_on=expires_on - timedelta(days=3 * 365),
            expires_on=expires_on,
            status=status,
            uploaded_by=Membership.objects.filter(partner=partner, role=Role.PARTNER_ADMIN).order_by("id").first(),
        )
        if status != LicenceStatus.PENDING:
            licence.verified_by = partner.account_manager or loaded.staff["cam"]
            licence.verified_at = timezone.now() - timedelta(days=60)
        licence.document.save(
            f"{type_code}.pdf",
            ContentFile(minimal_pdf(f"{licence_type.name} {number}, {partner.legal_name}, valid to {expires_on}")),
            save=False,
        )
        licence.save()
