"""The tier metrics e-learning measures (registered from ``learning.wiring.certification``), on
the registry's contract (``programs.hooks.MetricSQL``): ``(partner_id, value)`` for the tenant's
partners that have any, as of a date.

* ``learning.certified_people`` (parameter: a certification code): the partner's people (active
  users of that partner on the day) holding a certificate of that certification valid on the day
  (issued by then, not past its expiry, not revoked by then). A renewal's two certificates count
  the person once.
* ``learning.competencies`` (parameter: optionally a competency code): the competencies the partner
  held on the day (its holding history, in the vendor's time zone); with a code, 1 when it held
  that one.
"""

from __future__ import annotations

from datetime import date

from programs.hooks import only_partners, register_metric


def certified_people_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    only, only_params = only_partners("m.partner_id", partner_ids)
    # Only the fixed partner filter is interpolated; every value is a parameter.
    return (
        "SELECT m.partner_id, count(DISTINCT c.holder_id)::numeric AS value FROM learning_certificate c"  # noqa: S608
        " JOIN learning_certification z ON z.id = c.certification_id AND z.tenant_id = c.tenant_id"
        " JOIN accounts_membership m ON m.id = c.holder_id AND m.tenant_id = c.tenant_id"
        " JOIN tenancy_tenant t ON t.id = c.tenant_id"
        " WHERE c.tenant_id = %s AND (%s = '' OR z.code = %s) AND c.issued_on <= %s"
        " AND (c.expires_on IS NULL OR c.expires_on >= %s)"
        " AND NOT (c.status = 'revoked' AND (c.status_changed_at AT TIME ZONE t.time_zone)::date <= %s)"
        " AND m.partner_id IS NOT NULL AND m.created_at < %s::date + 1"
        f" AND (m.is_active OR m.deactivated_at >= %s::date + 1){only}"
        " GROUP BY m.partner_id",
        [tenant_id, param, param, as_of, as_of, as_of, as_of, as_of, *only_params],
    )


def competencies_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    only, only_params = only_partners("h.partner_id", partner_ids)
    code, code_params = (" AND k.code = %s", [param]) if param else ("", [])
    return (
        "SELECT h.partner_id, count(DISTINCT h.competency_id)::numeric AS value"  # noqa: S608
        " FROM learning_competencyholding h"
        " JOIN learning_competency k ON k.id = h.competency_id AND k.tenant_id = h.tenant_id"
        " JOIN tenancy_tenant t ON t.id = h.tenant_id"
        " WHERE h.tenant_id = %s AND (h.gained_at AT TIME ZONE t.time_zone)::date <= %s"
        f" AND (h.lost_at IS NULL OR (h.lost_at AT TIME ZONE t.time_zone)::date > %s){code}{only}"
        " GROUP BY h.partner_id",
        [tenant_id, as_of, as_of, *code_params, *only_params],
    )


def expiring_certificates_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    # Active certificates of the partner's current people that expire after as_of and within the
    # window ahead of it (the window looks forward here); a renewal marks the old one renewed.
    only, only_params = only_partners("c.partner_id", partner_ids)
    return (
        "SELECT c.partner_id, count(*)::numeric AS value FROM learning_certificate c"  # noqa: S608
        " JOIN accounts_membership m ON m.id = c.holder_id AND m.tenant_id = c.tenant_id"
        " WHERE c.tenant_id = %s AND c.status = 'active' AND c.expires_on > %s"
        " AND c.expires_on <= %s::date + %s AND m.is_active"
        f"{only} GROUP BY c.partner_id",
        [tenant_id, as_of, as_of, window_days, *only_params],
    )


def register_metrics() -> None:
    register_metric("learning.certified_people", sql=certified_people_sql)
    register_metric("learning.competencies", sql=competencies_sql)
    register_metric("learning.expiring_certificates", sql=expiring_certificates_sql)
