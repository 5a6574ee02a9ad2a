"""The API's background work: webhook delivery, its sweep, and forgetting old idempotency keys."""

from datetime import timedelta

from django.utils import timezone

from prm.events.tasks import fan_out_task, tenant_task

from . import webhooks
from .models import IdempotencyRecord

# An idempotency key is honoured for a day (a client retries within minutes).
IDEMPOTENCY_KEPT = timedelta(hours=24)


@tenant_task(webhooks.DELIVER_TASK, max_retries=3)
def webhook_deliver_task(*, endpoint_id: int) -> int:
    return webhooks.webhook_deliver(endpoint_id=endpoint_id)


@tenant_task("api.webhooks_sweep")
def webhooks_sweep_task() -> int:
    return webhooks.webhooks_sweep()


@tenant_task("api.idempotency_purge")
def idempotency_purge_task() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_KEPT).delete()
    return deleted


webhooks_sweep_all = fan_out_task("api.webhooks_sweep_all", webhooks_sweep_task)
idempotency_purge_all = fan_out_task("api.idempotency_purge_all", idempotency_purge_task)
