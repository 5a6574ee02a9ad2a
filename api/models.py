"""What the REST API and the webhooks keep: idempotency records of POSTs, webhook endpoints,
their messages (one per event per endpoint, retried with the same id) and every attempt."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from prm.tenancy.models import TenantOwned
from prm.web.files import private_upload_path


class IdempotencyRecord(TenantOwned):
    """A POST made with an ``Idempotency-Key``: the first one's response, replayed to a retry.

    Unique per credential and key; the row is inserted before the work, in the same transaction,
    so a concurrent retry waits for the first to commit and then replays it."""

    credential = models.CharField(max_length=40)  # "key:<id>" or "member:<id>"
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # the method, path and body's SHA-256
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "credential", "key"], name="idempotency_once"),
        ]
        indexes = [models.Index(fields=["tenant", "created_at"], name="idempotency_age_idx")]


class WebhookEndpoint(TenantOwned):
    """An address the tenant (or one of its partners, ``partner``) wants events posted to."""

    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    owner = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Event types (verbs) wanted; empty: every type the endpoint may receive.
    event_types = models.JSONField(default=list, blank=True)
    # ``whsec_...`` (Standard Webhooks), encrypted at rest (prm/accounts/mfa_secrets.py's keys).
    secret = models.TextField()
    previous_secret = models.TextField(blank=True)
    previous_valid_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        indexes = [models.Index(fields=["tenant", "partner", "is_active"], name="webhook_endpoint_idx")]

    def __str__(self):
        return self.url

    def wants(self, verb: str) -> bool:
        return not self.event_types or verb in self.event_types


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")  # gave up: the endpoint was disabled


class WebhookMessage(TenantOwned):
    """One event for one endpoint. ``msg_id`` is the ``webhook-id`` of every attempt, so a
    receiver recognises a retry. An endpoint's messages are delivered one at a time in order."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages", db_index=False)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    msg_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "msg_id"], name="webhook_message_id_unique")]
        indexes = [
            # The endpoint's log, newest first.
            models.Index(fields=["tenant", "endpoint", "-id"], name="webhook_message_log_idx"),
            # The sender's queue: what is still to deliver, per endpoint, in order.
            models.Index(
                fields=["tenant", "endpoint", "id"],
                condition=Q(status="pending"),
                name="webhook_message_pending_idx",
            ),
        ]


class WebhookAttempt(TenantOwned):
    """One POST of a message: what the endpoint answered (the delivery log)."""

    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="tries", db_index=False)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        indexes = [models.Index(fields=["tenant", "message", "attempted_at"], name="webhook_attempt_idx")]

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", pgettext_lazy("export status", "Failed")


EXPORT_ACTIVE = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class DataExport(TenantOwned):
    """A copy of a side's data (api/exports.py): every tenant-owned table as CSV with a JSON
    manifest, in one zip. The tenant's (``partner`` empty, for its admins) or one partner's (its
    own rows, for its admins). Made by a chain of worker steps, a few tables each, so that the
    progress (``tables_done``, ``rows_written``) commits as it goes."""

    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    requested_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    tables_total = models.PositiveIntegerField(default=0)
    tables_done = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveBigIntegerField(default=0)
    # The manifest's entry of each table written so far (name, model, columns, rows, file): the
    # next step starts at the first table not in it, the last one writes them to manifest.json.
    tables = models.JSONField(default=list, blank=True)
    # The zip, in the private media (served only by the download views).
    file = models.FileField(upload_to=private_upload_path, blank=True, max_length=200)
    size = models.PositiveBigIntegerField(default=0)  # bytes of the zip
    error = models.TextField(blank=True)  # why it failed, for the operators (the page says it failed)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        constraints = [
            # One export at a time per side: the tenant's own, and each partner's.
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(partner__isnull=True, status__in=["queued", "running"]),
                name="data_export_one_for_tenant",
            ),
            models.UniqueConstraint(
                fields=["tenant", "partner"],
                condition=Q(partner__isnull=False, status__in=["queued", "running"]),
                name="data_export_one_for_partner",
            ),
        ]
        indexes = [
            # The exports page of a side, newest first (partner empty: the tenant's own).
            models.Index(fields=["tenant", "partner", "-created_at"], name="data_export_list_idx"),
        ]

    def __str__(self):
        return f"Data export {self.pk}"

    @property
    def active(self) -> bool:
        return self.status in EXPORT_ACTIVE

    @property
    def percent(self) -> int:
        """How far the export is, for the progress bar (the zip is the last step's)."""
        if self.status == ExportStatus.DONE:
            return 100
        if not self.tables_total:
            return 0
        return min(99, self.tables_done * 100 // self.tables_total)
