"""The tier metrics lead distribution measures (registered from ``leads.wiring.reports``), on the
registry's contract (``programs.hooks.MetricSQL``): ``(partner_id, value)`` for the tenant's
partners that were offered leads in the window ending on ``as_of`` (the offer's day in the
vendor's time zone); a partner offered none is measured as nothing, like the other metrics.

* ``leads.acceptance_rate`` (percent): offers accepted (including those returned afterwards) of
  the offers the partner decided: accepted, declined or let time out. Pending and withdrawn
  offers do not count.
* ``leads.response_time`` (hours; lower is better, so a requirement says "at most"): the median
  time from the offer to the partner's answer, on the clock; an offer that timed out counts as
  answered at its deadline, so that letting offers lapse is never faster than answering them.

Both match the definitions of the reports (``leads.selectors.reports``).
"""

from __future__ import annotations

from datetime import date

from programs.hooks import only_partners, register_metric, window_start

ACCEPTANCE_RATE = "leads.acceptance_rate"
RESPONSE_TIME = "leads.response_time"

# The offers of the window, by the offer's day in the vendor's zone: bounds compared with the
# timestamp itself, so the (tenant_id, offered_at) index serves the range.
_WINDOW = (
    " FROM leads_leadoffer o JOIN tenancy_tenant t ON t.id = o.tenant_id"
    " WHERE o.tenant_id = %s AND o.offered_at >= (%s::date)::timestamp AT TIME ZONE t.time_zone"
    " AND o.offered_at < (%s::date + 1)::timestamp AT TIME ZONE t.time_zone"
    " AND o.status IN ('accepted', 'returned', 'declined', 'expired')"
)


def acceptance_rate_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    only, only_params = only_partners("o.partner_id", partner_ids)
    # Only the fixed fragments are interpolated; every value is a parameter.
    return (
        "SELECT o.partner_id,"
        " round(100.0 * count(*) FILTER (WHERE o.status IN ('accepted', 'returned')) / count(*), 2) AS value"
        f"{_WINDOW}{only} GROUP BY o.partner_id",
        [tenant_id, max(window_start(as_of, window_days), date(1, 1, 2)), as_of, *only_params],
    )


def response_time_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    only, only_params = only_partners("o.partner_id", partner_ids)
    return (
        "SELECT o.partner_id, round((percentile_cont(0.5) WITHIN GROUP (ORDER BY"  # noqa: S608
        " extract(epoch FROM (CASE WHEN o.status = 'expired' THEN o.due_at ELSE o.responded_at END)"
        " - o.offered_at) / 3600.0))::numeric, 2) AS value"
        f"{_WINDOW} AND (o.status = 'expired' OR o.responded_at IS NOT NULL){only} GROUP BY o.partner_id",
        [tenant_id, max(window_start(as_of, window_days), date(1, 1, 2)), as_of, *only_params],
    )


def register_metrics() -> None:
    register_metric(ACCEPTANCE_RATE, sql=acceptance_rate_sql)
    register_metric(RESPONSE_TIME, sql=response_time_sql)
