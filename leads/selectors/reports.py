"""What the lead reports read: the back office's fairness report (per partner and program, its
weight against the leads it was offered and what it made of them), acceptance time, the aging
of open offers and of the vendor's queue; and a partner admin's "your lead share".

Every figure is one set-based statement per table whatever the number of partners: aggregates
in SQL over ``leads_leadoffer`` (served by ``lead_offer_offered_idx`` (tenant, offered_at) for a
period, ``lead_offer_due_idx`` for the open offers, ``lead_offer_partner_idx`` for one partner),
never a query per partner or offer. The statements name the tenant first; row-level security
applies underneath.

**Definitions** (the pages and the CSV say them too):

* *Offered*: offers made in the period (``offered_at`` in the tenant's days), whatever became of
  them. *Accepted*: offers accepted, including those the partner returned afterwards;
  *timed out*: offers that expired unanswered. *Acceptance rate*: accepted / (accepted + declined
  + timed out); pending and withdrawn offers are not decided by the partner and do not count.
* *Converted* / *won*: of the offers accepted in the period, the leads the partner still holds
  that became a deal registration / were won. The won amount sums wins in the tenant's currency
  (a win in another currency is counted, not summed).
* *Time to answer*: hours (on the clock, not business hours) from the offer to the partner's
  accept or decline, over answered offers; *time to accept*: the same over accepted ones.
  Medians and the 90th percentile (``percentile_cont``).
* *The rotation* of a program: the operational partners (not suspended or terminated) enrolled
  in it, each at its current tier's ``lead_routing_weight`` (weight 0: not in it). **Expected
  share** = the partner's weight / the sum of the weights of the rotation; **actual share** = its
  rotation offers / all rotation offers of the program in the period (offers to a named account's
  partner are pinned, not rotation: counted as offered, left out of the shares). The deviation
  is actual minus expected, in percentage points. An offer's program is its rule's, else its
  lead's. The rules narrow the candidates of each lead (territory, tier, capacity): the expected
  share is what the weights alone would give, the yardstick a skew is read against; nearest-first
  rules use the weight only to break ties.
* *Response time* (the tier metric ``leads.response_time`` and the partner's page): the median
  hours to answer, where an offer that timed out counts as answered at its deadline (silence is
  not fast).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone

from prm.tenancy.scope import current_scope, step_out_to_tenant
from prm.tenancy.time import add_months
from programs.models import Enrollment
from programs.selectors.tiers import tier_options

from ..models import Lead, LeadCapacity, LeadOffer, LeadStatus, OfferStatus
from ..permissions import LEADS_CAPACITY, LEADS_VIEW, LeadAction, lead_filter

# Rows a page of the fairness report shows (the CSV has every row).
PAGE_ROWS = 25
# Open offers listed per page on the aging report.
AGING_ROWS = 25
# Months the partner's lead share goes back (this one included).
SHARE_MONTHS = 6
# Days the partner's acceptance rate and response time look back.
RESPONSIVENESS_DAYS = 90

# Age buckets of open offers (hours since offered) and of leads in the vendor's queue (days since
# they entered it): the upper bounds, the last bucket open-ended.
OFFER_AGE_HOURS = (4, 24, 48)
QUEUE_AGE_DAYS = (1, 3, 7)
HELD_AGE_DAYS = (7, 14, 30)  # accepted leads by days since anything changed on them

# The statuses of an offer the partner decided (answered or let time out), accepted at some point,
# answered.
# Partner statuses that take no leads (partners.models.INACTIVE_STATUSES). Formatted into the
# statements below.
_STATUSES = {
    "decided": "('accepted', 'returned', 'declined', 'expired')",
    "accepted": "('accepted', 'returned')",
    "answered": "('accepted', 'returned', 'declined')",
    "inactive": "('suspended', 'terminated')",
}


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _tenant_id() -> int:
    return current_scope().tenant_id


def percent(part, whole) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _hours(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


def _require_staff(actor) -> None:
    """The reports are the vendor's (``LEADS_VIEW``): anyone else asking is a 404."""
    if actor is None or not actor.is_staff_member or not actor.can(LEADS_VIEW):
        raise Http404


# --- the period ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` (inclusive) in the tenant's time zone ``zone``."""

    first: date
    last: date
    zone: zoneinfo.ZoneInfo

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min), self.zone)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min), self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def period_for(choice: str, *, today: date, zone, first: date | None = None, last: date | None = None) -> Period:
    """The period a report's filter names: ``month`` (this month to today), ``30`` / ``90`` (the
    last so many days, today included), ``custom`` (``first`` to ``last``; this month when either
    is missing)."""
    if choice in ("30", "90"):
        return Period(today - timedelta(days=int(choice) - 1), today, zone)
    if choice == "custom" and first is not None and last is not None:
        return Period(min(first, last), max(first, last), zone)
    return Period(today.replace(day=1), today, zone)


