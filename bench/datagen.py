"""The data generator: realistic tenants at a chosen scale, written with COPY.

Generation is a list of steps (``STEPS``), run in order for each tenant inside one transaction
as the platform (the owner connection inside ``platform_scope()``, since row-level security is
FORCEd). Each step reads what earlier steps made from ``ctx.made`` and records what it makes
there for later steps. A later capability adds its rows with one more step, e.g.::

    @step("deals")
    def deals(ctx: StepContext) -> None:
        ids = reserve_ids(Deal, n)
        copy_rows(Deal, ({"id": i, "tenant_id": ctx.tenant_id, "partner_id": ...} for i in ids), now=ctx.now)
        ctx.made["deals"] = ids

``GLOBAL_STEPS`` run once, after every tenant (bench-only tables, statistics).
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from psycopg2 import sql

from bench.bulk import copy_rows, reserve_ids
from bench.plans import TenantPlan, plans_as_json
from bench.views import FORTUNE_TABLE
from partners.models import DEFAULT_PARTNER_TYPES, Partner, PartnerContact, PartnerStatus, PartnerType, SizeBand
from prm.accounts.models import Membership, User
from prm.accounts.roles import MembershipKind, Role
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.db import app_role, owner_connection
from prm.tenancy.models import Tenant
from prm.tenancy.scope import platform_scope
from programs.models import Program, Tier

PASSWORD = "bench-password-2026"
META_TABLE = "bench_meta"


@dataclass
class StepContext:
    """What a step needs: the tenant it fills, a seeded random source, and what came before."""

    plan: TenantPlan
    tenant_id: int
    rng: random.Random
    now: datetime
    password_hash: str
    world: World
    made: dict[str, Any] = field(default_factory=dict)

    def copy(self, model, rows) -> int:
        count = copy_rows(model, rows, now=self.now)
        self.world.counts[model._meta.db_table] = self.world.counts.get(model._meta.db_table, 0) + count
        return count

    def copy_one(self, model, row: dict[str, Any]) -> int:
        """One configuration row of this tenant, with an id taken first; returns the id."""
        (row_id,) = reserve_ids(model, 1)
        self.copy(model, [{"id": row_id, "tenant_id": self.tenant_id, **row}])
        return row_id

    def past(self, *, days: int, after: datetime | None = None) -> datetime:
        """A random moment in the last ``days`` days (and after ``after``)."""
        start = max(after or self.now - timedelta(days=days), self.now - timedelta(days=days))
        span = max((self.now - start).total_seconds(), 1)
        return start + timedelta(seconds=self.rng.uniform(0, span))


@dataclass
class World:
    """Shared across tenants: names must be unique platform-wide (e-mail domains, logins)."""

    used_names: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    tenants: dict[str, StepContext] = field(default_factory=dict)


Step = Callable[[StepContext], None]
STEPS: list[tuple[str, Step]] = []
GLOBAL_STEPS: list[tuple[str, Callable[[World], None]]] = []


def step(name: str):
    def register(function: Step) -> Step:
        STEPS.append((name, function))
        return function

    return register


def global_step(name: str):
    def register(function):
        GLOBAL_STEPS.append((name, function))
        return function

    return register


# --- Vocabulary ---------------------------------------------------------------------------------

PREFIXES = (  # noqa: SIM905 (word lists read better as text)
    "North Blue Silver Bright Iron Summit Harbor Cedar Polar Quantum Red Atlas "
    "Nimbus Vertex Orbit Granite Delta Pioneer Crest Aurora Golden Swift Green Clear "
    "Prime Apex Lumen Coral Falcon Maple Stellar Cobalt Evergreen Keystone Meridian Oak "
    "Pacific Sterling Terra Zenith"
).split()
STEMS = (  # noqa: SIM905 (word lists read better as text)
    "wind river stone peak field bridge gate line works point bay brook "
    "ridge forge wave light path crest port haven vale grove spring shore "
    "rock"
).split()
NOUNS = (  # noqa: SIM905 (word lists read better as text)
    "Systems Networks Solutions Technologies Partners IT Consulting Digital Group Labs Cloud Data"
).split()
SUFFIXES = ["Ltd", "GmbH", "Inc", "S.A.", "B.V.", "LLC", "AB", "Pty Ltd", "SAS", "S.r.l.", "K.K.", "Oy"]
COUNTRIES = {  # code: (weight, region)
    "US": (30, "NA"),
    "CA": (4, "NA"),
    "GB": (9, "EMEA"),
    "DE": (10, "EMEA"),
    "FR": (6, "EMEA"),
    "NL": (4, "EMEA"),
    "SE": (2, "EMEA"),
    "ES": (3, "EMEA"),
    "IT": (3, "EMEA"),
    "PL": (2, "EMEA"),
    "AU": (4, "APAC"),
    "JP": (4, "APAC"),
    "IN": (6, "APAC"),
    "SG": (2, "APAC"),
    "BR": (4, "LATAM"),
    "MX": (2, "LATAM"),
    "ZA": (1, "EMEA"),
}
CITIES = ["Springfield", "Riverton", "Lakeside", "Hillview", "Bayport", "Fairview", "Kingston", "Newport"]
INDUSTRIES = ["Manufacturing", "Healthcare", "Finance", "Retail", "Public sector", "Education", "Energy", "Media"]
FIRST_NAMES = (  # noqa: SIM905 (word lists read better as text)
    "Alex Jordan Kim Lee Sam Robin Taylor Morgan Casey Jamie Avery Riley "
    "Quinn Drew Harper Rowan Sasha Noor Mina Luca Elena Yuki Arjun Priya "
    "Lars Ingrid Mateo Sofia Omar Leila Chen Wei Aiko Tomas Zoe"
).split()
LAST_NAMES = (  # noqa: SIM905 (word lists read better as text)
    "Smith Jones Brown Garcia Müller Schmidt Dubois Rossi Kowalski Jansen Silva Sato "
    "Tanaka Patel Singh Nguyen Kim Lopez Andersson Novak Olsen Walker Young King "
    "Wright Hughes Ahmed Costa Weber Fischer"
).split()
# (status, weight, the path from applicant that got it there)
STATUS_MIX = [
    (PartnerStatus.ACTIVE, 70, [PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE]),
    (PartnerStatus.ONBOARDING, 10, [PartnerStatus.ONBOARDING]),
    (PartnerStatus.APPLICANT, 8, []),
    (PartnerStatus.SUSPENDED, 7, [PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE, PartnerStatus.SUSPENDED]),
    (PartnerStatus.TERMINATED, 5, [PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE, PartnerStatus.TERMINATED]),
]
TYPE_MIX = {
    "reseller": 45,
    "referral-agent": 20,
    "msp": 15,
    "distributor": 4,
    "technology-partner": 8,
    "systems-integrator": 8,
}
PROGRAMS = [
    # slug, name, tiers (name, rank, colour), tier weights, share of partners enrolled (their
    # requirements, requalification settings and the partners' metric history: datagen_programs)
    (
        "partner-program",
        "Partner Program",
        [("Registered", 1, "#6c757d"), ("Silver", 2, "#8a8f98"), ("Gold", 3, "#b8860b"), ("Platinum", 4, "#4a6fa5")],
        [50, 30, 15, 5],
        1.0,
    ),
    (
        "managed-services",
        "Managed Services",
        [("Member", 1, "#6c757d"), ("Advanced", 2, "#2e7d32"), ("Elite", 3, "#6a1b9a")],
        [60, 30, 10],
        0.2,
    ),
]
STAFF_MIX = [(Role.ADMIN, 4), (Role.CHANNEL_MANAGER, 60), (Role.MARKETING, 16), (Role.FINANCE, 20)]
PARTNER_ROLE_MIX = [
    (Role.SALES, 50),
    (Role.TECHNICAL, 20),
    (Role.PARTNER_MARKETING, 15),
    (Role.PARTNER_FINANCE, 15),
]
INACTIVE = {PartnerStatus.SUSPENDED, PartnerStatus.TERMINATED}


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _company_names(world: World, rng: random.Random, count: int) -> list[str]:
    """``count`` company names never used before on this installation."""
    combos = [f"{p}{s} {n}" for p in PREFIXES for s in STEMS for n in NOUNS]
    rng.shuffle(combos)
    names = []
    for round_number in itertools.count(1):
        for combo in combos:
            name = combo if round_number == 1 else f"{combo} {round_number}"
            if name not in world.used_names:
                world.used_names.add(name)
                names.append(name)
                if len(names) == count:
                    return names
    raise AssertionError("unreachable")


def _users(ctx: StepContext, people: list[tuple[str, str, str]]) -> list[int]:
    """Users (with a verified primary address) for (email, first, last); returns their ids."""
    ids = reserve_ids(User, len(people))
    ctx.copy(
        User,
        (
            {
                "id": user_id,
                "email": email,
                "password": ctx.password_hash,
                "first_name": first,
                "last_name": last,
                "date_joined": ctx.past(days=900),
            }
            for user_id, (email, first, last) in zip(ids, people, strict=True)
        ),
    )
    ctx.copy(
        EmailAddress,
        (
            {"user_id": user_id, "email": email, "verified": True, "primary": True}
            for user_id, (email, _, _) in zip(ids, people, strict=True)
        ),
    )
    return ids


# --- Steps, in order --------------------------------------------------------------------------


@step("catalogue")
def catalogue(ctx: StepContext) -> None:
    """Partner types, programs and their tiers."""
    type_ids = reserve_ids(PartnerType, len(DEFAULT_PARTNER_TYPES))
    ctx.copy(
        PartnerType,
        (
            {"id": type_id, "tenant_id": ctx.tenant_id, "slug": slug, "name": name}
            for type_id, (slug, name) in zip(type_ids, DEFAULT_PARTNER_TYPES, strict=True)
        ),
    )
    ctx.made["types"] = {slug: type_id for type_id, (slug, _) in zip(type_ids, DEFAULT_PARTNER_TYPES, strict=True)}
    program_ids = reserve_ids(Program, len(PROGRAMS))
    ctx.copy(
        Program,
        (
            {
                "id": program_id,
                "tenant_id": ctx.tenant_id,
                "slug": slug,
                "name": f"{ctx.plan.name} {name}",
                **program_settings(slug, ctx.now.date()),
            }
            for program_id, (slug, name, *_) in zip(program_ids, PROGRAMS, strict=True)
        ),
    )
    programs = []
    for program_id, (slug, _, tiers, weights, share) in zip(program_ids, PROGRAMS, strict=True):
        tier_ids = reserve_ids(Tier, len(tiers))
        ctx.copy(
            Tier,
            (
                {
                    "id": tier_id,
                    "tenant_id": ctx.tenant_id,
                    "program_id": program_id,
                    "name": n,
                    "rank": r,
                    "color": c,
                    **tier_benefits(slug, r),
                }
                for tier_id, (n, r, c) in zip(tier_ids, tiers, strict=True)
            ),
        )
        programs.append({"id": program_id, "slug": slug, "tiers": tier_ids, "weights": weights, "share": share})
    ctx.made["programs"] = programs


@step("staff")
def staff(ctx: StepContext) -> None:
    """Vendor staff: a few admins, mostly channel account managers, some marketing and finance."""
    roles = [Role.ADMIN, Role.CHANNEL_MANAGER]  # at least one of each, whatever the size
    roles += [_weighted(ctx.rng, STAFF_MIX) for _ in range(max(ctx.plan.staff - len(roles), 0))]
    roles = roles[: ctx.plan.staff]
    people = [
        (f"staff{n:04d}@{ctx.plan.slug}.example", ctx.rng.choice(FIRST_NAMES), ctx.rng.choice(LAST_NAMES))
        for n in range(len(roles))
    ]
    user_ids = _users(ctx, people)
    membership_ids = reserve_ids(Membership, len(roles))
    ctx.copy(
        Membership,
        (
            {
                "id": membership_id,
                "tenant_id": ctx.tenant_id,
                "user_id": user_id,
                "kind": MembershipKind.STAFF,
                "role": role,
                "title": Role(role).label,
                "created_at": ctx.past(days=900),
            }
            for membership_id, user_id, role in zip(membership_ids, user_ids, roles, strict=True)
        ),
    )
    ctx.made["staff"] = [
        {"membership_id": m, "role": r, "label": f"{first} {last}"}
        for m, r, (_, first, last) in zip(membership_ids, roles, people, strict=True)
    ]
    ctx.made["managers"] = [s["membership_id"] for s in ctx.made["staff"] if s["role"] == Role.CHANNEL_MANAGER]
    ctx.made["admin"] = next(s for s in ctx.made["staff"] if s["role"] == Role.ADMIN)


@step("partners")
def partners(ctx: StepContext) -> None:
    """The master records: types, statuses, countries, managers, two-tier parents, contacts."""
    rng, plan = ctx.rng, ctx.plan
    names = _company_names(ctx.world, rng, plan.partners)
    ids = reserve_ids(Partner, plan.partners)
    type_slugs = [_weighted(rng, TYPE_MIX.items()) for _ in ids]
    distributors = [pid for pid, slug in zip(ids, type_slugs, strict=True) if slug == "distributor"]
    country_pairs = [(code, weight) for code, (weight, _) in COUNTRIES.items()]
    rows, made = [], []
    for number, (partner_id, name, type_slug) in enumerate(zip(ids, names, type_slugs, strict=True)):
        status, _, path = STATUS_MIX[rng.choices(range(len(STATUS_MIX)), weights=[w for _, w, _ in STATUS_MIX])[0]]
        country = _weighted(rng, country_pairs)
        created_at = ctx.past(days=1100)
        changed_at = ctx.past(days=1100, after=created_at) if path else created_at
        domain = name.lower().replace(" ", "") + ".example"
        parent = None
        if type_slug in {"reseller", "msp"} and distributors and rng.random() < 0.15:
            parent = rng.choice(distributors)
        rows.append(
            {
                "id": partner_id,
                "tenant_id": ctx.tenant_id,
                "legal_name": f"{name} {rng.choice(SUFFIXES)}",
                "display_name": name,
                "website": f"https://www.{domain}",
                "email_domains": [domain],
                "partner_type_id": ctx.made["types"][type_slug],
                "status": status,
                "status_changed_at": changed_at,
                "address_line": f"{rng.randint(1, 400)} {rng.choice(STEMS).capitalize()} Street",
                "city": rng.choice(CITIES),
                "postal_code": f"{rng.randint(10000, 99999)}",
                "country": country,
                "regions_served": sorted({COUNTRIES[country][1], rng.choice(["NA", "EMEA", "APAC", "LATAM"])}),
                "countries_served": sorted({country, *rng.sample(list(COUNTRIES), rng.randint(0, 3))}),
                "industries": rng.sample(INDUSTRIES, rng.randint(1, 3)),
                "size_band": rng.choice(SizeBand.values),
                "phone": f"+1 555 {rng.randint(1000000, 9999999)}",
                "description": f"{name} is a {type_slug.replace('-', ' ')} of {plan.name}.",
                "account_manager_id": rng.choice(ctx.made["managers"]) if rng.random() < 0.9 else None,
                "parent_id": parent,
                "external_crm_id": f"CRM-{plan.slug.upper()}-{number:06d}" if rng.random() < 0.8 else "",
                "custom_attributes": {"segment": rng.choice(["SMB", "Mid-market", "Enterprise"])},
                "created_at": created_at,
                "updated_at": changed_at,
            }
        )
        made.append(
            {
                "id": partner_id,
                "status": status,
                "path": path,
                "domain": domain,
                "created_at": created_at,
                "type": type_slug,
                "countries": rows[-1]["countries_served"],
            }
        )
    ctx.copy(Partner, rows)
    ctx.made["partners"] = made
    roles = list(PartnerContact.ContactRole.values)
    ctx.copy(
        PartnerContact,
        (
            {
                "tenant_id": ctx.tenant_id,
                "partner_id": p["id"],
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "email": f"contact{n}@{p['domain']}",
                "role": roles[n % len(roles)],
                "title": rng.choice(["CEO", "CFO", "Head of Sales", "IT Director", "Office Manager"]),
            }
            for p in made
            for n in range(rng.randint(1, 3))
        ),
    )


@step("partner users")
def partner_users(ctx: StepContext) -> None:
    """Partner users, a few companies with many and most with a handful (a long tail).

    The first user of each partner is its partner admin. Users of suspended or terminated
    partners are deactivated, as partner_change_status leaves them.
    """
    rng = ctx.rng
    eligible = [p for p in ctx.made["partners"] if p["status"] != PartnerStatus.APPLICANT]
    if not eligible or ctx.plan.users <= 0:
        ctx.made["partner_users"] = []
        return
    # Pareto, capped: a median of 2-3 users, a tail to ~80 (at 5,000 partners and 20,000 users).
    weights = [min(rng.paretovariate(1.3), 50.0) for _ in eligible]
    per_partner: dict[int, int] = {}
    for index in rng.choices(range(len(eligible)), weights=weights, k=ctx.plan.users):
        per_partner[index] = per_partner.get(index, 0) + 1
    people, memberships = [], []
    for index, count in sorted(per_partner.items()):
        partner = eligible[index]
        for n in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            local = f"{first}.{last}".lower().replace("ü", "ue")
            people.append((f"{local}{n}@{partner['domain']}", first, last))
            role = Role.PARTNER_ADMIN if n == 0 else _weighted(rng, PARTNER_ROLE_MIX)
            memberships.append((partner, role))
    user_ids = _users(ctx, people)
    membership_ids = reserve_ids(Membership, len(user_ids))
    rows, made = [], []
    for membership_id, user_id, (partner, role) in zip(membership_ids, user_ids, memberships, strict=True):
        active = partner["status"] not in INACTIVE
        created_at = ctx.past(days=900, after=partner["created_at"])
        rows.append(
            {
                "id": membership_id,
                "tenant_id": ctx.tenant_id,
                "user_id": user_id,
                "kind": MembershipKind.PARTNER,
                "role": role,
                "partner_id": partner["id"],
                "is_active": active,
                "created_at": created_at,
                "deactivated_at": None if active else ctx.past(days=300, after=created_at),
            }
        )
        made.append({"membership_id": membership_id, "partner_id": partner["id"], "role": role, "active": active})
    ctx.copy(Membership, rows)
    ctx.made["partner_users"] = made


@step("events")
def events(ctx: StepContext) -> None:
    """Minimal timelines: each partner's creation and the status changes that led to its status."""
    content_type = ContentType.objects.get_for_model(Partner).pk
    admin = ctx.made["admin"]
    rows = []
    for partner in ctx.made["partners"]:
        when = partner["created_at"]
        common = {
            "tenant_id": ctx.tenant_id,
            "content_type_id": content_type,
            "object_id": partner["id"],
            "partner_id": partner["id"],
            "actor_id": admin["membership_id"],
            "actor_label": admin["label"],
        }
        rows.append({**common, "verb": "partner.created", "to_state": PartnerStatus.APPLICANT, "created_at": when})
        previous = PartnerStatus.APPLICANT
        for status in partner["path"]:
            when = ctx.past(days=1100, after=when)
            reason = "Missed the annual compliance review." if status in INACTIVE else ""
            rows.append(
                {
                    **common,
                    "verb": "partner.status_changed",
                    "from_state": previous,
                    "to_state": status,
                    "message": reason,
                    "data": {"memberships_deactivated": 0},
                    "created_at": when,
                }
            )
            previous = status
    ctx.copy(Event, rows)


