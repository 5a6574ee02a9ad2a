"""Background work of the programs app: tier evaluation, nightly for every tenant and after the
events that move a partner's metrics (through the outbox)."""

from __future__ import annotations

import logging

from prm.events.tasks import fan_out_task, tenant_task

from .services.evaluation import EVALUATE_TASK, tier_evaluate

logger = logging.getLogger(__name__)


@tenant_task(EVALUATE_TASK)
def tier_evaluate_task(*, partner_ids: list[int] | None = None) -> dict:
    """Evaluate one tenant (all partners, or the ones an event named). Safe to run twice: a
    second run finds nothing new to promote or propose, and a review date is passed once."""
    summary = tier_evaluate(partner_ids=partner_ids)
    logger.info("tier evaluation: %s", summary)
    return summary.__dict__


# Nightly (beat): one evaluation task per active tenant.
tier_evaluate_all_task = fan_out_task("programs.tier_evaluate_all", tier_evaluate_task)
