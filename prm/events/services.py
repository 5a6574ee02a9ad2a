"""Writing events and outbox messages. Called by every service that changes state."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from prm.tenancy.bulk import bulk_insert, bulk_insert_rows
from prm.tenancy.scope import Scope, current_tenant_id, rls_statement, tenant_scope

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
    # The relay after commit publishes what was written here, without reading it back: the
    # kwargs as stored (through JSON, as the sweep would read them), not the caller's objects.
    pending = [
        _Pending(pk=pk, task_name=task_name, kwargs=json.loads(json.dumps(kwargs)))
        for pk, kwargs in zip(ids, kwargs_list, strict=True)
    ]
    transaction.on_commit(lambda: _relay(tenant_id=tenant_id, messages=pending))
    return ids


@dataclass(frozen=True)
class _Pending:
    """An outbox message as the relay publishes it (written by ``outbox_enqueue_many``, or read
    back by the sweep)."""

    pk: int
    task_name: str
    kwargs: dict


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


def _publish(messages: list[_Pending], tenant_id: int) -> None:
    """Publish ``messages`` in one batch: kombu pipelines the broker's pushes (Redis), so a relay
    of several messages (an offer's e-mail to each of a partner's people) is one round trip to the
    broker, not one per message."""
    from prm.celery import app

    producer = app.amqp.Producer(_broker.get(), auto_declare=False)
    with producer.batch():
        for message in messages:
            # Through the registered task, so that eager mode (tests) runs it in-process.
            app.tasks[message.task_name].apply_async(
                kwargs={**message.kwargs, "tenant_id": tenant_id, "outbox_id": message.pk},
                retry=False,
                producer=producer,
            )


def outbox_relay(*, tenant_id: int, message_ids: list[int]) -> int:
    """Publish the messages of ``message_ids`` not delivered yet (the sweep's way: it reads them
    first). See ``_relay``."""
    with tenant_scope(tenant_id):
        messages = [
            _Pending(pk=pk, task_name=task_name, kwargs=kwargs)
            for pk, task_name, kwargs in OutboxMessage.objects.filter(
                pk__in=message_ids, delivered_at__isnull=True
            ).values_list("pk", "task_name", "kwargs")
        ]
    return _relay(tenant_id=tenant_id, messages=messages)


def _relay(*, tenant_id: int, messages: list[_Pending]) -> int:
    """Publish messages to the broker. A broker that is down leaves them for the sweep.

    Right after commit the messages are published as their enqueue wrote them, without reading
    them back: one delivered meanwhile (the sweep leaves messages younger than 10 s alone, so
    hardly ever) is published again, which is harmless, since a task claims its outbox row under
    a lock (``outbox_mark_delivered``) and does nothing the second time.

    Fails fast: this runs right after a request's commit (and in the sweep), where kombu's and
    redis-py's connection retries would hold the response ~6 s per message while the broker is
    down. The messages go in one batch; when it fails, it is sent once more on a new connection
    (the broker may have restarted since the thread's connection was last used; a message the
    first attempt delivered goes twice, which the claim makes harmless), and when that fails too
    the batch is left to the sweep. The published messages are marked in one statement
    (``_mark_published``).
    """
    if not messages:
        return 0
    try:
        try:
            _publish(messages, tenant_id)
        except Exception:
            _broker.drop()  # a stale connection: once more on a new one
            _publish(messages, tenant_id)
    except Exception as exc:  # the broker is the outside world: any failure waits for the sweep
        _broker.drop()
        unpublished = [m.pk for m in messages]
        logger.warning("outbox: could not publish %s (%s); the sweep will retry", unpublished, exc)
        with tenant_scope(tenant_id):
            OutboxMessage.objects.filter(pk__in=unpublished).update(last_error=str(exc)[:2000])
        return 0
    _mark_published(tenant_id=tenant_id, message_ids=[m.pk for m in messages])
    return len(messages)


_MARK_PUBLISHED_SQL = (
    "SELECT set_config('synchronous_commit', 'off', true);"
    " UPDATE events_outboxmessage SET published_at = %s, publish_count = publish_count + 1"
    " WHERE tenant_id = %s AND id = ANY(%s)"
)


def _mark_published(*, tenant_id: int, message_ids: list[int]) -> None:
    """Mark messages published, in one statement whose commit does not wait for the disk
    (``synchronous_commit`` off for its transaction only): the mark is a hint for the sweep, not
    a fact anyone relies on. Lost in a database crash, it makes the sweep publish the message
    again after its grace period, which the task's claim makes harmless; waiting for the flush
    was a second disk write after every commit that wrote an outbox message.

    After a commit (no transaction open, the common case) it is one round trip: the tenant's
    row-level-security settings go in front of it (``rls_statement``, what the tenant's scope
    would send), and PostgreSQL runs the three statements of one query as one transaction, so
    the settings end with it. Inside a caller's transaction (a test's) it takes the tenant's
    scope like any other statement."""
    params = [timezone.now(), tenant_id, list(message_ids)]
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        with tenant_scope(tenant_id), connection.cursor() as cursor:
            cursor.execute(_MARK_PUBLISHED_SQL, params)
        return
    settings = rls_statement(connection.alias, Scope(tenant_id=tenant_id))
    with connection.cursor() as cursor:
        cursor.execute(f"{settings}; {_MARK_PUBLISHED_SQL}" if settings else _MARK_PUBLISHED_SQL, params)


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