@step("notifications")
def notifications(ctx: StepContext) -> None:
    """A few notifications under each bell: partner admins and channel managers."""
    rng = ctx.rng
    rows = []
    for user in ctx.made["partner_users"]:
        if user["role"] != Role.PARTNER_ADMIN or not user["active"]:
            continue
        for n in range(rng.randint(1, 4)):
            created_at = ctx.past(days=200)
            rows.append(
                {
                    "tenant_id": ctx.tenant_id,
                    "recipient_id": user["membership_id"],
                    "partner_id": user["partner_id"],
                    "kind": "partner.profile_updated" if n else "partner.status_changed",
                    "title_message": "Your company profile was updated" if n else "Your company is now active",
                    "url": "/portal/company/",
                    "created_at": created_at,
                    "read_at": created_at + timedelta(hours=2) if rng.random() < 0.6 else None,
                }
            )
    for manager in ctx.made["managers"]:
        for _ in range(rng.randint(5, 30)):
            created_at = ctx.past(days=200)
            partner = rng.choice(ctx.made["partners"])
            rows.append(
                {
                    "tenant_id": ctx.tenant_id,
                    "recipient_id": manager,
                    "kind": "partner.status_changed",
                    "title_message": "A partner changed status",
                    "url": f"/office/partners/{partner['id']}/",
                    "created_at": created_at,
                    "read_at": created_at + timedelta(hours=5) if rng.random() < 0.7 else None,
                }
            )
    ctx.copy(Notification, rows)


