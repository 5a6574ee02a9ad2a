"""The tier metrics deal registration measures (registered from ``DealsConfig.ready()``).

Both follow the registry's signature (programs.hooks.MetricSQL) and yield
``(partner_id, value)`` for the tenant's partners that have any (a partner without is measured
as nothing, like the other metrics).
"""

from __future__ import annotations

from datetime import date

from programs.hooks import only_partners, register_metric, window_start


def _on_days(column: str) -> str:
    """``column`` (a moment) falls on a day from the first parameter to the second, inclusive, in
    the vendor's time zone (``t``): compared with the bounds' moments, not by converting every
    row's, so a statement over a million registrations compares instants."""
    return (
        f"{column} >= (%s::date)::timestamp AT TIME ZONE t.time_zone"
        f" AND {column} < (%s::date + 1)::timestamp AT TIME ZONE t.time_zone"
    )


def trailing_revenue_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    # Confirmed wins closed within the window ending on as_of, in the tenant's currency only:
    # adding amounts of different currencies would measure nothing meaningful.
    only, only_params = only_partners("d.partner_id", partner_ids)
    # Only the fixed partner filter is interpolated; every value is a parameter.
    return (
        "SELECT d.partner_id, sum(d.won_amount)::numeric AS value FROM deals_deal d"  # noqa: S608
        " JOIN tenancy_tenant t ON t.id = d.tenant_id AND d.currency = t.default_currency"
        " WHERE d.tenant_id = %s AND d.status = 'won' AND d.won_on <= %s AND d.won_on >= %s"
        f"{only} GROUP BY d.partner_id",
        [tenant_id, as_of, window_start(as_of, window_days), *only_params],
    )


def approved_registrations_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    # Registrations approved (decided on a day of the window, in the vendor's time zone) whatever
    # became of them since: only an approval sets protected_until.
    only, only_params = only_partners("d.partner_id", partner_ids)
    return (
        "SELECT d.partner_id, count(*)::numeric AS value FROM deals_deal d"  # noqa: S608
        " JOIN tenancy_tenant t ON t.id = d.tenant_id"
        " WHERE d.tenant_id = %s AND d.protected_until IS NOT NULL AND d.decided_at IS NOT NULL"
        f" AND {_on_days('d.decided_at')}"
        f"{only} GROUP BY d.partner_id",
        [tenant_id, window_start(as_of, window_days), as_of, *only_params],
    )


def win_rate_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    # Of the deals closed within the window (won on their win day, lost on the day they were marked
    # lost), the percentage won. A partner without a closed deal has no win rate (no row).
    only, only_params = only_partners("d.partner_id", partner_ids)
    return (
        "SELECT d.partner_id, round(100.0 * count(*) FILTER (WHERE d.status = 'won') / count(*), 2) AS value"  # noqa: S608
        " FROM deals_deal d JOIN tenancy_tenant t ON t.id = d.tenant_id"
        " WHERE d.tenant_id = %s AND ("
        "   (d.status = 'won' AND d.won_on <= %s AND d.won_on >= %s)"
        f"   OR (d.status = 'lost' AND {_on_days('d.updated_at')}))"
        f"{only} GROUP BY d.partner_id",
        [tenant_id, as_of, window_start(as_of, window_days), window_start(as_of, window_days), as_of, *only_params],
    )


def registrations_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    # Registrations submitted (sent for review) on a day of the window, whatever became of them.
    only, only_params = only_partners("d.partner_id", partner_ids)
    return (
        "SELECT d.partner_id, count(*)::numeric AS value FROM deals_deal d"  # noqa: S608
        " JOIN tenancy_tenant t ON t.id = d.tenant_id"
        f" WHERE d.tenant_id = %s AND d.submitted_at IS NOT NULL AND {_on_days('d.submitted_at')}"
        f"{only} GROUP BY d.partner_id",
        [tenant_id, window_start(as_of, window_days), as_of, *only_params],
    )


def register_metrics() -> None:
    register_metric("deals.trailing_revenue", sql=trailing_revenue_sql)
    register_metric("deals.approved_registrations", sql=approved_registrations_sql)
    register_metric("deals.win_rate", sql=win_rate_sql)
    register_metric("deals.registrations", sql=registrations_sql)
