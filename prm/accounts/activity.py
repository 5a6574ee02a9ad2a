"""Portal use per person and day (``PortalActivity``), for the engagement a scorecard measures."""

from __future__ import annotations

from django.db import connection

from prm.tenancy.time import tenant_clock

SESSION_KEY = "prm_active_on"


def portal_day_record(request) -> None:
    """Record that the request's partner user used the portal today, once a day: the session
    (already loaded to find the user) keeps the day it last recorded, so only the first request of
    a day writes a row (and saves the session)."""
    membership = request.membership
    session = getattr(request, "session", None)
    if membership is None or membership.partner_id is None or session is None:
        return
    today = tenant_clock(request.tenant)[0]  # the request's tenant row: no query
    if session.get(SESSION_KEY) == today.isoformat():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_portalactivity (tenant_id, membership_id, partner_id, day)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [membership.tenant_id, membership.pk, membership.partner_id, today],
        )
    session[SESSION_KEY] = today.isoformat()
