"""gunicorn's settings, one file for every way the product is served: the production image and
docker-compose (``gunicorn -c deploy/gunicorn.conf.py``), `make run` (scripts/services.py) and
the bench (bench/server.py).

Workers and threads for the machine. A request here is mostly Python (Django, the ORM,
templates: 3-20 ms of CPU) with short waits on PostgreSQL and Redis in between (0.1-1 ms each,
on the same host or the next). Processes, not threads, are what run Python in parallel, so the
workers follow the cores; a few threads per worker fill the waits and keep a slow request
(an export, a PDF) from holding a whole process. Measured with `make bench` on 2 cores (README,
"Performance"): PRM_WEB_WORKERS / PRM_WEB_THREADS below are the best of those runs, and
anything more only added memory and database connections (each thread keeps its own, for
CONN_MAX_AGE seconds: workers x threads connections per server).

Environment:
- PRM_WEB_WORKERS: worker processes (default: 2 per core).
- PRM_WEB_THREADS: threads per worker (default 2; 1 means gunicorn's sync workers).
- PRM_WEB_BIND: the address (default 0.0.0.0:8000).
- PRM_WEB_ACCESS_LOG: "-" (default) logs every request to stdout; "" logs none.
"""

import os

_cores = os.cpu_count() or 1

bind = os.environ.get("PRM_WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("PRM_WEB_WORKERS", 2 * _cores))
threads = int(os.environ.get("PRM_WEB_THREADS", 2))
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
