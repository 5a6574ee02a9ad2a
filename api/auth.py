"""Who calls the REST API: an API key (found by the tenant middleware) or the pages' own
session; what the key's scopes allow; how fast it may call. Settings name these classes, so this
module imports no DRF view (DRF imports it while it loads its views)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

SAFE = ("GET", "HEAD", "OPTIONS")


# --- who is calling ----------------------------------------------------------------------------


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer prm_...``: the tenant middleware found the key (or none) and made
    its owner the request's user (``prm.tenancy.middleware._api_user``)."""

    keyword = "Bearer"

    def authenticate(self, request):
        raw = request._request
        if not getattr(raw, "stateless", False):
            return None
        key = getattr(raw, "api_key", None)
        if key is None:
            raise exceptions.AuthenticationFailed(gettext("The API key is unknown, revoked or expired."))
        membership = getattr(raw, "membership", None)
        if membership is None or not membership.is_active or membership.pk != key.owner_id:
            raise exceptions.AuthenticationFailed(gettext("The API key's owner no longer has access."))
        if not key.owner.user.is_active:
            raise exceptions.AuthenticationFailed(gettext("The API key's owner no longer has access."))
        return key.owner.user, key

    def authenticate_header(self, request):
        return self.keyword


class PageSessionAuthentication(SessionAuthentication):
    """The pages' own calls (and the browsable documentation's): the signed-in person, with the
    CSRF check of a page's form."""

    def authenticate(self, request):
        if getattr(request._request, "stateless", False):
            return None
        return super().authenticate(request)


def credential_of(request) -> str:
    key = request.auth if hasattr(request.auth, "scopes") else None
    return f"key:{key.pk}" if key else f"member:{request._request.membership.pk}"


class HasScope(BasePermission):
    """A member of this tenant, and, for a key, the view's scope for the method."""

    def has_permission(self, request, view):
        membership = getattr(request._request, "membership", None)
        if request.user is None or not request.user.is_authenticated or membership is None:
            raise exceptions.NotAuthenticated(gettext("Present an API key (Authorization: Bearer ...)."))
        if not membership.is_active:
            raise exceptions.PermissionDenied(gettext("Your access to this portal was deactivated."))
        scope = view.required_scope(request)
        key = request.auth if hasattr(request.auth, "scopes") else None
        if key is not None and scope and scope not in key.scopes:
            raise exceptions.PermissionDenied(gettext("The API key lacks the scope %(scope)s.") % {"scope": scope})
        capability = getattr(view, "capability", None)
        if capability and not membership.can(capability):
            raise exceptions.PermissionDenied(gettext("Your role cannot use this resource."))
        side = getattr(view, "side", None)
        if (side == "staff" and not membership.is_staff_member) or (side == "partner" and membership.is_staff_member):
            raise Http404
        return True


class KeyRateThrottle(SimpleRateThrottle):
    """Requests per key (or per signed-in member) per minute, counted in Redis; over it: 429
    with ``Retry-After``. ``PRM_API_RATE`` (e.g. ``600/min``)."""

    scope = "api"

    def get_rate(self):
        return settings.PRM_API_RATE

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return self.cache_format % {
            "scope": self.scope,
            "ident": f"{request._request.tenant.pk}:{credential_of(request)}",
        }