def program_options() -> list[tuple[int, str]]:
    """The tenant's programs that have tiers (the rotation's weights come from them), by name,
    from the memoised tier list (no query when warm)."""
    seen: dict[int, str] = {}
    for tier in tier_options():
        seen.setdefault(tier.program_id, tier.program_name)
    return sorted(seen.items(), key=lambda item: (item[1], item[0]))


# --- fairness ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FairnessRow:
    """One partner in one program over the period."""

    program_id: int | None
    program: str
    partner_id: int
    partner: str
    weight: int | None  # its weight in the rotation now; None: not in the rotation
    total_weight: int | None  # the rotation's
    program_offers: int  # rotation offers of the program in the period
    offered: int
    rotation_offered: int
    accepted: int
    declined: int
    expired: int
    returned: int
    withdrawn: int
    pending: int
    converted: int
    won: int
    won_amount: Decimal
    answer_median: Decimal | None
    answer_p90: Decimal | None
    accept_median: Decimal | None
    accept_p90: Decimal | None

    @property
    def acceptance_rate(self) -> Decimal | None:
        return percent(self.accepted, self.accepted + self.declined + self.expired)

    @property
    def expected_share(self) -> Decimal | None:
        if self.weight is None or not self.total_weight:
            return None
        return percent(self.weight, self.total_weight)

    @property
    def actual_share(self) -> Decimal | None:
        return percent(self.rotation_offered, self.program_offers)

    @property
    def expected_offers(self) -> Decimal | None:
        """The rotation offers its weight would have given it in the period."""
        if self.weight is None or not self.total_weight:
            return None
        return (Decimal(self.program_offers) * self.weight / self.total_weight).quantize(Decimal("0.1"))

    @property
    def deviation(self) -> Decimal | None:
        """Actual minus expected share, in percentage points (None without offers or weight)."""
        if self.expected_share is None or self.actual_share is None:
            return None
        return self.actual_share - self.expected_share


@dataclass(frozen=True)
class FairnessTotals:
    offered: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    returned: int = 0
    converted: int = 0
    won: int = 0
    won_amount: Decimal = Decimal(0)

    @property
    def acceptance_rate(self) -> Decimal | None:
        return percent(self.accepted, self.accepted + self.declined + self.expired)


@dataclass
class Fairness:
    rows: list[FairnessRow]
    total: int  # rows in all (partner x program)
    totals: FairnessTotals
    currency: str


SORTS = {
    # The most offers first.
    "offered": "j.offered DESC, partner_name, j.partner_id, program_name",
    # The most under-served first (actual share furthest below expected).
    "below": "deviation ASC NULLS LAST, partner_name, j.partner_id, program_name",
    "name": "partner_name, j.partner_id, program_name",
}

# The offers of the period, one row each, with what the report counts.
_OFFERS_CTE = """
off AS (
    SELECT o.partner_id, coalesce(r.program_id, l.program_id) AS program_id, o.status, o.pinned,
           extract(epoch FROM o.responded_at - o.offered_at) / 3600.0 AS hours,
           (o.status = 'accepted' AND l.partner_id = o.partner_id) AS holds,
           l.converted_at IS NOT NULL AS converted, l.status = 'won' AS won,
           CASE WHEN coalesce(nullif(d.currency, ''), nullif(l.currency, ''), %(currency)s) = %(currency)s
                THEN l.won_amount END AS won_amount
      FROM leads_leadoffer o
      JOIN leads_lead l ON l.id = o.lead_id AND l.tenant_id = o.tenant_id
      LEFT JOIN leads_routingrule r ON r.id = o.rule_id AND r.tenant_id = o.tenant_id
      LEFT JOIN deals_deal d ON d.id = l.deal_id AND d.tenant_id = l.tenant_id
     WHERE o.tenant_id = %(tenant)s AND o.offered_at >= %(start)s AND o.offered_at < %(end)s
)"""

