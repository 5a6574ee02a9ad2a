"""Health checks for load balancers and orchestrators.

* ``/health/live``: the process answers (no I/O). A failing one is restarted.
* ``/health/ready``: it can serve: the database answers, Redis (the cache, the sessions' reads)
  answers, the Celery broker answers, and no migration on disk is unapplied (a process of a new
  release started before ``migrate`` would serve code against an old schema). A failing one is
  taken out of the rotation until it passes again. 200 or 503, with a small JSON body naming
  each check; what went wrong in detail goes to the log, not to whoever asks.

Both are answered by ``ProbeMiddleware`` before anything else runs: on any host (a balancer
probes by address), without a session, a tenant lookup or the request's transaction, and without
a line in the log or the request metrics (they are asked every few seconds).

Each check has a short timeout: Redis and the broker 1 s each (redis-py's socket timeouts); the
database's connection attempt is bounded by ``connect_timeout`` in ``DATABASE_URL``
(``?connect_timeout=3``; libpq's default waits for TCP), and the balancer's own probe timeout
bounds the rest.
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from time import monotonic

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import JsonResponse

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 1.0
# While a migration is unapplied the answer is kept this long (per process), unless the recorded
# migrations change meanwhile (``migrate`` ran): each probe, anyone's, would load them (~0.5 s).
UNAPPLIED_RECHECK_SECONDS = 5.0
_migrations_applied = threading.Event()
_unapplied: tuple[float, object, str] | None = None  # (when, what was recorded, the answer)


@cache
def redis_client(url: str):
    """A client per URL for this process, with short timeouts (its pool is kept)."""
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)


def check_database() -> None:
    """``SELECT 1`` on this process's runtime connection (the one requests use). No session-level
    ``SET statement_timeout`` around it: behind pgbouncer's transaction pooling a session setting
    outlives the probe on a server connection someone else gets next."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


def check_redis() -> None:
    redis_client(settings.CACHES["default"]["LOCATION"]).ping()


def check_broker() -> None:
    from prm.celery import app

    url = app.conf.broker_url or ""
    if url.startswith(("redis://", "rediss://")):
        redis_client(url).ping()
        return
    with app.connection_for_read() as connection:
        connection.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)


def _recorded_migrations() -> object:
    """What the database has recorded, in one cheap query: the count and the latest row of
    ``django_migrations`` (``migrate`` adds rows)."""
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
    if not recorder.has_table():
        return None
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f"SELECT count(*), max(id) FROM {recorder.Migration._meta.db_table}")  # noqa: S608 (a constant)
        return cursor.fetchone()


def unapplied_migrations(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Migrations of this release not applied to the database: its tables are not the models'
    (readiness; a tenant move refuses a database in that state)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, backwards in plan if not backwards]


def check_migrations() -> None:
    """Nothing on disk unapplied: ``migrate --check``'s question. Loading the migrations costs
    ~0.5 s, so once the answer is yes this process does not ask again (migrations are applied
    before a release's processes start; they do not come undone); while it is no, the answer
    stands for ``UNAPPLIED_RECHECK_SECONDS`` unless the recorded migrations changed (one cheap
    query), so that probes, anyone's, cannot keep the process loading them."""
    global _unapplied
    if _migrations_applied.is_set():
        return
    known = _unapplied
    fresh = known is not None and monotonic() - known[0] < UNAPPLIED_RECHECK_SECONDS
    if fresh and _recorded_migrations() == known[1]:
        raise Unready(known[2])
    plan = unapplied_migrations(DEFAULT_DB_ALIAS)
    if plan:
        answer = f"{len(plan)} unapplied"
        _unapplied = (monotonic(), _recorded_migrations(), answer)
        raise Unready(answer)
    _unapplied = None
    _migrations_applied.set()


def forget_migrations_check() -> None:
    """Ask about the migrations again at the next check (tests)."""
    global _unapplied
    _unapplied = None
    _migrations_applied.clear()


class Unready(Exception):
    """A check's answer that is not an error of the thing checked (unapplied migrations)."""


CHECKS = {
    "database": check_database,
    "redis": check_redis,
    "broker": check_broker,
    "migrations": check_migrations,
}


def readiness() -> dict[str, str]:
    """Each check's result: "ok", "unavailable" or what is not ready."""
    results = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "unknown"  # it reads the database
            continue
        try:
            check()
        except Unready as answer:
            results[name] = str(answer)
            logger.warning("readiness: %s: %s", name, answer)
        except Exception as error:
            results[name] = "unavailable"
            logger.warning("readiness: %s is unavailable: %s", name, error)
        else:
            results[name] = "ok"
    return results


def live(request):
    """The process is up: nothing is checked."""
    return JsonResponse({"status": "ok"})


def ready(request):
    """200 when every check passes, else 503 naming each check's result."""
    results = readiness()
    ok = all(result == "ok" for result in results.values())
    response = JsonResponse({"status": "ok" if ok else "unavailable", "checks": results}, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    return response
