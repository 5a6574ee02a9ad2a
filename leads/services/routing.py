"""The routing engine: which partner is offered a lead, and why (``lead_route``, the contract every
part calls), and the offer it makes.

One run, under the lead's lock:

1. **Where and what.** A lead without coordinates is geocoded from its city and country
   (``prm.geo``, the shipped city data); without a region it takes the first of the tenant's
   regions (``programs.Region``) that holds its country. Rules match on every region holding it.
2. **Named accounts first.** A ``NamedAccount`` with the lead's registrable domain or company key
   pins it to a partner: offered to it unless it had this lead before or the policy refuses it
   (both logged); capacity does not hold a pinned lead back.
3. **Rules.** Every active rule of an active program, in (priority, id) order, fall-back rules
   last. A rule matches on its criteria (countries, regions, postal-code prefixes, industries,
   product lines; empty = any; a fall-back matches everything). For a matching rule
   (``_candidates``) two statements judge the program's enrolled partners in SQL. The *partner
   side* (``_partner_side``) judges every one of them on what the partner record, its tier and the
   policy decide (active, tier rank >= the rule's minimum, serves the lead's territory and industry
   where the rule has such criteria, carries one of the rule's partner tags where it names some
   (``partner_tags``, e.g. partners marked for investment; a fall-back rule's too), and the product
   policy: ``programs.services.policy.policy_screen`` gives the SQL form of
   ``policy_decide(action="receive_lead")`` for the lead's line and country (minimum tier,
   partner types, licence, exclusive territory of another partner, territory grant), so an
   exclusive territory's holder is found wherever it ranks). Its answer is the same for every lead
   of the same country, regions, industry and line under the rule, so it is memoised per process
   until any row it read changes (``RoutingStamp``, moved by triggers at the commit of any change
   to those tables; a routing transaction that changed one itself judges afresh). The *lead side*
   (``_lead_side``) judges, for the partners the first left in, what changes lead by lead: never
   offered this lead, capacity (paused, out of office today, daily quota and monthly cap against
   ``LeadOfferTally``, the offers of the tenant's day and month kept by a trigger on the offers),
   nearest first within ``max_distance_km`` (the haversine only inside a latitude/longitude box of
   that radius), and the rotation. Together they give the ordered head of the eligible (``HEAD``)
   and, per exclusion reason, its exact count and the first ``EXAMPLES`` partners.
   *Partner side of territory and industry:* where a rule names countries, regions or postal
   prefixes, the partner must serve the lead's country (its HQ country, one of its
   ``countries_served``, or one of its ``regions_served`` among the lead's region codes); where a
   rule names industries, a partner listing industries must list the lead's (a partner listing
   none is a generalist and serves every industry).
4. **The walk.** The eligible are tried in order against what needs Python: the rule's required
   certifications and competencies (``programs.hooks`` holders) and, only when a product's
   authorization rule requires a competency (which the screen leaves to the learning app's
   holder), ``policy_decide``. The first that passes wins; after ``HEAD`` refusals the rule gives
   up and the next is tried.
5. **Strategies.** Weighted round robin is stride scheduling: ``STRIDE`` = 720720 (the least
   common multiple of 1..16, so every weight from 1 to 16 divides it exactly; a heavier weight's
   stride is rounded down, ``STRIDE // weight``). A partner's effective pass is
   ``max(pass_value, rule.clock)`` (a partner new to the rule, or back after a pause, starts at
   the clock: no burst, no penalty); the lowest effective pass wins, ties to the higher weight,
   then the lower partner id; the winner's pass becomes effective + stride and the clock the
   winner's effective pass. Weights 3:2:1 give a, b, c, a, b, a every six leads: 1,000 leads
   split exactly 500:333:167. The pass values live in ``RotationState`` and the clock on the rule,
   both written under the rule's row lock (``select_for_update``), so two workers routing at the
   same instant take turns per rule and restarts change nothing (the rotation is read after the
   lock, by the lead side). Nearest first orders by the
   distance from the lead to the nearest of the partner's locations (haversine in SQL), then the
   weight, then the id; a lead without coordinates orders by weight (the log says so).
6. **The outcome.** The winner gets a pending ``LeadOffer`` (deadline and reminder in business
   hours from the program's terms), the lead is OFFERED to it; its users who receive leads are
   notified without lead details: by the worker right after the decision's commit
   (``offer_notify``, from one outbox message the decision writes), so that the notification per
   person and the e-mails' messages are not built inside the routing transaction. No winner, or
   ``max_offers`` reached: the lead is QUEUED with the reason and the vendor's lead managers are
   notified. Every run writes a ``RoutingDecision`` whose ``log`` keeps ids, codes and numbers
   (rendered in the reader's language by ``leads.selectors.routing``). The decision, the offer,
   the lead and the rotation are written in one statement; the event and the offer's outbox
   message through their services.

Queries: a fixed number per rule tried (lock the rule, the partner side unless memoised, the lead
side unless the partner side left nobody in, the walk's partners and holders when the rule
requires certifications or competencies), plus the policy screen's one (who holds the country
exclusively, memoised like the partner side); ``tests/leads/test_routing_engine.py`` pins them.
The hot statements are plain SQL: the ORM's building of them cost more than running them
(``bench/results/leads-2026-12-05.md``).
"""

from __future__ import annotations

import functools
import math
import threading
import time as clock_time
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from partners.models import Partner
from prm import geo
from prm.accounts.models import Membership
from prm.accounts.roles import CAPABILITIES
from prm.events import texts
from prm.events.models import Event
from prm.events.services import event_record, event_record_many, outbox_enqueue, system_event
from prm.memo import tenant_memo
from prm.notifications.models import Notification
from prm.notifications.services import notify
from prm.tenancy.bulk import insert_statement, saved
from prm.tenancy.scope import current_tenant_id, step_out_to_tenant
from programs.models import Enrollment, Program, Region
from programs.services.policy import (
    PolicyScreen,
    certifications_held,
    competencies_held,
    exclusive_holders,
    policy_decide,
    policy_screen,
)

from .. import events, notifications
from ..models import (
    DecisionOutcome,
    Lead,
    LeadOffer,
    LeadSettings,
    LeadStatus,
    NamedAccount,
    OfferStatus,
    QueueReason,
    RoutingDecision,
    RoutingRule,
    Strategy,
)
from ..permissions import LEADS_RECEIVE
from .common import (
    CapacityClock,
    OfferTerms,
    all_offer_terms,
    offer_due_at,
    offer_terms,
    offer_url,
    reference_for,
)
from .intake import lead_managers

STRIDE = 720720  # lcm(1..16): strides of weights 1..16 are exact
HEAD = 25  # eligible candidates read per rule, and refusals before the rule gives up
EXAMPLES = 10  # partners named per exclusion reason in the log
SHOWN_HEAD = 5  # rotation positions of the top candidates kept in the log

ROUTABLE = (LeadStatus.NEW, LeadStatus.OFFERED, LeadStatus.QUEUED)
MANUAL_TRIGGERS = frozenset({"manual", "released"})

# Why a partner was not offered the lead (the log's codes; labels in leads.selectors.routing).
INACTIVE = "inactive"
TIER = "tier"
TERRITORY = "territory"
INDUSTRY = "industry"
TAG = "tag"
OFFERED_BEFORE = "offered_before"
PAUSED = "paused"
AWAY = "away"
DAILY_QUOTA = "daily_quota"
MONTHLY_CAP = "monthly_cap"
TOO_FAR = "too_far"
CERTIFICATION = "certification"
COMPETENCY = "competency"
POLICY = "policy"
EXCLUSION_ORDER = (  # the order they are judged in: a partner is counted under the first that applies
    INACTIVE,
    TIER,
    TERRITORY,
    INDUSTRY,
    TAG,
    POLICY,
    OFFERED_BEFORE,
    PAUSED,
    AWAY,
    DAILY_QUOTA,
    MONTHLY_CAP,
    TOO_FAR,
    CERTIFICATION,
    COMPETENCY,
)


