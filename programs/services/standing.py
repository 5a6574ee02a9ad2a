"""The tier engine: measuring every requirement of every enrollment in one SQL statement, and
writing the ``TierStanding`` rows (``standings_measure``).

One SELECT per requirement (UNION ALL) measures its metric for every enrollment of the program,
now and one review period ago; the statement then decides which tiers each enrollment qualifies
for (now and projected to the next review) and upserts a standing per enrollment with the
per-requirement results (value, previous, projection, threshold, met, gap), whatever the number
of partners.

Qualification rule: a tier qualifies when every mandatory requirement is met and at least
``optional_required`` optional ones are; a tier without requirements always qualifies. The
qualifying tier is the highest-ranked tier that qualifies. The projection carries each metric's
trend over the last review period forward one more period (value + (value - previous)).
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from prm.tenancy.models import Tenant
from prm.tenancy.time import add_months

from .. import metrics
from ..models import OPERATOR_SQL, ManualMetric, Program, TierRequirement


def _compare_sql(column: str) -> str:
    cases = " ".join(f"WHEN '{op}' THEN {column} {sql} r.threshold" for op, sql in OPERATOR_SQL.items())
    return f"(CASE r.operator {cases} END)"


def _gap_sql() -> str:
    # How far the value is from meeting the threshold (0 when met): what a partner must add
    # (at least / more than / exactly) or shed (at most / less than).
    return (
        "(CASE WHEN j.met THEN 0 WHEN j.operator IN ('gte', 'gt') THEN j.threshold - j.value"
        " WHEN j.operator IN ('lte', 'lt') THEN j.value - j.threshold ELSE abs(j.threshold - j.value) END)"
    )


def _measure_sql(
    *,
    tenant_id: int,
    programs: list[Program],
    requirements: list[TierRequirement],
    today: date,
    enrollment_filter,
    partner_ids: list[int] | None,
) -> tuple[str, list, str, list]:
    """One SELECT per requirement (UNION ALL): its metric for every enrollment of the program,
    now and one review period ago. Unmeasurable metrics yield NULL (never met)."""
    manual = {m.code: m for m in ManualMetric.objects.all()}
    by_program = {program.pk: program for program in programs}
    # Money is shown in the tenant's currency: the results carry its code as the unit.
    currency = Tenant.objects.only("default_currency").get(pk=tenant_id).default_currency
    parts, params, meta = [], [], []
    for requirement in requirements:
        program = by_program[requirement.tier.program_id]
        key = requirement.metric
        if key.startswith(metrics.MANUAL_PREFIX):
            found = manual.get(key[len(metrics.MANUAL_PREFIX) :])
            metric = metrics.manual_metric(found) if found else None
        else:
            metric = metrics.get(key)
        available = metric is not None and metric.available
        label = metric.label if metric else key
        unit = metric.unit if metric else ""
        if unit == "currency":
            unit = currency
        meta.append((requirement.pk, label, unit, available))
        filter_sql, filter_params = enrollment_filter
        if not available:
            parts.append(
                "SELECT %s::bigint AS requirement_id, e.id AS enrollment_id, NULL::numeric AS value,"
                f" NULL::numeric AS previous FROM programs_enrollment e WHERE e.tenant_id = %s AND e.program_id = %s"
                f"{filter_sql}"
            )
            params += [requirement.pk, tenant_id, program.pk, *filter_params]
            continue
        window = requirement.window_days if metric.windowed else 0
        now_sql, now_params = metric.sql(tenant_id, today, window, requirement.param, partner_ids)
        before = add_months(today, -program.review_cadence_months)
        prev_sql, prev_params = metric.sql(tenant_id, before, window, requirement.param, partner_ids)
        parts.append(
            "SELECT %s::bigint AS requirement_id, e.id AS enrollment_id, n.value, pv.value AS previous"
            f" FROM programs_enrollment e LEFT JOIN ({now_sql}) n ON n.partner_id = e.partner_id"
            f" LEFT JOIN ({prev_sql}) pv ON pv.partner_id = e.partner_id"
            f" WHERE e.tenant_id = %s AND e.program_id = %s{filter_sql}"
        )
        params += [requirement.pk, *now_params, *prev_params, tenant_id, program.pk, *filter_params]
    if not meta:
        parts.append(
            "SELECT NULL::bigint AS requirement_id, NULL::bigint AS enrollment_id, NULL::numeric AS value,"
            " NULL::numeric AS previous WHERE false"
        )
        meta.append((0, "", "", False))
    values = ", ".join(["(%s::bigint, %s::text, %s::text, %s::boolean)"] * len(meta))
    meta_params = [item for row in meta for item in row]
    return " UNION ALL ".join(parts), params, values, meta_params


_STANDING_SQL = """
WITH scope AS (
    SELECT e.id, e.tenant_id, e.partner_id, e.program_id, e.tier_id
      FROM programs_enrollment e
      JOIN partners_partner p ON p.id = e.partner_id AND p.tenant_id = e.tenant_id
     WHERE e.tenant_id = %(tenant)s AND e.program_id = ANY(%(programs)s)
       AND p.status IN ('active', 'onboarding') {enrollment_filter}
),
measured AS ({measured}),
meta(requirement_id, label, unit, available) AS (VALUES {meta}),
judged AS (
    SELECT m.enrollment_id, r.id AS requirement_id, r.tier_id, t.rank, t.name AS tier_name, r.metric, r.operator,
           r.threshold, r.mandatory, r.window_days, meta.label, meta.unit, meta.available,
           coalesce(m.value, 0) AS value, m.previous,
           greatest(CASE WHEN m.previous IS NULL THEN coalesce(m.value, 0)
                         ELSE 2 * coalesce(m.value, 0) - m.previous END, 0) AS projected,
           meta.available AND {met_now} AS met,
           meta.available AND {met_projected} AS projected_met
      FROM measured m
      JOIN programs_tierrequirement r ON r.id = m.requirement_id AND r.tenant_id = %(tenant)s
      JOIN programs_tier t ON t.id = r.tier_id AND t.tenant_id = %(tenant)s
      JOIN meta ON meta.requirement_id = r.id
),
tier_ok AS (
    SELECT e.id AS enrollment_id, t.id AS tier_id, t.rank,
           coalesce(bool_and(j.met) FILTER (WHERE j.mandatory), true)
             AND count(*) FILTER (WHERE NOT j.mandatory AND j.met) >= t.optional_required AS qualifies,
           coalesce(bool_and(j.projected_met) FILTER (WHERE j.mandatory), true)
             AND count(*) FILTER (WHERE NOT j.mandatory AND j.projected_met) >= t.optional_required AS projected
      FROM scope e
      JOIN programs_tier t ON t.program_id = e.program_id AND t.tenant_id = %(tenant)s
      LEFT JOIN judged j ON j.enrollment_id = e.id AND j.tier_id = t.id
     GROUP BY e.id, t.id, t.rank, t.optional_required
),
best AS (
    SELECT DISTINCT ON (enrollment_id) enrollment_id, tier_id
      FROM tier_ok WHERE qualifies ORDER BY enrollment_id, rank DESC
),
nxt AS (
    SELECT DISTINCT ON (e.id) e.id AS enrollment_id, t.id AS tier_id
      FROM scope e
      JOIN programs_tier ct ON ct.id = e.tier_id AND ct.tenant_id = %(tenant)s
      JOIN programs_tier t ON t.program_id = e.program_id AND t.tenant_id = %(tenant)s AND t.rank > ct.rank
     ORDER BY e.id, t.rank
),
results AS (
    SELECT j.enrollment_id,
           jsonb_agg(jsonb_build_object(
               'requirement_id', j.requirement_id, 'tier_id', j.tier_id, 'tier', j.tier_name,
               'metric', j.metric, 'label', j.label, 'unit', j.unit, 'operator', j.operator,
               'threshold', j.threshold::text, 'value', round(j.value, 2)::text,
               'previous', CASE WHEN j.previous IS NULL THEN NULL ELSE round(j.previous, 2)::text END,
               'projected', round(j.projected, 2)::text, 'met', j.met, 'projected_met', j.projected_met,
               'gap', round(greatest({gap}, 0), 2)::text, 'mandatory', j.mandatory,
               'window_days', j.window_days, 'available', j.available
           ) ORDER BY j.rank, j.requirement_id) AS results
      FROM judged j
      JOIN scope e ON e.id = j.enrollment_id
      LEFT JOIN nxt ON nxt.enrollment_id = e.id
     WHERE j.tier_id = e.tier_id OR j.tier_id = nxt.tier_id
     GROUP BY j.enrollment_id
)
INSERT INTO programs_tierstanding AS s
       (tenant_id, enrollment_id, partner_id, program_id, qualifying_tier_id, next_tier_id,
        meets_current, at_risk, results, evaluated_at)
