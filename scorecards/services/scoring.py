"""The scoring engine: a scorecard's month for every partner of its program in two statements.

``scorecard_measure`` upserts one ``ScorecardSnapshot`` per enrolled partner (active or
onboarding) for the month that contains ``as_of`` (the nightly run measures yesterday, the last
whole day, so the run on the 1st closes the month before). The first statement measures:

* every KPI's metric from the registry (``programs.metrics``: one SQL per metric that yields
  ``(partner_id, value)`` for every partner), as of ``as_of`` over the KPI's look-back window, or
  its growth against the same window a year earlier;
* points: ``weight / (sum of the weights of the KPIs measured for the partner) * 100 *
  attainment``. Attainment is 0..1: linear is ``value / target`` capped at 1 (lower is better:
  ``target / value``, 1 at or under the target); steps give the share of the highest step
  reached. A zero target is met by any value (lower is better: only by zero). Weights need not
  sum to 100: they are shares. A KPI without data counts as zero, or is left out when it says
  so (the others' weights then make up the 100); with nothing measurable the score is empty;
* the trend: last month's and last year's snapshot (their score and each KPI's value);
* the signals of potential (revenue growth, more certified people, more portal use, a rising
  score) and the risks (a score drop, no portal use or no registrations for N days, certificates
  about to expire, business-plan objectives behind), with their figures.

The second statement ranks the month (rank by score; percentile within the segment, the partner
type: the share of the segment's scored partners at or below the partner's score, so the best
scores 100 and partners that tie share a percentile) and decides high potential: revenue below
the segment's median with at least two signals, not for a partner new this month. It runs over
the stored month, so measuring one partner again (``partner_ids``) re-ranks everyone consistently.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from prm.events.services import event_record
from prm.tenancy.scope import current_tenant_id
from prm.tenancy.time import add_months, tenant_today
from programs.selectors.metrics import metric_get

from .. import events
from ..models import Missing, Scorecard, ScorecardKpi, ScorecardRun
from ..selectors.plans import plans_behind

# The measures behind the signals and risks (registry keys) and their windows.
REVENUE = "deals.trailing_revenue"
CERTIFIED = "learning.certified_people"
ENGAGEMENT = "partners.portal_engagement"
REGISTRATIONS = "deals.registrations"
EXPIRING = "learning.expiring_certificates"
REVENUE_WINDOW = 365
ENGAGEMENT_WINDOW = 90
# Signals of potential: a score up this many points on last month; portal use up this many
# percentage points on a quarter ago.
SCORE_UP = 5
ENGAGEMENT_UP = 10
SIGNALS_NEEDED = 2


@dataclass(frozen=True)
class Measure:
    """SQL yielding (partner_id, value) for the scope's partners; NULL-yielding when unavailable."""

    sql: str
    params: list


def _measure(tenant_id: int, key: str, as_of: date, window: int, param: str, partner_ids) -> Measure:
    metric = metric_get(key)
    if metric is None or not metric.available:
        return Measure("SELECT NULL::bigint AS partner_id, NULL::numeric AS value WHERE false", [])
    sql, params = metric.sql(tenant_id, as_of, window if metric.windowed else 0, param, partner_ids)
    return Measure(sql, params)


def _kpi_value_sql(tenant_id: int, kpi: ScorecardKpi, as_of: date, partner_ids) -> tuple[str, list]:
    """One SELECT of the UNION: the KPI's raw value (or growth, %) for every partner in scope."""
    now = _measure(tenant_id, kpi.metric, as_of, kpi.window_days, kpi.param, partner_ids)
    if not kpi.growth:
        return (
            "SELECT %s::bigint AS kpi_id, s.partner_id, n.value FROM scope s"  # noqa: S608 (the metric's SQL)
            f" LEFT JOIN ({now.sql}) n ON n.partner_id = s.partner_id",
            [kpi.pk, *now.params],
        )
    before = _measure(tenant_id, kpi.metric, add_months(as_of, -12), kpi.window_days, kpi.param, partner_ids)
    # Growth needs a base: nothing a year ago (or zero) is no data, not infinite growth.
    return (
        "SELECT %s::bigint AS kpi_id, s.partner_id,"  # noqa: S608 (the metrics' SQL, values are parameters)
        " CASE WHEN y.value > 0 THEN round(100 * (coalesce(n.value, 0) - y.value) / y.value, 2) END AS value"
        f" FROM scope s LEFT JOIN ({now.sql}) n ON n.partner_id = s.partner_id"
        f" LEFT JOIN ({before.sql}) y ON y.partner_id = s.partner_id",
        [kpi.pk, *now.params, *before.params],
    )