# Programs: requirements, metric history, enrollments (after the users: active users is a tier
# requirement), catalogue, territories and licences. Imported here so that its steps run after
# the ones above.
from bench.datagen_programs import evaluate_tiers, program_settings, tier_benefits  # noqa: E402, I001

# Deal registrations and vendor accounts (after the catalogue: lines reference its products).
import bench.datagen_deals  # noqa: E402

# E-learning: courses, certificates, enrolments, attempts (after the programs: it adds a tier
# requirement on certified people).
import bench.datagen_learning  # noqa: E402

# Recruitment and onboarding: applications, scores, checks, onboardings (after the people and programs).
import bench.datagen_recruitment  # noqa: E402

# Lead distribution: rules, locations, capacities, 150,000 leads with their offers (after everything
# above: the rules use the programs and product lines, the offers the partners' users).
import bench.datagen_leads  # noqa: E402

# Incentives: SPIFF campaigns, a year of claims on the won deals, their ledger postings, paid payout
# runs (after the deals; the campaigns use the catalogue's product lines). MDF's data goes there too.
import bench.datagen_incentives  # noqa: E402, F401

# Scorecards: two years of portal use, quarterly relationship reviews with ratings, a scorecard on the
# main program (after everything above: its KPIs read the deals, certificates, offers); its months
# are measured after the tier evaluation (``backfill_scorecards`` below).
from bench.datagen_scorecards import backfill as backfill_scorecards  # noqa: E402

