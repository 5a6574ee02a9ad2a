"""Prometheus metrics at ``/metrics``: request latency by view, task latency and counts by task
and state, queue depth per Celery queue, the outbox backlog, and what the apps register
(webhook failures: ``api/metrics.py``).

Two kinds:

* **Measured in the process** (histograms): each web process times its requests
  (``RequestMetricsMiddleware``), each worker process its tasks (``connect_celery``). With
  several processes (gunicorn's workers, Celery's pool) set ``PROMETHEUS_MULTIPROC_DIR`` to an
  empty directory, one per host, before they start: prometheus_client then keeps each process's
  values in a file there and the scrape adds them up. Workers on the web's host write into the
  same directory (`make run`), so the web's ``/metrics`` shows their tasks too; workers on other
  hosts serve their own with ``PRM_WORKER_METRICS_PORT`` (``start_worker_server``), which needs
  the directory as well when the pool has several processes (the default prefork pool).
* **Read at scrape time** (gauges): the queues' lengths from the broker and the backlog from the
  database, when Prometheus asks and only then, a handful of cheap reads (``scrape_collector``).
  Apps add theirs with ``register_scrape`` from their ``AppConfig.ready`` (the foundation names
  no app).

Protected: a bearer token (``PRM_METRICS_TOKEN``, compared in constant time) or a signed-in
platform superuser; anyone else gets the 404 of a page that does not exist.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from .logs import route_of
from .queues import queue_lengths

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "prm_request_duration_seconds",
    "Time to answer a request, by view name (the URL pattern's, not the path), method and status.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASK_LATENCY = Histogram(
    "prm_task_duration_seconds",
    "Time a Celery task ran, by task name and final state (SUCCESS, FAILURE, RETRY); _count: tasks run.",
    ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
# Methods a client may send are unbounded; the label is not.
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


# --- The registry of scrape-time collectors ----------------------------------------------------

# name -> a function yielding metric families, read inside the platform scope at each scrape.
_scrapes: dict[str, Callable[[], Iterable[Metric]]] = {}


def register_scrape(name: str, collect: Callable[[], Iterable[Metric]]) -> None:
    """Add ``collect`` to every scrape. It runs inside ``platform_scope()`` (every tenant's rows,
    on the platform connection) in a savepoint of its own, so one that fails is left out (and
    ``prm_scrape_ok{collector=name}`` is 0) while the others still answer. Keep it to a few
    indexed reads: Prometheus asks every 15-60 s."""
    _scrapes[name] = collect


class _ScrapeCollector:
    """The registered collectors as one prometheus_client collector."""

    def collect(self) -> Iterable[Metric]:
        from django.db import transaction

        from prm.tenancy.db import platform_alias
        from prm.tenancy.scope import platform_scope

        ok = GaugeMetricFamily(
            "prm_scrape_ok", "1 when the collector answered this scrape, else 0.", labels=["collector"]
        )
        families: list[Metric] = []
        with platform_scope():
            for name, collect in _scrapes.items():
                try:
                    with transaction.atomic(using=platform_alias()):
                        families.extend(collect())
                except Exception:
                    logger.exception("metrics: the %s collector failed", name)
                    ok.add_metric([name], 0)
                else:
                    ok.add_metric([name], 1)
        yield from families
        yield ok


def queue_depth() -> Iterable[Metric]:
    """Messages waiting in each queue (not those a worker holds; ``queues.queue_lengths``)."""
    family = GaugeMetricFamily("prm_celery_queue_length", "Messages waiting in the Celery queue.", labels=["queue"])
    for name, length in queue_lengths().items():
        family.add_metric([name], length)
    return [family]


def outbox_backlog() -> Iterable[Metric]:
    """Side effects written and not yet delivered (prm/events): how many, and how old the oldest
    is. One aggregate over the outbox's partial index of undelivered messages."""
    from django.db.models import Count, Min
    from django.utils import timezone

    from prm.events.models import OutboxMessage

    found = OutboxMessage.objects.filter(delivered_at__isnull=True).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    age = (timezone.now() - found["oldest"]).total_seconds() if found["oldest"] else 0.0
    return [
        GaugeMetricFamily(
            "prm_outbox_backlog", "Outbox messages not delivered yet, every tenant's.", value=found["count"]
        ),
        GaugeMetricFamily(
            "prm_outbox_oldest_age_seconds", "Age of the oldest outbox message not delivered yet (0: none).", value=age
        ),
    ]


