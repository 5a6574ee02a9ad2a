"""Isolation cases of prm.operations: the platform operator's page and its retry button.

Platform pages: on a tenant's host there is no such page (404, whoever asks, signed in or not);
on the bare domain a visitor who is not signed in is sent to sign in. That a signed-in person who
is not a platform superuser gets a 404 on the bare domain, and that a superuser gets the page,
is tests/operations/test_operator_page.py's (the walk has no platform-superuser role).
"""

from __future__ import annotations

from prm.operations.models import FailedTask
from prm.operations.services import failed_task_record

from ..isolation import LOGIN, PUBLIC, Case, in_platform

# Everyone the walk has on acme's host: no operator's page there.
_NOT_HERE = {
    "anonymous": 404,
    "anonymous@platform": LOGIN,
    "admin": 404,
    "manager": 404,
    "marketing": 404,
    "partner_admin": 404,
    "sales": 404,
    "other_tenant@host": 404,
}


def _failed_task(ctx) -> None:
    failed_task_record(
        task_id="isolation-failed-task",
        task_name="tests.operations.never_registered",
        args=[],
        kwargs={"tenant_id": ctx.side.tenant.pk},
        exception=RuntimeError("isolation walk"),
    )
    ctx.failed = in_platform(lambda ctx: FailedTask.objects.get(task_id="isolation-failed-task"))(ctx)


CASES = {
    "operations:operator_page": Case(area=PUBLIC, expect=dict(_NOT_HERE)),
    "operations:failed_task_retry": Case(
        area=PUBLIC,
        method="post",
        args=lambda ctx: [ctx.failed.pk],
        setup=_failed_task,
        effect=in_platform(lambda ctx: FailedTask.objects.filter(pk=ctx.failed.pk, retried_at__isnull=False).exists()),
        expect=dict(_NOT_HERE),
    ),
}

# Writes that take no input (the hostile-input fuzz has nothing to fuzz): the retry button.
NO_INPUT = {"operations:failed_task_retry"}
