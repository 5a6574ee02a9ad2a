"""The operator's page in ``make run``'s demo: a few periodic runs per tenant and one failed task,
so that the page (signed in as root@prm.example on the bare domain) is not empty before beat has
run anything. Through the same services the Celery signals use; fixed offsets from now, so each
load looks alike. Loading again adds no row (the runs are upserted, the failure has a fixed id).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from prm.web.demo_kit import Demo

from .models import Outcome
from .services import failed_task_record, periodic_run_record, platform_periodic_tasks, tenant_periodic_tasks

# Of each tenant's periodic tasks (in name order), how many show a run: acme more than globex.
RUNS_SHOWN = (5, 3)


def load(demo: Demo) -> None:
    now = timezone.now().replace(microsecond=0)
    tasks = tenant_periodic_tasks()[: RUNS_SHOWN[demo.seed % len(RUNS_SHOWN)]]
    for index, task in enumerate(tasks):
        started = now - timedelta(minutes=7 * (index + 1) + demo.seed)
        failed = demo.seed == 0 and index == len(tasks) - 1
        periodic_run_record(
            task_name=task,
            tenant_id=demo.tenant.pk,
            started_at=started,
            finished_at=started + timedelta(milliseconds=180 + 45 * index),
            outcome=Outcome.RETRYING if failed else Outcome.OK,
            error="OperationalError: the database closed the connection (demo)" if failed else "",
        )
    if demo.seed != 0:
        return
    for index, task in enumerate(platform_periodic_tasks()[:3]):
        started = now - timedelta(minutes=5 * (index + 1))
        periodic_run_record(
            task_name=task,
            tenant_id=None,
            started_at=started,
            finished_at=started + timedelta(milliseconds=40),
            outcome=Outcome.OK,
        )
    # One failure, of a real per-tenant task: "Retry" on the page sends it again, harmlessly.
    if tasks:
        failed_task_record(
            task_id=f"demo-{demo.tenant.slug}-failed-task",
            task_name=tasks[0],
            args=[],
            kwargs={"tenant_id": demo.tenant.pk},
            exception="OperationalError: server closed the connection unexpectedly (demo)",
            traceback=(
                "Traceback (most recent call last):\n"
                '  File "django/db/backends/utils.py", line 105, in _execute\n'
                "psycopg2.OperationalError: server closed the connection unexpectedly (demo)\n"
            ),
            failed_at=now - timedelta(hours=2),
        )
    demo.notes.append(
        f"{demo.tenant.slug}: the operator's page (/operations/ on the bare domain) shows "
        f"{len(tasks)} periodic runs and a failed task"
    )
