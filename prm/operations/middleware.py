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
        return self.get_response(request)


def _plain(response):
    """Data, never a page: no browser may read it as anything else (SecurityMiddleware, which
    would say so, is further down)."""
    response["X-Content-Type-Options"] = "nosniff"
    return response