def _unit(kpi: ScorecardKpi, currency: str) -> str:
    if kpi.growth:
        return "percent"
    metric = metric_get(kpi.metric)
    unit = metric.unit if metric else ""
    return currency if unit == "currency" else unit


_ATTAINMENT = """
    CASE WHEN j.value IS NULL THEN NULL
         WHEN j.curve = 'thresholds' THEN (
             SELECT coalesce(max(least(greatest((st->>1)::numeric, 0), 1)), 0)
               FROM jsonb_array_elements(j.steps) st
              WHERE CASE WHEN j.lower_better THEN j.value <= (st->>0)::numeric
                         ELSE j.value >= (st->>0)::numeric END)
         WHEN j.lower_better THEN CASE WHEN j.value <= j.target THEN 1 ELSE j.target / j.value END
         WHEN j.target <= 0 THEN 1
         ELSE least(greatest(j.value, 0) / j.target, 1)
    END
"""

_SNAPSHOT_SQL = """
WITH scope AS (
    SELECT e.partner_id, p.partner_type_id AS segment_id, e.tier_id,
           (e.enrolled_at AT TIME ZONE %s)::date AS enrolled_on
      FROM programs_enrollment e
      JOIN partners_partner p ON p.id = e.partner_id AND p.tenant_id = e.tenant_id
     WHERE e.tenant_id = %s AND e.program_id = %s AND p.status IN ('active', 'onboarding')
       AND (e.enrolled_at AT TIME ZONE %s)::date <= %s {only}
),
kpi (kpi_id, position, weight, target, lower_better, curve, steps, skip, visible, growth, metric, param, label,
     unit) AS (VALUES {kpis}),
raw AS ({raw}),
judged AS (
    SELECT r.partner_id, k.*,
           CASE WHEN r.value IS NULL AND k.skip THEN NULL ELSE coalesce(r.value, 0) END AS value
      FROM raw r JOIN kpi k ON k.kpi_id = r.kpi_id
),
attained AS (SELECT j.*, {attainment} AS attainment FROM judged j),
totals AS (
    SELECT partner_id, coalesce(sum(weight) FILTER (WHERE value IS NOT NULL), 0) AS total
      FROM attained GROUP BY partner_id
),
previous AS (
    SELECT partner_id, score, results FROM scorecards_scorecardsnapshot
     WHERE tenant_id = %s AND scorecard_id = %s AND period = %s
),
last_year AS (
    SELECT partner_id, score, results FROM scorecards_scorecardsnapshot
     WHERE tenant_id = %s AND scorecard_id = %s AND period = %s
),
pointed AS (
    SELECT a.*,
           CASE WHEN t.total > 0 AND a.value IS NOT NULL THEN a.weight / t.total * 100 END AS max_points,
           CASE WHEN t.total > 0 AND a.value IS NOT NULL THEN a.weight / t.total * 100 * a.attainment END AS points,
           (SELECT (e->>'value')::numeric FROM jsonb_array_elements(pv.results) e
             WHERE (e->>'kpi')::bigint = a.kpi_id LIMIT 1) AS previous,
           (SELECT (e->>'value')::numeric FROM jsonb_array_elements(ly.results) e
             WHERE (e->>'kpi')::bigint = a.kpi_id LIMIT 1) AS last_year
      FROM attained a
      JOIN totals t ON t.partner_id = a.partner_id
      LEFT JOIN previous pv ON pv.partner_id = a.partner_id
      LEFT JOIN last_year ly ON ly.partner_id = a.partner_id
),
scored AS (
    SELECT s.partner_id, s.segment_id, s.tier_id, s.enrolled_on,
           pv.score AS previous_score, ly.score AS last_year_score,
           CASE WHEN bool_or(p.points IS NOT NULL) THEN round(sum(p.points), 2) END AS score,
           coalesce(jsonb_agg(jsonb_build_object(
               'kpi', p.kpi_id, 'metric', p.metric, 'param', p.param, 'label', p.label, 'unit', p.unit,
               'growth', p.growth, 'lower_is_better', p.lower_better, 'visible', p.visible,
               'value', p.value, 'measured', p.value IS NOT NULL, 'target', p.target,
               'points', coalesce(round(p.points, 2), 0), 'max_points', coalesce(round(p.max_points, 2), 0),
               'attainment', coalesce(round(p.attainment, 4), 0), 'previous', p.previous, 'last_year', p.last_year
           ) ORDER BY p.position, p.kpi_id) FILTER (WHERE p.kpi_id IS NOT NULL), '[]'::jsonb) AS results
      FROM scope s
      LEFT JOIN previous pv ON pv.partner_id = s.partner_id
      LEFT JOIN last_year ly ON ly.partner_id = s.partner_id
      LEFT JOIN pointed p ON p.partner_id = s.partner_id
     GROUP BY s.partner_id, s.segment_id, s.tier_id, s.enrolled_on, pv.score, ly.score
),
revenue_now AS ({revenue_now}),
revenue_before AS ({revenue_before}),
certified_now AS ({certified_now}),
certified_before AS ({certified_before}),
engaged_now AS ({engaged_now}),
engaged_before AS ({engaged_before}),
used_portal AS ({used_portal}),
registered AS ({registered}),
expiring AS ({expiring}),
plans_behind AS (SELECT key::bigint AS partner_id, value::int AS behind FROM jsonb_each_text(%s::jsonb)),
facts AS (
    SELECT s.partner_id, s.segment_id, s.tier_id, s.enrolled_on, s.score, s.results,
           s.previous_score, s.last_year_score,
           coalesce(rn.value, 0) AS revenue, rb.value AS revenue_before,
           coalesce(cn.value, 0) AS certified, coalesce(cb.value, 0) AS certified_before,
           en.value AS engaged, eb.value AS engaged_before,
           up.value AS used_portal, rg.value AS registrations, coalesce(ex.value, 0) AS expiring,
           coalesce(pb.behind, 0) AS plans_behind
      FROM scored s
      LEFT JOIN revenue_now rn ON rn.partner_id = s.partner_id
      LEFT JOIN revenue_before rb ON rb.partner_id = s.partner_id
      LEFT JOIN certified_now cn ON cn.partner_id = s.partner_id
      LEFT JOIN certified_before cb ON cb.partner_id = s.partner_id
      LEFT JOIN engaged_now en ON en.partner_id = s.partner_id
      LEFT JOIN engaged_before eb ON eb.partner_id = s.partner_id
      LEFT JOIN used_portal up ON up.partner_id = s.partner_id
      LEFT JOIN registered rg ON rg.partner_id = s.partner_id
      LEFT JOIN expiring ex ON ex.partner_id = s.partner_id
      LEFT JOIN plans_behind pb ON pb.partner_id = s.partner_id
),
flagged AS (
    SELECT f.*,
           (SELECT coalesce(jsonb_agg(x), '[]'::jsonb) FROM (VALUES
               (CASE WHEN f.revenue > 0 AND (coalesce(f.revenue_before, 0) = 0
                          OR 100 * (f.revenue - f.revenue_before) / f.revenue_before >= %s)
                     THEN jsonb_build_object('code', 'revenue_growth', 'value',
                          CASE WHEN f.revenue_before > 0
                               THEN round(100 * (f.revenue - f.revenue_before) / f.revenue_before, 1) END) END),
               (CASE WHEN f.certified > f.certified_before
                     THEN jsonb_build_object('code', 'certified_up', 'value', f.certified - f.certified_before) END),
               (CASE WHEN f.engaged - coalesce(f.engaged_before, 0) >= %s
                     THEN jsonb_build_object('code', 'engagement_up',
                          'value', round(f.engaged - coalesce(f.engaged_before, 0), 1)) END),
               (CASE WHEN f.score - f.previous_score >= %s
                     THEN jsonb_build_object('code', 'score_up', 'value', f.score - f.previous_score) END)
           ) v(x) WHERE x IS NOT NULL) AS signals,
           (SELECT coalesce(jsonb_agg(x), '[]'::jsonb) FROM (VALUES
               (CASE WHEN f.previous_score - coalesce(f.score, 0) >= %s
                     THEN jsonb_build_object('code', 'score_drop',
                                             'value', f.previous_score - coalesce(f.score, 0)) END),
               (CASE WHEN f.enrolled_on <= %s::date - %s AND coalesce(f.used_portal, 0) = 0
                     THEN jsonb_build_object('code', 'no_portal_use', 'days', %s) END),
               (CASE WHEN f.enrolled_on <= %s::date - %s AND coalesce(f.registrations, 0) = 0
                     THEN jsonb_build_object('code', 'no_registrations', 'days', %s) END),
               (CASE WHEN f.expiring > 0
                     THEN jsonb_build_object('code', 'expiring_certificates', 'value', f.expiring) END),
               (CASE WHEN f.plans_behind > 0
                     THEN jsonb_build_object('code', 'plan_behind', 'value', f.plans_behind) END)
           ) v(x) WHERE x IS NOT NULL) AS risks
      FROM facts f
)
INSERT INTO scorecards_scorecardsnapshot AS o
       (tenant_id, scorecard_id, partner_id, period, as_of, segment_id, tier_id, score, previous_score,
        last_year_score, revenue, is_new, high_potential, at_risk, results, signals, risks, computed_at)
SELECT %s, %s, f.partner_id, %s, %s, f.segment_id, f.tier_id, f.score, f.previous_score, f.last_year_score,
       f.revenue, f.enrolled_on >= %s, false, jsonb_array_length(f.risks) > 0, f.results, f.signals, f.risks, %s
  FROM flagged f
ON CONFLICT (tenant_id, scorecard_id, period, partner_id) DO UPDATE SET
       as_of = EXCLUDED.as_of, segment_id = EXCLUDED.segment_id, tier_id = EXCLUDED.tier_id,
       score = EXCLUDED.score, previous_score = EXCLUDED.previous_score,
       last_year_score = EXCLUDED.last_year_score, revenue = EXCLUDED.revenue, is_new = EXCLUDED.is_new,
       at_risk = EXCLUDED.at_risk, results = EXCLUDED.results, signals = EXCLUDED.signals,
       risks = EXCLUDED.risks, computed_at = EXCLUDED.computed_at
"""

