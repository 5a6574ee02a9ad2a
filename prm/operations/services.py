"""Writing the operator page's records: periodic runs and failed tasks (from the Celery signals of
``signals.py``), and sending a failed task again.

Workers run as the app role, which has no privilege on these tables (they are platform-only:
``models.py``), so every write here goes through ``platform_scope()``, the platform connection.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext

from prm.errors import InvalidTransition
from prm.events.tasks import FAN_OUTS
from prm.tenancy.db import platform_alias
from prm.tenancy.scope import platform_scope

from .models import FailedTask

logger = logging.getLogger(__name__)

# What a failure keeps of its traceback: the end, where the error is.
TRACEBACK_EXCERPT = 4000


def platform_periodic_tasks() -> list[str]:
    """The tasks beat sends (``CELERY_BEAT_SCHEDULE``), by name: platform-wide runs."""
    return sorted({entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()})


def tenant_periodic_tasks() -> list[str]:
    """The per-tenant tasks that the scheduled fan-outs send (``prm.events.tasks.fan_out_task``
    registers each fan-out's tasks), by name: a run per tenant."""
    return sorted({child for name in platform_periodic_tasks() for child in FAN_OUTS.get(name, ())})


def _json(value) -> str:
    # Worker messages are JSON already; an eager call may pass what JSON cannot hold: its repr.
    try:
        return json.dumps(value, cls=DjangoJSONEncoder)
    except (TypeError, ValueError):
        return json.dumps(repr(value))


def periodic_run_record(
    *,
    task_name: str,
    tenant_id: int | None,
    started_at: datetime,
    finished_at: datetime,
    outcome: str,
    error: str = "",
) -> None:
    """Keep this run as the last of (tenant, task): one upsert, one statement.

    A run that started before the one on record (two workers finishing out of order) leaves the
    record alone. A tenant id that names no tenant (deleted meanwhile) is kept as a platform run
    rather than failing on the foreign key.
    """
    duration_ms = max(0, round((finished_at - started_at).total_seconds() * 1000))
    with platform_scope(), connections[platform_alias()].cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO operations_periodicrun
                   (tenant_id, task_name, started_at, finished_at, duration_ms, outcome, error, run_count)
            VALUES ((SELECT id FROM tenancy_tenant WHERE id = %s), %s, %s, %s, %s, %s, %s, 1)
            ON CONFLICT (tenant_id, task_name) DO UPDATE
               SET started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
                   duration_ms = EXCLUDED.duration_ms, outcome = EXCLUDED.outcome, error = EXCLUDED.error,
                   run_count = operations_periodicrun.run_count + 1
             WHERE operations_periodicrun.started_at <= EXCLUDED.started_at
            """,
            [tenant_id, task_name, started_at, finished_at, duration_ms, outcome, error[:500]],
        )


def failed_task_record(
    *,
    task_id: str,
    task_name: str,
    args,
    kwargs: dict,
    exception: BaseException | str,
    traceback: str = "",
    failed_at: datetime | None = None,
) -> None:
    """Keep a task that failed for good, with what it was called with (to send it again). The
    same task id failing twice (a redelivered message) is kept once."""
    if isinstance(exception, BaseException):
        exception = f"{type(exception).__name__}: {exception}"
    tenant_id = kwargs.get("tenant_id") if isinstance(kwargs, dict) else None
    with platform_scope(), connections[platform_alias()].cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO operations_failedtask
                   (task_id, task_name, args, kwargs, tenant_id, exception, traceback, failed_at,
                    retried_by, retry_task_id)
            VALUES (%s, %s, %s::jsonb, %s::jsonb, (SELECT id FROM tenancy_tenant WHERE id = %s), %s, %s, %s, '', '')
            ON CONFLICT (task_id) DO NOTHING
            """,
            [
                task_id,
                task_name,
                _json(list(args or ())),
                _json(dict(kwargs or {})),
                tenant_id if isinstance(tenant_id, int) else None,
                exception[:500],
                traceback[-TRACEBACK_EXCERPT:],
                failed_at or timezone.now(),
            ],
        )


def failed_task_retry(*, failed_task_id: int, by) -> FailedTask:
    """Send a failed task again, with the arguments it failed with, once: the first of two clicks
    sends it, the second finds it sent and raises ``InvalidTransition``.

    The row is locked while the task is sent, so two operators (or a double click) cannot both
    send it. The message goes to the broker inside that transaction, before the record says
    "retried", rather than after the commit as side effects usually do: the task reads nothing
    this transaction writes, and a broker that refuses the message then rolls the record back,
    leaving the button for a later try, where an after-commit send would have marked it retried
    with nothing sent. (A commit that fails after the send, rare, leaves the button too.)

    Not through the outbox: its messages are a tenant's rows and carry that tenant's
    ``tenant_id``/``outbox_id`` into the task, which only tenant tasks accept; a failed task may
    be platform-wide (a fan-out, the outbox sweep). A tenant task that came through the outbox is
    sent with its ``outbox_id`` again, so it still claims its message and does nothing if another
    delivery has done the work since.
    """
    with platform_scope(), transaction.atomic(using=platform_alias()):
        failed = FailedTask.objects.select_for_update().get(pk=failed_task_id)
        if failed.retried_at is not None:
            raise InvalidTransition(gettext("This task was already sent again."))
        task = current_app.tasks.get(failed.task_name)
        if task is not None:
            # Registered here: its own routing and options (eager in the tests: it runs now).
            result = task.apply_async(args=failed.args, kwargs=failed.kwargs)
        else:
            result = current_app.send_task(failed.task_name, args=failed.args, kwargs=failed.kwargs)
        failed.retried_at = timezone.now()
        failed.retried_by = getattr(by, "email", "") or str(by)
        failed.retry_task_id = result.id or ""
        failed.save(update_fields=["retried_at", "retried_by", "retry_task_id"])
    logger.info("operations: %s sent failed task %s (%s) again", failed.retried_by, failed.pk, failed.task_name)
    return failed
