"""The metrics incentives measures for the registry (registered from ``incentives.wiring``): MDF
activities approved and the return on market development funds. Same signature and shape as every
metric (``programs.hooks.MetricSQL``): ``(partner_id, value)`` for the partners that have any."""

from __future__ import annotations

from datetime import date

from programs.hooks import only_partners, register_metric, window_start


def mdf_activities_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    # Activities the vendor pre-approved (all or part) on a day of the window, whatever became of them.
    only, only_params = only_partners("r.partner_id", partner_ids)
    return (
        "SELECT r.partner_id, count(*)::numeric AS value FROM incentives_mdfrequest r"  # noqa: S608
        " JOIN tenancy_tenant t ON t.id = r.tenant_id"
        " WHERE r.tenant_id = %s AND r.approved_amount IS NOT NULL AND r.decided_at IS NOT NULL"
        " AND (r.decided_at AT TIME ZONE t.time_zone)::date <= %s"
        " AND (r.decided_at AT TIME ZONE t.time_zone)::date >= %s"
        f"{only} GROUP BY r.partner_id",
        [tenant_id, as_of, window_start(as_of, window_days), *only_params],
    )


def mdf_return_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    # Revenue won on the deals credited to the partner's reimbursed MDF activities, per unit of the
    # funds reimbursed, for activities that ended within the window (in the tenant's currency only,
    # like revenue). A partner without reimbursed funds has no return (no row).
    only, only_params = only_partners("r.partner_id", partner_ids)
    return (
        "SELECT r.partner_id, round(coalesce(sum(w.won), 0) / sum(r.reimbursed_amount), 2) AS value"  # noqa: S608
        " FROM incentives_mdfrequest r JOIN tenancy_tenant t ON t.id = r.tenant_id AND r.currency = t.default_currency"
        " LEFT JOIN LATERAL (SELECT sum(d.won_amount) AS won FROM incentives_mdflink l"
        "   JOIN deals_deal d ON d.id = l.deal_id AND d.tenant_id = l.tenant_id"
        "   WHERE l.tenant_id = r.tenant_id AND l.request_id = r.id AND d.status = 'won'"
        "   AND d.currency = t.default_currency AND d.won_on <= %s) w ON true"
        " WHERE r.tenant_id = %s AND r.reimbursed_amount > 0 AND r.ends_on <= %s AND r.ends_on >= %s"
        f"{only} GROUP BY r.partner_id",
        [as_of, tenant_id, as_of, window_start(as_of, window_days), *only_params],
    )


def register_metrics() -> None:
    register_metric("incentives.mdf_activities", sql=mdf_activities_sql)
    register_metric("incentives.mdf_return", sql=mdf_return_sql)