# Rank the stored month and decide high potential over it (the segment's median revenue), so a
# partner measured again on its own is ranked among the others' stored results.
_RANK_SQL = """
WITH month AS (
    SELECT id, partner_id, segment_id, score, revenue, is_new,
           (SELECT coalesce(jsonb_agg(e), '[]'::jsonb) FROM jsonb_array_elements(signals) e
             WHERE e->>'code' <> 'below_median') AS signals
      FROM scorecards_scorecardsnapshot
     WHERE tenant_id = %s AND scorecard_id = %s AND period = %s
),
medians AS (
    SELECT segment_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY revenue) AS median
      FROM month GROUP BY segment_id
),
ranked AS (
    SELECT m.id, m.signals, md.median,
           CASE WHEN m.score IS NOT NULL THEN rank() OVER (ORDER BY m.score DESC NULLS LAST) END AS rank,
           CASE WHEN m.score IS NOT NULL THEN round((100 * cume_dist() OVER (
               PARTITION BY m.segment_id, m.score IS NULL ORDER BY m.score))::numeric, 2) END AS percentile,
           m.revenue < md.median AS below_median, m.is_new, m.revenue
      FROM month m LEFT JOIN medians md ON md.segment_id IS NOT DISTINCT FROM m.segment_id
)
UPDATE scorecards_scorecardsnapshot o
   SET rank = r.rank, percentile = r.percentile,
       signals = CASE WHEN r.below_median
                      THEN r.signals || jsonb_build_array(jsonb_build_object(
                               'code', 'below_median', 'value', r.revenue, 'median', round(r.median::numeric, 2)))
                      ELSE r.signals END,
       high_potential = r.below_median AND NOT r.is_new AND jsonb_array_length(r.signals) >= %s
  FROM ranked r
 WHERE o.id = r.id AND o.tenant_id = %s
"""


