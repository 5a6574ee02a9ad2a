"""Thin Celery tasks of incentives: load by id inside the tenant scope, call a service."""

from __future__ import annotations

from deals.models import Deal
from prm.events.tasks import fan_out_task, tenant_task

from .services.payouts import STATEMENTS_TASK, payout_statements
from .services.rebates import rebates_accrue_all, rebates_clawback_for_deal
from .services.spiffs import spiff_claims_clawback_for_deal, spiff_claims_for_win

SPIFFS_FOR_WIN = "incentives.spiffs_for_win"
SPIFFS_CLAWBACK = "incentives.spiffs_clawback"


@tenant_task(SPIFFS_FOR_WIN)
def spiffs_for_win_task(*, deal_id: int) -> int:
    """The SPIFF claims a confirmed win earns (sent through the outbox by the ``deal.won`` event)."""
    deal = Deal.objects.filter(pk=deal_id).first()
    return len(spiff_claims_for_win(deal=deal)) if deal is not None else 0


@tenant_task(STATEMENTS_TASK)
def payout_statements_task(*, run_id: int) -> int:
    """The PDF statements of an approved run (sent through the outbox by the approval)."""
    return payout_statements(run_id=run_id)


@tenant_task(SPIFFS_CLAWBACK)
def spiffs_clawback_task(*, deal_id: int, reason: str = "") -> int:
    """Take back what a reversed win earned (sent through the outbox by ``deal.win_reversed``): its
    SPIFFs, and its part of the rebates of quarters already closed (each safe to run again)."""
    reason = reason or "Win reversed"
    taken = spiff_claims_clawback_for_deal(deal_id=deal_id, reason=reason)
    return taken + rebates_clawback_for_deal(deal_id=deal_id, reason=reason)


@tenant_task("incentives.rebates_accrue")
def rebates_accrue_task() -> int:
    """Measure every active rebate plan's current quarter for one tenant (nightly)."""
    return rebates_accrue_all()


rebates_accrue_all_task = fan_out_task("incentives.rebates_accrue_all", rebates_accrue_task)


@tenant_task("incentives.mdf_expire")
def mdf_expire_task() -> int:
    """Expire overdue MDF activities and what ended budgets have left, for one tenant (nightly)."""
    from .services.mdf import mdf_expire

    result = mdf_expire()
    return result.requests + result.postings


mdf_expire_all_task = fan_out_task("incentives.mdf_expire_all", mdf_expire_task)


@tenant_task("incentives.payout_run_scheduled")
def payout_run_scheduled_task() -> int:
    """The payout schedule's draft run for the month or quarter that ended, for one tenant (nightly)."""
    from .services.payouts import payout_run_scheduled

    return 1 if payout_run_scheduled() is not None else 0


payout_run_scheduled_all_task = fan_out_task("incentives.payout_run_scheduled_all", payout_run_scheduled_task)