_FAIRNESS_SQL = """
WITH rot AS (
    SELECT e.program_id, e.partner_id, t.lead_routing_weight AS weight
      FROM programs_enrollment e
      JOIN programs_tier t ON t.id = e.tier_id AND t.tenant_id = e.tenant_id
      JOIN partners_partner p ON p.id = e.partner_id AND p.tenant_id = e.tenant_id
     WHERE e.tenant_id = %(tenant)s AND p.status NOT IN {inactive}
       AND t.lead_routing_weight > 0{rot_filter}
),
weights AS (SELECT program_id, sum(weight) AS total_weight FROM rot GROUP BY program_id),{offers_cte},
per AS (
    SELECT program_id, partner_id, count(*) AS offered, count(*) FILTER (WHERE NOT pinned) AS rotation_offered,
           count(*) FILTER (WHERE status IN {accepted}) AS accepted,
           count(*) FILTER (WHERE status = 'declined') AS declined,
           count(*) FILTER (WHERE status = 'expired') AS expired,
           count(*) FILTER (WHERE status = 'returned') AS returned,
           count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn,
           count(*) FILTER (WHERE status = 'pending') AS pending,
           count(*) FILTER (WHERE holds AND converted) AS converted,
           count(*) FILTER (WHERE holds AND won) AS won,
           coalesce(sum(won_amount) FILTER (WHERE holds AND won), 0) AS won_amount,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY hours)
             FILTER (WHERE status IN {answered}) AS answer_median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY hours)
             FILTER (WHERE status IN {answered}) AS answer_p90,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY hours)
             FILTER (WHERE status IN {accepted}) AS accept_median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY hours)
             FILTER (WHERE status IN {accepted}) AS accept_p90
      FROM off WHERE true{off_filter}
     GROUP BY program_id, partner_id
),
program_offers AS (SELECT program_id, sum(rotation_offered) AS offers FROM per GROUP BY program_id),
-- Materialized: its ids are plain values to the lookups below. Row-level security lets only
-- leakproof conditions reach an index, and a comparison with a coalesce() is not one: inlined,
-- each row's name lookup would read every partner of the tenant.
j AS MATERIALIZED (
    SELECT coalesce(per.program_id, rot.program_id) AS program_id,
           coalesce(per.partner_id, rot.partner_id) AS partner_id, rot.weight,
           coalesce(per.offered, 0) AS offered, coalesce(per.rotation_offered, 0) AS rotation_offered,
           coalesce(per.accepted, 0) AS accepted, coalesce(per.declined, 0) AS declined,
           coalesce(per.expired, 0) AS expired, coalesce(per.returned, 0) AS returned,
           coalesce(per.withdrawn, 0) AS withdrawn, coalesce(per.pending, 0) AS pending,
           coalesce(per.converted, 0) AS converted, coalesce(per.won, 0) AS won,
           coalesce(per.won_amount, 0) AS won_amount, per.answer_median, per.answer_p90,
           per.accept_median, per.accept_p90
      FROM per FULL JOIN rot ON rot.program_id = per.program_id AND rot.partner_id = per.partner_id
)
SELECT j.program_id,
       coalesce((SELECT g.name FROM programs_program g WHERE g.id = j.program_id AND g.tenant_id = %(tenant)s), '')
         AS program_name,
       j.partner_id,
       (SELECT p.display_name FROM partners_partner p WHERE p.id = j.partner_id AND p.tenant_id = %(tenant)s)
         AS partner_name,
       j.weight, w.total_weight,
       coalesce(po.offers, 0)::bigint, j.offered, j.rotation_offered, j.accepted, j.declined, j.expired, j.returned,
       j.withdrawn, j.pending, j.converted, j.won, j.won_amount,
       j.answer_median, j.answer_p90, j.accept_median, j.accept_p90,
       CASE WHEN po.offers > 0 AND w.total_weight > 0 AND j.weight IS NOT NULL
            THEN j.rotation_offered::numeric / po.offers - j.weight::numeric / w.total_weight END AS deviation,
       count(*) OVER (), sum(j.offered) OVER (), sum(j.accepted) OVER (), sum(j.declined) OVER (),
       sum(j.expired) OVER (), sum(j.returned) OVER (), sum(j.converted) OVER (), sum(j.won) OVER (),
       sum(j.won_amount) OVER ()
  FROM j
  LEFT JOIN weights w ON w.program_id = j.program_id
  LEFT JOIN program_offers po ON po.program_id IS NOT DISTINCT FROM j.program_id
 ORDER BY {order}{limit}
"""


