"""The content library's metric for tiers and scorecards (registered from ``marketing.metrics``):
content engagement, the number of distinct library assets a partner's people viewed or
downloaded on a day of the window (from ``AssetActivity``; a partner that opened nothing has no
row, which counts as zero). Distinct assets rather than downloads: a partner that reads ten
brochures is more engaged than one that downloads the same one ten times, and a reload does not
inflate it. Same signature and shape as every metric (``programs.hooks.MetricSQL``)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_noop

from programs.hooks import only_partners, register_metric, window_start

CONTENT_ENGAGEMENT = "marketing.content_engagement"


def content_engagement_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    # The window's days are the vendor's (its time zone): bounds as instants, so that the
    # (tenant, partner, at) index serves the range.
    only, only_params = only_partners("a.partner_id", partner_ids)
    return (
        "SELECT a.partner_id, count(DISTINCT a.asset_id)::numeric AS value"  # noqa: S608
        " FROM marketing_assetactivity a JOIN tenancy_tenant t ON t.id = a.tenant_id"
        " WHERE a.tenant_id = %s"
        " AND a.at >= (%s::date)::timestamp AT TIME ZONE t.time_zone"
        " AND a.at < (%s::date + 1)::timestamp AT TIME ZONE t.time_zone"
        f"{only} GROUP BY a.partner_id",
        [tenant_id, window_start(as_of, window_days), as_of, *only_params],
    )


def register_metrics() -> None:
    register_metric(
        CONTENT_ENGAGEMENT,
        sql=content_engagement_sql,
        label=gettext_noop("Library assets viewed or downloaded"),
        provider=gettext_noop("marketing"),
    )
