from django.contrib.contenttypes.models import ContentType

from .models import Event


def events_for_object(*, actor, target):
    """An object's timeline, newest first. Partner users never see vendor-internal events."""
    events = Event.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    ).select_related("actor")
    if actor.is_partner_user:
        events = events.filter(internal=False, partner_id=actor.partner_id)
    return events.order_by("-created_at", "-id")


# The oldest transaction still running that may write events here: every transaction in progress
# at the statement's snapshot (64-bit ids), but those of sessions connected to other databases
# of the cluster (their 32-bit ids, from pg_locks, which every role may read). An event of an
# older transaction is settled: no event can still commit before it in the feed's order.
# Cluster-wide, a busy neighbouring database (another test process, another product) would hold
# the feed back for nothing; a transaction of this database that writes no event holds it back
# only until it ends.
_UNSETTLED_FROM = """(
    SELECT min(running::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS running
    WHERE (running::text::bigint %% 4294967296) NOT IN (
        SELECT locks.transactionid::text::bigint
        FROM pg_locks AS locks JOIN pg_stat_activity AS sessions ON sessions.pid = locks.pid
        WHERE locks.locktype = 'transactionid' AND locks.mode = 'ExclusiveLock' AND locks.granted
          AND sessions.datid IS DISTINCT FROM (SELECT oid FROM pg_database WHERE datname = current_database())
    )
)"""
_SETTLED = f"COALESCE({_UNSETTLED_FROM}, 9223372036854775807)"


def event_feed(*, actor, after: tuple[int, int] | None = None, limit: int = 100, verbs=()) -> list[Event]:
    """The change feed: the events the actor may read, in the order their transactions began
    (``txid``, then ``id``), after the cursor ``after`` (a ``(txid, id)`` pair of the last one
    read). Only settled events are served, so a reader that keeps its cursor never misses one
    committed late by a slow transaction; a long-running transaction holds the feed back until it
    ends (only transactions of this database count). Partner users never see vendor-internal
    events nor another partner's."""
    from django.db.models import Q
    from django.db.models.expressions import RawSQL

    settled = RawSQL(_SETTLED, ())  # noqa: S611 (a constant)
    events = Event.objects.filter(txid__lt=settled).select_related("content_type")
    if actor.is_partner_user:
        events = events.filter(internal=False, partner_id=actor.partner_id)
    if verbs:
        events = events.filter(verb__in=list(verbs))
    if after is not None:
        txid, event_id = after
        events = events.filter(Q(txid__gt=txid) | Q(txid=txid, id__gt=event_id))
    return list(events.order_by("txid", "id")[:limit])
