"""What the operator's page reads: tenants and their size, outbox backlogs, Celery queue depths,
periodic runs and failed tasks. Platform reads: the caller is in ``platform_scope()`` (the page's
request is, for a platform superuser on the bare domain).

Every figure is one set-based query over a page of tenants (``GROUP BY tenant_id``), never one
per tenant, so the page costs the same for 5 tenants as for 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import redis
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.utils import timezone

from prm.accounts.models import Membership
from prm.events.models import Event, OutboxMessage
from prm.tenancy.models import Tenant

from .models import FailedTask, PeriodicRun
from .queues import queue_lengths, queue_names
from .services import platform_periodic_tasks, tenant_periodic_tasks

TENANTS_PER_PAGE = 25
FAILED_PER_PAGE = 20


@dataclass
class TenantRow:
    """One tenant on the page: its size, its outbox backlog and its periodic runs."""

    tenant: Tenant
    partners: int = 0
    staff: int = 0
    partner_users: int = 0
    events: int = 0
    outbox_pending: int = 0
    outbox_oldest: datetime | None = None
    runs: list[PeriodicRun | None] = field(default_factory=list)  # in the order of the tasks

    @property
    def outbox_age_seconds(self) -> int | None:
        if self.outbox_oldest is None:
            return None
        return max(0, int((timezone.now() - self.outbox_oldest).total_seconds()))


@dataclass(frozen=True)
class QueueDepth:
    name: str
    depth: int | None  # None: the broker did not answer


def _partner_model():
    # The partner model is an app's; the foundation knows it only as what a membership's partner is.
    return Membership._meta.get_field("partner").related_model


def _count_per_tenant(queryset):
    """(tenant id, rows) for each tenant with rows in ``queryset``: one grouped query."""
    return queryset.values("tenant_id").annotate(n=Count("pk")).values_list("tenant_id", "n")


def tenant_rows(tenants: list[Tenant], tasks: list[str]) -> list[TenantRow]:
    """The page's tenants with their figures: four grouped queries for the sizes and backlog, one
    for the periodic runs, whatever the number of tenants."""
    rows = {tenant.pk: TenantRow(tenant=tenant) for tenant in tenants}
    ids = list(rows)
    if not ids:
        return []
    for tenant_id, count in _count_per_tenant(_partner_model().objects.filter(tenant_id__in=ids)):
        rows[tenant_id].partners = count
    for tenant_id, staff, partner_users in (
        Membership.objects.filter(tenant_id__in=ids, is_active=True)
        .values("tenant_id")
        .annotate(
            staff=Count("pk", filter=Q(partner__isnull=True)),
            partner_users=Count("pk", filter=Q(partner__isnull=False)),
        )
        .values_list("tenant_id", "staff", "partner_users")
    ):
        rows[tenant_id].staff, rows[tenant_id].partner_users = staff, partner_users
    for tenant_id, count in _count_per_tenant(Event.objects.filter(tenant_id__in=ids)):
        rows[tenant_id].events = count
    # Undelivered messages: the partial index outbox_undelivered_idx holds exactly these.
    for tenant_id, count, oldest in (
        OutboxMessage.objects.filter(tenant_id__in=ids, delivered_at__isnull=True)
        .values("tenant_id")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
        .values_list("tenant_id", "n", "oldest")
    ):
        rows[tenant_id].outbox_pending, rows[tenant_id].outbox_oldest = count, oldest
    runs = {
        (run.tenant_id, run.task_name): run
        for run in PeriodicRun.objects.filter(tenant_id__in=ids, task_name__in=tasks)
    }
    for row in rows.values():
        row.runs = [runs.get((row.tenant.pk, task)) for task in tasks]
    return list(rows.values())


def platform_runs(tasks: list[str]) -> list[tuple[str, PeriodicRun | None]]:
    """The last run of each platform-wide periodic task (None: never ran)."""
    runs = {run.task_name: run for run in PeriodicRun.objects.filter(tenant__isnull=True, task_name__in=tasks)}
    return [(task, runs.get(task)) for task in tasks]


def queue_depths() -> list[QueueDepth]:
    """Messages waiting in each queue. A broker that does not answer within a second gives no
    figures rather than no page."""
    try:
        lengths = queue_lengths()
    except redis.RedisError:
        lengths = {}
    return [QueueDepth(name, lengths.get(name)) for name in queue_names()]


@dataclass
class OperatorPage:
    tenants: object  # a Page of TenantRow
    tenant_tasks: list[str]
    platform_runs: list[tuple[str, PeriodicRun | None]]
    queues: list[QueueDepth]
    failed: object  # a Page of FailedTask
    failed_open: int  # not yet sent again, all pages


def operator_page(*, tenant_page: int | str = 1, failed_page: int | str = 1) -> OperatorPage:
    """Everything the operator's page shows, for one page of tenants and one of failed tasks."""
    tenant_tasks = tenant_periodic_tasks()
    tenants = Paginator(Tenant.objects.order_by("name", "pk"), TENANTS_PER_PAGE).get_page(tenant_page)
    tenants.object_list = tenant_rows(list(tenants.object_list), tenant_tasks)
    failed_all = FailedTask.objects.select_related("tenant").order_by("-failed_at", "-id")
    failed = Paginator(failed_all, FAILED_PER_PAGE).get_page(failed_page)
    failed.object_list = list(failed.object_list)
    return OperatorPage(
        tenants=tenants,
        tenant_tasks=tenant_tasks,
        platform_runs=platform_runs(platform_periodic_tasks()),
        queues=queue_depths(),
        failed=failed,
        failed_open=FailedTask.objects.filter(retried_at__isnull=True).count(),
    )