def fairness_for_actor(
    *,
    actor,
    period: Period,
    currency: str,
    program_id: int | None = None,
    sort: str = "offered",
    offset: int = 0,
    limit: int | None = PAGE_ROWS,
) -> Fairness:
    """The fairness report: one row per partner and program (the partners of each program's
    rotation, offered leads or not, and any other partner offered leads in the period), ``limit``
    rows from ``offset`` in ``sort`` order (None: every row), with the totals over every row. One
    statement. ``currency``: the tenant's (the won amount sums wins in it)."""
    _require_staff(actor)
    params: dict = {
        "tenant": _tenant_id(),
        "start": period.start,
        "end": period.end,
        "currency": currency,
    }
    rot_filter = off_filter = limited = ""
    if program_id is not None:
        rot_filter, off_filter = " AND e.program_id = %(program)s", " AND program_id = %(program)s"
        params["program"] = program_id
    if limit is not None:
        limited = " LIMIT %(limit)s OFFSET %(offset)s"
        params.update(limit=limit, offset=offset)
    sql = _FAIRNESS_SQL.format(
        **_STATUSES,
        offers_cte=_OFFERS_CTE,
        rot_filter=rot_filter,
        off_filter=off_filter,
        order=SORTS.get(sort, SORTS["offered"]),
        limit=limited,
    )
    found = _rows(sql, params)
    rows = [
        FairnessRow(
            *row[:17],
            Decimal(row[17]),
            *(_hours(value) for value in row[18:22]),
        )
        for row in found
    ]
    if not found:
        return Fairness(rows=[], total=0, totals=FairnessTotals(), currency=currency)
    first = found[0]
    totals = FairnessTotals(*(int(value or 0) for value in first[24:31]), Decimal(first[31] or 0))
    return Fairness(rows=rows, total=first[23], totals=totals, currency=currency)


# --- acceptance time -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptanceTime:
    """Answers in the period: overall (``program_id`` None, ``overall`` true) or in one program."""

    overall: bool
    program_id: int | None
    program: str
    answered: int
    accepted: int
    accept_median: Decimal | None
    accept_p90: Decimal | None
    answer_median: Decimal | None
    answer_p90: Decimal | None


_ACCEPTANCE_SQL = """WITH {offers_cte}
SELECT GROUPING(off.program_id) = 1, off.program_id, coalesce(max(g.name), ''),
       count(*) FILTER (WHERE status IN {answered}),
       count(*) FILTER (WHERE status IN {accepted}),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE status IN {accepted}),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY hours) FILTER (WHERE status IN {accepted}),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE status IN {answered}),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY hours) FILTER (WHERE status IN {answered})
  FROM off LEFT JOIN programs_program g ON g.id = off.program_id AND g.tenant_id = %(tenant)s
 WHERE true{off_filter}
 GROUP BY GROUPING SETS ((), (off.program_id))
"""


def acceptance_time_for_actor(
    *, actor, period: Period, program_id: int | None = None
) -> tuple[AcceptanceTime, list[AcceptanceTime]]:
    """How fast partners answer and accept, over the offers of the period: (overall, by program,
    by program name; offers without a program last). One statement."""
    _require_staff(actor)
    params: dict = {"tenant": _tenant_id(), "start": period.start, "end": period.end, "currency": ""}
    off_filter = ""
    if program_id is not None:
        off_filter = " AND off.program_id = %(program)s"
        params["program"] = program_id
    found = [
        AcceptanceTime(overall, pid, name, answered, accepted, *(_hours(v) for v in hours))
        for overall, pid, name, answered, accepted, *hours in _rows(
            _ACCEPTANCE_SQL.format(**_STATUSES, offers_cte=_OFFERS_CTE, off_filter=off_filter), params
        )
    ]
    overall = next((row for row in found if row.overall), None) or AcceptanceTime(
        True, None, "", 0, 0, None, None, None, None
    )
    programs = sorted((row for row in found if not row.overall), key=lambda r: (r.program_id is None, r.program))
    return overall, programs


# --- aging ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeBucket:
    """Open offers (or queued leads) of one age: ``unopened`` and ``opened`` (offers; a queued
    lead counts in ``unopened``), ``overdue``: past their deadline (the sweep has not run yet)."""

    index: int
    unopened: int = 0
    opened: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.unopened + self.opened


@dataclass
class Aging:
    offers: list[AgeBucket]
    queue: list[AgeBucket]
    queue_reasons: dict[str, int] = field(default_factory=dict)
    # Leads partners accepted (accepted, being worked), by days since anything last changed on them
    # (``HELD_AGE_DAYS``): the ones nobody works stand out; ``unopened`` counts accepted, ``opened``
    # being worked.
    held: list[AgeBucket] = field(default_factory=list)

    @property
    def open_offers(self) -> int:
        return sum(bucket.total for bucket in self.offers)

    @property
    def unopened(self) -> int:
        return sum(bucket.unopened for bucket in self.offers)

    @property
    def queued(self) -> int:
        return sum(bucket.total for bucket in self.queue)


