"""Opening a portal from the platform page without signing in again.

Sessions belong to one host (a tenant's portal never shares cookies with another's, and
SessionHostMiddleware signs a session out on any host but its own). The platform page signs a
short-lived, single-use ticket naming the person and the tenant; the tenant's host checks it and
signs the person in there, in a new session bound to that host. A ticket works once, for 60 seconds, on
its own tenant's host, for a person who is still an active member there. It may name a page of that
portal to land on (``next``, a path on the tenant's host: the platform page's inbox links to the
item waiting there); anything but a plain path lands on the portal's home.
"""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import User
from .selectors import membership_for_user, portals_for_user

_SALT = "prm.accounts.handoff"
TICKET_SECONDS = 60


def _landing(path) -> str:
    """``path`` when it is a plain path (no scheme, no host: never another site), else ``""``."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return ""
    return path if url_has_allowed_host_and_scheme(path, allowed_hosts=set()) else ""


@require_POST
@login_required
def portal_open(request, tenant_id: int):
    """Platform host: the signed-in person opens one of their portals."""
    if request.tenant is not None:
        raise Http404
    portal = next((m for m in portals_for_user(user=request.user) if m.tenant_id == tenant_id), None)
    if portal is None:
        raise Http404
    ticket = signing.dumps(
        {
            "u": request.user.pk,
            "t": tenant_id,
            "n": get_random_string(16),
            "h": request.user.get_session_auth_hash(),
            "x": _landing(request.POST.get("next", "")),
        },
        salt=_SALT,
    )
    return redirect(portal.tenant_obj.absolute_url(reverse("portal_handoff", args=[ticket])))


def portal_handoff(request, ticket: str):
    """Tenant host: redeem a ticket from the platform page, once."""
    if request.tenant is None:
        raise Http404
    try:
        data = signing.loads(ticket, salt=_SALT, max_age=TICKET_SECONDS)
    except signing.BadSignature:
        raise Http404 from None
    if data.get("t") != request.tenant.pk:
        raise Http404
    # Single use: the first redemption claims the nonce (an unreachable cache refuses them all).
    if not cache.add(f"handoff:{data['n']}", 1, timeout=TICKET_SECONDS * 2):
        raise Http404
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    # A password change since the ticket was signed voids it, as it voids sessions.
    if user is None or user.get_session_auth_hash() != data.get("h"):
        raise Http404
    membership = membership_for_user(user=user, tenant=request.tenant)
    if membership is None or not membership.is_active:
        raise Http404
    # A password sign-in on the platform page does not open a portal whose organisation requires
    # single sign-on: the person continues with their provider.
    from .sso import refuse_without_sso

    refused = refuse_without_sso(request, user.email)
    if refused is not None:
        return refused
    login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return redirect(_landing(data.get("x")) or "home")
