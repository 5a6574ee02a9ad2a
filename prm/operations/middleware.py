"""What answers before the rest of the stack: the health probes and token-carrying scrapes."""

from __future__ import annotations

import structlog
from django.http import HttpResponseNotFound

from . import health, metrics

_PROBES = {"/health/live": health.live, "/health/ready": health.ready}


class ProbeMiddleware:
    """First in MIDDLEWARE. Load balancers and Prometheus ask a process directly, by its address
    (not a tenant's host, which ``ALLOWED_HOSTS`` would refuse), many times a minute, and need no
    session, tenant or transaction: ``/health/live``, ``/health/ready``, and ``/metrics`` with
    the bearer token are answered here, before the host is validated and before anything reads
    Redis or PostgreSQL for the request; a wrong token gets a bare 404. ``/metrics`` without an
    ``Authorization: Bearer`` header goes on through the stack to its view (a signed-in platform
    superuser sees it; anyone else gets the 404 page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # What the thread bound for its last request or task is not this request's.
        structlog.contextvars.clear_contextvars()
        probe = _PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return _plain(probe(request))
        if request.path_info == "/metrics" and request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer "):
            # A scraper: its token, or nothing (on any host: not the 400 of a host nobody serves).
            if request.method == "GET" and metrics.token_matches(request):
                return _plain(metrics.respond())
            return _plain(HttpResponseNotFound())
        return _in_a_stack_chunk_of_its_own(self.get_response, request)


def _in_a_stack_chunk_of_its_own(get_response, request):
    """The rest of the stack and the view, in frames of a fresh, large chunk of the interpreter's
    frame stack (the code below gives this frame a 32 KB stack of which nothing is used).

    CPython keeps Python frames in chunks of 16 KB and frees a chunk the moment its last frame
    returns (python/cpython#142183; later 3.13 releases keep one spare chunk). A page whose
    template recursion goes back and forth across a chunk's end maps and unmaps that chunk each
    time: the signed-in shell did so ~100 times a request (~200 page faults, +1.5-2.5 ms of
    system CPU) once the four operations middleware (8 frames) moved it onto a boundary; the
    portal's home ~700 times (+10 ms). Where the boundaries fall depends on every frame above,
    so it comes and goes with any change.
    A frame too large for what is left of the current chunk gets a new one sized for it plus
    at least 1,000 slots: this one's 4,100 slots get a 64 KB chunk, allocated once per request,
    with ~32 KB after it for the middleware, the view and the templates."""
    return get_response(request)


_in_a_stack_chunk_of_its_own.__code__ = _in_a_stack_chunk_of_its_own.__code__.replace(
    co_stacksize=_in_a_stack_chunk_of_its_own.__code__.co_stacksize + 4096
)


def _plain(response):
    """Data, never a page: no browser may read it as anything else (SecurityMiddleware, which
    would say so, is further down)."""
    response["X-Content-Type-Options"] = "nosniff"
    return response