def _bucket_sql(expression: str, bounds: tuple[int, ...]) -> str:
    cases = " ".join(f"WHEN {expression} < {bound} THEN {n}" for n, bound in enumerate(bounds))
    return f"(CASE {cases} ELSE {len(bounds)} END)"


# Open offers by age and whether they were opened; leads in the vendor's queue by how long they
# have waited there (since the routing decision that queued them, else since they arrived) and
# why. One statement: the open offers through lead_offer_due_idx, the queue through
# lead_status_idx and, per queued lead, the latest decision through lead_decision_lead_idx.
_AGING_SQL = """
SELECT 'offer', {offer_bucket}, o.opened_at IS NOT NULL, '', count(*), count(*) FILTER (WHERE o.due_at < %(now)s)
  FROM leads_leadoffer o
 WHERE o.tenant_id = %(tenant)s AND o.status = 'pending'
 GROUP BY 2, 3
UNION ALL
SELECT 'queue', {queue_bucket}, false, q.queue_reason, count(*), 0
  FROM (
    SELECT l.queue_reason, coalesce(
             (SELECT max(d.created_at) FROM leads_routingdecision d
               WHERE d.tenant_id = l.tenant_id AND d.lead_id = l.id AND d.outcome = 'queued'),
             l.created_at) AS since
      FROM leads_lead l
     WHERE l.tenant_id = %(tenant)s AND l.status = 'queued'
  ) q
 GROUP BY 2, 4
UNION ALL
SELECT 'held', {held_bucket}, l.status = 'working', '', count(*), 0
  FROM leads_lead l
 WHERE l.tenant_id = %(tenant)s AND l.status IN ('accepted', 'working')
 GROUP BY 2, 3
"""


def aging_for_actor(*, actor, now: datetime | None = None) -> Aging:
    """Open offers by age (``OFFER_AGE_HOURS``) and opened or not; leads in the vendor's queue by
    days waiting (``QUEUE_AGE_DAYS``) and by reason; accepted leads by days without a change
    (``HELD_AGE_DAYS``), accepted or being worked. One statement."""
    _require_staff(actor)
    now = now or timezone.now()
    offer_hours = "(extract(epoch FROM %(now)s - o.offered_at) / 3600.0)"
    queue_days = "(extract(epoch FROM %(now)s - q.since) / 86400.0)"
    held_days = "(extract(epoch FROM %(now)s - l.updated_at) / 86400.0)"
    sql = _AGING_SQL.format(
        offer_bucket=_bucket_sql(offer_hours, OFFER_AGE_HOURS),
        queue_bucket=_bucket_sql(queue_days, QUEUE_AGE_DAYS),
        held_bucket=_bucket_sql(held_days, HELD_AGE_DAYS),
    )
    offers = [AgeBucket(n) for n in range(len(OFFER_AGE_HOURS) + 1)]
    queue = [AgeBucket(n) for n in range(len(QUEUE_AGE_DAYS) + 1)]
    held = [AgeBucket(n) for n in range(len(HELD_AGE_DAYS) + 1)]
    reasons: dict[str, int] = {}
    for kind, bucket, opened, reason, count, overdue in _rows(sql, {"tenant": _tenant_id(), "now": now}):
        if kind == "offer":
            old = offers[bucket]
            offers[bucket] = AgeBucket(
                bucket,
                old.unopened + (0 if opened else count),
                old.opened + (count if opened else 0),
                old.overdue + overdue,
            )
        elif kind == "held":
            old = held[bucket]
            # "opened" is being worked; "unopened", accepted and not worked yet.
            held[bucket] = AgeBucket(
                bucket, old.unopened + (0 if opened else count), old.opened + (count if opened else 0)
            )
        else:
            old = queue[bucket]
            queue[bucket] = AgeBucket(bucket, old.unopened + count)
            reasons[reason] = reasons.get(reason, 0) + count
    return Aging(offers=offers, queue=queue, queue_reasons=reasons, held=held)


# What a row of the open offers' list shows (and the CSV exports).
OPEN_OFFER_FIELDS = (
    "id",
    "lead_id",
    "lead__reference",
    "lead__company",
    "partner_id",
    "partner__display_name",
    "rule_name",
    "offered_at",
    "opened_at",
    "due_at",
)


def open_offers_for_actor(*, actor):
    """The open offers, the nearest deadline first (the most overdue at the top): (the offers, to
    count; the rows as ``.values()`` of ``OPEN_OFFER_FIELDS``). Served by ``lead_offer_due_idx``
    (tenant, due_at; pending only): ordering by the deadline walks the index, where ordering by
    age would sort every open offer (a program's window sets the deadline, so the two orders
    differ only between programs with different windows)."""
    _require_staff(actor)
    offers = LeadOffer.objects.filter(status=OfferStatus.PENDING)
    return offers, offers.order_by("due_at", "id").values(*OPEN_OFFER_FIELDS)


