"""The task decorator every tenant's background work uses, and the outbox sweep."""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from prm.tenancy.models import Tenant
from prm.tenancy.scope import platform_scope, tenant_scope

from .models import OutboxMessage
from .services import outbox_mark_delivered, outbox_relay

# A published message not delivered by then is presumed lost with a broker and sent again.
REPUBLISH_AFTER = timedelta(minutes=5)
# Fresh messages belong to the after-commit relay; the sweep leaves them alone.
SWEEP_GRACE = timedelta(seconds=10)


def tenant_task(name: str, **options):
    """Declare a Celery task that runs for one tenant.

    The task takes ``tenant_id`` (and ids, never objects), runs the body inside that tenant's
    scope and transaction, and, when it came through the outbox, claims its message first so a
    second delivery does nothing. Failures retry with exponential backoff, a bounded number of
    times.
    """

    def decorator(body):
        @shared_task(
            name=name,
            bind=True,
            autoretry_for=(Exception,),
            retry_backoff=True,
            retry_backoff_max=600,
            retry_jitter=True,
            max_retries=options.pop("max_retries", 6),
            **options,
        )
        @functools.wraps(body)
        def run(self, *, tenant_id: int, outbox_id: int | None = None, **kwargs):
            with tenant_scope(tenant_id):
                if outbox_id is not None and not outbox_mark_delivered(outbox_id=outbox_id):
                    return None
                return body(**kwargs)

        return run

    return decorator


# Each fan-out task's name -> the names of the per-tenant tasks it sends (``fan_out_task``), so
# platform code (the operator's page: prm/operations) knows every periodic task per tenant
# without importing an app.
FAN_OUTS: dict[str, tuple[str, ...]] = {}


def fan_out_task(name: str, *tasks):
    """Declare a periodic task that sends each of ``tasks`` (``tenant_task``s) once per active
    tenant, so tenants run in parallel on the workers and one tenant's failure (retried with
    backoff) holds up no other. Returns the number of tenants. Beat schedules it by ``name``.

    Reading the tenants needs no scope: ``Tenant`` is the platform's table, not a tenant's rows.
    """

    @shared_task(name=name)
    def fan_out() -> int:
        tenant_ids = list(Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
        for tenant_id in tenant_ids:
            for task in tasks:
                task.delay(tenant_id=tenant_id)
        return len(tenant_ids)

    FAN_OUTS[name] = tuple(task.name for task in tasks)
    fan_out.__doc__ = f"Fan out: {', '.join(FAN_OUTS[name])} for every active tenant."
    return fan_out


@shared_task(name="prm.events.outbox_sweep")
def outbox_sweep_task(limit: int = 2000) -> int:
    """Publish every undelivered message the after-commit relay could not (or lost)."""
    now = timezone.now()
    with platform_scope():
        pending = list(
            OutboxMessage.objects.filter(delivered_at__isnull=True, created_at__lt=now - SWEEP_GRACE)
            .filter(Q(published_at__isnull=True) | Q(published_at__lt=now - REPUBLISH_AFTER))
            .order_by("created_at")
            .values_list("tenant_id", "id")[:limit]
        )
    by_tenant: dict[int, list[int]] = defaultdict(list)
    for tenant_id, message_id in pending:
        by_tenant[tenant_id].append(message_id)
    return sum(outbox_relay(tenant_id=tenant, message_ids=ids) for tenant, ids in by_tenant.items())