# --- what the run knows about the lead ------------------------------------------------------------


@dataclass
class _Lead:
    country: str
    regions: list[str]
    postal: str
    industry: str
    product_line_id: int | None
    latitude: float | None
    longitude: float | None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def _postal(value: str) -> str:
    return "".join((value or "").split()).upper()


def _regions_by_country() -> dict[str, list[str]]:
    regions: dict[str, list[str]] = {}
    for code, countries in Region.objects.order_by("code").values_list("code", "countries"):
        for country in countries or ():
            regions.setdefault(country, []).append(code)
    return regions


def _prepare(lead: Lead, regions_by_country: dict[str, list[str]]) -> tuple[_Lead, dict, list[str]]:
    """Geocode the lead and give it a region when it has none (set on it, saved with the run's
    outcome); what the rules compare. Returns the facts, the log's "lead" section and the fields
    set."""
    country = (lead.country or "").strip().upper()
    regions = list(regions_by_country.get(country, [])) if country else []
    changed = []
    located = "typed" if lead.latitude is not None and lead.longitude is not None else None
    if located is None and country:
        found = geo.locate(lead.city, country)
        if found is not None:
            lead.latitude, lead.longitude, located = found.latitude, found.longitude, found.precision
            changed += ["latitude", "longitude"]
    if not lead.region_code and regions:
        lead.region_code = regions[0]
        changed.append("region_code")
    if lead.region_code and lead.region_code not in regions:
        regions.insert(0, lead.region_code)
    facts = _Lead(
        country=country,
        regions=[code.upper() for code in regions],
        postal=_postal(lead.postal_code),
        industry=(lead.industry or "").strip(),
        product_line_id=lead.product_line_id,
        latitude=lead.latitude,
        longitude=lead.longitude,
    )
    section = {
        "country": country,
        "regions": regions,
        "postal_code": lead.postal_code,
        "industry": facts.industry,
        "product_line_id": facts.product_line_id,
        "located": located,
        "latitude": lead.latitude,
        "longitude": lead.longitude,
    }
    return facts, section, changed


def rule_misses(rule: RoutingRule | _RuleCriteria, facts: _Lead) -> list[str]:
    """The criteria of ``rule`` the lead does not meet (empty: it matches). A fall-back matches all."""
    if rule.is_fallback:
        return []
    misses = []
    if rule.countries and facts.country not in {c.upper() for c in rule.countries}:
        misses.append("countries")
    if rule.region_codes and not ({c.upper() for c in rule.region_codes} & set(facts.regions)):
        misses.append("regions")
    if rule.postal_prefixes and not any(facts.postal.startswith(_postal(p)) for p in rule.postal_prefixes if p):
        misses.append("postal_prefixes")
    if rule.industries and facts.industry.casefold() not in {i.casefold() for i in rule.industries}:
        misses.append("industries")
    if rule.product_line_ids and facts.product_line_id not in set(rule.product_line_ids):
        misses.append("product_lines")
    return misses


# --- one rule: the candidates in one query ----------------------------------------------------------


@dataclass
class _Candidate:
    id: int
    name: str
    weight: int
    pass_value: int
    effective: int
    distance_km: float | None

    def position(self, clock: int) -> dict:
        row = {"id": self.id, "name": self.name, "weight": self.weight, "pass": self.effective, "clock": clock}
        if self.distance_km is not None:
            row["distance_km"] = round(self.distance_km, 1)
        return row


@dataclass
class _Judged:
    total: int = 0
    head: list[_Candidate] = field(default_factory=list)
    eligible: int = 0
    excluded: dict[str, dict] = field(default_factory=dict)  # reason -> {"count", "examples"}


# Two statements per rule tried. The first judges the partner side (the partner record, its tier,
# the policy): the same for every lead with the same country, regions, industry and product line
# under the same rule, so its answer is memoised (``_partner_side``) until any of the rows it reads
# changes. The second judges what changes lead by lead for the partners the first left in. Their
# parts are put together per rule and lead (the criteria the rule has, nearest first or not, a
# country held exclusively): a part that cannot apply is left out rather than switched off by a
# parameter, so PostgreSQL neither plans it nor tests it per row.
_PARTNER_SIDE_SQL = """
WITH enrolled AS MATERIALIZED (
    -- Every enrolled partner, one pass: the first reason that excludes it, or none.
    SELECT p.id, t.lead_routing_weight AS weight,
        CASE
            WHEN p.status <> 'active' THEN 'inactive'
            WHEN t.rank < %(min_rank)s THEN 'tier'{territory}{industry}{tags}
            {policy}
        END AS reason
    FROM programs_enrollment e
    JOIN partners_partner p ON p.id = e.partner_id AND p.tenant_id = e.tenant_id
    JOIN programs_tier t ON t.id = e.tier_id AND t.tenant_id = e.tenant_id
    WHERE e.tenant_id = %(tenant)s AND e.program_id = %(program)s{only_holder}
), grouped AS (
    -- Per reason its count and the first ``examples`` partners met (no sort of every row); the
    -- partners left in, whole (ids and weights, as array literals the second statement takes).
    SELECT reason, count(*) AS n, (array_agg(id))[1:%(examples)s] AS ids,
        CASE WHEN reason IS NULL THEN array_agg(id)::text END AS eligible,
        CASE WHEN reason IS NULL THEN array_agg(weight)::text END AS weights
    FROM enrolled
    GROUP BY reason
)
SELECT reason, n, ids, ARRAY(
    SELECT p.display_name::text FROM unnest(ids) WITH ORDINALITY AS u (id, k)
    JOIN partners_partner p ON p.id = u.id AND p.tenant_id = %(tenant)s ORDER BY u.k), eligible, weights
FROM grouped{exclusive}
"""

_LEAD_SIDE_SQL = """
WITH s AS MATERIALIZED (
    SELECT * FROM unnest(%(eligible)s::bigint[], %(weights)s::int[]) AS s (id, weight)
), capacity AS MATERIALIZED (
    -- The partners left in that their capacity holds back (paused, away, at the daily quota or
    -- the monthly cap, against the tally the offers' trigger keeps: LeadOfferTally).
    SELECT partner_id, reason FROM (
        SELECT c.partner_id,
            CASE
                WHEN c.paused THEN 'paused'
                WHEN c.away_from IS NOT NULL AND c.away_from <= %(today)s
                    AND (c.away_until IS NULL OR c.away_until >= %(today)s) THEN 'away'
                WHEN c.daily_quota <= CASE WHEN n.day = %(today)s THEN n.offers_on_day ELSE 0 END
                    THEN 'daily_quota'
                WHEN c.monthly_cap <= CASE WHEN n.month = %(month)s THEN n.offers_in_month ELSE 0 END
                    THEN 'monthly_cap'
            END AS reason
        FROM leads_leadcapacity c
        LEFT JOIN leads_leadoffertally n ON n.tenant_id = c.tenant_id AND n.partner_id = c.partner_id
        WHERE c.tenant_id = %(tenant)s
    ) verdicts
    WHERE reason IS NOT NULL AND partner_id IN (SELECT id FROM s)
){nearest}, excluded AS MATERIALIZED (
    -- Who this lead excludes, found from the few it excludes (its earlier offers, capacity, distance),
    -- each under the first reason that applies; everyone else left in is eligible.{offered}
    SELECT partner_id AS id, reason FROM capacity{not_offered}{too_far}
), grouped AS (
    SELECT reason, count(*) AS n, (array_agg(id))[1:%(examples)s] AS ids FROM excluded GROUP BY reason
)
-- The ordered head of the eligible (a top-N sort; Python orders the few rows again), then the
-- groups; names are read for these few partners only.
SELECT h.id, p.display_name::text, h.weight, h.pass_value, h.effective, h.distance_km, NULL, NULL, NULL, NULL
FROM (
    SELECT s.id, s.weight, COALESCE(r.pass_value, 0) AS pass_value,
        GREATEST(COALESCE(r.pass_value, 0), %(clock)s) AS effective, {distance} AS distance_km
    FROM s
    LEFT JOIN leads_rotationstate r
        ON r.tenant_id = %(tenant)s AND r.rule_id = %(rule)s AND r.partner_id = s.id{join_nearest}
    WHERE NOT EXISTS (SELECT FROM excluded x WHERE x.id = s.id)
    ORDER BY {order} LIMIT %(head)s
) h
JOIN partners_partner p ON p.id = h.id AND p.tenant_id = %(tenant)s
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, reason, n, ids, ARRAY(
    SELECT p.display_name::text FROM unnest(ids) WITH ORDINALITY AS u (id, k)
    JOIN partners_partner p ON p.id = u.id AND p.tenant_id = %(tenant)s ORDER BY u.k)
FROM grouped
"""
# The lead's earlier offers (none for a new lead: left out).
_OFFERED_SQL = """
    SELECT id, 'offered_before' AS reason FROM s WHERE id = ANY(%(offered)s::bigint[])
    UNION ALL"""