# --- a partner's lead share ----------------------------------------------------------------------


def _require_capacity(actor) -> int:
    """A partner admin reads its own company's share (``LEADS_CAPACITY``); anyone else: 404."""
    if actor is None or actor.partner_id is None or not actor.can(LEADS_CAPACITY):
        raise Http404
    return actor.partner_id


@dataclass(frozen=True)
class ShareMonth:
    month: date
    offered: int  # rotation offers to the company
    pinned: int  # offers for its named accounts
    program_offers: int  # rotation offers of the program, every partner
    weight: int | None
    total_weight: int | None

    @property
    def expected(self) -> Decimal | None:
        if self.weight is None or not self.total_weight:
            return None
        return (Decimal(self.program_offers) * self.weight / self.total_weight).quantize(Decimal("0.1"))

    @property
    def share(self) -> Decimal | None:
        return percent(self.offered, self.program_offers)


@dataclass
class ShareProgram:
    """The company in one program: its weight in the rotation, the rotation's total weight (a sum,
    never another partner's), month by month what it was offered against what its weight would
    give, and its answers against the program's (the last ``RESPONSIVENESS_DAYS`` days)."""

    program_id: int
    program: str
    tier: str
    weight: int | None  # None: not in the rotation (weight 0, or the company is not operational)
    total_weight: int | None
    months: list[ShareMonth]
    acceptance_rate: Decimal | None = None
    program_acceptance_rate: Decimal | None = None
    response_hours: Decimal | None = None
    program_response_hours: Decimal | None = None

    @property
    def expected_share(self) -> Decimal | None:
        if self.weight is None or not self.total_weight:
            return None
        return percent(self.weight, self.total_weight)


@dataclass(frozen=True)
class CapacityUse:
    monthly_cap: int | None
    month_offers: int
    daily_quota: int | None
    today_offers: int
    paused: bool
    paused_reason: str
    away_from: date | None
    away_until: date | None
    today: date

    @property
    def away_now(self) -> bool:
        started = self.away_from is not None and self.away_from <= self.today
        return started and (self.away_until is None or self.today <= self.away_until)

    @property
    def month_percent(self) -> Decimal | None:
        return percent(self.month_offers, self.monthly_cap)

    @property
    def month_bar(self) -> int:
        """The monthly cap's use as a progress bar's width (0 to 100)."""
        return min(int(self.month_percent or 0), 100)

    @property
    def today_percent(self) -> Decimal | None:
        return percent(self.today_offers, self.daily_quota)


@dataclass
class LeadShare:
    programs: list[ShareProgram]
    capacity: CapacityUse
    months: list[date]


# Response time in hours: to the answer, or to the deadline for an offer that timed out.
_RESPONSE_HOURS = (
    "extract(epoch FROM (CASE WHEN o.status = 'expired' THEN o.due_at ELSE o.responded_at END) - o.offered_at) / 3600.0"
)

# The company's own offers (``o.partner_id``: its own, never another's): per program and month, the
# rotation and pinned offers; per program its answers over the look-back; this month and today.
_OWN_SQL = """
WITH off AS (
    SELECT coalesce(r.program_id, l.program_id) AS program_id, o.status, o.pinned, o.offered_at,
           date_trunc('month', o.offered_at AT TIME ZONE %(zone)s)::date AS month, {hours} AS hours
      FROM leads_leadoffer o
      JOIN leads_lead l ON l.id = o.lead_id AND l.tenant_id = o.tenant_id
      LEFT JOIN leads_routingrule r ON r.id = o.rule_id AND r.tenant_id = o.tenant_id
     WHERE o.tenant_id = %(tenant)s AND o.partner_id = %(partner)s AND o.offered_at >= %(since)s
)
SELECT 'month', program_id, month, count(*) FILTER (WHERE NOT pinned), count(*) FILTER (WHERE pinned), NULL::float
  FROM off GROUP BY program_id, month
UNION ALL
SELECT 'answers', program_id, NULL, count(*) FILTER (WHERE status IN {accepted}),
       count(*) FILTER (WHERE status IN {decided}),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE status IN {decided})
  FROM off WHERE offered_at >= %(recent)s GROUP BY program_id
UNION ALL
SELECT 'now', NULL, NULL, count(*) FILTER (WHERE offered_at >= %(month_start)s),
       count(*) FILTER (WHERE offered_at >= %(day_start)s), NULL
  FROM off WHERE offered_at >= %(month_start)s
"""

