"""What the platform operator's page reads besides the tenants' own tables: the last run of every
periodic task per tenant, and the tasks that failed for good.

Both are platform records (``platform_only``): written by the Celery signals of every worker
(``signals.py``) through the platform connection, read by platform superusers on the bare
domain. They carry a tenant, yet they are no tenant's rows (a failure's traceback is the
operator's business, not the vendor's): the app and partner roles have no privilege on these
tables at all (``prm.tenancy.rls``), so they need no row-level policy, and neither a tenant's
export nor a tenant move takes them along.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import Tenant


class Outcome(models.TextChoices):
    OK = "ok", _("ok")
    FAILED = "failed", _("failed")
    # This attempt failed; Celery tries again later (a tenant task's bounded backoff).
    RETRYING = "retrying", _("failed, will retry")


class PeriodicRun(models.Model):
    """The last run of one periodic task for one tenant (``tenant`` empty: a platform-wide task,
    such as a fan-out or the outbox sweep).

    One row per (tenant, task), overwritten by each run with one upsert (``periodic_run_record``):
    the table stays as small as tenants x periodic tasks, and writing it costs a worker one
    statement per run.
    """

    platform_only = True

    # No index of its own: the unique constraint below leads with it.
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    task_name = models.CharField(_("task"), max_length=200)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    error = models.CharField(_("error"), max_length=500, blank=True)
    # How many runs the row has seen: a task that runs far more (or less) often than its schedule
    # says shows here.
    run_count = models.PositiveIntegerField(_("runs"), default=1)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        constraints = [
            # The upsert's conflict target; NULLS NOT DISTINCT so that a platform-wide task (no
            # tenant) also has one row. Leads with tenant: the page reads the runs of a page of
            # tenants (and of none).
            models.UniqueConstraint(
                fields=["tenant", "task_name"], nulls_distinct=False, name="periodic_run_tenant_task_uniq"
            ),
        ]

    def __str__(self):
        return f"{self.task_name} ({self.tenant_id or '-'})"


class FailedTask(models.Model):
    """A Celery task that failed for good: it raised, and no retry was left (a task that will be
    retried is no failure yet). Kept with its arguments so that an operator can send it again
    with the same ones (``failed_task_retry``), once."""

    platform_only = True

    # Celery's id of the failed task: a message delivered twice that fails twice is one failure.
    task_id = models.CharField(max_length=255, unique=True)
    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    # From the task's ``tenant_id`` argument, when it has one (every tenant task does).
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    exception = models.CharField(_("exception"), max_length=500)
    traceback = models.TextField(_("traceback"), blank=True)
    failed_at = models.DateTimeField(_("failed"))
    # Who sent it again, and when: an audit of the retry (events are tenants' rows). An e-mail
    # rather than a key: a user's row may go (privacy erasure) while the record stays.
    retried_at = models.DateTimeField(_("retried"), null=True, blank=True)
    retried_by = models.CharField(_("retried by"), max_length=254, blank=True)
    retry_task_id = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("failed task")
        verbose_name_plural = _("failed tasks")
        indexes = [
            # The operator's page: newest failures first, a page at a time.
            models.Index(fields=["-failed_at", "-id"], name="failed_task_recent_idx"),
        ]

    def __str__(self):
        return f"{self.task_name} {self.task_id}"
