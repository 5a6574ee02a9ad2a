"""Thin Celery tasks of announcements: re-enter the tenant scope, call a service (both safe to run
twice: a delivered announcement has ``delivered_at``, a digest moves ``last_digest_at``)."""

from __future__ import annotations

from prm.events.tasks import fan_out_task, tenant_task

from .services.announcements import announcement_digests, announcements_deliver


@tenant_task("marketing.announcements_deliver")
def announcements_deliver_task() -> int:
    """E-mail one tenant's announcements whose time has come (each once)."""
    return announcements_deliver()


# Every 5 minutes (beat): one delivery per active tenant.
announcements_deliver_all_task = fan_out_task("marketing.announcements_deliver_all", announcements_deliver_task)


@tenant_task("marketing.announcement_digests")
def announcement_digests_task() -> int:
    """One tenant's daily and weekly digests of announcements."""
    return announcement_digests()


# 06:40 daily (beat): the digests of every active tenant.
announcement_digests_all_task = fan_out_task("marketing.announcement_digests_all", announcement_digests_task)
