"""The metrics scorecards measure for the registry (the same signature as every metric,
``programs.hooks.MetricSQL``): portal engagement, from the days partner users used the portal
(``accounts.PortalActivity``), and the ratings given in relationship reviews."""

from __future__ import annotations

from datetime import date

from programs.hooks import only_partners, register_metric, window_start

ENGAGEMENT = "partners.portal_engagement"
RATING = "reviews.rating"


def portal_engagement_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    # Of the partner's people with portal access at the end of as_of, the percentage who used the
    # portal on a day of the window. A partner without people has no engagement (no row).
    only, only_params = only_partners("m.partner_id", partner_ids)
    return (
        "SELECT m.partner_id, round(100.0 * count(*) FILTER (WHERE EXISTS ("  # noqa: S608
        "   SELECT 1 FROM accounts_portalactivity a WHERE a.tenant_id = m.tenant_id"
        "   AND a.membership_id = m.id AND a.day <= %s AND a.day >= %s)) / count(*), 2) AS value"
        " FROM accounts_membership m"
        " WHERE m.tenant_id = %s AND m.partner_id IS NOT NULL AND m.created_at < %s::date + 1"
        f" AND (m.is_active OR m.deactivated_at >= %s::date + 1){only}"
        " GROUP BY m.partner_id",
        [as_of, window_start(as_of, window_days), tenant_id, as_of, as_of, *only_params],
    )


def review_rating_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    # The average rating (1-5) given in relationship reviews held within the window, on one
    # criterion (param) or on all. A partner not rated in the window has no rating (no row).
    only, only_params = only_partners("r.partner_id", partner_ids)
    return (
        "SELECT r.partner_id, round(avg(r.rating), 2) AS value FROM scorecards_reviewrating r"  # noqa: S608
        " WHERE r.tenant_id = %s AND r.rated_on <= %s AND r.rated_on >= %s AND (%s = '' OR r.criterion = %s)"
        f"{only} GROUP BY r.partner_id",
        [tenant_id, as_of, window_start(as_of, window_days), param, param, *only_params],
    )


def register_metrics() -> None:
    register_metric(ENGAGEMENT, sql=portal_engagement_sql)
    register_metric(RATING, sql=review_rating_sql)