def measured_day() -> date:
    """What the nightly run measures: yesterday, the last whole day in the vendor's time zone."""
    return tenant_today() - timedelta(days=1)


@transaction.atomic
def scorecard_measure(*, scorecard: Scorecard, as_of: date | None = None, partner_ids=None) -> int:
    """Measure ``scorecard``'s month containing ``as_of`` for every enrolled partner (or only
    ``partner_ids``), then rank the month; returns the number of snapshots written. Runs of one
    scorecard take turns (its row is locked); running a month again overwrites it."""
    started = time.monotonic()
    scorecard = Scorecard.objects.select_for_update().select_related("tenant").get(pk=scorecard.pk)
    tenant = scorecard.tenant
    tenant_id = current_tenant_id()
    as_of = as_of or measured_day()
    period = as_of.replace(day=1)
    zone = tenant.time_zone
    currency = tenant.default_currency
    ids = list(partner_ids) if partner_ids is not None else None
    kpis = list(ScorecardKpi.objects.filter(scorecard=scorecard).order_by("position", "id"))

    params: list = [zone, tenant_id, scorecard.program_id, zone, as_of]
    only = ""
    if ids is not None:
        only = "AND e.partner_id = ANY(%s)"
        params.append(ids)

    if kpis:
        kpi_rows = ", ".join(
            ["(%s::bigint, %s::int, %s::numeric, %s::numeric, %s, %s, %s::jsonb, %s, %s, %s, %s, %s, %s, %s)"]
            * len(kpis)
        )
        for kpi in kpis:
            params += [
                kpi.pk,
                kpi.position,
                kpi.weight,
                kpi.target,
                kpi.lower_is_better,
                kpi.curve,
                json.dumps(kpi.steps or []),
                kpi.missing == Missing.SKIP,
                kpi.visible_to_partner,
                kpi.growth,
                kpi.metric,
                kpi.param,
                kpi.label,
                _unit(kpi, currency),
            ]
        raw_parts = [_kpi_value_sql(tenant_id, kpi, as_of, ids) for kpi in kpis]
        raw = " UNION ALL ".join(sql for sql, _ in raw_parts)
        for _, raw_params in raw_parts:
            params += raw_params
    else:
        kpi_rows = (
            "(NULL::bigint, 0, 0::numeric, 0::numeric, false, '', '[]'::jsonb, false, false, false, '', '', '', '')"
        )
        # Without KPIs every partner still gets a snapshot (no score): the page says why.
        raw = "SELECT NULL::bigint AS kpi_id, NULL::bigint AS partner_id, NULL::numeric AS value WHERE false"

    previous_period, year_period = add_months(period, -1), add_months(period, -12)
    params += [tenant_id, scorecard.pk, previous_period, tenant_id, scorecard.pk, year_period]

    def measure(key, day, window, param=""):
        found = _measure(tenant_id, key, day, window, param, ids)
        params.extend(found.params)
        return found.sql

    year_ago = add_months(as_of, -12)
    extra = {
        "revenue_now": measure(REVENUE, as_of, REVENUE_WINDOW),
        "revenue_before": measure(REVENUE, year_ago, REVENUE_WINDOW),
        "certified_now": measure(CERTIFIED, as_of, 0),
        "certified_before": measure(CERTIFIED, year_ago, 0),
        "engaged_now": measure(ENGAGEMENT, as_of, ENGAGEMENT_WINDOW),
        "engaged_before": measure(ENGAGEMENT, as_of - timedelta(days=ENGAGEMENT_WINDOW), ENGAGEMENT_WINDOW),
        "used_portal": measure(ENGAGEMENT, as_of, scorecard.inactive_days),
        "registered": measure(REGISTRATIONS, as_of, scorecard.inactive_days),
        "expiring": measure(EXPIRING, as_of, scorecard.expiring_days),
    }
    behind = plans_behind(partner_ids=ids, as_of=as_of)  # agreed objectives behind their pace
    params.append(json.dumps({str(k): v for k, v in behind.items() if v}))
    params += [scorecard.growth_percent, ENGAGEMENT_UP, SCORE_UP, scorecard.score_drop]
    params += [as_of, scorecard.inactive_days, scorecard.inactive_days]
    params += [as_of, scorecard.inactive_days, scorecard.inactive_days]
    now = timezone.now()
    params += [tenant_id, scorecard.pk, period, as_of, period, now]

    sql = _SNAPSHOT_SQL.format(only=only, kpis=kpi_rows, raw=raw, attainment=_ATTAINMENT, **extra)
    with connection.cursor() as cursor:
        # No JIT: the metrics' joins to the tenant row can only be nested loops, which the planner
        # prices far above JIT's thresholds; compiling the statement took 4.4 s of a 8.5 s run
        # (5,000 partners, bench/results/scorecards-2026-12-05.md) that runs in 4 s without.
        cursor.execute("SELECT current_setting('jit')")
        (jit,) = cursor.fetchone()
        cursor.execute("SELECT set_config('jit', 'off', true)")
        try:
            cursor.execute(sql, params)
            written = cursor.rowcount
        finally:
            cursor.execute("SELECT set_config('jit', %s, true)", [jit])
        cursor.execute(_RANK_SQL, [tenant_id, scorecard.pk, period, SIGNALS_NEEDED, tenant_id])
    ScorecardRun.objects.create(
        scorecard=scorecard,
        period=period,
        as_of=as_of,
        partners=written,
        milliseconds=int((time.monotonic() - started) * 1000),
        finished_at=timezone.now(),
    )
    return written


