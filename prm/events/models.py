"""The immutable record of every state change, and the outbox of side effects."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from prm.tenancy.models import TenantOwned

from . import texts


class Event(TenantOwned):
    """Something happened to an object: who, when, from, to, why.

    Append-only: the app's database role has no UPDATE or DELETE on this table. Timelines,
    audits, scorecards and accruals read it.
    """

    append_only = True

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    object_id = models.BigIntegerField()
    # The partner the object belongs to, if any: partner users see only their partner's events.
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    verb = models.CharField(max_length=64)
    actor = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The actor's name when it acted (memberships change; the record does not).
    actor_label = models.CharField(max_length=200, default="System")
    from_state = models.CharField(max_length=40, blank=True)
    to_state = models.CharField(max_length=40, blank=True)
    # A message id (English, with %(name)s placeholders; prm/events/texts.py) filled in from
    # ``params`` and followed by ``note`` (the actor's own words, as typed): rendered in the
    # reader's language (``text``). Rows from before keep a finished English sentence.
    message = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True, default="")
    # What subscribers read (incentives on deal.won): the facts, not the words.
    data = models.JSONField(default=dict, blank=True)
    # Vendor-internal events (notes, internal reviews) never reach partner users.
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # The writing transaction's id (PostgreSQL's, 64-bit): the change feed orders by it and serves
    # only events of transactions older than every one still running, so an event committed late
    # is never skipped by a reader whose cursor moved past it (``selectors.event_feed``).
    txid = models.BigIntegerField(db_default=RawSQL("(pg_current_xact_id()::text::bigint)", ()), editable=False)

    rls_partner_predicate = "partner_id = %(partner)s AND NOT internal"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # An object's timeline, newest first.
            models.Index(fields=["tenant", "content_type", "object_id", "-created_at"], name="event_object_idx"),
            # Everything about one partner (its timeline tab, scorecards later).
            models.Index(fields=["tenant", "partner", "-created_at"], name="event_partner_idx"),
            # Tenant-wide activity by verb (audits, reports).
            models.Index(fields=["tenant", "verb", "-created_at"], name="event_verb_idx"),
            # The change feed (the API's /events/): in commit-safe order.
            models.Index(fields=["tenant", "txid", "id"], name="event_feed_idx"),
        ]

    def __str__(self):
        return f"{self.verb} by {self.actor_label}"

    @property
    def text(self) -> str:
        """What happened, in the active language: the message, then the actor's note."""
        shown = texts.render(self.message, self.params if isinstance(self.params, dict) else None)
        return " ".join(part for part in (shown, self.note) if part)


class OutboxMessage(TenantOwned):
    """A side effect (a Celery task) written in the same transaction as the change it follows.

    Relayed to Celery right after commit; the periodic sweep republishes anything not yet
    delivered, so a broker outage delays side effects but never loses them. The task marks the
    message delivered in the transaction that does its work, and skips delivered messages.
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    publish_count = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The sweep: undelivered messages, oldest first. Partial, so it stays small.
            models.Index(
                fields=["tenant", "created_at"],
                condition=Q(delivered_at__isnull=True),
                name="outbox_undelivered_idx",
            ),
        ]

    def __str__(self):
        return f"{self.task_name} #{self.pk}"
