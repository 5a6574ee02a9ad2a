"""Generator step for scorecards (imported by bench/datagen.py after every other capability's).

Two years of the history the scorecards' KPIs read that no other step writes, set-based
(``INSERT ... SELECT``; no row goes through Python):

* portal use (``accounts_portalactivity``, a row per person and day): for every partner user, in
  each of the last 24 months, a share of the partner's people used the portal on 1-4 days. The
  share is the partner's own (40-88 %), rising by up to 25 points over the two years for a quarter
  of the partners, falling as much for another quarter, flat for the rest; a tenth of the
  partners went quiet for the last three months (the "no portal use" risk). People count only
  between joining and leaving. About 260,000 rows at acme;
* relationship reviews held once a quarter for the last nine quarters with 40 % of the partners
  that are active or onboarding (a hash of the partner picks them), organised and held by the
  partner's account manager, each with four ratings (2-5, the partner's own level plus noise);
* a scorecard on the tenant's main program with nine KPIs of five providers, their targets
  set from the generated data (the upper quartile of the partners' revenue and approved
  registrations), linear and stepped curves, one left out without data, one hidden from partners.

The months before are measured once the statistics exist (``backfill``, called by
``bench.datagen.generate`` after the tier evaluation, as the app role): ``scorecards_backfill``
over 24 months, oldest first, as 24 nightly runs would have left them.

Deterministic: the "random" choices are hashes of ids.
"""

from __future__ import annotations

import json
import time
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection

from bench.datagen import StepContext, World, step
from bench.datagen_incentives import _columns, _count, _drop, _insert, _sequence
from prm.accounts.models import PortalActivity
from scorecards.models import Curve, Missing, RelationshipReview, ReviewRating, Scorecard, ScorecardKpi

MONTHS = 24
REVIEW_QUARTERS = 9  # this quarter (when one was held yet) and the eight before: 24 months
REVIEWED_PERCENT = 40
CRITERIA = ("quality", "delivery", "satisfaction", "collaboration")

PORTAL_ACTIVITY = """
INSERT INTO accounts_portalactivity ({columns})
SELECT m.tenant_id, m.id, m.partner_id, a.day
FROM accounts_membership m
CROSS JOIN LATERAL (SELECT mod(abs(hashtext(m.partner_id::text || ':engagement')::bigint), 100)::int AS ph) p
CROSS JOIN generate_series(0, %(months)s - 1) AS back (n)
CROSS JOIN LATERAL (SELECT mod(abs(hashtext(m.id::text || ':portal:' || back.n)::bigint), 1000)::int AS h) x
CROSS JOIN generate_series(0, 3) AS k (i)
CROSS JOIN LATERAL (
    SELECT (%(month0)s::date - make_interval(months => back.n))::date + k.i * 7 + mod(x.h / 4, 7) AS day
) a
WHERE m.tenant_id = %(tenant)s AND m.partner_id IS NOT NULL
    AND k.i <= mod(x.h, 4)
    -- the share of the partner's people who used the portal in the month, in percent
    AND x.h / 10 < 40 + mod(p.ph, 5) * 12 + CASE
        WHEN p.ph < 25 THEN 25 * (12 - back.n) / 12
        WHEN p.ph < 50 THEN -25 * (12 - back.n) / 12
        ELSE 0 END
    AND NOT (p.ph >= 90 AND back.n < 3)
    AND a.day <= %(today)s
    AND a.day >= (m.created_at AT TIME ZONE %(tz)s)::date
    AND (m.deactivated_at IS NULL OR a.day < (m.deactivated_at AT TIME ZONE %(tz)s)::date)
"""

REVIEWS = """
CREATE TEMP TABLE bench_review AS
SELECT nextval(%(review_seq)s) AS id, r.*
FROM (
    SELECT p.id AS partner_id, q.held_on, q.n,
        coalesce(p.account_manager_id,
            (%(managers)s::bigint[])[1 + mod(p.id, cardinality(%(managers)s::bigint[]))]) AS organizer_id,
        mod(abs(hashtext(p.id::text || ':rating')::bigint), 3)::int AS level
    FROM partners_partner p
    CROSS JOIN generate_series(0, %(quarters)s - 1) AS back (n)
    CROSS JOIN LATERAL (
        SELECT back.n, (%(quarter0)s::date - make_interval(months => 3 * back.n))::date
            + 14 + mod(abs(hashtext(p.id::text || ':review:' || back.n)::bigint), 60)::int AS held_on
    ) q
    WHERE p.tenant_id = %(tenant)s AND p.status IN ('active', 'onboarding')
        AND mod(abs(hashtext(p.id::text || ':reviewed')::bigint), 100) < %(reviewed)s
        AND q.held_on < %(today)s AND q.held_on >= (p.created_at AT TIME ZONE %(tz)s)::date
) r
ORDER BY r.held_on, r.partner_id
"""

