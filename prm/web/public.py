"""Public pages of a tenant's host (anyone may open them: the partner application, the
web-to-lead form): the base view, and the rate limits they count per client address and per
e-mail address (django-ratelimit, counted in the Redis cache, per tenant)."""

from __future__ import annotations

from django.http import Http404
from django.views import View

from prm.tenancy.scope import step_out_to_tenant


def client_ip(request) -> str:
    # allauth's, which honours PRM_TRUSTED_PROXY_COUNT (the same address the sign-in limits count).
    from allauth.core.internal.ratelimit import get_ip

    return get_ip(request)


def _usage(request, *, group: str, value: str, rate: str, increment: bool) -> dict | None:
    """django-ratelimit's usage of ``group`` for ``value`` in this tenant (and this database:
    tenant ids repeat across databases sharing one Redis)."""
    from django_ratelimit.core import get_usage

    from prm.web.cache import namespace

    key = f"{namespace()}:{request.tenant.pk}:{value}"
    return get_usage(request, group=group, key=lambda _group, _request: key, rate=rate, increment=increment)


def rate_limited(request, *, group: str, value: str, rate: str, increment: bool = True) -> int | None:
    """Seconds until ``value`` may try again when it is over ``rate`` (counting this request when
    ``increment``); None when it is within."""
    usage = _usage(request, group=group, value=value, rate=rate, increment=increment)
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)


def mailbox(address: str) -> str:
    """The key of a per-address limit: one mailbox however it is written ("+tags" reach the
    same inbox at most providers, so they would multiply what one person may send or receive)."""
    local, _at, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


class PublicView(View):
    """A page of the tenant's host anyone may open; the bare domain has none.

    It acts for the public (``actor`` None), whoever is signed in: a partner user's scope would
    hide the rows the public flow writes and reads (its events, the staff's notifications, the
    duplicate guards) and make row-level security refuse them. So it steps out to the tenant's
    scope; what leaves it is only what these pages show any visitor."""

    def dispatch(self, request, *args, **kwargs):
        if getattr(request, "tenant", None) is None:
            raise Http404
        with step_out_to_tenant():
            return super().dispatch(request, *args, **kwargs)