SELECT e.tenant_id, e.id, e.partner_id, e.program_id, best.tier_id, nxt.tier_id,
       cur.qualifies, NOT (cur.qualifies AND cur.projected), coalesce(r.results, '[]'::jsonb), now()
  FROM scope e
  JOIN tier_ok cur ON cur.enrollment_id = e.id AND cur.tier_id = e.tier_id
  LEFT JOIN best ON best.enrollment_id = e.id
  LEFT JOIN nxt ON nxt.enrollment_id = e.id
  LEFT JOIN results r ON r.enrollment_id = e.id
ON CONFLICT (tenant_id, enrollment_id) DO UPDATE
   SET qualifying_tier_id = excluded.qualifying_tier_id, next_tier_id = excluded.next_tier_id,
       meets_current = excluded.meets_current, at_risk = excluded.at_risk,
       results = excluded.results, evaluated_at = excluded.evaluated_at
"""


def standings_measure(
    *, tenant_id: int, programs: list[Program], today: date, enrollment_ids=None, partner_ids=None
) -> int:
    """Measure and write the standings of the enrollments in scope. One statement."""
    requirements = list(
        TierRequirement.objects.filter(tier__program__in=programs).select_related("tier").order_by("id")
    )
    if enrollment_ids is not None:
        filter_sql, filter_params, named = " AND e.id = ANY(%s)", [list(enrollment_ids)], "AND e.id = ANY(%(ids)s)"
        ids = list(enrollment_ids)
    elif partner_ids is not None:
        filter_sql, filter_params = " AND e.partner_id = ANY(%s)", [list(partner_ids)]
        named, ids = "AND e.partner_id = ANY(%(ids)s)", list(partner_ids)
    else:
        filter_sql, filter_params, named, ids = "", [], "", None
    measured, params, meta, meta_params = _measure_sql(
        tenant_id=tenant_id,
        programs=programs,
        requirements=requirements,
        today=today,
        enrollment_filter=(filter_sql, filter_params),
        partner_ids=list(partner_ids) if partner_ids is not None else None,
    )
    # The positional parts (measured, meta) are spliced in as literals-with-placeholders; the
    # rest of the statement uses named parameters. psycopg2 takes one style per statement, so
    # the positional ones are rendered with mogrify first.
    with connection.cursor() as cursor:
        rendered_measured = cursor.mogrify(measured, params).decode()
        rendered_meta = cursor.mogrify(meta, meta_params).decode()
        gap = _gap_sql()
        sql = _STANDING_SQL.format(
            enrollment_filter=named,
            measured=rendered_measured.replace("%", "%%"),
            meta=rendered_meta.replace("%", "%%"),
            met_now=_compare_sql("coalesce(m.value, 0)"),
            met_projected=_compare_sql(
                "greatest(CASE WHEN m.previous IS NULL THEN coalesce(m.value, 0)"
                " ELSE 2 * coalesce(m.value, 0) - m.previous END, 0)"
            ),
            gap=gap,
        )
        # This statement joins CTEs (no statistics, no indexes) thousands of rows wide. Without
        # table statistics (a young database, a fresh import) the planner guesses a few rows and
        # nests loops over them: quadratic, minutes at 5,000 partners instead of about a second.
        # Hash joins are right here at every size, so nested loops are off for this statement
        # only (the settings are put back, the transaction may be a request's). So is JIT: a join
        # that can only be a nested loop (a metric's own SQL may hold one) then costs the planner's
        # "disabled" price, far above JIT's thresholds, and compiling the statement took 11 s of a
        # run that takes under one (measured with e-learning's metrics, 5,000 partners).
        cursor.execute("SELECT current_setting('enable_nestloop'), current_setting('jit')")
        nestloop, jit = cursor.fetchone()
        cursor.execute("SELECT set_config('enable_nestloop', 'off', true), set_config('jit', 'off', true)")
        try:
            cursor.execute(sql, {"tenant": tenant_id, "programs": [p.pk for p in programs], "ids": ids})
            return cursor.rowcount
        finally:
            cursor.execute(
                "SELECT set_config('enable_nestloop', %s, true), set_config('jit', %s, true)", [nestloop, jit]
            )