REVIEW_ROWS = """
INSERT INTO scorecards_relationshipreview ({columns})
SELECT id, %(tenant)s, partner_id,
    'Quarterly business review ' || extract(year FROM held_on) || ' Q' || extract(quarter FROM held_on),
    'held', held_on, (held_on + time '14:00') AT TIME ZONE %(tz)s, 60, 'Video call', organizer_id, '{{}}'::jsonb,
    'Pipeline, business plan and certifications reviewed; next steps agreed.',
    (held_on + time '15:00') AT TIME ZONE %(tz)s, organizer_id, 0, '',
    (held_on - 21 + time '09:00') AT TIME ZONE %(tz)s, (held_on + time '15:00') AT TIME ZONE %(tz)s
FROM bench_review
"""

RATING_ROWS = """
INSERT INTO scorecards_reviewrating ({columns})
SELECT %(tenant)s, r.id, r.partner_id, c.criterion,
    least(5, greatest(1, 3 + r.level + mod(abs(hashtext(r.id::text || c.criterion)::bigint), 3)::int - 1)),
    '', r.held_on, r.organizer_id
FROM bench_review r
CROSS JOIN unnest(%(criteria)s::text[]) AS c (criterion)
"""

# The upper quartile of a per-partner figure over the partners that have any (the targets).
QUARTILE = "SELECT percentile_cont(0.75) WITHIN GROUP (ORDER BY value) FROM ({sql}) v"


def _upper_quartile(tenant_id: int, key: str, as_of: date, window: int, fallback: Decimal) -> Decimal:
    """A round target: the upper quartile of the metric's values, two significant digits."""
    from programs.selectors.metrics import metric_get

    sql, params = metric_get(key).sql(tenant_id, as_of, window, "", None)
    with connection.cursor() as cursor:
        cursor.execute(QUARTILE.format(sql=sql), params)
        found = cursor.fetchone()[0]
    if not found or found <= 0:
        return fallback
    value = Decimal(str(found))
    exponent = value.adjusted() - 1
    return (value.scaleb(-exponent).quantize(Decimal(1)).scaleb(exponent)).quantize(Decimal("1"))


def _kpis(tenant_id: int, today: date) -> list[dict]:
    """Nine KPIs: revenue and its growth, registrations, win rate, certified people, portal use,
    the reviews' rating, lead acceptance, and a hidden one (lead response time, lower is better)."""
    revenue = _upper_quartile(tenant_id, "deals.trailing_revenue", today, 365, Decimal(1_000_000))
    approved = _upper_quartile(tenant_id, "deals.approved_registrations", today, 365, Decimal(10))
    quarter = (approved / 4).quantize(Decimal(1)) or Decimal(1)
    half = (approved / 2).quantize(Decimal(1)) or Decimal(1)
    return [
        {"metric": "deals.trailing_revenue", "weight": 25, "target": revenue},
        {
            "metric": "deals.trailing_revenue",
            "label": "Revenue growth",
            "growth": True,
            "weight": 10,
            "target": 20,
            "missing": Missing.SKIP,
        },
        {
            "metric": "deals.approved_registrations",
            "weight": 15,
            "target": approved,
            "curve": Curve.THRESHOLDS,
            "steps": [[float(quarter), 0.25], [float(half), 0.5], [float(approved), 1]],
        },
        {"metric": "deals.win_rate", "weight": 10, "target": 60},
        {
            "metric": "learning.certified_people",
            "weight": 10,
            "target": 3,
            "curve": Curve.THRESHOLDS,
            "steps": [[1, 0.5], [2, 0.75], [3, 1]],
        },
        {"metric": "partners.portal_engagement", "window_days": 90, "weight": 10, "target": 60},
        {"metric": "reviews.rating", "weight": 10, "target": Decimal("4.5"), "missing": Missing.SKIP},
        {"metric": "leads.acceptance_rate", "window_days": 90, "weight": 10, "target": 50, "missing": Missing.SKIP},
        {
            "metric": "leads.response_time",
            "window_days": 90,
            "weight": 5,
            "target": 24,
            "lower_is_better": True,
            "missing": Missing.SKIP,
            "visible_to_partner": False,
        },
    ]