_NOT_OFFERED_SQL = """
    WHERE NOT partner_id = ANY(%(offered)s::bigint[])"""

# Partner side of the rule's criteria, each only where the rule (and the lead) has them.
_TERRITORY_SQL = """
            WHEN NOT (
                p.country = %(country)s OR %(country)s = ANY(p.countries_served)
                OR p.regions_served && %(regions)s::varchar[]
            ) THEN 'territory'"""
_INDUSTRY_SQL = """
            WHEN cardinality(p.industries) > 0 AND NOT (p.industries && %(industries)s::varchar[]) THEN 'industry'"""
_TAGS_SQL = """
            WHEN NOT (p.tags && %(tags)s::varchar[]) THEN 'tag'"""
# A country held exclusively: only its holder can pass the policy, so only it is judged; everyone
# else enrolled is counted as refused by the policy, with examples.
_ONLY_HOLDER_SQL = """
        AND e.partner_id = %(holder)s"""
_EXCLUSIVE_SQL = """
UNION ALL
SELECT 'policy:territory_exclusive', counted.n, others.ids, others.names, NULL, NULL
FROM (
    SELECT count(*) AS n FROM programs_enrollment e
    WHERE e.tenant_id = %(tenant)s AND e.program_id = %(program)s AND e.partner_id <> %(holder)s
) counted, LATERAL (
    SELECT array_agg(p.id ORDER BY p.id) AS ids, array_agg(p.display_name::text ORDER BY p.id) AS names
    FROM (
        SELECT e.partner_id FROM programs_enrollment e
        WHERE e.tenant_id = %(tenant)s AND e.program_id = %(program)s AND e.partner_id <> %(holder)s
        ORDER BY e.partner_id LIMIT %(examples)s
    ) first JOIN partners_partner p ON p.id = first.partner_id AND p.tenant_id = %(tenant)s
) others (ids, names)
WHERE counted.n > 0"""
# Nearest first: each eligible partner's nearest location (inside the box, when the rule has a
# maximum). Only the locations of the partners left in (``s``) are measured: nearest is only ever
# joined to them, and the box around a lead in a dense region held ~1,500 locations of the tenant's
# 5,400, most of them partners the rule's territory or tier had left out (the haversine of each
# was most of the statement's time).
_NEAREST_SQL = """, nearest AS (
    SELECT partner_id, min({haversine}) AS km
    FROM partners_partnerlocation
    WHERE tenant_id = %(tenant)s AND latitude IS NOT NULL AND longitude IS NOT NULL
        AND partner_id IN (SELECT id FROM s){box}
    GROUP BY partner_id
)"""
_TOO_FAR_SQL = """
    UNION ALL
    SELECT s.id, 'too_far' FROM s
    LEFT JOIN nearest d ON d.partner_id = s.id
    WHERE (d.km IS NULL OR d.km > %(max_km)s::float8){not_offered}
        AND NOT EXISTS (SELECT FROM capacity c WHERE c.partner_id = s.id)"""

# The same orders in Python, for the head's few rows (a UNION does not keep the SQL's order).
_SORT_KEYS = {
    "rotation": lambda c: (c.effective, -c.weight, c.id),
    "distance": lambda c: (c.distance_km is None, c.distance_km or 0.0, -c.weight, c.id),
    "weight": lambda c: (-c.weight, c.id),
}
_ORDERS = {
    "rotation": "effective, weight DESC, id",
    "distance": "distance_km NULLS LAST, weight DESC, id",
    "weight": "weight DESC, id",
}


def _box(facts: _Lead, max_km: float | None) -> tuple[str, dict]:
    """A latitude/longitude box around the lead that holds every point within ``max_km`` (so that
    the haversine runs only inside it); none without a maximum, and no longitude bound where the
    box would cross a pole or the antimeridian."""
    if max_km is None or not facts.located:
        return "", {}
    lat, lon = float(facts.latitude), float(facts.longitude)
    angle = max_km / geo.EARTH_RADIUS_KM  # radians of arc
    dlat = math.degrees(angle)
    sql, params = " AND latitude BETWEEN %(lat_min)s AND %(lat_max)s", {"lat_min": lat - dlat, "lat_max": lat + dlat}
    if abs(lat) + dlat < 90:
        # The widest longitude a point within the arc reaches: asin(sin(arc) / cos(latitude)).
        dlon = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat)))))
        if lon - dlon > -180 and lon + dlon < 180:
            sql += " AND longitude BETWEEN %(lon_min)s AND %(lon_max)s"
            params.update(lon_min=lon - dlon, lon_max=lon + dlon)
    return sql, params


@dataclass(frozen=True)
class _PartnerSide:
    """What the partner-side statement answered for a rule and a kind of lead."""

    groups: tuple[tuple[str | None, int, tuple[int, ...], tuple[str, ...]], ...]  # reason, count, examples
    eligible: str | None  # the partners left in: their ids and weights as array literals (None: nobody)
    weights: str | None

    @property
    def eligible_count(self) -> int:
        return next((count for reason, count, _ids, _names in self.groups if reason is None), 0)


