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


# Events of transactions older than every one still running: none can commit later with an
# earlier place in the feed (PostgreSQL's snapshot xmin, as a 64-bit id like ``Event.txid``).
_SETTLED = "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"


def event_feed(*, actor, after: tuple[int, int] | None = None, limit: int = 100, verbs=()) -> list[Event]:
    """The change feed: the events the actor may read, in the order their transactions began
    (``txid``, then ``id``), after the cursor ``after`` (a ``(txid, id)`` pair of the last one
    read). Only settled events are served, so a reader that keeps its cursor never misses one
    committed late by a slow transaction; a long-running transaction holds the feed back until it
    ends. Partner users never see vendor-internal events nor another partner's."""
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
