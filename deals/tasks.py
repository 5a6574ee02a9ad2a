"""Background work of deal registration: the periodic sweep (reminders, escalations, expiry),
and the pipeline dashboard's figures, one task of each per tenant."""

from __future__ import annotations

import logging

from celery import shared_task

from prm.events.tasks import tenant_task
from prm.tenancy.models import Tenant
from prm.tenancy.scope import platform_scope

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


@shared_task(name="deals.sweep_all")
def deals_sweep_all_task() -> int:
    """Fan out: one sweep task and one pipeline refresh per active tenant, so one tenant's
    failure (retried with backoff) does not hold up the others."""
    with platform_scope():
        tenant_ids = list(Tenant.objects.filter(is_active=True).values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        deals_sweep_task.delay(tenant_id=tenant_id)
        pipeline_refresh_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)