@step("scorecards: portal use, relationship reviews, a scorecard")
def scorecards(ctx: StepContext) -> None:
    plan, tenant = ctx.plan, ctx.tenant_id
    zone = ZoneInfo(plan.time_zone)
    today = ctx.now.astimezone(zone).date()
    month0 = today.replace(day=1)
    quarter0 = date(today.year, 1 + 3 * ((today.month - 1) // 3), 1)
    params = {
        "tenant": tenant,
        "tz": plan.time_zone,
        "today": today,
        "month0": month0,
        "months": MONTHS,
        "quarter0": quarter0,
        "quarters": REVIEW_QUARTERS,
        "reviewed": REVIEWED_PERCENT,
        "managers": ctx.made["managers"] or [ctx.made["admin"]["membership_id"]],
        "criteria": list(CRITERIA),
        "review_seq": _sequence(RelationshipReview),
    }
    activity = _columns(PortalActivity, "tenant_id, membership_id, partner_id, day")
    _count(ctx, PortalActivity, _insert(PORTAL_ACTIVITY.format(columns=activity), params))

    _insert(REVIEWS, params)
    review_columns = _columns(
        RelationshipReview,
        "id, tenant_id, partner_id, title, status, due_on, starts_at, duration_minutes, location, organizer_id, "
        "agenda, notes, held_at, held_by_id, sequence, summary_pdf, created_at, updated_at",
    )
    _count(ctx, RelationshipReview, _insert(REVIEW_ROWS.format(columns=review_columns), params))
    rating_columns = _columns(
        ReviewRating, "tenant_id, review_id, partner_id, criterion, rating, comment, rated_on, rated_by_id"
    )
    _count(ctx, ReviewRating, _insert(RATING_ROWS.format(columns=rating_columns), params))
    _drop("bench_review")

    program = ctx.made["programs"][0]
    scorecard = ctx.copy_one(
        Scorecard,
        {
            "program_id": program["id"],
            "name": f"{plan.name} partner scorecard",
            "description": "How we measure the partnership: revenue, pipeline, skills, engagement and reviews.",
        },
    )
    ctx.copy(
        ScorecardKpi,
        (
            {
                "tenant_id": tenant,
                "scorecard_id": scorecard,
                "position": position,
                "window_days": kpi.pop("window_days", 365),
                **kpi,
            }
            for position, kpi in enumerate(_kpis(tenant, today), start=1)
        ),
    )
    ctx.made["scorecard"] = scorecard


def backfill(world: World, *, log) -> dict:
    """The 24 months measured, oldest first, as the nightly runs would have left them
    (``scorecards_backfill``, as the app role in each tenant's scope); the whole call timed."""
    from prm.tenancy.scope import tenant_scope
    from scorecards.models import ScorecardRun, ScorecardSnapshot
    from scorecards.services.scoring import scorecards_backfill

    found = {}
    for slug, ctx in world.tenants.items():
        started = time.perf_counter()
        with tenant_scope(ctx.tenant_id):
            written = scorecards_backfill(months=MONTHS)
            seconds = time.perf_counter() - started
            runs = sorted(ScorecardRun.objects.values_list("milliseconds", flat=True))
            latest = ScorecardSnapshot.objects.order_by("-period").values_list("period", flat=True).first()
            month = ScorecardSnapshot.objects.filter(period=latest)
            found[slug] = {
                "months": MONTHS,
                "snapshots": written,
                "seconds": round(seconds, 1),
                "run_ms_median": runs[len(runs) // 2] if runs else None,
                "run_ms_max": runs[-1] if runs else None,
                "partners_this_month": month.count(),
                "scored_this_month": month.filter(score__isnull=False).count(),
                "high_potential_this_month": month.filter(high_potential=True).count(),
                "at_risk_this_month": month.filter(at_risk=True).count(),
            }
        log(f"  {slug}: scorecards measured over {MONTHS} months: {json.dumps(found[slug])}")
    return found


def summary(meta: dict) -> str:
    """The backfill's line for the micro-benchmark's note (the generator's meta)."""
    found = (meta or {}).get("scorecards") or {}
    acme = next(iter(found.values()), None)
    if not acme:
        return "no backfill recorded"
    return (
        f"backfill of {acme['months']} months when generated: {acme['snapshots']:,} snapshots in "
        f"{acme['seconds']:.1f} s (a month's run: median {acme['run_ms_median']:,} ms, slowest "
        f"{acme['run_ms_max']:,} ms); this month: {acme['partners_this_month']:,} partners, "
        f"{acme['scored_this_month']:,} scored, {acme['high_potential_this_month']:,} high potential, "
        f"{acme['at_risk_this_month']:,} at risk"
    )
