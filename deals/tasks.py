"""Background work of deal registration: the periodic sweep (reminders, escalations, expiry),
and the pipeline dashboard's figures, one task of each per tenant."""

from __future__ import annotations

import logging

from prm.events.tasks import fan_out_task, tenant_task

from .services import deals_sweep, pipeline_refresh

logger = logging.getLogger(__name__)


@tenant_task("deals.sweep")
def deals_sweep_task() -> dict:
    """Sweep one tenant. Safe to run twice: reminders, escalations and expiries happen once."""
    summary = deals_sweep()
    logger.info("deals sweep: %s", summary)
    return summary.__dict__


@tenant_task("deals.pipeline_refresh")
def pipeline_refresh_task() -> int:
    """Recompute one tenant's pipeline dashboard; returns how long the queries took (ms)."""
    snapshot = pipeline_refresh()
    logger.info("pipeline figures computed in %s ms", snapshot.duration_ms)
    return snapshot.duration_ms


# Every 15 minutes (beat): one sweep and one pipeline refresh per active tenant.
deals_sweep_all_task = fan_out_task("deals.sweep_all", deals_sweep_task, pipeline_refresh_task)