# --- Once, after the tenants --------------------------------------------------------------------

FORTUNES = [
    "A partner program is only as good as its slowest page.",
    "Row-level security: trust, but verify in the database.",
    "Every state change deserves an event.",
    "The tenant comes from the host.",
    "Measure twice, index once.",
    "A 404 tells nobody what exists.",
    "Caches are promises you have to keep.",
    "Set-based beats row-by-row.",
    "The floor is not the ceiling.",
    "N+1 is a number you cannot afford.",
    "Latency percentiles hide in the tail.",
    "<script>alert('escape me')</script>",
]


@global_step("query floor table")
def fortune_table(world: World) -> None:
    """The bench-only table the query floor reads (12 rows); not tenant-owned, no RLS."""
    table = sql.Identifier(FORTUNE_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE TABLE {} (id integer PRIMARY KEY, message text NOT NULL)").format(table))
        cursor.executemany(
            sql.SQL("INSERT INTO {} (id, message) VALUES (%s, %s)").format(table),
            list(enumerate(FORTUNES, start=1)),
        )
        cursor.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(table, sql.Identifier(app_role())))


def generate(plans: list[TenantPlan], *, log: Callable[[str], None]) -> World:
    """Fill a freshly migrated, empty database. Returns the row counts it wrote."""
    import time

    world = World()
    now = timezone.now()
    password_hash = make_password(PASSWORD)  # once: hashing is deliberately slow
    with owner_connection(), platform_scope():
        for plan in plans:
            tenant_ids = reserve_ids(Tenant, 1)
            copy_rows(
                Tenant,
                [
                    {
                        "id": tenant_ids[0],
                        "slug": plan.slug,
                        "name": plan.name,
                        "time_zone": plan.time_zone,
                        "default_currency": plan.currency,
                        "brand_color": plan.color,
                    }
                ],
                now=now,
            )
            ctx = StepContext(
                plan=plan,
                tenant_id=tenant_ids[0],
                rng=random.Random(plan.seed),  # noqa: S311 (test data, not secrets)
                now=now,
                password_hash=password_hash,
                world=world,
            )
            world.tenants[plan.slug] = ctx
            for name, function in STEPS:
                started = time.perf_counter()
                function(ctx)
                log(f"  {plan.slug}: {name} ({time.perf_counter() - started:.1f} s)")
        for name, function in GLOBAL_STEPS:
            function(world)
            log(f"  {name}")
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {META_TABLE} (key text PRIMARY KEY, value text NOT NULL)")
            cursor.execute(
                f"INSERT INTO {META_TABLE} VALUES ('plans', %s), ('rows', %s), ('steps', %s)",  # noqa: S608
                [
                    json.dumps(plans_as_json(plans), sort_keys=True),
                    json.dumps(world.counts, sort_keys=True),
                    json.dumps(step_names()),
                ],
            )
    # Planner statistics, as a database that has lived a while would have them. Before the
    # evaluation too: its statements over freshly copied tables without statistics get plans
    # that take minutes (seen: 13 min for globex's 50 partners beside acme's 5,000).
    with owner_connection(), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    # The nightly tier evaluation has run once, as the app role: standings and proposals exist.
    evaluation = evaluate_tiers(world, log=log)
    with owner_connection(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {META_TABLE} VALUES ('evaluation', %s)", [json.dumps(evaluation)])  # noqa: S608
        cursor.execute("VACUUM ANALYZE")
    # The scorecards' last 24 months, measured as the nightly runs would have left them (app role).
    measured = backfill_scorecards(world, log=log)
    with owner_connection(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {META_TABLE} VALUES ('scorecards', %s)", [json.dumps(measured)])  # noqa: S608
        cursor.execute("VACUUM ANALYZE scorecards_scorecardsnapshot")
    return world


def step_names() -> list[str]:
    """The generator's steps: a database made by other steps (a capability added since) is not reused."""
    return [name for name, _ in STEPS] + [name for name, _ in GLOBAL_STEPS]


def generated_meta() -> dict | None:
    """What the bench database was generated with: {"plans": ..., "rows": ...}; None if it was not."""
    with owner_connection(), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [META_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT key, value FROM {META_TABLE}")  # noqa: S608
        return {key: json.loads(value) for key, value in cursor.fetchall()}
