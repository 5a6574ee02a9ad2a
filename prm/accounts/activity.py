"""Portal use per person and day (``PortalActivity``), for the engagement a scorecard measures."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

from prm.tenancy.time import tenant_clock

SESSION_KEY = "prm_active_on"
logger = logging.getLogger(__name__)


def portal_day_record(request) -> None:
    """Record that the request's partner user used the portal today, once a day: the session
    (already loaded to find the user) keeps the day it last recorded, so only the first request of
    a day writes a row (and saves the session)."""
    membership = request.membership
    session = getattr(request, "session", None)
    if membership is None or membership.partner_id is None or session is None:
        return
    day = tenant_clock(request.tenant)[0].isoformat()  # the request's tenant row: no query
    if session.get(SESSION_KEY) == day:
        return
    try:
        # In a savepoint: a failure (a read-only database in a failover, a lock timeout) costs the
        # day's record, never the page.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO accounts_portalactivity (tenant_id, membership_id, partner_id, day)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [membership.tenant_id, membership.pk, membership.partner_id, day],
            )
    except DatabaseError:
        logger.warning("portal day of membership %s not recorded", membership.pk, exc_info=True)
        return
    # A page that fails rolls the row back; the tenant middleware then forgets the day
    # (``portal_day_forget``), so the next page records it again.
    session[SESSION_KEY] = day


def portal_day_forget(request) -> None:
    """The request's transaction rolls back: whatever ``portal_day_record`` wrote with it too."""
    session = getattr(request, "session", None)
    if session is not None and SESSION_KEY in session:
        del session[SESSION_KEY]
