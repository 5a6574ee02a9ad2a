"""Webhooks: endpoints, the messages the event log makes for them, and their delivery.

Every event recorded (``prm.events.hooks.events_recorded``) becomes one ``WebhookMessage`` per
active endpoint that wants its type, in the same transaction; a partner's endpoint gets only its
partner's events that are not vendor-internal. After commit the outbox starts
``api.webhook_deliver`` for the endpoint, which sends its pending messages one at a time, oldest
first, signed with Standard Webhooks headers (``webhook-id`` is the message's and stays the same
on every retry). A failure holds the endpoint's queue (order is kept) and retries on the
schedule ``PRM_WEBHOOK_RETRY_SECONDS`` (with jitter; about a day in all); after the last one the
message is failed, the endpoint disabled and its owner told. Addresses are checked against
private, loopback and link-local ranges when registered and again before every attempt
(``PRM_WEBHOOK_ALLOW_PRIVATE`` lifts it for development and tests).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import random
import secrets
import socket
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from standardwebhooks.webhooks import Webhook

from prm.accounts.credentials import integrations_capability
from prm.accounts.mfa_secrets import decrypt, encrypt
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.hooks import events_recorded
from prm.events.services import event_record, outbox_enqueue, outbox_enqueue_many
from prm.events.verbs import VERBS
from prm.memo import reference_changed, tenant_memo
from prm.notifications.services import notify
from prm.tenancy.bulk import bulk_insert
from prm.tenancy.scope import step_out_to_tenant

from . import events, notifications
from .models import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookMessage
from .payloads import event_payload

DELIVER_TASK = "api.webhook_deliver"
# Messages one task sends before it commits and hands over to a fresh one: its transaction (which
# holds the endpoint's row) is short, so the change feed, which waits for running transactions
# of this database, is held back at most this many deliveries.
BATCH = 20
ROTATION_OVERLAP = timedelta(hours=24)
USER_AGENT = "PRM-Webhooks/1"

# The reason an endpoint switched off by its failures carries (stored untranslated; the metrics
# tell it from an owner's "Disabled by ...").
GAVE_UP_REASON = gettext_noop("Every attempt failed for a day")


def retry_schedule() -> list[float]:
    """Seconds to wait after the 1st, 2nd, ... failed attempt; a failure past the last gives up."""
    return list(settings.PRM_WEBHOOK_RETRY_SECONDS)


# --- who may --------------------------------------------------------------------------------------


def _may_manage(actor, endpoint: WebhookEndpoint | None = None) -> None:
    if not actor.can(integrations_capability(actor)):
        raise NotAllowed(gettext("Your role cannot manage webhooks."))
    if endpoint is not None and endpoint.partner_id != actor.partner_id:
        raise NotAllowed(gettext("This endpoint is not yours to manage."))


def endpoint_list_for_actor(*, actor):
    _may_manage(actor)
    return WebhookEndpoint.objects.filter(partner_id=actor.partner_id)  # None: the tenant's (IS NULL)


def endpoint_get_for_actor(*, actor, endpoint_id: int) -> WebhookEndpoint:
    endpoint = endpoint_list_for_actor(actor=actor).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Http404
    return endpoint


def message_list_for_actor(*, actor, endpoint: WebhookEndpoint):
    return endpoint.messages.order_by("-id")


def message_get_for_actor(*, actor, endpoint: WebhookEndpoint, message_id: int) -> WebhookMessage:
    message = endpoint.messages.filter(pk=message_id).first()
    if message is None:
        raise Http404
    return message


def event_types_for(actor) -> list[str]:
    """The event types an endpoint of the actor's side may ask for: every declared one (a
    partner's endpoint receives only its partner's events that are not internal, whatever it
    asks for: ``messages_for_events``)."""
    return sorted(VERBS)


# --- the address guard --------------------------------------------------------------------------


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def guard_url(url: str) -> None:
    """Refuse an address the product must not call: not http(s), or a host that resolves to a
    private, loopback, link-local or reserved address (server-side request forgery), unless
    ``PRM_WEBHOOK_ALLOW_PRIVATE``."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PolicyViolation(gettext("A webhook address must be an http or https URL."))
    if parts.username or parts.password:
        raise PolicyViolation(gettext("A webhook address cannot carry a user name or password."))
    if settings.PRM_WEBHOOK_ALLOW_PRIVATE:
        return
    if parts.scheme != "https":
        raise PolicyViolation(gettext("A webhook address must use https."))
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        raise PolicyViolation(gettext("The webhook address's host does not resolve.")) from None
    if any(_blocked(address.split("%", 1)[0]) for address in addresses):
        raise PolicyViolation(gettext("The webhook address points to a private or local network."))


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


