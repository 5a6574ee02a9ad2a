"""gunicorn's settings, one file for every way the product is served: the production image and
docker-compose (``gunicorn -c deploy/gunicorn.conf.py``), `make run` (scripts/services.py) and
the bench (bench/server.py).

Workers and threads for the machine. A request here is mostly Python (Django, the ORM,
templates: 3-20 ms of CPU) with short waits on PostgreSQL and Redis in between (0.1-1 ms each),
so throughput is the cores' and only processes run Python in parallel. Measured with `make
bench` on 2 cores (shells, portal home, directory, review queue, floor; 1 and 32 connections):
requests/s at 32 connections were within noise of each other for 4 sync workers, 4x2, 2x4, 3x2
and 6x2 gthread workers (the cores are saturated either way), while threads stretched the tail:
p95 at 32 connections 79-378 ms with 4 sync workers against 215-1164 ms with 4 workers of 2
threads (the GIL makes a worker's threads take turns). So: sync workers, 2 per core. Threads pay
where requests wait long on something else (a slow upstream, large uploads through no buffering
proxy): PRM_WEB_THREADS. Every worker (and thread) keeps its own database connection for
CONN_MAX_AGE seconds: workers x threads connections per server.

Environment:
- PRM_WEB_WORKERS: worker processes (default: 2 per core).
- PRM_WEB_THREADS: threads per worker (default 1: gunicorn's sync workers; more: gthread).
- PRM_WEB_BIND: the address (default 0.0.0.0:8000).
- PRM_WEB_ACCESS_LOG: "-" (default) logs every request to stdout; "" logs none.
- PROMETHEUS_MULTIPROC_DIR: an empty directory where each worker keeps its metrics for /metrics
  to add up (prm/operations/metrics.py); a worker's files are marked dead when it exits.
"""

import os

_cores = os.cpu_count() or 1

bind = os.environ.get("PRM_WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("PRM_WEB_WORKERS", 2 * _cores))
threads = int(os.environ.get("PRM_WEB_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
# Requests queue in the kernel past what the workers take: a burst waits instead of failing.
backlog = 2048
timeout = 60
graceful_timeout = 20
# Browsers reuse their connection for the page's next request (htmx fragments).
keepalive = 5
accesslog = os.environ.get("PRM_WEB_ACCESS_LOG", "-") or None
# Each worker imports the app itself: a fork of a process that has opened database or Redis
# connections would share their sockets.
preload_app = False


def child_exit(server, worker):
    """A worker that exits leaves its counters to the sum; its live gauges go (prometheus_client's
    multiprocess mode). Imported here, not at the top: the master needs nothing else of it."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