# The programs' aggregates across every partner (stepped out of the partner's scope: only sums,
# counts and rates of a whole program leave it): the rotation's total weight, the rotation offers
# per month, the acceptance rate and response time over the look-back.
_PROGRAM_SQL = """
WITH rot AS (
    SELECT e.program_id, sum(t.lead_routing_weight) AS total_weight
      FROM programs_enrollment e
      JOIN programs_tier t ON t.id = e.tier_id AND t.tenant_id = e.tenant_id
      JOIN partners_partner p ON p.id = e.partner_id AND p.tenant_id = e.tenant_id
     WHERE e.tenant_id = %(tenant)s AND e.program_id = ANY(%(programs)s)
       AND p.status NOT IN {inactive} AND t.lead_routing_weight > 0
     GROUP BY e.program_id
),
off AS (
    SELECT coalesce(r.program_id, l.program_id) AS program_id, o.status, o.pinned, o.offered_at,
           date_trunc('month', o.offered_at AT TIME ZONE %(zone)s)::date AS month, {hours} AS hours
      FROM leads_leadoffer o
      JOIN leads_lead l ON l.id = o.lead_id AND l.tenant_id = o.tenant_id
      LEFT JOIN leads_routingrule r ON r.id = o.rule_id AND r.tenant_id = o.tenant_id
     WHERE o.tenant_id = %(tenant)s AND o.offered_at >= %(since)s
)
SELECT 'weight', program_id, NULL::date, total_weight, 0::bigint, NULL::float FROM rot
UNION ALL
SELECT 'month', program_id, month, count(*), 0, NULL
  FROM off WHERE NOT pinned AND program_id = ANY(%(programs)s) GROUP BY program_id, month
UNION ALL
SELECT 'answers', program_id, NULL, count(*) FILTER (WHERE status IN {accepted}),
       count(*) FILTER (WHERE status IN {decided}),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE status IN {decided})
  FROM off WHERE offered_at >= %(recent)s AND program_id = ANY(%(programs)s) GROUP BY program_id
"""


def _midnight(day: date, zone) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), zone)


def lead_share_for_actor(*, actor, today: date, zone) -> LeadShare:
    """The company's lead share (``actor``'s partner, never another's): per program it is
    enrolled in, its weight, the rotation's total weight, and month by month (``SHARE_MONTHS``)
    the rotation offers it had against what its weight would give; its acceptance rate and
    response time against the program's; and its capacity use (this month against its monthly
    cap, today against its daily quota, paused, away). Weights are today's. Four queries: its
    enrollments, its capacity, its own offers' figures and the programs' sums (both stepped out
    of the partner's scope: only its own counts and whole-program sums leave it)."""
    partner_id = _require_capacity(actor)
    tenant_id = _tenant_id()
    enrollments = list(
        Enrollment.objects.filter(partner_id=partner_id)
        .select_related("program", "tier", "partner")
        .order_by("program__name", "program_id")
    )
    capacity = LeadCapacity.objects.filter(partner_id=partner_id).first()
    first_month = add_months(today.replace(day=1), -(SHARE_MONTHS - 1))
    months = [add_months(first_month, n) for n in range(SHARE_MONTHS)]
    params = {
        "tenant": tenant_id,
        "partner": partner_id,
        "zone": str(zone),
        "since": _midnight(first_month, zone),
        "recent": _midnight(today - timedelta(days=RESPONSIVENESS_DAYS - 1), zone),
        "month_start": _midnight(today.replace(day=1), zone),
        "day_start": _midnight(today, zone),
    }
    program_ids = [e.program_id for e in enrollments]
    # Both statements step out of the partner's scope: an offer's program comes from its rule
    # (vendor-internal) or its lead (hidden from the partner once it moved on), and the programs'
    # figures are every partner's. What leaves: the company's own counts and whole-program sums.
    with step_out_to_tenant():
        own = _rows(_OWN_SQL.format(**_STATUSES, hours=_RESPONSE_HOURS), params)
        found = _rows(_PROGRAM_SQL.format(**_STATUSES, hours=_RESPONSE_HOURS), {**params, "programs": program_ids})
    own_months: dict[tuple, tuple[int, int]] = {}
    own_answers: dict = {}
    month_offers = today_offers = 0
    for kind, program_id, month, first, second, hours in own:
        if kind == "month":
            own_months[(program_id, month)] = (first, second)
        elif kind == "answers":
            own_answers[program_id] = (first, second, hours)
        else:
            month_offers, today_offers = first, second
    weights: dict[int, int] = {}
    program_months: dict[tuple, int] = {}
    program_answers: dict = {}
    for kind, program_id, month, first, second, hours in found:
        if kind == "weight":
            weights[program_id] = int(first)
        elif kind == "month":
            program_months[(program_id, month)] = first
        else:
            program_answers[program_id] = (first, second, hours)
    programs = []
    for enrollment in enrollments:
        pid = enrollment.program_id
        in_rotation = enrollment.tier.lead_routing_weight > 0 and enrollment.partner.is_operational
        weight = enrollment.tier.lead_routing_weight if in_rotation else None
        total = weights.get(pid)
        accepted, decided, hours = own_answers.get(pid, (0, 0, None))
        all_accepted, all_decided, all_hours = program_answers.get(pid, (0, 0, None))
        programs.append(
            ShareProgram(
                program_id=pid,
                program=enrollment.program.name,
                tier=enrollment.tier.name,
                weight=weight,
                total_weight=total,
                months=[
                    ShareMonth(
                        month,
                        *own_months.get((pid, month), (0, 0)),
                        program_months.get((pid, month), 0),
                        weight,
                        total,
                    )
                    for month in months
                ],
                acceptance_rate=percent(accepted, decided),
                program_acceptance_rate=percent(all_accepted, all_decided),
                response_hours=_hours(hours),
                program_response_hours=_hours(all_hours),
            )
        )
    return LeadShare(
        programs=programs,
        capacity=CapacityUse(
            monthly_cap=capacity.monthly_cap if capacity else None,
            month_offers=month_offers,
            daily_quota=capacity.daily_quota if capacity else None,
            today_offers=today_offers,
            paused=bool(capacity and capacity.paused),
            paused_reason=capacity.paused_reason if capacity else "",
            away_from=capacity.away_from if capacity else None,
            away_until=capacity.away_until if capacity else None,
            today=today,
        ),
        months=months,
    )


