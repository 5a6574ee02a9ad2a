"""Webhook delivery latency: from an event's commit to its POST arriving at the receiver.

Production's path end to end, at a steady rate of events: this process records each event (on a
fixed schedule, by a few threads, as concurrent requests would) in a transaction of its own
(``event_record`` in ``tenant_scope``: the webhook hook writes a ``WebhookMessage`` and an outbox
row in it; after the commit the outbox relay publishes ``api.webhook_deliver`` to Redis), a real
Celery worker (the production image's command, ``bench.server.CELERY_WORKER``) takes the task and
POSTs the signed message to a loopback HTTP receiver in this process, which notes when each
arrived and checks its signature. Latency = received - committed (one clock: both are this
process's ``perf_counter``), matched by the payload's event id. Nothing runs eagerly: the bench's
settings are production's.

The worker first takes what was queued before it started (nothing consumes the bench's broker
otherwise). The endpoint is the tenant administrator's, subscribed to the one event type
recorded, so only these events reach it; it is disabled at the end (and any left active by an
interrupted run is disabled first). Rows written: the events (on the bench partner's timeline),
their messages, attempts and outbox rows, one endpoint per run.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.machine import OtherWork
from bench.micro import percentile
from bench.server import CELERY_WORKER, CeleryWorker

DESCRIPTION = "bench: webhook delivery latency"
READY_TIMEOUT = 120  # the worker's start (Django, 4 processes) on a busy 2-core machine
DRAIN_TIMEOUT = 60  # after the last event: what is not there by then counts as not delivered
DRAIN_BACKLOG_TIMEOUT = 300
# The worker's settings on top of the bench's: a loopback receiver is allowed (each attempt checks
# the address again); e-mail goes nowhere (no SMTP server here: the notifications the generator
# queued would fail and retry for the whole run).
WORKER_ENV = {
    "PRM_WEBHOOK_ALLOW_PRIVATE": "1",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
}


class WebhookStepFailed(RuntimeError):
    """The step could not measure (the worker died, nothing arrived): the run goes on without it."""


class Receiver:
    """A loopback HTTP server on a thread of its own: every POST is noted (the first arrival of
    each event id) and answered 204, at once or ``answer_after_ms`` later (as a remote receiver
    would: its round trip and its own work); its Standard Webhooks signature is checked after."""

    def __init__(self, *, answer_after_ms: float = 0):
        self.arrived: dict[int, float] = {}
        self.duplicates = 0
        self.unreadable = 0
        self.bad_signatures = 0
        self.secret: str | None = None
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                at = time.perf_counter()
                if answer_after_ms:  # a receiver that takes its time (a remote one: its round trip)
                    time.sleep(answer_after_ms / 1000)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.note(body, dict(self.headers.items()), at)

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/bench"

    def note(self, body: bytes, headers: dict[str, str], at: float) -> None:
        try:
            event_id = int(json.loads(body)["data"]["id"])
        except (ValueError, KeyError, TypeError):
            with self._lock:
                self.unreadable += 1
            return
        with self._lock:
            if event_id in self.arrived:
                self.duplicates += 1
            else:
                self.arrived[event_id] = at
        if self.secret:
            from standardwebhooks.webhooks import Webhook, WebhookVerificationError

            try:
                Webhook(self.secret).verify(body, {name.lower(): value for name, value in headers.items()})
            except WebhookVerificationError:
                with self._lock:
                    self.bad_signatures += 1

    def got(self, event_ids) -> int:
        with self._lock:
            return sum(1 for event_id in event_ids if event_id in self.arrived)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _admin(tenant, user_id: int):
    from prm.accounts.models import Membership

    return Membership.objects.select_related("user").get(user_id=user_id)


def _disable_bench_endpoints(tenant, admin_user_id: int) -> int:
    """Disable the bench's endpoints still active (an interrupted run's, or this run's)."""
    from api.models import WebhookEndpoint
    from api.webhooks import endpoint_set_active
    from prm.tenancy.scope import tenant_scope

    with tenant_scope(tenant):
        admin = _admin(tenant, admin_user_id)
        endpoints = list(WebhookEndpoint.objects.filter(description=DESCRIPTION, is_active=True, partner__isnull=True))
        for endpoint in endpoints:
            endpoint_set_active(actor=admin, endpoint=endpoint, active=False)
    return len(endpoints)


