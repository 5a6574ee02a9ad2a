"""Celery's signals, heard in every worker (and in the tests' eager runs), feeding the operator's
page: the last run of each periodic task per tenant, and every task that failed for good.

Connected once, in ``OperationsConfig.ready``. Recording only: no domain logic here. What is a
periodic task is read from the beat schedule and the fan-outs it names (``services``), so an app
that schedules a new fan-out shows on the page without telling this module anything.

Celery catches and logs an error a receiver raises (a database that is away), so recording can
never fail the task it records.
"""

from __future__ import annotations

import functools

from celery import signals
from celery.states import IGNORED, RETRY, SUCCESS
from django.conf import settings
from django.utils import timezone

from prm.events.tasks import FAN_OUTS

from .models import Outcome
from .services import failed_task_record, periodic_run_record, platform_periodic_tasks, tenant_periodic_tasks

# task id -> when it started, for the periodic tasks running in this process.
_started: dict = {}


@functools.lru_cache(maxsize=4)
def _periodic(schedule_id: int, fan_outs: int) -> tuple[frozenset[str], frozenset[str]]:
    # Every task a worker runs asks: worked out once per schedule (and per number of fan-outs
    # registered so far, which grows while the apps' task modules load).
    return frozenset(platform_periodic_tasks()), frozenset(tenant_periodic_tasks())


def _kind(task_name: str) -> str | None:
    """``"platform"``, ``"tenant"`` or None (not a periodic task)."""
    platform, tenant = _periodic(id(settings.CELERY_BEAT_SCHEDULE), len(FAN_OUTS))
    if task_name in platform:
        return "platform"
    if task_name in tenant:
        return "tenant"
    return None


def task_started(sender=None, task_id=None, task=None, **kwargs):
    if task is not None and _kind(task.name):
        _started[task_id] = timezone.now()


def task_finished(sender=None, task_id=None, task=None, kwargs=None, retval=None, state=None, **extra):
    started = _started.pop(task_id, None)
    if task is None or started is None:
        return
    kind = _kind(task.name)
    if kind is None:
        return
    if state in (SUCCESS, IGNORED):
        outcome, error = Outcome.OK, ""
    else:
        outcome = Outcome.RETRYING if state == RETRY else Outcome.FAILED
        # A retry's value is Celery's Retry; the error is the one it carries.
        exc = getattr(retval, "exc", None) or retval
        error = f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else str(exc or state)
    tenant_id = (kwargs or {}).get("tenant_id") if kind == "tenant" else None
    periodic_run_record(
        task_name=task.name,
        tenant_id=tenant_id if isinstance(tenant_id, int) else None,
        started_at=started,
        finished_at=timezone.now(),
        outcome=outcome,
        error=error,
    )


def task_failed(sender=None, task_id=None, exception=None, args=None, kwargs=None, einfo=None, **extra):
    # Sent only when the task's final state is FAILURE: a task that will be retried sends
    # task_retry instead, so what lands here failed for good.
    if sender is None or task_id is None:
        return
    failed_task_record(
        task_id=task_id,
        task_name=sender.name,
        args=args,
        kwargs=kwargs or {},
        exception=exception if exception is not None else "?",
        traceback=str(getattr(einfo, "traceback", "") or ""),
    )


def connect() -> None:
    signals.task_prerun.connect(task_started, weak=False, dispatch_uid="prm_operations_prerun")
    signals.task_postrun.connect(task_finished, weak=False, dispatch_uid="prm_operations_postrun")
    signals.task_failure.connect(task_failed, weak=False, dispatch_uid="prm_operations_failure")
