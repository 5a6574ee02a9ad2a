"""Structured logs: every line one JSON object (production) or one readable line (development),
with the request id, the tenant and the user of the request or task it was written for.

The lines are the standard library's: Django's, ours (``logging.getLogger(__name__)``),
Celery's and gunicorn's workers' all go through the root handler, whose formatter is structlog's
``ProcessorFormatter`` (``formatter``). What a line is about comes from structlog's context
variables, bound once per request (``RequestLogMiddleware``, ``RequestIdentityMiddleware``) and
once per task (``connect_celery``), so no call site passes it. Context variables are per thread
(and per asyncio task), so gthread workers keep their requests apart.

The request id comes from the incoming ``X-Request-ID`` header when it is well formed (a load
balancer or a calling service made one), else a new one, and goes back in the response's
``X-Request-ID``. A task published while a request is being served (the outbox relay runs right
after the request's commit, in the request) carries the id, the tenant and the user in its
message headers (``prm_request_id``, ...), and the worker binds them for the task's lines. A
message the sweep republishes later carries the sweep's context instead: the id of the request
that wrote it is not stored with it.

This module imports nothing of Django's or the project's at import time: settings import it to
build ``LOGGING``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

import structlog

# Characters a request id may have: what load balancers and tracing systems make (hex, UUIDs,
# AWS's "Root=1-...", base64), and nothing that could break a log line or a header.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{7,127}")
REQUEST_ID_HEADER = "X-Request-ID"
# The Celery message headers that carry a request's context to the tasks it publishes.
TASK_HEADERS = {"request_id": "prm_request_id", "tenant_id": "prm_tenant_id", "user_id": "prm_user_id"}

logger = logging.getLogger("prm.request")

# What every line gets before it is rendered, whoever logged it.
_PRE_CHAIN = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    # ``logger.info("...", extra={...})``: the extras become keys of the line.
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def formatter(fmt: str = "json") -> logging.Formatter:
    """The root handler's formatter (``LOGGING``): ``json``, one object per line, or
    ``console``, a readable line with the same keys."""
    _configure_structlog()
    if fmt == "console":
        return structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_PRE_CHAIN,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                # Tracebacks without the frames' local variables: showing them evaluates lazy
                # objects (a request's user), which reads the database in the middle of a
                # database error and turns one error into a "Logging error".
                structlog.dev.ConsoleRenderer(
                    colors=False, exception_formatter=structlog.dev.RichTracebackFormatter(show_locals=False)
                ),
            ],
        )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_PRE_CHAIN,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # A traceback as one string inside the object, so the line stays one line.
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )


def _configure_structlog() -> None:
    """Code that logs through ``structlog.get_logger()`` ends in the same handler."""
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[
            *(step for step in _PRE_CHAIN if not isinstance(step, structlog.stdlib.ExtraAdder)),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def logging_config(*, fmt: str, level: str) -> dict:
    """``LOGGING`` for the settings: one handler on stderr, the root's, for every logger."""
    if fmt not in ("json", "console"):
        raise ValueError(f"PRM_LOG_FORMAT is 'json' or 'console', not {fmt!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": "prm.operations.logs.formatter", "fmt": fmt}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            # Django's defaults give it a handler of its own (a plain line when DEBUG is on, on
            # top of the root's): the root's only.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            # gunicorn's workers load the app, which configures these again: their lines (the
            # error log, and the access log when PRM_WEB_ACCESS_LOG is on) in the same format,
            # with the request's id. The master's few lines (boot, worker restarts) stay gunicorn's.
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def request_id_from(value: str | None) -> str:
    """The id of a request: the caller's ``X-Request-ID`` when well formed, else a new one."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def route_of(request) -> tuple[str, str]:
    """The view name and route pattern the request resolved to (never the raw path: it may hold
    a token, and it would make one metric series per object)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>", ""
    return match.view_name or match._func_path, match.route or ""


class RequestLogMiddleware:
    """First in MIDDLEWARE: gives the request its id (bound for every line written while it is
    served, returned in ``X-Request-ID``) and writes one line when it is done: the view, the
    route, the status and the time it took.

    The context is cleared when the next request starts (by ProbeMiddleware, first of all), not
    when this one ends, so what runs after the response in the same thread (gunicorn's access
    log line) still names it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        bind_identity(request)  # again: a sign-in during the request changed the user
        view, route = route_of(request)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "view": view,
                "route": route,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response


def bind_identity(request) -> None:
    """Bind the request's tenant (slug and id) and user id, as TenantMiddleware and the
    authentication resolved them."""
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    structlog.contextvars.bind_contextvars(
        tenant=tenant.slug if tenant is not None else None,
        tenant_id=tenant.pk if tenant is not None else None,
        user_id=user.pk if user is not None and user.is_authenticated else None,
    )


class RequestIdentityMiddleware:
    """Right after TenantMiddleware: every line the view and the services write names the
    tenant and the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bind_identity(request)
        return self.get_response(request)


# --- Celery ------------------------------------------------------------------------------------


def _before_publish(headers=None, **kwargs) -> None:
    """A task published with a context bound (a request's, a task's) carries it."""
    if headers is None:
        return
    context = structlog.contextvars.get_contextvars()
    for key, header in TASK_HEADERS.items():
        if context.get(key) is not None:
            headers.setdefault(header, context[key])


# Eager tasks (the tests) run inside the caller's context: what their run binds is put back after.
_eager_tokens: dict[str, dict] = {}


def _task_prerun(task_id=None, task=None, kwargs=None, **ignored) -> None:
    request = task.request
    if request.is_eager:
        _eager_tokens[task_id] = structlog.contextvars.bind_contextvars(task=task.name, task_id=task_id)
        return
    structlog.contextvars.clear_contextvars()
    context = {"task": task.name, "task_id": task_id}
    for key, header in TASK_HEADERS.items():
        value = getattr(request, header, None) or (request.headers or {}).get(header)
        if value is not None:
            context[key] = value
    # A tenant's task names its tenant in its arguments (prm.events.tasks.tenant_task).
    if "tenant_id" not in context and kwargs and kwargs.get("tenant_id") is not None:
        context["tenant_id"] = kwargs["tenant_id"]
    structlog.contextvars.bind_contextvars(**context)


def _task_postrun(task_id=None, task=None, **ignored) -> None:
    tokens = _eager_tokens.pop(task_id, None)
    if tokens is not None:
        structlog.contextvars.reset_contextvars(**tokens)
    elif not task.request.is_eager:
        structlog.contextvars.clear_contextvars()


def _setup_logging(**kwargs) -> None:
    """Celery leaves the logging alone when someone answers this signal: Django's ``LOGGING``
    (applied by ``django.setup()`` in the worker) stays, so the worker's lines look like the web's."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


def connect_celery() -> None:
    """Connect the signals above (prm/celery.py, in every process: web processes publish,
    workers run). ``weak=False``: module-level functions, connected once."""
    from celery import signals

    signals.setup_logging.connect(_setup_logging, weak=False)
    signals.before_task_publish.connect(_before_publish, weak=False)
    signals.task_prerun.connect(_task_prerun, weak=False)
    signals.task_postrun.connect(_task_postrun, weak=False)