QUEUES = ("default", "notifications")


def _queued() -> dict[str, int]:
    """Tasks waiting in the worker's queues (Redis lists)."""
    import redis
    from django.conf import settings

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2)
        return {queue: int(client.llen(queue)) for queue in QUEUES}
    except redis.RedisError:
        return {}


def _drain(worker: CeleryWorker, *, timeout: float) -> float:
    """Wait until the worker has taken every task queued before it started (the generator's and
    the load's: nothing consumed them), so that it does only the deliveries while they are timed.
    Returns the seconds it took."""
    started = time.monotonic()
    empty_since = None
    while time.monotonic() - started < timeout:
        if not worker.alive():
            raise WebhookStepFailed(f"the Celery worker exited:\n{worker.log_tail(60)}")
        if sum(_queued().values()) == 0:
            empty_since = empty_since or time.monotonic()
            if time.monotonic() - empty_since >= 2:
                break
        else:
            empty_since = None
        time.sleep(0.2)
    return time.monotonic() - started


class _Recorder:
    """Records the events: each in its own transaction (``tenant_scope``), noting its commit
    (the first ``on_commit`` callback, registered before the event) and when the relay that runs
    after it had published the delivery task.

    ``at_rate`` is an open loop, as requests are: the events are due on a fixed schedule and
    ``THREADS`` threads (each with its own database and broker connection) record them, so that an
    event whose commit waits (for a lock, for the CPU) does not hold back the next one."""

    THREADS = 4

    def __init__(self, tenant, admin_user_id: int, partner_id: int):
        from partners.models import Partner
        from prm.tenancy.scope import tenant_scope

        self.tenant = tenant
        with tenant_scope(tenant):
            self.admin = _admin(tenant, admin_user_id)
            self.partner = Partner.objects.get(pk=partner_id)
        self.committed: dict[int, float] = {}
        self.relayed_ms: dict[int, float] = {}
        self.took_ms: dict[int, float] = {}
        self.late_ms: list[float] = []
        self.numbers = itertools.count(1)
        self.due: queue.Queue = queue.Queue()
        self.done: queue.Queue = queue.Queue()
        self.threads: list[threading.Thread] = []

    def record(self) -> int:
        from django.db import transaction
        from django.utils.translation import gettext_noop

        from partners import events as partner_events
        from prm.events.services import event_record
        from prm.tenancy.scope import tenant_scope

        started = time.perf_counter()
        stamp: dict[str, float] = {}
        with tenant_scope(self.tenant):
            transaction.on_commit(lambda: stamp.setdefault("committed", time.perf_counter()))
            event = event_record(
                actor=self.admin,
                target=self.partner,
                verb=partner_events.PROFILE_UPDATED,
                message=gettext_noop("Profile updated"),
                data={"bench": "webhook latency", "n": next(self.numbers)},
            )
        relayed = time.perf_counter()
        self.committed[event.pk] = stamp["committed"]
        self.relayed_ms[event.pk] = (relayed - stamp["committed"]) * 1000
        self.took_ms[event.pk] = (relayed - started) * 1000
        return event.pk

    def _thread(self) -> None:
        from django.db import connections

        try:
            while (due := self.due.get()) is not None:
                self.late_ms.append(max(0.0, time.perf_counter() - due) * 1000)
                try:
                    self.done.put(self.record())
                except Exception as error:  # handed to the scheduling thread
                    self.done.put(error)
        finally:
            connections.close_all()  # this thread's

    def __enter__(self) -> _Recorder:
        for n in range(self.THREADS):
            thread = threading.Thread(target=self._thread, name=f"webhook-recorder-{n}", daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def __exit__(self, *exc) -> None:
        for _ in self.threads:
            self.due.put(None)
        for thread in self.threads:
            thread.join(timeout=30)

    def at_rate(self, count: int, rate: float) -> tuple[list[int], float]:
        """``count`` events due one every 1/rate s; returns their ids (once all are recorded) and
        the seconds from the first one due to the last one recorded."""
        started = time.perf_counter()
        for n in range(count):
            due = started + n / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            self.due.put(due)
        ids = []
        for _ in range(count):
            found = self.done.get()
            if isinstance(found, Exception):
                raise found
            ids.append(found)
        return ids, time.perf_counter() - started


def _wait_for(receiver: Receiver, ids: list[int], *, timeout: float, worker: CeleryWorker) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if receiver.got(ids) == len(ids):
            return True
        if not worker.alive():
            raise WebhookStepFailed(f"the Celery worker exited:\n{worker.log_tail(60)}")
        time.sleep(0.05)
    return receiver.got(ids) == len(ids)


def _summary(values_ms: list[float]) -> dict:
    values = sorted(values_ms)
    if not values:
        return {"p50_ms": None, "p95_ms": None, "max_ms": None, "mean_ms": None}
    return {
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "p99_ms": round(percentile(values, 99), 1),
        "max_ms": round(values[-1], 1),
        "min_ms": round(values[0], 1),
        "mean_ms": round(sum(values) / len(values), 1),
    }


def _deliveries(tenant, endpoint_id: int, ids: list[int]) -> dict:
    """What the database says of the measured events' messages: their states and attempts."""
    from django.db.models import Count

    from api.models import WebhookAttempt, WebhookMessage
    from prm.tenancy.scope import tenant_scope

    with tenant_scope(tenant):
        messages = WebhookMessage.objects.filter(endpoint_id=endpoint_id, event_id__in=ids)
        states = dict(messages.values_list("status").annotate(n=Count("id")).order_by())
        attempts = WebhookAttempt.objects.filter(message__in=messages)
        failed = attempts.exclude(status_code__gte=200, status_code__lt=300).count()
        return {"messages": states, "attempts": attempts.count(), "failed_attempts": failed}


def _worker_tasks(log_path: Path) -> dict:
    """The delivery tasks the worker ran (its INFO log: "Task api.webhook_deliver[...] succeeded
    in 0.02s: 1", the number of messages the task delivered), the warm-up's included: a task
    that delivered none found the endpoint's sender busy (and came back 0.5 s later) or nothing due."""
    ran = delivered_none = failed = 0
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return {}
    for line in lines:
        if "api.webhook_deliver[" not in line:
            continue
        if " succeeded in " in line:
            ran += 1
            if line.rstrip().endswith(": 0"):
                delivered_none += 1
        elif " raised " in line or " retry" in line.lower():
            failed += 1
    return {"succeeded": ran, "delivered_none": delivered_none, "failed_or_retried": failed}


def measure(
    *,
    tenant_slug: str,
    admin_user_id: int,
    partner_id: int,
    rate: float,
    seconds: float,
    scratch: Path,
    answer_after_ms: float = 0,
    backends,
    say,
) -> dict:
    """Deliver ``rate`` events a second for ``seconds`` and time each one's delivery."""
    from django.test.utils import override_settings

    from api.webhooks import endpoint_create
    from partners import events as partner_events
    from prm.tenancy.models import Tenant
    from prm.tenancy.scope import tenant_scope

    tenant = Tenant.objects.get(slug=tenant_slug)
    left = _disable_bench_endpoints(tenant, admin_user_id)
    if left:
        say(f"  disabled {left} webhook endpoint(s) an earlier run left active")
    queued = _queued()
    recorder = _Recorder(tenant, admin_user_id, partner_id)
    count = max(1, round(rate * seconds))
    log_path = scratch / "celery.log"
    with Receiver(answer_after_ms=answer_after_ms) as receiver:
        # The bench's settings refuse a loopback address, as production's do: lifted here (the
        # registration) and in the worker (each attempt checks again), nowhere else.
        with override_settings(PRM_WEBHOOK_ALLOW_PRIVATE=True), tenant_scope(tenant):
            _endpoint, receiver.secret = endpoint_create(
                actor=recorder.admin,
                url=receiver.url,
                description=DESCRIPTION,
                event_types=[partner_events.PROFILE_UPDATED],
            )
            endpoint_id = _endpoint.pk
        try:
            with CeleryWorker(log_path=log_path, env=WORKER_ENV) as worker:
                if sum(queued.values()):
                    drained = _drain(worker, timeout=DRAIN_BACKLOG_TIMEOUT)
                    say(f"  the worker took the {sum(queued.values()):,} tasks queued before it in {drained:.0f} s")
                started = time.perf_counter()
                first = [recorder.record()]
                if not _wait_for(receiver, first, timeout=READY_TIMEOUT, worker=worker):
                    raise WebhookStepFailed(
                        f"no webhook arrived within {READY_TIMEOUT} s of the worker's start:\n{worker.log_tail(60)}"
                    )
                say(f"  the first message arrived {time.perf_counter() - started:.1f} s after its event (worker up)")
                with recorder:
                    # Warm-up: two seconds at the rate (the worker's processes and connections, the
                    # recorder's threads and theirs).
                    warm, _ = recorder.at_rate(max(1, round(rate * 2)), rate)
                    _wait_for(receiver, warm, timeout=DRAIN_TIMEOUT, worker=worker)
                    recorder.late_ms.clear()
                    with OtherWork(backends, server=worker.pid) as other:
                        ids, took = recorder.at_rate(count, rate)
                        complete = _wait_for(receiver, ids, timeout=DRAIN_TIMEOUT, worker=worker)
                    # Now, while the recorder's connections (theirs are the bench's backends) are open.
                    cpu = {
                        "worker": other.application_seconds,
                        "database": other.database_seconds,
                        "other_pct": other.percent,
                    }
                if not complete:
                    say(
                        f"  {len(ids) - receiver.got(ids)} of {len(ids)} messages had not arrived"
                        f" {DRAIN_TIMEOUT} s after the last event"
                    )
        finally:
            with contextlib.suppress(Exception):
                _disable_bench_endpoints(tenant, admin_user_id)
    latencies = [(receiver.arrived[i] - recorder.committed[i]) * 1000 for i in ids if i in receiver.arrived]
    relays = [recorder.relayed_ms[i] for i in ids]
    worker_cpu, database_cpu = cpu["worker"], cpu["database"]
    result = {
        "rate_per_s": rate,
        "seconds": seconds,
        "answer_after_ms": answer_after_ms,
        "events": len(ids),
        "achieved_rate_per_s": round(len(ids) / took, 2) if took else None,
        "recorder_threads": _Recorder.THREADS,
        "recorder_late": _summary(recorder.late_ms),
        "delivered": len(latencies),
        "latency": _summary(latencies),
        "relay": _summary(relays),
        "record": _summary([recorder.took_ms[i] for i in ids]),
        "tasks": _worker_tasks(log_path),
        "duplicates": receiver.duplicates,
        "bad_signatures": receiver.bad_signatures,
        "unreadable": receiver.unreadable,
        "database": _deliveries(tenant, endpoint_id, ids),
        "worker": " ".join(["celery", *CELERY_WORKER]),
        "worker_cpu_ms_per_event": round(worker_cpu / len(ids) * 1000, 2) if worker_cpu is not None else None,
        "db_cpu_ms_per_event": round(database_cpu / len(ids) * 1000, 2) if database_cpu is not None else None,
        "other_cpu_pct": cpu["other_pct"],
        "queued_before": queued,
    }
    return result