class _Memo:
    """Answers that hold while the routing stamp stays where it was (every key names the stamp,
    the database and the tenant), the ``size`` most recently used kept. Per process; locked, for
    a server that routes in two threads at once (staff routing by hand)."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: tuple, value: Any) -> None:
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


# A few hundred kinds of lead per process (~20 KB each at 5,000 partners).
_PARTNER_SIDES = _Memo(256)
_HOLDERS = _Memo(256)

# Every table the partner side reads. A change to any of them moves ``leads_routingstamp`` at its
# commit (the triggers of migration 0008), which ends every memoised answer; a change the routing
# transaction made itself (not committed, so not stamped) skips the memo (``_lock_rule``).
PARTNER_SIDE_TABLES = (
    "partners_partner",
    "programs_enrollment",
    "programs_tier",
    "programs_partnerlicence",
    "programs_territorygrant",
    "programs_region",
)


def _partner_side(sql: str, params: dict[str, Any], stamp: int | None) -> _PartnerSide:
    """The partner side of a rule for a kind of lead: memoised while ``stamp`` (None: not now)
    says none of the rows it read has changed. Exact either way: the memo keeps the statement's
    own answer, and any change to what it read ends it."""
    params = {name: value for name, value in params.items() if f"%({name})s" in sql}
    key = None
    if stamp is not None:
        frozen = tuple(sorted((name, tuple(v) if isinstance(v, list) else v) for name, v in params.items()))
        key = (connection.settings_dict["NAME"], stamp, sql, frozen)
        found = _PARTNER_SIDES.get(key)
        if found is not None:
            return found
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT set_config('jit', 'off', true); {sql}", params)
        rows = cursor.fetchall()
    left_in = next((row for row in rows if row[0] is None), None)
    side = _PartnerSide(
        groups=tuple((reason, count, tuple(ids or ()), tuple(names or ())) for reason, count, ids, names, *_ in rows),
        eligible=left_in[4] if left_in else None,
        weights=left_in[5] if left_in else None,
    )
    if key is not None:
        _PARTNER_SIDES.put(key, side)
    return side


def _exclusive_holders(*, line_id: int, country: str, on: date, stamp: int | None) -> set[int]:
    """``policy.exclusive_holders`` (who holds a country exclusively for a product line), memoised
    like the partner side: territory grants and regions are among the tables the stamp watches."""
    if stamp is None:
        return exclusive_holders(line_id=line_id, country=country, on=on)
    key = (connection.settings_dict["NAME"], stamp, current_tenant_id(), line_id, country, on)
    found = _HOLDERS.get(key)
    if found is None:
        found = frozenset(exclusive_holders(line_id=line_id, country=country, on=on))
        _HOLDERS.put(key, found)
    return set(found)


def _candidates(
    *,
    lead: Lead,
    rule: _LockedRule,
    facts: _Lead,
    order: str,
    now: CapacityClock,
    screen: PolicyScreen,
    offered: set[int],
    stamp: int | None,
) -> _Judged:
    by_territory = bool(rule.countries or rule.region_codes or rule.postal_prefixes) and not rule.is_fallback
    by_industry = bool(rule.industries) and bool(facts.industry) and not rule.is_fallback
    tags = list(rule.partner_tags or ())  # partner-side, like the minimum tier: a fall-back rule keeps to them too
    exclusive = screen.exclusive_holder is not None or screen.exclusive_to_nobody
    side = _partner_side(
        _PARTNER_SIDE_SQL.format(
            territory=_TERRITORY_SQL if by_territory else "",
            industry=_INDUSTRY_SQL if by_industry else "",
            tags=_TAGS_SQL if tags else "",
            policy=screen.case_when(POLICY),
            only_holder=_ONLY_HOLDER_SQL if exclusive else "",
            exclusive=_EXCLUSIVE_SQL if exclusive else "",
        ),
        {
            **screen.params,
            "tenant": lead.tenant_id,
            "program": rule.program_id,
            "min_rank": rule.min_rank,
            "country": facts.country,
            # Compared as the partner record spells them: the codes as given, in capitals and in lower case.
            "regions": sorted({v for code in facts.regions for v in (code, code.upper(), code.lower())}),
            "industries": sorted({v for v in (facts.industry, facts.industry.lower(), facts.industry.capitalize())}),
            "tags": tags,
            "examples": EXAMPLES,
            "holder": screen.exclusive_holder or 0,  # 0: nobody (ids start at 1)
        },
        stamp,
    )
    judged = _Judged()
    groups = [group for group in side.groups if group[0] is not None]
    judged.total = sum(count for _reason, count, _ids, _names in side.groups)
    if side.eligible is not None:
        groups += _lead_side(
            lead=lead, rule=rule, facts=facts, order=order, now=now, offered=offered, side=side, judged=judged
        )
    for reason, count, ids, names in groups:
        # A policy refusal is "policy:<code>": one group in the log, each example with its code.
        reason, _sep, code = reason.partition(":")
        group = judged.excluded.setdefault(reason, {"count": 0, "examples": []})
        group["count"] += count
        extra = {"codes": [code]} if code else {}
        group["examples"] += [{"id": i, "name": n, **extra} for i, n in zip(ids, names, strict=True)]
    judged.head.sort(key=_SORT_KEYS[order])
    for group in judged.excluded.values():
        group["examples"] = sorted(group["examples"], key=lambda example: (example["name"], example["id"]))[:EXAMPLES]
    return judged


def _lead_side(
    *,
    lead: Lead,
    rule: _LockedRule,
    facts: _Lead,
    order: str,
    now: CapacityClock,
    offered: set[int],
    side: _PartnerSide,
    judged: _Judged,
) -> list[tuple[str, int, tuple[int, ...], tuple[str, ...]]]:
    """Judge what changes lead by lead for the partners the partner side left in: fills the head
    and the number eligible into ``judged``; returns the exclusion groups."""
    by_distance = order == "distance"
    max_km = float(rule.max_distance_km) if rule.max_distance_km and by_distance else None
    nearest = ""
    box_params: dict[str, Any] = {}
    if by_distance:
        box, box_params = _box(facts, max_km)
        nearest = _NEAREST_SQL.format(
            haversine=geo.haversine_sql("latitude", "longitude", lat="%(lat)s", lon="%(lon)s"), box=box
        )
    sql = _LEAD_SIDE_SQL.format(
        nearest=nearest,
        offered=_OFFERED_SQL if offered else "",
        not_offered=_NOT_OFFERED_SQL if offered else "",
        too_far=(
            _TOO_FAR_SQL.format(not_offered=" AND NOT s.id = ANY(%(offered)s::bigint[])" if offered else "")
            if by_distance and max_km is not None
            else ""
        ),
        distance="d.km" if by_distance else "NULL::float8",
        join_nearest="\n    LEFT JOIN nearest d ON d.partner_id = s.id" if by_distance else "",
        order=_ORDERS[order],
    )
    params: dict[str, Any] = {
        **box_params,
        "tenant": lead.tenant_id,
        "rule": rule.pk,
        "clock": rule.clock,
        "eligible": side.eligible,
        "weights": side.weights,
        "offered": sorted(offered),
        "today": now.today,
        "month": now.month,
        "lat": facts.latitude or 0.0,
        "lon": facts.longitude or 0.0,
        "max_km": max_km,
        "head": HEAD,
        "examples": EXAMPLES,
    }
    with connection.cursor() as cursor:
        # JIT off for the rest of the routing transaction, in the same round trip: the statement's
        # estimated cost passes jit_above_cost, and compiling it took ~150 ms per rule tried at
        # 5,000 partners, several times its run time (bench/results/leads-2026-12-05.md).
        cursor.execute(f"SELECT set_config('jit', 'off', true); {sql}", params)
        rows = cursor.fetchall()
    groups = []
    for pk, name, weight, pass_value, effective, distance, reason, count, ids, names in rows:
        if pk is not None:
            judged.head.append(_Candidate(pk, name, weight, pass_value, effective, distance))
        else:
            groups.append((reason, count, tuple(ids or ()), tuple(names or ())))
    # Everyone the partner side left in and this lead does not exclude.
    judged.eligible = side.eligible_count - sum(count for _reason, count, _ids, _names in groups)
    return groups


# --- the run ----------------------------------------------------------------------------------


@dataclass
class _Winner:
    partner: Partner | None  # None: the engine's own winner, known by its id and name (all it writes)
    program_id: int
    weight: int
    rule: RoutingRule | _LockedRule | None = None
    strategy: str = ""
    distance_km: float | None = None
    pinned: bool = False
    effective: int | None = None  # round robin: the pass it won at
    partner_id: int = 0
    name: str = ""

    def __post_init__(self):
        if self.partner is not None:
            self.partner_id, self.name = self.partner.pk, self.partner.display_name


@dataclass(frozen=True)
class _LockedRule:
    """A rule as read under its row lock (``_lock_rule``): what the run judges with, as it is now."""

    pk: int
    tenant_id: int
    program_id: int
    name: str
    strategy: str
    is_fallback: bool
    countries: list[str]
    region_codes: list[str]
    postal_prefixes: list[str]
    industries: list[str]
    min_rank: int
    partner_tags: list[str]
    certification_codes: list[str]
    competency_codes: list[str]
    max_distance_km: int | None
    clock: int

    def as_model(self) -> RoutingRule:
        """The rule as a model instance with the fields read (any other loads when asked for)."""
        return _known(
            RoutingRule,
            id=self.pk,
            tenant_id=self.tenant_id,
            program_id=self.program_id,
            name=self.name,
            strategy=self.strategy,
            is_fallback=self.is_fallback,
            countries=self.countries,
            region_codes=self.region_codes,
            postal_prefixes=self.postal_prefixes,
            industries=self.industries,
            partner_tags=self.partner_tags,
            certification_codes=self.certification_codes,
            competency_codes=self.competency_codes,
            max_distance_km=self.max_distance_km,
            clock=self.clock,
        )


def _known(model, **values):
    """A row of ``model`` the run has read in part, as ``.only(...)`` would give it: the other
    fields are deferred (loaded if asked for), never wrong."""
    return model.from_db(connection.alias, list(values), list(values.values()))


_LOCK_RULE_SQL = """
SELECT r.id, r.tenant_id, r.program_id, r.name, r.strategy, r.is_fallback, r.countries, r.region_codes,
    r.postal_prefixes, r.industries, COALESCE(t.rank, 0), r.partner_tags, r.certification_codes,
    r.competency_codes, r.max_distance_km, r.clock,
    -- The partner side's stamp, and whether this transaction changed what the partner side reads
    -- (not stamped before its commit: then the memo is not used). Both kept by triggers (0008).
    (SELECT stamp FROM leads_routingstamp WHERE id = 1),
    coalesce(current_setting('leads.routing_changed', true), '') = 'on'
