"""Background work of the programs app: tier evaluation, nightly for every tenant and after the
events that move a partner's metrics (through the outbox)."""

from __future__ import annotations

import logging

from celery import shared_task

from prm.events.tasks import tenant_task
from prm.tenancy.models import Tenant
from prm.tenancy.scope import platform_scope

from .services.tiers import EVALUATE_TASK, tier_evaluate

logger = logging.getLogger(__name__)


@tenant_task(EVALUATE_TASK)
def tier_evaluate_task(*, partner_ids: list[int] | None = None) -> dict:
    """Evaluate one tenant (all partners, or the ones an event named). Safe to run twice: a
    second run finds nothing new to promote or propose, and a review date is passed once."""
    summary = tier_evaluate(partner_ids=partner_ids)
    logger.info("tier evaluation: %s", summary)
    return summary.__dict__


@shared_task(name="programs.tier_evaluate_all")
def tier_evaluate_all_task() -> int:
    """The nightly run: one evaluation task per active tenant, so tenants run in parallel on
    the workers and one tenant's failure (retried with backoff) does not hold up the others."""
    with platform_scope():
        tenant_ids = list(Tenant.objects.filter(is_active=True).values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        tier_evaluate_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)
