"""Writing events and outbox messages. Called by every service that changes state."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from prm.tenancy.bulk import bulk_insert, bulk_insert_rows
from prm.tenancy.scope import current_tenant_id, tenant_scope

from . import texts
from .hooks import events_recorded
from .models import Event, OutboxMessage
from .verbs import VERBS

logger = logging.getLogger(__name__)


def _partner_id_of(target: models.Model) -> int | None:
    # TenantOwned.owning_partner_id; a platform-level target (a tenant) belongs to no partner.
    return getattr(target, "owning_partner_id", None)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return value if isinstance(value, bool | int | float | type(None)) else str(value)


def changes_apply(*, instance: models.Model, changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Set the changed fields on ``instance``; return what changed as {field: {from, to}}.

    The record an event keeps of an edit (the timeline shows it). Nothing is saved here.
    """
    diff = {}
    for field, value in changes.items():
        before = getattr(instance, field)
        if before != value:
            diff[field] = {"from": _jsonable(before), "to": _jsonable(value)}
            setattr(instance, field, value)
    return diff


def event_record(
    *,
    actor,
    target: models.Model,
    verb: str,
    from_state: str = "",
    to_state: str = "",
    message: str = "",
    params: dict[str, Any] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    internal: bool = False,
    partner_id: int | None = None,
) -> Event:
    """Record that ``actor`` (a Membership, or None for the system) did ``verb`` (declared in the
    app's ``events.py``) to ``target``.

    ``message``: a ``gettext_noop``'d id with ``params`` (``texts``), rendered in each reader's
    language; ``note``: the actor's own words, shown after it as typed."""
    VERBS.require(verb)
    event = Event.objects.create(
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        partner_id=partner_id if partner_id is not None else _partner_id_of(target),
        verb=verb,
        actor=actor,
        actor_label=str(actor.user) if actor is not None else "System",
        from_state=str(from_state),
        to_state=str(to_state),
        message=message,
        params=texts.jsonable(params),
        note=(note or "").strip(),
        data=data or {},
        internal=internal,
    )
    _announce([event])
    return event


def _announce(events: list[Event]) -> None:
    # Nothing to call when no app listens (the common case in the foundation's own tests).
    if events and events_recorded.receivers:
        events_recorded.send(events=events)


def system_event(
    *,
    target_type: ContentType,
    object_id: int,
    partner_id: int | None,
    verb: str,
    message: str = "",
    params: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> Event:
    """An unsaved event the system (no person: a sweep, a nightly run) records about ``object_id``
    of ``target_type``, for ``event_record_many``; ``fields``: from_state, to_state, note, internal."""
    return Event(
        content_type=target_type,
        object_id=object_id,
        partner_id=partner_id,
        verb=verb,
        actor=None,
        actor_label="System",
        message=message,
        params=texts.jsonable(params or {}),
        data=data or {},
        **fields,
    )


def event_record_many(*, events: list[Event]) -> list[Event]:
    """Insert unsaved events in one statement (a nightly run's outcomes). The caller fills them
    as ``event_record`` would; ``actor_label`` defaults to the system."""
    for verb in {event.verb for event in events}:
        VERBS.require(verb)
    created = bulk_insert(Event, events)
    _announce(created)
    return created


def outbox_enqueue(*, task_name: str, **kwargs: Any) -> int:
    """Write a side effect to run after the current transaction commits (never before, never lost).
    Returns the message's id."""
    return outbox_enqueue_many(task_name=task_name, kwargs_list=[kwargs])[0]


def outbox_enqueue_many(*, task_name: str, kwargs_list: list[dict[str, Any]]) -> list[int]:
    """The same for many messages of one task: one insert, one relay after commit. Returns the
    messages' ids."""
    if not kwargs_list:
        return []
    ids = bulk_insert_rows(OutboxMessage, [{"task_name": task_name, "kwargs": kwargs} for kwargs in kwargs_list])
    tenant_id = current_tenant_id()
    transaction.on_commit(lambda: outbox_relay(tenant_id=tenant_id, message_ids=ids))
    return ids


class _BrokerConnection(threading.local):
    """This thread's connection to the broker for the relay, kept between relays: opening one
    (and declaring the queues on it) for every commit cost ~10 ms of a request that wrote two
    outbox messages. ``transport_options={"max_retries": 0}``: fail fast (see ``outbox_relay``)."""

    connection = None
    url = None

    def get(self):
        from prm.celery import app

        url = app.conf.broker_write_url or app.conf.broker_url
        if self.connection is not None and self.url != url:  # the broker was changed (settings, a test)
            self.drop()
        if self.connection is None:
            self.connection = app.connection_for_write(transport_options={"max_retries": 0})
            self.url = url
        return self.connection

    def drop(self) -> None:
        connection, self.connection, self.url = self.connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):  # a broken connection has nothing left to release
                connection.release()


_broker = _BrokerConnection()


def _publish(message: OutboxMessage, tenant_id: int) -> None:
    from prm.celery import app

    # Through the registered task, so that eager mode (tests) runs it in-process.
    app.tasks[message.task_name].apply_async(
        kwargs={**message.kwargs, "tenant_id": tenant_id, "outbox_id": message.pk},
        retry=False,
        connection=_broker.get(),
    )


def outbox_relay(*, tenant_id: int, message_ids: list[int]) -> int:
    """Publish messages to the broker. A broker that is down leaves them for the sweep.

    Fails fast: this runs right after a request's commit (and in the sweep), where kombu's and
    redis-py's connection retries would hold the response ~6 s per message while the broker is
    down. The first failure leaves the rest of the batch to the sweep as well. The connection is
    the thread's, kept between relays; after a failure it is opened again once (the broker may
    have restarted since it was last used) before the rest is left to the sweep. The published
    messages are marked in one statement.
    """
    with tenant_scope(tenant_id):
        messages = list(
            OutboxMessage.objects.filter(pk__in=message_ids, delivered_at__isnull=True).only("task_name", "kwargs")
        )
    if not messages:
        return 0
    published: list[int] = []
    for n, message in enumerate(messages):
        try:
            try:
                _publish(message, tenant_id)
            except Exception:
                _broker.drop()  # a stale connection: once more on a new one
                _publish(message, tenant_id)
        except Exception as exc:  # the broker is the outside world: any failure waits for the sweep
            _broker.drop()
            unpublished = [m.pk for m in messages[n:]]
            logger.warning("outbox: could not publish %s (%s); the sweep will retry", unpublished, exc)
            with tenant_scope(tenant_id):
                OutboxMessage.objects.filter(pk__in=unpublished).update(last_error=str(exc)[:2000])
            break
        published.append(message.pk)
    if published:
        with tenant_scope(tenant_id):
            OutboxMessage.objects.filter(pk__in=published).update(
                published_at=timezone.now(), publish_count=models.F("publish_count") + 1
            )
    return len(published)


def outbox_mark_delivered(*, outbox_id: int) -> bool:
    """Claim a message for the running task. False when it was already delivered.

    Locks the row, so two deliveries of the same message (a republished one racing the
    original) run one after the other and the second sees the first's mark.
    """
    message = OutboxMessage.objects.select_for_update().filter(pk=outbox_id).first()
    if message is None or message.delivered_at is not None:
        return False
    message.delivered_at = timezone.now()
    message.save(update_fields=["delivered_at"])
    return True