FROM leads_routingrule r
JOIN programs_program g ON g.id = r.program_id AND g.tenant_id = r.tenant_id AND g.is_active
LEFT JOIN programs_tier t ON t.id = r.min_tier_id AND t.tenant_id = r.tenant_id
WHERE r.tenant_id = %s AND r.id = %s AND r.is_active
FOR UPDATE OF r
"""


def _lock_rule(*, tenant_id: int, rule_id: int) -> tuple[_LockedRule | None, int | None]:
    """The rule's row, locked for the rest of the transaction (None: switched off, or its program),
    and the stamp under which the partner side may be memoised (None: not in this transaction).
    Plain SQL: the ORM's building of this statement cost more than the statement itself, once per
    rule tried."""
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_RULE_SQL, [tenant_id, rule_id])
        row = cursor.fetchone()
    if row is None:
        return None, None
    *fields, stamp, changed_here = row
    return _LockedRule(*fields), None if changed_here else stamp


def _exclude(section: dict, reason: str, partner: Partner, **extra) -> None:
    group = section["excluded"].setdefault(reason, {"count": 0, "examples": []})
    group["count"] += 1
    if len(group["examples"]) < EXAMPLES:
        group["examples"].append({"id": partner.pk, "name": partner.display_name, **extra})


def _walk(
    *, lead: Lead, rule: _LockedRule, judged: _Judged, section: dict, on: date, screen: PolicyScreen
) -> tuple[_Candidate, Partner | None] | None:
    """The first eligible candidate the holders accept (and the policy, for what its screen left
    to it), with its partner record when one was read; or None."""
    if not judged.head:
        return None
    certifications = set(rule.certification_codes or ())
    competencies = set(rule.competency_codes or ())
    if not (certifications or competencies or not screen.complete):
        # Nothing left to judge in Python: the head's first is the winner, and its id and name
        # (the statement's) are all the run writes.
        return judged.head[0], None
    partners = Partner.objects.in_bulk([candidate.id for candidate in judged.head])
    refusals = 0
    for candidate in judged.head:
        if refusals >= HEAD:
            section["gave_up"] = True
            break
        partner = partners.get(candidate.id)
        if partner is None:
            continue
        if certifications:
            missing = certifications - certifications_held(partner=partner, codes=certifications, on=on)
            if missing:
                _exclude(section, CERTIFICATION, partner, missing=sorted(missing))
                refusals += 1
                continue
        if competencies:
            missing = competencies - competencies_held(partner=partner, codes=competencies, on=on)
            if missing:
                _exclude(section, COMPETENCY, partner, missing=sorted(missing))
                refusals += 1
                continue
        if not screen.complete:  # a condition the screen leaves to the policy service (a competency)
            decided = policy_decide(
                partner=partner, action="receive_lead", product_line=lead.product_line, country=lead.country, on=on
            )
            if not decided.allowed:
                _exclude(section, POLICY, partner, codes=list(decided.codes))
                refusals += 1
                continue
        return candidate, partner
    else:
        if len(judged.head) < judged.eligible:
            section["gave_up"] = True  # every candidate read was refused; the rest were not read
    return None


def _try_rule(
    *,
    lead: Lead,
    rule: _RuleCriteria,
    facts: _Lead,
    log: dict,
    now: CapacityClock,
    screen: Callable[[int | None], PolicyScreen],
    offered: set[int],
) -> _Winner | None:
    section: dict[str, Any] = {
        "id": rule.pk,
        "name": rule.name,
        "program_id": rule.program_id,
        "strategy": rule.strategy,
        "fallback": rule.is_fallback,
    }
    log["rules"].append(section)
    misses = rule_misses(rule, facts)
    if misses:
        section.update(matched=False, misses=misses)
        return None
    # The rule's row lock: rotation and capacity are read and written by one run at a time per rule.
    # (Read again here: the memoised criteria may be a moment older than a change to the rule.)
    locked, stamp = _lock_rule(tenant_id=lead.tenant_id, rule_id=rule.pk)
    if locked is None:  # switched off since the configuration was read
        section.update(matched=False, misses=[])
        return None
    if locked.strategy == Strategy.NEAREST:
        order = "distance" if facts.located else "weight"
        if not facts.located:
            section["no_coordinates"] = True
    else:
        order = "rotation"
    policy = screen(stamp)
    judged = _candidates(
        lead=lead, rule=locked, facts=facts, order=order, now=now, screen=policy, offered=offered, stamp=stamp
    )
    section.update(
        matched=True,
        candidates=judged.total,
        eligible=judged.eligible,
        clock=locked.clock,
        excluded=judged.excluded,  # ordered after the walk adds its own
        head=[candidate.position(locked.clock) for candidate in judged.head[:SHOWN_HEAD]],
    )
    walked = _walk(lead=lead, rule=locked, judged=judged, section=section, on=now.today, screen=policy)
    section["excluded"] = {r: section["excluded"][r] for r in EXCLUSION_ORDER if r in section["excluded"]}
    if walked is None:
        return None
    winner, partner = walked
    section["winner"] = winner.position(locked.clock)
    return _Winner(
        partner=partner,
        partner_id=winner.id,
        name=winner.name,
        program_id=locked.program_id,
        weight=winner.weight,
        rule=locked,
        strategy=locked.strategy,
        distance_km=round(winner.distance_km, 1) if winner.distance_km is not None else None,
        effective=winner.effective if locked.strategy == Strategy.ROUND_ROBIN else None,
    )


def program_of(partner: Partner) -> Enrollment | None:
    """The partner's enrollment an offer made outside the rules (a named account, staff's choice)
    is counted under: its first active program."""
    return (
        Enrollment.objects.filter(partner=partner, program__is_active=True)
        .select_related("tier")
        .order_by("program_id")
        .first()
    )


def _named_account(*, lead: Lead, offered: set[int], log: dict, on: date, config: _Config) -> _Winner | None:
    matches = [config.named_companies.get(lead.company_key), config.named_domains.get(lead.domain)]
    matches = [pk for pk in matches if pk is not None]
    if not matches:  # most leads: no query
        return None
    account = NamedAccount.objects.filter(pk=min(matches)).select_related("partner").first()
    if account is None:
        return None
    partner = account.partner
    section: dict[str, Any] = {"id": account.pk, "name": account.name, "partner_id": partner.pk}
    section["partner"] = partner.display_name
    log["named_account"] = section
    if partner.pk in offered:
        section["outcome"] = OFFERED_BEFORE
        return None
    decided = policy_decide(
        partner=partner, action="receive_lead", product_line=lead.product_line, country=lead.country
    )
    if not decided.allowed:
        section.update(outcome=POLICY, codes=list(decided.codes))
        return None
    enrollment = program_of(partner)
    section["outcome"] = "offered"
    return _Winner(
        partner=partner,
        program_id=enrollment.program_id if enrollment else lead.program_id,
        weight=enrollment.tier.lead_routing_weight if enrollment else 1,
        pinned=True,
    )


@dataclass(frozen=True)
class _RuleCriteria:
    """What a rule matches on, as memoised (the rule itself is read again, locked, when it matches)."""

    pk: int
    name: str
    program_id: int
    strategy: str
    is_fallback: bool
    countries: tuple[str, ...]
    region_codes: tuple[str, ...]
    postal_prefixes: tuple[str, ...]
    industries: tuple[str, ...]
    product_line_ids: tuple[int, ...]


@dataclass(frozen=True)
class _Config:
    """The tenant's routing configuration, memoised (``tenant_memo``, built afresh when the admin
    or any save of these models changes it: ``leads.wiring.routing``); offer terms: ``offer_terms``."""

    rules: tuple[_RuleCriteria, ...]  # active rules of active programs, in the order they are tried
    named_companies: dict[str, int]  # company key -> the first named account's id
    named_domains: dict[str, int]  # registrable domain -> the first named account's id
    # The offer terms and the regions holding each country, as ``offer_terms`` and the regions'
    # memo have them: in this memo too (the same version), so a run reads one memo, not three.
    terms: tuple[dict[int, OfferTerms], OfferTerms]
    regions_by_country: dict[str, list[str]]

    def offer_terms(self, program_id: int | None) -> OfferTerms:
        own, default = self.terms
        return own.get(program_id) or default


def _build_config() -> _Config:
    active_programs = Program.objects.filter(is_active=True).values("pk")
    rules = tuple(
        _RuleCriteria(
            pk=rule.pk,
            name=rule.name,
            program_id=rule.program_id,
            strategy=rule.strategy,
            is_fallback=rule.is_fallback,
            countries=tuple(rule.countries or ()),
            region_codes=tuple(rule.region_codes or ()),
            postal_prefixes=tuple(rule.postal_prefixes or ()),
            industries=tuple(rule.industries or ()),
            product_line_ids=tuple(rule.product_line_ids or ()),
        )
        for rule in RoutingRule.objects.filter(is_active=True, program_id__in=active_programs).order_by(
            "is_fallback", "priority", "id"
        )
    )
    companies: dict[str, int] = {}
    domains: dict[str, int] = {}
    for pk, name_key, domain in NamedAccount.objects.order_by("id").values_list("id", "name_key", "domain"):
        if name_key:
            companies.setdefault(name_key, pk)
        if domain:
            domains.setdefault(domain, pk)
    return _Config(
        rules=rules,
        named_companies=companies,
        named_domains=domains,
        terms=all_offer_terms(),
        regions_by_country=_regions_by_country(),
    )


def routing_config() -> _Config:
    # The name changes with the memo's shape: a value the previous code cached must not be read as
    # this one (``prm.memo``'s values live 10 minutes across a deploy).
    return tenant_memo("leads.routing.2", _build_config)


def _rotation_sql(winner: _Winner, now: datetime) -> tuple[str, list]:
    """The winner's new pass (effective + stride) and the rule's clock (the effective pass it won
    at), under the rule's lock taken in ``_try_rule``: two parts of the decision's statement."""
    rule = winner.rule
    new_pass = winner.effective + STRIDE // max(1, winner.weight)
    return (
        ", passed AS (INSERT INTO leads_rotationstate"
        " (tenant_id, rule_id, partner_id, pass_value, served, last_served_at) VALUES (%s, %s, %s, %s, 1, %s)"
        " ON CONFLICT (tenant_id, rule_id, partner_id) DO UPDATE SET pass_value = EXCLUDED.pass_value,"
        " served = leads_rotationstate.served + 1, last_served_at = EXCLUDED.last_served_at)"
        ", clocked AS (UPDATE leads_routingrule SET clock = %s WHERE tenant_id = %s AND id = %s)",
        [rule.tenant_id, rule.pk, winner.partner_id, new_pass, now, winner.effective, rule.tenant_id, rule.pk],
    )


def _lead_sql(lead: Lead, fields: list[str]) -> tuple[str, list]:
    """The lead's changed ``fields`` (attnames, as set on it), with ``updated_at``: a part of the
    decision's statement."""
    lead.updated_at = timezone.now()
    fields = [*dict.fromkeys([*fields, "updated_at"])]
    return (
        ", moved AS (UPDATE leads_lead SET "  # noqa: S608 (the model's own column names)
        + ", ".join(f"{Lead._meta.get_field(name).column} = %s" for name in fields)
        + " WHERE tenant_id = %s AND id = %s)",
        [*(getattr(lead, Lead._meta.get_field(name).attname) for name in fields), lead.tenant_id, lead.pk],
    )