# --- services -----------------------------------------------------------------------------------


def _clean_types(actor, event_types) -> list[str]:
    known = set(event_types_for(actor))
    unknown = sorted(set(event_types) - known)
    if unknown:
        raise PolicyViolation(gettext("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)})
    return sorted(set(event_types))


@transaction.atomic
def endpoint_create(*, actor, url: str, description: str = "", event_types=()) -> tuple[WebhookEndpoint, str]:
    """An endpoint of the actor's side; returns it and its signing secret (readable again by its
    managers, who verify signatures with it)."""
    _may_manage(actor)
    guard_url(url)
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        partner_id=actor.partner_id,
        owner=actor,
        url=url,
        description=description.strip(),
        event_types=_clean_types(actor, event_types),
        secret=encrypt(secret),
    )
    event_record(
        actor=actor,
        target=endpoint,
        verb=events.ENDPOINT_CREATED,
        message=gettext_noop("Webhook endpoint %(url)s added"),
        params={"url": url},
        internal=endpoint.partner_id is None,
    )
    reference_changed()
    return endpoint, secret


def _locked(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)


@transaction.atomic
def endpoint_update(*, actor, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    _may_manage(actor, endpoint)
    endpoint = _locked(endpoint)
    if "url" in changes:
        guard_url(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = _clean_types(actor, changes["event_types"])
    fields = [name for name in ("url", "description", "event_types") if name in changes]
    for name in fields:
        setattr(endpoint, name, changes[name])
    endpoint.updated_at = timezone.now()
    endpoint.save(update_fields=[*fields, "updated_at"])
    event_record(
        actor=actor,
        target=endpoint,
        verb=events.ENDPOINT_CHANGED,
        message=gettext_noop("Webhook endpoint %(url)s changed"),
        params={"url": endpoint.url},
        internal=endpoint.partner_id is None,
    )
    reference_changed()
    return endpoint


@transaction.atomic
def endpoint_set_active(*, actor, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    """Disable an endpoint (its messages wait) or enable it again (they are sent, in order)."""
    _may_manage(actor, endpoint)
    endpoint = _locked(endpoint)
    if endpoint.is_active == active:
        raise InvalidTransition(
            gettext("The endpoint is already enabled.") if active else gettext("The endpoint is already disabled.")
        )
    endpoint.is_active = active
    endpoint.disabled_at = None if active else timezone.now()
    endpoint.disabled_reason = "" if active else gettext("Disabled by %(name)s") % {"name": actor.user}
    endpoint.updated_at = timezone.now()
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
    if active:  # failed messages are tried again from now, in order
        endpoint.messages.filter(status=MessageStatus.FAILED).update(
            status=MessageStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        outbox_enqueue(task_name=DELIVER_TASK, endpoint_id=endpoint.pk)
    event_record(
        actor=actor,
        target=endpoint,
        verb=events.ENDPOINT_ENABLED if active else events.ENDPOINT_DISABLED,
        message=gettext_noop("Webhook endpoint %(url)s enabled")
        if active
        else gettext_noop("Webhook endpoint %(url)s disabled"),
        params={"url": endpoint.url},
        internal=endpoint.partner_id is None,
    )
    reference_changed()
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, actor, endpoint: WebhookEndpoint) -> str:
    """A new signing secret; for a day every message is signed with both (a receiver may switch
    without rejecting anything)."""
    _may_manage(actor, endpoint)
    endpoint = _locked(endpoint)
    secret = new_secret()
    endpoint.previous_secret, endpoint.previous_valid_until = endpoint.secret, timezone.now() + ROTATION_OVERLAP
    endpoint.secret = encrypt(secret)
    endpoint.updated_at = timezone.now()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_valid_until", "updated_at"])
    event_record(
        actor=actor,
        target=endpoint,
        verb=events.SECRET_ROTATED,
        message=gettext_noop("Signing secret of %(url)s rotated"),
        params={"url": endpoint.url},
        internal=endpoint.partner_id is None,
    )
    return secret


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    return decrypt(endpoint.secret)


@transaction.atomic
def message_replay(*, actor, endpoint: WebhookEndpoint, message: WebhookMessage) -> WebhookMessage:
    """Send a message again (delivered or failed): a new message with the same payload and a new
    ``webhook-id``, at the end of the endpoint's queue."""
    _may_manage(actor, endpoint)
    if not endpoint.is_active:
        raise InvalidTransition(gettext("Enable the endpoint before sending messages to it again."))
    replay = WebhookMessage.objects.create(
        endpoint=endpoint,
        partner_id=endpoint.partner_id,
        event_id=message.event_id,
        msg_id=_msg_id(),
        event_type=message.event_type,
        payload=message.payload,
    )
    event_record(
        actor=actor,
        target=endpoint,
        verb=events.MESSAGE_REPLAYED,
        message=gettext_noop("Message %(message)s sent again to %(url)s"),
        params={"message": message.msg_id, "url": endpoint.url},
        internal=endpoint.partner_id is None,
    )
    outbox_enqueue(task_name=DELIVER_TASK, endpoint_id=endpoint.pk)
    return replay


# --- from the event log to messages -------------------------------------------------------------


def _msg_id() -> str:
    return "msg_" + secrets.token_hex(12)


def _active_endpoints() -> list[tuple[int, int | None, tuple[str, ...]]]:
    def build():
        rows = WebhookEndpoint.objects.filter(is_active=True).values_list("pk", "partner_id", "event_types")
        return [(pk, partner_id, tuple(types or ())) for pk, partner_id, types in rows]

    return tenant_memo("webhook_endpoints", build)


@events_recorded.connect
def messages_for_events(*, events: list, **kwargs) -> None:
    """One message per event per endpoint that wants it; the endpoints' senders start after
    commit. Nothing at all when the tenant has no endpoint (one cache read).

    A partner user's action writes the vendor's endpoints' messages too: vendor-internal rows
    written without being shown (``step_out_to_tenant``), and the endpoints are the tenant's, read
    at the tenant's level whoever's request builds the memo."""
    with step_out_to_tenant():
        endpoints = _active_endpoints()
        if not endpoints:
            return
        messages = []
        for event in events:
            payload = None
            for endpoint_id, partner_id, types in endpoints:
                if types and event.verb not in types:
                    continue
                if partner_id is not None and (event.partner_id != partner_id or event.internal):
                    continue
                if payload is None:
                    payload = event_payload(event)
                messages.append(
                    WebhookMessage(
                        endpoint_id=endpoint_id,
                        partner_id=partner_id,
                        event_id=event.pk,
                        msg_id=_msg_id(),
                        event_type=event.verb,
                        payload=payload,
                        next_attempt_at=event.created_at,
                    )
                )
        if messages:
            bulk_insert(WebhookMessage, messages)
            outbox_enqueue_many(
                task_name=DELIVER_TASK,
                kwargs_list=[{"endpoint_id": pk} for pk in sorted({m.endpoint_id for m in messages})],
            )


# --- delivery -----------------------------------------------------------------------------------


def _body(message: WebhookMessage) -> str:
    return json.dumps(
        {"type": message.event_type, "timestamp": message.created_at.isoformat(), "data": message.payload},
        separators=(",", ":"),
        default=str,
    )


def signed_headers(endpoint: WebhookEndpoint, message: WebhookMessage, body: str, now) -> dict[str, str]:
    secrets_ = [decrypt(endpoint.secret)]
    if endpoint.previous_secret and endpoint.previous_valid_until and endpoint.previous_valid_until > now:
        secrets_.append(decrypt(endpoint.previous_secret))
    signature = " ".join(Webhook(secret).sign(message.msg_id, now, body) for secret in secrets_)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message.msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


_clients = threading.local()


def _client() -> httpx.Client:
    """One HTTP client per worker thread, kept: its connection pool and TLS set-up serve every
    delivery (a new client per attempt cost ~20 ms of CPU; a kept one ~0.7 ms)."""
    client = getattr(_clients, "client", None)
    if client is None:
        client = _clients.client = httpx.Client(follow_redirects=False)
    return client


def _attempt(endpoint: WebhookEndpoint, message: WebhookMessage) -> bool:
    """POST the message once; record the attempt; True when the endpoint took it (2xx)."""
    now = timezone.now()
    body = _body(message)
    started = time.monotonic()
    attempt = WebhookAttempt(message=message, partner_id=message.partner_id, attempted_at=now)
    try:
        guard_url(endpoint.url)
        response = _client().post(
            endpoint.url,
            content=body.encode(),
            headers=signed_headers(endpoint, message, body, now),
            timeout=settings.PRM_WEBHOOK_TIMEOUT,
        )
        attempt.status_code = response.status_code
        attempt.response_body = response.text[:2000]
    except (httpx.HTTPError, PolicyViolation, OSError) as error:
        attempt.error = (getattr(error, "message", None) or str(error) or type(error).__name__)[:300]
    attempt.duration_ms = int((time.monotonic() - started) * 1000)
    attempt.save()
    message.attempts += 1
    message.last_attempt_at = now
    if attempt.ok:
        message.status, message.delivered_at = MessageStatus.DELIVERED, timezone.now()
    return attempt.ok


def _give_up(endpoint: WebhookEndpoint, message: WebhookMessage) -> None:
    message.status = MessageStatus.FAILED
    endpoint.is_active, endpoint.disabled_at = False, timezone.now()
    endpoint.disabled_reason = GAVE_UP_REASON
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    event = event_record(
        actor=None,
        target=endpoint,
        verb=events.ENDPOINT_DISABLED,
        message=gettext_noop("Webhook endpoint %(url)s disabled: every attempt failed for a day"),
        params={"url": endpoint.url},
        internal=endpoint.partner_id is None,
    )
    notify(
        recipients=[endpoint.owner],
        kind=notifications.ENDPOINT_DISABLED,
        title=gettext_noop("Webhook endpoint %(url)s was disabled"),
        body=gettext_noop("Every attempt to deliver to it failed for a day. Fix it, then enable it again."),
        params={"url": endpoint.url},
        event=event,
    )
    reference_changed()


def _later(endpoint_id: int, when) -> None:
    from .tasks import webhook_deliver_task

    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):  # tests without a worker: the sweep goes on
        return
    delay = max(0.0, (when - timezone.now()).total_seconds())
    from prm.tenancy.scope import current_tenant_id

    tenant_id = current_tenant_id()
    transaction.on_commit(
        lambda: webhook_deliver_task.apply_async(
            kwargs={"tenant_id": tenant_id, "endpoint_id": endpoint_id}, countdown=delay
        )
    )


def webhook_deliver(*, endpoint_id: int) -> int:
    """Send the endpoint's due messages in order, until one fails or none is left; returns how
    many were delivered. One sender per endpoint at a time (its row is locked); a second one
    comes back shortly after, in case the first had finished its last look before a new message."""
    # FOR NO KEY UPDATE: a transaction writing a message for the endpoint (its foreign key takes a
    # KEY SHARE lock) must not wait for the sender's HTTP calls.
    endpoint = WebhookEndpoint.objects.select_for_update(no_key=True, skip_locked=True).filter(pk=endpoint_id).first()
    if endpoint is None:
        if WebhookEndpoint.objects.filter(pk=endpoint_id).exists():
            _later(endpoint_id, timezone.now() + timedelta(seconds=0.5))
        return 0
    if not endpoint.is_active:
        return 0
    delivered = 0
    schedule = retry_schedule()
    while delivered < BATCH:
        message = endpoint.messages.filter(status=MessageStatus.PENDING).order_by("id").first()
        if message is None:
            return delivered
        if message.next_attempt_at > timezone.now():
            _later(endpoint_id, message.next_attempt_at)
            return delivered
        ok = _attempt(endpoint, message)
        if ok:
            delivered += 1
            message.save(update_fields=["attempts", "last_attempt_at", "status", "delivered_at"])
            continue
        if message.attempts > len(schedule):
            message.save(update_fields=["attempts", "last_attempt_at"])
            _give_up(endpoint, message)
            message.save(update_fields=["status"])
            return delivered
        wait = schedule[message.attempts - 1] * random.uniform(0.9, 1.1)  # noqa: S311 (jitter)
        message.next_attempt_at = timezone.now() + timedelta(seconds=wait)
        message.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
        _later(endpoint_id, message.next_attempt_at)
        return delivered
    _later(endpoint_id, timezone.now())
    return delivered


def webhooks_sweep() -> int:
    """Start the sender of every active endpoint with a message due (a lost task, a retry whose
    countdown was dropped). Returns how many were started."""
    from django.db.models import Exists, OuterRef

    due = WebhookMessage.objects.filter(
        endpoint_id=OuterRef("pk"), status=MessageStatus.PENDING, next_attempt_at__lte=timezone.now()
    )
    ids = list(WebhookEndpoint.objects.filter(is_active=True).filter(Exists(due)).values_list("pk", flat=True))
    outbox_enqueue_many(task_name=DELIVER_TASK, kwargs_list=[{"endpoint_id": pk} for pk in ids])
    return len(ids)