def scorecards_measure_all(*, as_of: date | None = None, partner_ids=None, scorecard_ids=None) -> int:
    """Measure every active scorecard of the tenant (nightly), or the ones an admin chose
    (``scorecard_ids``), or a few partners on demand; one event per run over all partners."""
    written = 0
    chosen = (
        Scorecard.objects.filter(pk__in=scorecard_ids)
        if scorecard_ids is not None
        else Scorecard.objects.filter(is_active=True)
    )
    for scorecard in chosen.order_by("pk"):
        count = scorecard_measure(scorecard=scorecard, as_of=as_of, partner_ids=partner_ids)
        written += count
        if partner_ids is None:
            event_record(
                actor=None,
                target=scorecard,
                verb=events.COMPUTED,
                message=gettext_noop("Scorecards measured for %(count)s partners"),
                params={"count": count},
            )
    return written


def scorecards_backfill(*, months: int = 24, as_of: date | None = None) -> int:
    """Measure the last ``months`` months, oldest first (so each has last month's to trend
    against): each closed month as of its last day, the current one as of ``as_of``."""
    as_of = as_of or measured_day()
    written = 0
    for back in range(months - 1, -1, -1):
        month = add_months(as_of.replace(day=1), -back)
        day = as_of if back == 0 else add_months(month, 1) - timedelta(days=1)
        for scorecard in Scorecard.objects.filter(is_active=True).order_by("pk"):
            written += scorecard_measure(scorecard=scorecard, as_of=day)
    return written