def _receivers(partner_id: int) -> list[Membership]:
    """The partner's active people who receive leads (told of each offer). Plain SQL: asked for
    every offer, and the ORM's building of it cost more than the query."""
    roles = sorted(CAPABILITIES.require(LEADS_RECEIVE))
    return list(
        Membership.objects.raw(
            "SELECT * FROM accounts_membership WHERE tenant_id = %s AND partner_id = %s AND is_active"
            " AND role = ANY(%s) ORDER BY id",
            [current_tenant_id(), partner_id, roles],
        )
    )


def _record(*, actor, lead: Lead, verb: str, from_state: str, message: str, params: dict, data: dict) -> Event:
    """The lead's event: the system's (routing on its own) in one plain insert, a person's (routing
    by hand) through ``event_record``, which names them."""
    if actor is not None:
        return event_record(
            actor=actor,
            target=lead,
            verb=verb,
            from_state=from_state,
            to_state=lead.status,
            message=message,
            params=params,
            data=data,
        )
    [event] = event_record_many(
        events=[
            system_event(
                target_type=ContentType.objects.get_for_model(Lead),
                object_id=lead.pk,
                partner_id=lead.owning_partner_id,
                verb=verb,
                message=message,
                params=params,
                data=data,
                from_state=str(from_state),
                to_state=str(lead.status),
            )
        ]
    )
    return event


OFFER_NOTIFY_TASK = "leads.offer_notify"


def _offered(
    *,
    lead: Lead,
    winner: _Winner,
    offer: LeadOffer,
    decision_id: int,
    from_status: str,
    actor,
    trigger: str,
    tell_later: bool = False,
) -> None:
    """What follows an offer written: the lead's event, and the partner's people told (reference
    and deadline only: they sign in to read it). ``tell_later``: told by the worker after commit
    (``offer_notify``), from one outbox message written here; else told now."""
    event = _record(
        actor=actor,
        lead=lead,
        verb=events.OFFERED,
        from_state=from_status,
        message=gettext_noop("Offered to %(partner)s"),
        params={"partner": winner.name},
        data={
            "offer_id": offer.pk,
            "partner_id": winner.partner_id,
            "rule_id": winner.rule.pk if winner.rule else None,
            "pinned": winner.pinned,
            "trigger": trigger,
            "decision_id": decision_id,
        },
    )
    if tell_later:
        outbox_enqueue(task_name=OFFER_NOTIFY_TASK, offer_id=offer.pk, event_id=event.pk)
    else:
        _tell_offered(
            partner_id=winner.partner_id, reference=lead.reference or reference_for(lead.pk), offer=offer, event=event
        )


def _tell_offered(
    *, partner_id: int, reference: str, offer: LeadOffer, event: Event | None, receivers: list | None = None
) -> list:
    """The offer's notification to each of the partner's people who receive leads (and its
    e-mail, by their preferences): the lead's reference and the deadline, no lead details."""
    return notify(
        recipients=_receivers(partner_id) if receivers is None else receivers,
        kind=notifications.OFFERED,
        title=gettext_noop("Lead %(reference)s is offered to your company"),
        body=gettext_noop("Please answer by %(deadline)s. Sign in to read the lead and accept or decline it."),
        params={"reference": reference, "deadline": offer.due_at},
        url=offer_url(offer),
        event=event,
    )