# --- campaigns (marketing's "campaigns in a box" attributes leads to a campaign by its code) ----------


def _citing(codes, actor) -> tuple[list[str], object]:
    """The codes as compared (lower case) and the leads citing one of them (``Lead.campaign``,
    compared without case; duplicates flagged or merged left out), narrowed to what ``actor`` may
    see when given."""
    wanted = sorted({(code or "").strip().lower() for code in codes} - {""})
    leads = Lead.objects.exclude(status=LeadStatus.DUPLICATE).annotate(cited=Lower("campaign"))
    leads = leads.filter(cited__in=wanted)
    if actor is not None:
        visible = lead_filter(actor, LeadAction.VIEW)
        leads = leads.filter(visible) if visible is not None else leads.none()
    return wanted, leads


def lead_counts_by_campaign(codes, *, actor=None, by_partner: bool = False) -> dict:
    """How many leads cite each campaign code, how many of them a partner accepted and how many
    became a deal registration: ``{code: {"leads": n, "accepted": n, "converted": n}}`` (codes in
    lower case; a code no lead cites is absent). ``by_partner``: keyed by ``(code, partner_id)``
    of the partner holding them (None: not held). ``actor``: only the leads it may see (the
    guard's ``VIEW``); without one, the tenant's (the vendor's figures). One statement whatever
    the number of codes; the tenant comes from the ORM's scope."""
    wanted, leads = _citing(codes, actor)
    if not wanted:
        return {}
    keys = ("cited", "partner_id") if by_partner else ("cited",)
    rows = (
        leads.values(*keys)
        .annotate(
            leads=Count("id"),
            accepted=Count("id", filter=Q(accepted_at__isnull=False)),
            converted=Count("id", filter=Q(converted_at__isnull=False) | Q(deal__isnull=False)),
        )
        .order_by()
    )
    figures = {}
    for row in rows:
        key = (row["cited"], row["partner_id"]) if by_partner else row["cited"]
        figures[key] = {"leads": row["leads"], "accepted": row["accepted"], "converted": row["converted"]}
    return figures


def lead_rows_citing_campaign(*, actor, code: str, limit: int = 25) -> list[dict]:
    """The newest ``limit`` leads citing ``code`` that ``actor`` may see (a partner user: its
    company's held leads, or those assigned to it), for a campaign's page."""
    _wanted, leads = _citing([code], actor)
    if actor.partner_id is not None:
        leads = leads.filter(partner_id=actor.partner_id)
    fields = ("id", "reference", "company", "status", "accepted_at", "converted_at", "created_at")
    return list(leads.order_by("-created_at", "-id").values(*fields)[:limit])
