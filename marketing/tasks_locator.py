"""Thin Celery tasks of the partner locator: re-enter the tenant scope, call a service."""

from __future__ import annotations

from prm.events.tasks import fan_out_task, tenant_task

from .services.locator import locator_sweep


@tenant_task("marketing.locator_sweep")
def locator_sweep_task() -> dict:
    """Prompt the stale public profiles of one tenant and hide those prompted too long ago (safe
    to run twice: a prompted profile is not prompted again, a hidden one not hidden again)."""
    summary = locator_sweep()
    return {"prompted": summary.prompted, "hidden": summary.hidden}


# 04:40 nightly (beat): one sweep per active tenant.
locator_sweep_all_task = fan_out_task("marketing.locator_sweep_all", locator_sweep_task)