def offer_notify(*, offer_id: int, event_id: int | None) -> int:
    """Tell the partner's people of an offer the engine made (``leads.offer_notify``, run by the
    worker from the outbox message the decision wrote): the same notifications and e-mails as an
    offer made by hand (``make_offer``), built after the decision's commit rather than inside it.
    Per offer that was ~2 ms of notification rows and ~1.5 ms of building the e-mails' Celery
    messages (about four people per partner) inside the routing transaction; now it is one outbox
    message. The receivers are read when the task runs. Returns the notifications made; nothing
    when the offer is gone or its people were told already (a second run)."""
    offer = (
        LeadOffer.objects.filter(pk=offer_id)
        .select_related("lead")
        .only("partner", "due_at", "lead__reference")
        .first()
    )
    if offer is None:
        return 0
    event = Event.objects.filter(pk=event_id).first() if event_id is not None else None
    receivers = _receivers(offer.partner_id)
    if (
        event is not None
        and Notification.objects.filter(
            recipient__in=receivers, kind=notifications.OFFERED, event_id=event.pk
        ).exists()  # served by the inbox index (tenant, recipient, ...): the receivers' own rows
    ):
        return 0
    reference = offer.lead.reference or reference_for(offer.lead.pk)
    return len(
        _tell_offered(partner_id=offer.partner_id, reference=reference, offer=offer, event=event, receivers=receivers)
    )


def _new_offer(*, lead: Lead, winner: _Winner, now: datetime, zone=None, terms: OfferTerms | None = None) -> LeadOffer:
    """The offer to the winner with its terms (the program's: ``offer_terms``), not saved; the lead
    set OFFERED to it (not saved)."""
    terms = terms or offer_terms(winner.program_id)
    offer = LeadOffer(
        tenant_id=lead.tenant_id,
        lead=lead,
        partner_id=winner.partner_id,
        rule_id=winner.rule.pk if winner.rule else None,
        rule_name=winner.rule.name if winner.rule else "",
        strategy=winner.strategy,
        pinned=winner.pinned,
        weight=winner.weight,
        distance_km=winner.distance_km,
        offered_at=now,
        due_at=offer_due_at(now, terms.acceptance_hours, zone=zone),
        remind_at=offer_due_at(now, terms.acceptance_hours / 2, zone=zone),
    )
    lead.status, lead.offered_to_id, lead.program_id, lead.queue_reason = (
        LeadStatus.OFFERED,
        winner.partner_id,
        winner.program_id,
        "",
    )
    lead.offer_count += 1
    return offer


_OFFERED_FIELDS = ["status", "offered_to_id", "program_id", "queue_reason", "offer_count"]
_QUEUED_FIELDS = ["status", "offered_to_id", "queue_reason"]


def make_offer(
    *,
    lead: Lead,
    winner: _Winner,
    decision: RoutingDecision,
    actor=None,
    now: datetime,
    trigger: str,
    zone=None,
    also_save: tuple[str, ...] = (),
) -> LeadOffer:
    """Offer the (locked) lead to the winner: the offer with its terms, the lead OFFERED, the
    event, the partner's people told (reference and deadline only: they sign in to read it).
    (The engine's own decisions write the same in one statement with the decision: ``_route``.)"""
    from_status = lead.status
    offer = _new_offer(lead=lead, winner=winner, now=now, zone=zone)
    offer.decision = decision
    if winner.partner is not None:  # keep the records the caller holds on the objects it gets back
        offer.partner = lead.offered_to = winner.partner
    offer.save(force_insert=True)
    lead.save(
        update_fields=["status", "offered_to", "program", "queue_reason", "offer_count", "updated_at", *also_save]
    )
    _offered(
        lead=lead,
        winner=winner,
        offer=offer,
        decision_id=decision.pk,
        from_status=from_status,
        actor=actor,
        trigger=trigger,
    )
    return offer


def _set_queued(lead: Lead, reason: str) -> None:
    lead.status, lead.offered_to_id, lead.queue_reason = LeadStatus.QUEUED, None, reason


def _queued(*, lead: Lead, reason: str, from_status: str, actor, trigger: str, decision_id: int | None) -> None:
    """What follows a lead's return to the queue: its event, and the other lead managers told
    when a person did it."""
    event = _record(
        actor=actor,
        lead=lead,
        verb=events.QUEUED,
        from_state=from_status,
        message=gettext_noop("Returned to the queue: %(reason)s"),
        params={"reason": QueueReason(reason).label},
        data={"reason": reason, "trigger": trigger, "decision_id": decision_id},
    )
    if actor is not None:  # a person's doing: the other lead managers hear it now
        notify(
            recipients=[member for member in lead_managers() if member.pk != actor.pk],
            kind=notifications.QUEUED,
            title=gettext_noop("Lead %(reference)s returned to the queue"),
            body=gettext_noop("%(company)s: %(reason)s"),
            params={"reference": lead.reference, "company": lead.company, "reason": QueueReason(reason).label},
            url=reverse("office:lead_routing", kwargs={"lead_id": lead.pk}),
            event=event,
        )
    # The system's returns are told in one digest per lead manager (queue_digest, every sweep):
    # an import of thousands of leads no rule takes would otherwise send each manager thousands.


def queue(
    *,
    lead: Lead,
    reason: str,
    actor=None,
    trigger: str,
    decision: RoutingDecision | None = None,
    also_save: tuple[str, ...] = (),
) -> None:
    """Return the (locked) lead to the vendor's queue with ``reason``; the lead managers hear it."""
    from_status = lead.status
    _set_queued(lead, reason)
    lead.save(update_fields=["status", "offered_to", "queue_reason", "updated_at", *also_save])
    _queued(
        lead=lead,
        reason=reason,
        from_status=from_status,
        actor=actor,
        trigger=trigger,
        decision_id=decision.pk if decision else None,
    )


DIGEST_LINES = 50


def queue_digest(*, now: datetime | None = None) -> int:
    """Tell the vendor's lead managers, in one notification each, which leads the system returned
    to the queue since the last digest (run by the offers sweep every 5 minutes; a person's own
    returns were told at once). The leads still queued are listed (up to ``DIGEST_LINES``), with
    why. Returns how many leads the digest counts; safe to run twice (the settings row is locked
    and holds up to when the digest went out)."""
    now = now or timezone.now()
    settings = LeadSettings.objects.select_for_update().first()
    if settings is None:
        LeadSettings.objects.get_or_create()
        settings = LeadSettings.objects.select_for_update().first()
    since = settings.queue_digest_at or now - timedelta(minutes=5)
    LeadSettings.objects.filter(pk=settings.pk).update(queue_digest_at=now)  # no save(): no memo reset
    lead_ids = list(
        dict.fromkeys(
            Event.objects.filter(verb=events.QUEUED, actor__isnull=True, created_at__gt=since, created_at__lte=now)
            .order_by("created_at", "id")
            .values_list("object_id", flat=True)
        )
    )
    if not lead_ids:
        return 0
    order = {pk: n for n, pk in enumerate(lead_ids)}
    waiting = Lead.objects.filter(pk__in=lead_ids, status=LeadStatus.QUEUED).values_list(
        "id", "reference", "company", "queue_reason"
    )
    lines = [
        texts.phrase(
            gettext_noop("%(lead)s (%(company)s): %(reason)s"),
            lead=reference or reference_for(pk),
            company=company,
            reason=QueueReason(reason).label if reason in QueueReason.values else reason,
        )
        for pk, reference, company, reason in sorted(waiting, key=lambda row: order[row[0]])[:DIGEST_LINES]
    ]
    notify(
        recipients=lead_managers(),
        kind=notifications.QUEUED,
        title=texts.count_phrase(
            "%(count)s lead returned to the vendor's queue",
            "%(count)s leads returned to the vendor's queue",
            len(lead_ids),
        ),
        body=gettext_noop("No partner could be offered them: route them by hand, or look at the rules."),
        params={texts.LINES: lines},
        url=reverse("office:leads"),
    )
    return len(lead_ids)