register_scrape("queues", queue_depth)
register_scrape("outbox", outbox_backlog)


def exposition() -> bytes:
    """The metrics in Prometheus's text format: this host's processes' and the scrape's."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
        body = b""
    else:
        body = generate_latest(REGISTRY)
    registry.register(_ScrapeCollector())
    return body + generate_latest(registry)


# --- The endpoint ------------------------------------------------------------------------------


def token_matches(request) -> bool:
    """The request presents ``Authorization: Bearer <PRM_METRICS_TOKEN>`` (constant-time)."""
    from django.conf import settings

    token = settings.PRM_METRICS_TOKEN
    presented = request.META.get("HTTP_AUTHORIZATION", "")
    if not token or not presented.startswith("Bearer "):
        return False
    return hmac.compare_digest(presented[len("Bearer ") :].encode(), token.encode())


def respond():
    from django.http import HttpResponse

    # The text format every Prometheus (2.x and 3.x) reads.
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
    response["Cache-Control"] = "no-store"
    return response


def metrics(request):
    """``/metrics`` through the full stack: a platform superuser signed in (any host), or the
    token (a scraper that sent it is usually answered earlier, by ``ProbeMiddleware``)."""
    from django.http import Http404

    user = getattr(request, "user", None)
    if token_matches(request) or (user is not None and user.is_authenticated and user.is_superuser):
        return respond()
    raise Http404


# --- Requests and tasks ------------------------------------------------------------------------


class RequestMetricsMiddleware:
    """Near the top of MIDDLEWARE: times the request through every middleware below it and the
    view, labelled with the view the URL resolved to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        view, _route = route_of(request)
        method = request.method if request.method in _METHODS else "other"
        REQUEST_LATENCY.labels(view=view, method=method, status=str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response


_task_started: dict[str, float] = {}


def _task_prerun(task_id=None, **ignored) -> None:
    _task_started[task_id] = time.perf_counter()


def _task_postrun(task_id=None, task=None, state=None, **ignored) -> None:
    started = _task_started.pop(task_id, None)
    if started is not None and task is not None:
        TASK_LATENCY.labels(task=task.name, state=state or "UNKNOWN").observe(time.perf_counter() - started)


def start_worker_server(**ignored) -> None:
    """In a worker's main process (``worker_init``), when ``PRM_WORKER_METRICS_PORT`` is set:
    serve this host's task metrics on that port (``/metrics``, no token: bind it to a network
    only Prometheus reaches). Prefork children report through ``PROMETHEUS_MULTIPROC_DIR``."""
    from prometheus_client import start_http_server

    port = os.environ.get("PRM_WORKER_METRICS_PORT")
    if not port:
        return
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(registry)
    else:
        logger.warning("PRM_WORKER_METRICS_PORT without PROMETHEUS_MULTIPROC_DIR: a prefork pool's tasks are not seen")
        registry = REGISTRY
    start_http_server(int(port), registry=registry)


def _worker_process_exit(pid=None, **ignored) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid or os.getpid())


def connect_celery() -> None:
    """Connect the task timers and the worker's server (prm/celery.py)."""
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False)
    signals.task_postrun.connect(_task_postrun, weak=False)
    signals.worker_init.connect(start_worker_server, weak=False)
    signals.worker_process_shutdown.connect(_worker_process_exit, weak=False)
