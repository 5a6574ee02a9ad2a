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
   product lines; empty = any; a fall-back matches everything). For a matching rule ONE query
   (``_candidates``) reads the program's enrolled partners, judges each in SQL (active, tier rank
   >= the rule's minimum, serves the lead's territory and industry where the rule has such
   criteria, carries one of the rule's partner tags where it names some (``partner_tags``, e.g.
   partners marked for investment; a fall-back rule's too), never offered this lead, capacity:
   paused, out of office today, daily quota and monthly cap against ``LeadOfferTally`` (the offers
   of the tenant's day and month, kept by a trigger on the offers); nearest first:
   within ``max_distance_km``, the haversine only inside a latitude/longitude box of that radius;
   and the product policy: ``programs.services.policy.policy_screen`` gives the SQL form of
   ``policy_decide(action="receive_lead")`` for the lead's line and country (minimum tier,
   partner types, licence, exclusive territory of another partner, territory grant), so an
   exclusive territory's holder is found wherever it ranks) and returns the ordered head of the
   eligible (``HEAD``) plus, per exclusion reason, its count and the first ``EXAMPLES`` partners.
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
   same instant take turns per rule and restarts change nothing. Nearest first orders by the
   distance from the lead to the nearest of the partner's locations (haversine in SQL), then the
   weight, then the id; a lead without coordinates orders by weight (the log says so).