@transaction.atomic(savepoint=False)
def lead_route(*, lead: Lead, trigger: str, actor=None) -> RoutingDecision | None:
    """Route ``lead`` (locked): offer it to the next partner or return it to the vendor's queue,
    and write the decision to the routing log. Nothing (None) when it has an open offer, is held
    or is not routable (a duplicate, a referral under review, closed). ``trigger``: why now (new,
    declined, expired, returned, manual, released). See the module's docstring for the rules.

    Runs in the tenant's scope even when a partner user's action triggers it (a decline): it reads
    every partner's capacity and rotation, and hands nothing of them back to that user.

    All or nothing, in the caller's transaction when there is one (the task's scope), without a
    savepoint of its own (two round trips per decision): no caller goes on after a failed routing,
    and one that tried would find its transaction marked for rollback, never half a decision."""
    with step_out_to_tenant():
        return _route(lead=lead, trigger=trigger, actor=actor)


def _write(
    *,
    lead: Lead,
    decision: RoutingDecision,
    winner: _Winner | None,
    reason: str,
    located: list[str],
    config: _Config,
    now: datetime,
    zone,
) -> tuple[LeadOffer | None, bool, int, int | None]:
    """Write what the decision decided in one statement: the decision, the offer, the lead (offered,
    queued, or only located) and the winner's rotation. These were six statements, whose building
    by the ORM cost more than running them. Returns the offer (not saved), whether the lead
    returned to the queue, and the ids written."""
    sql, params = insert_statement(RoutingDecision, [decision])
    sql, params = f"WITH decision AS ({sql})", [*params]
    offer = None
    requeued = False
    if winner is not None:
        offer = _new_offer(lead=lead, winner=winner, now=now, zone=zone, terms=config.offer_terms(winner.program_id))
        part, values = insert_statement(LeadOffer, [offer], computed={"decision_id": "(SELECT id FROM decision)"})
        sql, params = f"{sql}, offer AS ({part})", [*params, *values]
        if winner.rule is not None and winner.strategy == Strategy.ROUND_ROBIN:
            part, values = _rotation_sql(winner, now)
            sql, params = sql + part, [*params, *values]
        changed = [*_OFFERED_FIELDS, *located]
    elif lead.status != LeadStatus.QUEUED or lead.queue_reason != reason:
        _set_queued(lead, reason)
        requeued = True
        changed = [*_QUEUED_FIELDS, *located]
    else:
        changed = list(located)
    if changed:
        part, values = _lead_sql(lead, changed)
        sql, params = sql + part, [*params, *values]
    sql += " SELECT (SELECT id FROM decision), " + ("(SELECT id FROM offer)" if offer is not None else "NULL")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        decision_id, offer_id = cursor.fetchone()
    return offer, requeued, decision_id, offer_id


# The lead's columns as the model has them, and the tenant's zone; locked as ``common.lock`` locks it.
_LEAD_COLUMNS = ", ".join(f"l.{field.column}" for field in Lead._meta.concrete_fields)
_LOCK_LEAD_SQL = f"""
SELECT {_LEAD_COLUMNS}, z.time_zone AS tenant_zone
FROM leads_lead l JOIN tenancy_tenant z ON z.id = l.tenant_id
WHERE l.tenant_id = %s AND l.id = %s
FOR NO KEY UPDATE OF l
"""  # noqa: S608 (the model's own column names)


def _lock_with_zone(lead: Lead) -> tuple[Lead, zoneinfo.ZoneInfo]:
    """The lead's row, locked as ``common.lock`` locks it, and the tenant's time zone (for the
    capacity clock and the offer's deadline) read in the same statement. Plain SQL: the ORM's
    building of it cost more than the statement, once per decision."""
    [locked] = Lead.objects.raw(_LOCK_LEAD_SQL, [lead.tenant_id, lead.pk])
    return locked, zoneinfo.ZoneInfo(locked.tenant_zone)


def _route(*, lead: Lead, trigger: str, actor=None) -> RoutingDecision | None:
    started = clock_time.perf_counter()
    lead, zone = _lock_with_zone(lead)
    if lead.status not in ROUTABLE:
        return None
    with connection.cursor() as cursor:  # the lead's offers, read under its lock (plain SQL, as the lock)
        cursor.execute(
            "SELECT partner_id, status FROM leads_leadoffer WHERE tenant_id = %s AND lead_id = %s",
            [lead.tenant_id, lead.pk],
        )
        offers = cursor.fetchall()
    if any(status == OfferStatus.PENDING for _partner, status in offers):
        return None
    offered = {partner_id for partner_id, _status in offers}
    now = timezone.now()
    run = CapacityClock(moment=now, zone=zone, today=now.astimezone(zone).date())
    config = routing_config()
    facts, lead_section, located = _prepare(lead, config.regions_by_country)
    log: dict[str, Any] = {"version": 1, "trigger": trigger, "lead": lead_section, "rules": []}
    winner: _Winner | None = None
    reason = ""
    terms = config.offer_terms(lead.program_id)
    # The limit holds automatic routing; staff routing by hand (manual, released) lift it.
    if lead.offer_count >= terms.max_offers and trigger not in MANUAL_TRIGGERS:
        reason = QueueReason.MAX_OFFERS
        log["max_offers"] = terms.max_offers
    else:
        winner = _named_account(lead=lead, offered=offered, log=log, on=run.today, config=config)
        if winner is None:
            rules = config.rules
            # The policy's screen of this lead, read once when a rule first matches (under the
            # stamp its lock read: who holds the country exclusively is memoised with the partner side).
            screen = functools.cache(
                lambda stamp: policy_screen(
                    action="receive_lead",
                    product_line_id=lead.product_line_id,
                    country=facts.country,
                    on=run.today,
                    holders=functools.partial(_exclusive_holders, stamp=stamp),
                )
            )

            for rule in rules:
                winner = _try_rule(lead=lead, rule=rule, facts=facts, log=log, now=run, screen=screen, offered=offered)
                if winner is not None:
                    break
            if winner is None:
                matched = any(section.get("matched") for section in log["rules"])
                reason = QueueReason.NO_CANDIDATE if matched else QueueReason.NO_RULE
    if winner is not None:
        log["winner"] = {
            "partner_id": winner.partner_id,
            "name": winner.name,
            "rule_id": winner.rule.pk if winner.rule else None,
            "rule": winner.rule.name if winner.rule else "",
            "weight": winner.weight,
            "pinned": winner.pinned,
            "distance_km": winner.distance_km,
        }
    else:
        log["queue_reason"] = str(reason)
    from_status = lead.status
    decision = RoutingDecision(
        tenant_id=lead.tenant_id,
        lead=lead,
        created_at=now,
        trigger=trigger[:16],
        outcome=(
            (DecisionOutcome.PINNED if winner.pinned else DecisionOutcome.OFFERED) if winner else DecisionOutcome.QUEUED
        ),
        rule_id=winner.rule.pk if winner and winner.rule else None,
        partner_id=winner.partner_id if winner else None,
        log=log,
        # The time the decision took: reading, judging and logging it, up to its writes (which go
        # with it, below; the bench times the whole call, writes and commit included).
        duration_ms=(clock_time.perf_counter() - started) * 1000,
    )
    offer, requeued, decision_id, offer_id = _write(
        lead=lead, decision=decision, winner=winner, reason=reason, located=located, config=config, now=now, zone=zone
    )
    saved(decision, decision_id)
    if winner is not None:  # the caller gets the decision with its partner and rule, as the ORM gave them
        decision.partner = winner.partner or _known(
            Partner, id=winner.partner_id, tenant_id=lead.tenant_id, display_name=winner.name
        )
        if winner.rule is not None:
            decision.rule = winner.rule.as_model() if isinstance(winner.rule, _LockedRule) else winner.rule
    if offer is not None:
        saved(offer, offer_id)
        offer.decision = decision
        _offered(
            lead=lead,
            winner=winner,
            offer=offer,
            decision_id=decision.pk,
            from_status=from_status,
            actor=actor,
            trigger=trigger,
            tell_later=True,
        )
    elif requeued:
        _queued(
            lead=lead, reason=reason, from_status=from_status, actor=actor, trigger=trigger, decision_id=decision.pk
        )
    return decision


__all__ = ["HEAD", "STRIDE", "lead_route", "make_offer", "offer_notify", "queue", "queue_digest", "rule_misses"]