6. **The outcome.** The winner gets a pending ``LeadOffer`` (deadline and reminder in business
   hours from the program's terms), the lead is OFFERED to it; its users who receive leads are
   notified without lead details. No winner, or ``max_offers`` reached: the lead is QUEUED with
   the reason and the vendor's lead managers are notified. Every run writes a ``RoutingDecision``
   whose ``log`` keeps ids, codes and numbers (rendered in the reader's language by
   ``leads.selectors.routing``).

Queries: a fixed number per rule tried (lock the rule, the candidates, the head's partners, and
the walk's holders for each refused candidate), plus the policy screen's two once per run;
``tests/leads/test_routing_engine.py`` pins them.
"""

from __future__ import annotations

import functools
import math
import time as clock_time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

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
from prm.events.services import event_record
from prm.memo import tenant_memo
from prm.notifications.services import notify
from prm.tenancy.scope import step_out_to_tenant
from programs.models import Enrollment, Program, Region
from programs.services.policy import (
    PolicyScreen,
    certifications_held,
    competencies_held,
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
    lock,
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


def _prepare(lead: Lead) -> tuple[_Lead, dict, list[str]]:
    """Geocode the lead and give it a region when it has none (set on it, saved with the run's
    outcome); what the rules compare. Returns the facts, the log's "lead" section and the fields
    set."""
    country = (lead.country or "").strip().upper()
    regions = list(tenant_memo("leads.regions_by_country", _regions_by_country).get(country, [])) if country else []
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


_CANDIDATES_SQL = """
WITH enrolled AS (
    -- What the partner record, its tier and the policy decide: every enrolled partner, one pass.
    SELECT p.id, p.display_name::text AS name, t.lead_routing_weight AS weight,
        CASE
            WHEN p.status <> 'active' THEN 'inactive'
            WHEN t.rank < %(min_rank)s THEN 'tier'
            WHEN %(by_territory)s AND NOT (
                p.country = %(country)s OR %(country)s = ANY(p.countries_served)
                OR p.regions_served && %(regions)s::varchar[]
            ) THEN 'territory'
            WHEN %(by_industry)s AND cardinality(p.industries) > 0
                AND NOT (p.industries && %(industries)s::varchar[]) THEN 'industry'
            WHEN cardinality(%(tags)s::varchar[]) > 0 AND NOT (p.tags && %(tags)s::varchar[]) THEN 'tag'
            {policy}
        END AS reason
    FROM programs_enrollment e
    JOIN partners_partner p ON p.id = e.partner_id AND p.tenant_id = e.tenant_id
    JOIN programs_tier t ON t.id = e.tier_id AND t.tenant_id = e.tenant_id
    WHERE e.tenant_id = %(tenant)s AND e.program_id = %(program)s
        -- A country held exclusively: only its holder can pass the policy; the rest are counted below.
        AND (NOT %(exclusive)s OR e.partner_id = %(holder)s)
), offered AS MATERIALIZED (
    SELECT partner_id FROM leads_leadoffer WHERE tenant_id = %(tenant)s AND lead_id = %(lead)s
), rotation AS MATERIALIZED (  -- read once and hashed (the planner's estimate of
    -- the partners left in is far too low, and it would otherwise probe the index per partner)
    SELECT partner_id, pass_value FROM leads_rotationstate WHERE tenant_id = %(tenant)s AND rule_id = %(rule)s
), nearest AS (
    SELECT partner_id, min({haversine}) AS km
    FROM partners_partnerlocation
    WHERE tenant_id = %(tenant)s AND %(by_distance)s AND latitude IS NOT NULL AND longitude IS NOT NULL
        {box}
    GROUP BY partner_id
), judged AS (
    -- What changes lead by lead (offered before, capacity, rotation, distance): only for the
    -- partners the first pass left in.
    SELECT s.id, s.name, s.weight,
        COALESCE(r.pass_value, 0) AS pass_value,
        GREATEST(COALESCE(r.pass_value, 0), %(clock)s) AS effective,
        d.km AS distance_km,
        CASE
            WHEN o.partner_id IS NOT NULL THEN 'offered_before'
            WHEN c.paused THEN 'paused'
            WHEN c.away_from IS NOT NULL AND c.away_from <= %(today)s
                AND (c.away_until IS NULL OR c.away_until >= %(today)s) THEN 'away'
            -- Offers today and this month: the tally the offers' trigger keeps (LeadOfferTally).
            WHEN c.daily_quota IS NOT NULL
                AND c.daily_quota <= CASE WHEN n.day = %(today)s THEN n.offers_on_day ELSE 0 END THEN 'daily_quota'
            WHEN c.monthly_cap IS NOT NULL
                AND c.monthly_cap <= CASE WHEN n.month = %(month)s THEN n.offers_in_month ELSE 0 END THEN 'monthly_cap'
            WHEN %(max_km)s::float8 IS NOT NULL AND %(by_distance)s AND (d.km IS NULL OR d.km > %(max_km)s::float8)
                THEN 'too_far'
        END AS reason
    FROM enrolled s
    LEFT JOIN leads_leadcapacity c ON c.tenant_id = %(tenant)s AND c.partner_id = s.id
    LEFT JOIN leads_leadoffertally n ON n.tenant_id = %(tenant)s AND n.partner_id = s.id
    LEFT JOIN offered o ON o.partner_id = s.id
    LEFT JOIN rotation r ON r.partner_id = s.id
    LEFT JOIN nearest d ON d.partner_id = s.id
    WHERE s.reason IS NULL
)
-- The ordered head of the eligible (a top-N sort; Python orders the few rows again), then per
-- exclusion reason its count and the first ``examples`` partners met (no sort of every row).
SELECT h.id, h.name, h.weight, h.pass_value, h.effective, h.distance_km, NULL, NULL, NULL, NULL
FROM (SELECT * FROM judged WHERE reason IS NULL ORDER BY {order} LIMIT %(head)s) h
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, reason, count(*),
    (array_agg(id))[1:%(examples)s], (array_agg(name))[1:%(examples)s]
FROM (
    SELECT id, name, reason FROM enrolled WHERE reason IS NOT NULL
    UNION ALL
    SELECT id, name, reason FROM judged
) every_partner
GROUP BY reason
UNION ALL
-- A country held exclusively: everyone else enrolled, refused by the policy without judging them.
SELECT NULL, NULL, NULL, NULL, NULL, NULL, 'policy:territory_exclusive', counted.n, others.ids, others.names
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
WHERE %(exclusive)s AND counted.n > 0
"""

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
    sql, params = "AND latitude BETWEEN %(lat_min)s AND %(lat_max)s", {"lat_min": lat - dlat, "lat_max": lat + dlat}
    if abs(lat) + dlat < 90:
        # The widest longitude a point within the arc reaches: asin(sin(arc) / cos(latitude)).
        dlon = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat)))))
        if lon - dlon > -180 and lon + dlon < 180:
            sql += " AND longitude BETWEEN %(lon_min)s AND %(lon_max)s"
            params.update(lon_min=lon - dlon, lon_max=lon + dlon)
    return sql, params


def _candidates(
    *, lead: Lead, rule: RoutingRule, facts: _Lead, min_rank: int, order: str, now: CapacityClock, screen: PolicyScreen
) -> _Judged:
    by_distance = order == "distance"
    max_km = float(rule.max_distance_km) if rule.max_distance_km and by_distance else None
    box, box_params = _box(facts, max_km) if by_distance else ("", {})
    sql = _CANDIDATES_SQL.format(
        haversine=geo.haversine_sql("latitude", "longitude", lat="%(lat)s", lon="%(lon)s"),
        order=_ORDERS[order],
        box=box,
        policy=screen.case_when(POLICY),
    )
    by_territory = bool(rule.countries or rule.region_codes or rule.postal_prefixes) and not rule.is_fallback
    by_industry = bool(rule.industries) and bool(facts.industry) and not rule.is_fallback
    params: dict[str, Any] = {
        **screen.params,
        **box_params,
        "tenant": lead.tenant_id,
        "lead": lead.pk,
        "rule": rule.pk,
        "program": rule.program_id,
        "clock": rule.clock,
        "min_rank": min_rank,
        "by_territory": by_territory,
        "country": facts.country,
        # Compared as the partner record spells them: the codes as given, in capitals and in lower case.
        "regions": sorted({v for code in facts.regions for v in (code, code.upper(), code.lower())}),
        "by_industry": by_industry,
        "industries": sorted({v for v in (facts.industry, facts.industry.lower(), facts.industry.capitalize())}),
        # Partner-side, like the minimum tier: a fall-back rule with tags keeps to them too.
        "tags": list(rule.partner_tags or ()),
        "today": now.today,
        "month": now.month,
        "by_distance": by_distance,
        "lat": facts.latitude or 0.0,
        "lon": facts.longitude or 0.0,
        "max_km": max_km,
        "head": HEAD,
        "examples": EXAMPLES,
        "exclusive": screen.exclusive_holder is not None or screen.exclusive_to_nobody,
        "holder": screen.exclusive_holder or 0,  # 0: nobody (ids start at 1)
    }
    judged = _Judged()
    with connection.cursor() as cursor:
        # JIT off for the rest of the routing transaction, in the same round trip: the statement's
        # estimated cost passes jit_above_cost, and compiling it took ~150 ms per rule tried at
        # 5,000 partners, several times its run time (bench/results/leads-2026-12-05.md).
        cursor.execute(f"SELECT set_config('jit', 'off', true); {sql}", params)
        rows = cursor.fetchall()
    for pk, name, weight, pass_value, effective, distance, reason, count, ids, names in rows:
        if pk is not None:
            judged.head.append(_Candidate(pk, name, weight, pass_value, effective, distance))
            continue
        judged.total += count
        if reason is None:
            judged.eligible = count
            continue
        # A policy refusal is "policy:<code>": one group in the log, each example with its code.
        reason, _sep, code = reason.partition(":")
        group = judged.excluded.setdefault(reason, {"count": 0, "examples": []})
        group["count"] += count
        extra = {"codes": [code]} if code else {}
        group["examples"] += [{"id": i, "name": n, **extra} for i, n in zip(ids or (), names or (), strict=True)]
    judged.head.sort(key=_SORT_KEYS[order])
    for group in judged.excluded.values():
        group["examples"] = sorted(group["examples"], key=lambda example: (example["name"], example["id"]))[:EXAMPLES]
    return judged


# --- the run ----------------------------------------------------------------------------------


@dataclass
class _Winner:
    partner: Partner
    program_id: int
    weight: int
    rule: RoutingRule | None = None
    strategy: str = ""
    distance_km: float | None = None
    pinned: bool = False
    effective: int | None = None  # round robin: the pass it won at


def _exclude(section: dict, reason: str, partner: Partner, **extra) -> None:
    group = section["excluded"].setdefault(reason, {"count": 0, "examples": []})
    group["count"] += 1
    if len(group["examples"]) < EXAMPLES:
        group["examples"].append({"id": partner.pk, "name": partner.display_name, **extra})


def _walk(
    *, lead: Lead, rule: RoutingRule, judged: _Judged, section: dict, on: date, screen: PolicyScreen
) -> _Candidate | None:
    """The first eligible candidate the holders accept (and the policy, for what its screen left
    to it), or None."""
    if not judged.head:
        return None
    certifications = set(rule.certification_codes or ())
    competencies = set(rule.competency_codes or ())
    # Nothing left to judge in Python: the head's first is the winner (read alone).
    checked = bool(certifications or competencies or not screen.complete)
    partners = Partner.objects.in_bulk([candidate.id for candidate in (judged.head if checked else judged.head[:1])])
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
        candidate.partner = partner  # type: ignore[attr-defined]
        return candidate
    else:
        if len(judged.head) < judged.eligible:
            section["gave_up"] = True  # every candidate read was refused; the rest were not read
    return None


def _try_rule(
    *, lead: Lead, rule: _RuleCriteria, facts: _Lead, log: dict, now: CapacityClock, screen: Callable[[], PolicyScreen]
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
    rule = (
        RoutingRule.objects.select_for_update(of=("self",))
        .select_related("min_tier")
        .filter(pk=rule.pk, is_active=True, program__is_active=True)
        .first()
    )
    if rule is None:  # switched off since the configuration was read
        section.update(matched=False, misses=[])
        return None
    min_rank = rule.min_tier.rank if rule.min_tier_id else 0
    if rule.strategy == Strategy.NEAREST:
        order = "distance" if facts.located else "weight"
        if not facts.located:
            section["no_coordinates"] = True
    else:
        order = "rotation"
    policy = screen()
    judged = _candidates(lead=lead, rule=rule, facts=facts, min_rank=min_rank, order=order, now=now, screen=policy)
    section.update(
        matched=True,
        candidates=judged.total,
        eligible=judged.eligible,
        clock=rule.clock,
        excluded=judged.excluded,  # ordered after the walk adds its own
        head=[candidate.position(rule.clock) for candidate in judged.head[:SHOWN_HEAD]],
    )
    winner = _walk(lead=lead, rule=rule, judged=judged, section=section, on=now.today, screen=policy)
    section["excluded"] = {r: section["excluded"][r] for r in EXCLUSION_ORDER if r in section["excluded"]}
    if winner is None:
        return None
    section["winner"] = winner.position(rule.clock)
    return _Winner(
        partner=winner.partner,  # type: ignore[attr-defined]
        program_id=rule.program_id,
        weight=winner.weight,
        rule=rule,
        strategy=rule.strategy,
        distance_km=round(winner.distance_km, 1) if winner.distance_km is not None else None,
        effective=winner.effective if rule.strategy == Strategy.ROUND_ROBIN else None,
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
    return _Config(rules=rules, named_companies=companies, named_domains=domains)


def routing_config() -> _Config:
    return tenant_memo("leads.routing", _build_config)


def _advance_rotation(*, winner: _Winner, now: datetime) -> None:
    """The winner's new pass (effective + stride) and the rule's clock (the effective pass it won
    at), under the rule's lock taken in ``_try_rule``."""
    rule = winner.rule
    new_pass = winner.effective + STRIDE // max(1, winner.weight)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO leads_rotationstate (tenant_id, rule_id, partner_id, pass_value, served, last_served_at)"
            " VALUES (%s, %s, %s, %s, 1, %s)"
            " ON CONFLICT (tenant_id, rule_id, partner_id) DO UPDATE SET pass_value = EXCLUDED.pass_value,"
            " served = leads_rotationstate.served + 1, last_served_at = EXCLUDED.last_served_at",
            [rule.tenant_id, rule.pk, winner.partner.pk, new_pass, now],
        )
    RoutingRule.objects.filter(pk=rule.pk).update(clock=winner.effective)


def _receivers(partner_id: int) -> list[Membership]:
    roles = CAPABILITIES.require(LEADS_RECEIVE)
    return list(
        Membership.objects.filter(partner_id=partner_id, is_active=True, role__in=sorted(roles)).select_related("user")
    )


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
    event, the partner's people told (reference and deadline only: they sign in to read it)."""
    terms = offer_terms(winner.program_id)
    offer = LeadOffer.objects.create(
        lead=lead,
        partner=winner.partner,
        decision=decision,
        rule=winner.rule,
        rule_name=winner.rule.name if winner.rule else "",
        strategy=winner.strategy,
        pinned=winner.pinned,
        weight=winner.weight,
        distance_km=winner.distance_km,
        offered_at=now,
        due_at=offer_due_at(now, terms.acceptance_hours, zone=zone),
        remind_at=offer_due_at(now, terms.acceptance_hours / 2, zone=zone),
    )
    from_status = lead.status
    lead.status, lead.offered_to, lead.program_id, lead.queue_reason = (
        LeadStatus.OFFERED,
        winner.partner,
        winner.program_id,
        "",
    )
    lead.offer_count += 1
    lead.save(
        update_fields=["status", "offered_to", "program", "queue_reason", "offer_count", "updated_at", *also_save]
    )
    event = event_record(
        actor=actor,
        target=lead,
        verb=events.OFFERED,
        from_state=from_status,
        to_state=lead.status,
        message=gettext_noop("Offered to %(partner)s"),
        params={"partner": winner.partner.display_name},
        data={
            "offer_id": offer.pk,
            "partner_id": winner.partner.pk,
            "rule_id": winner.rule.pk if winner.rule else None,
            "pinned": winner.pinned,
            "trigger": trigger,
            "decision_id": decision.pk,
        },
    )
    notify(
        recipients=_receivers(winner.partner.pk),
        kind=notifications.OFFERED,
        title=gettext_noop("Lead %(reference)s is offered to your company"),
        body=gettext_noop("Please answer by %(deadline)s. Sign in to read the lead and accept or decline it."),
        params={"reference": lead.reference or reference_for(lead.pk), "deadline": offer.due_at},
        url=offer_url(offer),
        event=event,
    )
    return offer


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
    lead.status, lead.offered_to, lead.queue_reason = LeadStatus.QUEUED, None, reason
    lead.save(update_fields=["status", "offered_to", "queue_reason", "updated_at", *also_save])
    event = event_record(
        actor=actor,
        target=lead,
        verb=events.QUEUED,
        from_state=from_status,
        to_state=lead.status,
        message=gettext_noop("Returned to the queue: %(reason)s"),
        params={"reason": QueueReason(reason).label},
        data={"reason": reason, "trigger": trigger, "decision_id": decision.pk if decision else None},
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


@transaction.atomic
def lead_route(*, lead: Lead, trigger: str, actor=None) -> RoutingDecision | None:
    """Route ``lead`` (locked): offer it to the next partner or return it to the vendor's queue,
    and write the decision to the routing log. Nothing (None) when it has an open offer, is held
    or is not routable (a duplicate, a referral under review, closed). ``trigger``: why now (new,
    declined, expired, returned, manual, released). See the module's docstring for the rules.

    Runs in the tenant's scope even when a partner user's action triggers it (a decline): it reads
    every partner's capacity and rotation, and hands nothing of them back to that user."""
    with step_out_to_tenant():
        return _route(lead=lead, trigger=trigger, actor=actor)


def _route(*, lead: Lead, trigger: str, actor=None) -> RoutingDecision | None:
    started = clock_time.perf_counter()
    lead = lock(lead)
    if lead.status not in ROUTABLE:
        return None
    offers = list(LeadOffer.objects.filter(lead=lead).values_list("partner_id", "status"))
    if any(status == OfferStatus.PENDING for _partner, status in offers):
        return None
    offered = {partner_id for partner_id, _status in offers}
    run = CapacityClock.read()
    now = run.moment
    facts, lead_section, located = _prepare(lead)
    log: dict[str, Any] = {"version": 1, "trigger": trigger, "lead": lead_section, "rules": []}
    winner: _Winner | None = None
    reason = ""
    config = routing_config()
    terms = offer_terms(lead.program_id)
    # The limit holds automatic routing; staff routing by hand (manual, released) lift it.
    if lead.offer_count >= terms.max_offers and trigger not in MANUAL_TRIGGERS:
        reason = QueueReason.MAX_OFFERS
        log["max_offers"] = terms.max_offers
    else:
        winner = _named_account(lead=lead, offered=offered, log=log, on=run.today, config=config)
        if winner is None:
            rules = config.rules
            # The policy's screen of this lead, read once when a rule first matches.
            screen = functools.cache(
                lambda: policy_screen(
                    action="receive_lead", product_line_id=lead.product_line_id, country=facts.country, on=run.today
                )
            )

            for rule in rules:
                winner = _try_rule(lead=lead, rule=rule, facts=facts, log=log, now=run, screen=screen)
                if winner is not None:
                    break
            if winner is None:
                matched = any(section.get("matched") for section in log["rules"])
                reason = QueueReason.NO_CANDIDATE if matched else QueueReason.NO_RULE
    if winner is not None:
        log["winner"] = {
            "partner_id": winner.partner.pk,
            "name": winner.partner.display_name,
            "rule_id": winner.rule.pk if winner.rule else None,
            "rule": winner.rule.name if winner.rule else "",
            "weight": winner.weight,
            "pinned": winner.pinned,
            "distance_km": winner.distance_km,
        }
        if winner.rule is not None and winner.strategy == Strategy.ROUND_ROBIN:
            _advance_rotation(winner=winner, now=now)
    else:
        log["queue_reason"] = str(reason)
    decision = RoutingDecision.objects.create(
        lead=lead,
        created_at=now,
        trigger=trigger[:16],
        outcome=(
            (DecisionOutcome.PINNED if winner.pinned else DecisionOutcome.OFFERED) if winner else DecisionOutcome.QUEUED
        ),
        rule=winner.rule if winner else None,
        partner=winner.partner if winner else None,
        log=log,
        duration_ms=0,
    )
    if winner is not None:
        make_offer(
            lead=lead,
            winner=winner,
            decision=decision,
            actor=actor,
            now=now,
            trigger=trigger,
            zone=run.zone,
            also_save=tuple(located),
        )
    elif lead.status != LeadStatus.QUEUED or lead.queue_reason != reason:
        queue(lead=lead, reason=reason, actor=actor, trigger=trigger, decision=decision, also_save=tuple(located))
    elif located:
        lead.save(update_fields=[*located, "updated_at"])
    # The time the decision took, offer and messages included (the bench's figure).
    elapsed = (clock_time.perf_counter() - started) * 1000
    RoutingDecision.objects.filter(pk=decision.pk).update(duration_ms=elapsed)
    decision.duration_ms = elapsed
    return decision


__all__ = ["HEAD", "STRIDE", "lead_route", "make_offer", "queue", "queue_digest", "rule_misses"]
