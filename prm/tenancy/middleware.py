"""Resolve the tenant from the host, once per request, and run the request inside its scope."""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from prm.l10n import language_for, time_zone_for

from . import request_cache
from .db import platform_alias
from .models import Tenant
from .scope import current_scope, platform_scope, tenant_scope


def _tenant_by_host(host: str) -> Tenant | None:
    """The tenant a host names, from the database; ``None`` for the bare base domain; 404 for
    anything else."""
    base = settings.PRM_BASE_DOMAIN
    if host == base:
        return None
    if host.endswith("." + base):
        slug = host[: -len(base) - 1]
        tenant = Tenant.objects.filter(slug=slug, is_active=True).first() if "." not in slug else None
    else:
        tenant = Tenant.objects.filter(custom_domain=host, is_active=True).first()
    if tenant is None:
        raise Http404("No portal lives at this address.")
    return tenant


def request_host(request) -> str:
    """The request's host as tenants are resolved and sessions bound: no port, lower case, no
    trailing dot."""
    return request.get_host().split(":", 1)[0].lower().rstrip(".")


def tenant_for_host(host: str, *, version: str | None = None) -> Tenant | None:
    """The tenant a host belongs to (a copy of this process's), read again when the tenants'
    version moved (``request_cache``); ``None`` for the bare base domain; 404 for anything else.

    ``host``: as ``request_host`` gives it. ``version``: the tenants' version the caller has
    just read from Redis, if it has."""
    if version is None:
        version = request_cache.tenants_version()
    held = request_cache.cached_tenant(host)
    if held is not None and version is not None and held[1] == version:
        return request_cache.tenant_copy(held[0])
    # Read after the version, so a change committed in between gives a newer version later.
    tenant = _tenant_by_host(host)
    request_cache.remember_tenant(host, tenant, version)
    return request_cache.tenant_copy(tenant)


def _session_user_id(request) -> int | None:
    """The user id the session names (checked against the user once it is loaded)."""
    try:
        return int(request.session[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


# The REST API's requests may present a key instead of a session (prm/accounts/credentials.py).
API_PREFIX = "/api/"


def _api_user(request):
    """The user an API request's key acts as (its owner), or an anonymous one when the key is
    unknown, revoked or expired (``request.api_key`` is then ``None``). Such a request is
    stateless: it neither reads nor writes the session."""
    from django.contrib.auth.models import AnonymousUser

    from prm.accounts.credentials import resolve

    request.stateless = True
    request.api_key = resolve(request.META["HTTP_AUTHORIZATION"])
    request.user = request.api_key.owner.user if request.api_key else AnonymousUser()
    return request.user


def _activate_reader(request, user, tenant) -> None:
    """Activate the language and time zone of the page's reader (``prm.l10n``); set
    ``request.LANGUAGE_CODE`` (``<html lang>``)."""
    language = language_for(user=user, tenant=tenant, request=request)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    timezone.activate(time_zone_for(user=user, tenant=tenant))


def reset_reader(**kwargs) -> None:
    """After a response is finished (``request_finished``): the thread back to the defaults, so
    work it does outside a request (a task, a test) does not speak the last reader's language.
    Not at the end of ``__call__``: messages are rendered by MessageMiddleware after it."""
    translation.deactivate()
    timezone.deactivate()


class TenantMiddleware:
    """Sets ``request.tenant``, ``request.membership`` and ``request.unread_notifications`` and
    enters the tenant scope.

    Placed after AuthenticationMiddleware. The whole rest of the request runs in one transaction
    whose row-level-security settings name the tenant and, for a partner user, the partner; the
    ORM scope follows the same context. On the bare domain only platform superusers get a scope
    (the platform-wide Django admin), on the platform connection; everyone else has none, so
    tenant-owned data stays shut.

    What it resolves comes from caches with one Redis round trip (``request_cache``: what is
    cached, for how long, what makes it stale). The transaction has no savepoint of its own: a
    view that raises rolls the whole of it back (``process_exception``), which is what
    ``ATOMIC_REQUESTS`` did with one more savepoint per request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.unread_notifications = None
        host = request_host(request)
        user_id = _session_user_id(request)
        held = request_cache.cached_tenant(host)
        lookup = request_cache.Lookup(tenant_id=held[0].pk if held and held[0] else None, user_id=user_id)
        request.tenant = tenant_for_host(host, version=lookup.tenants_version)
        if request.tenant is None:
            _activate_reader(request, request.user if request.user.is_authenticated else None, None)
            if request.user.is_authenticated and request.user.is_superuser:
                with platform_scope():
                    return self.get_response(request)
            with transaction.atomic():
                return self._respond(request)
        if lookup.tenant_id != request.tenant.pk:  # this process had not seen the host yet
            lookup = request_cache.Lookup(tenant_id=request.tenant.pk, user_id=user_id)

        # The user before the transaction: on a page that then reads nothing (all from caches),
        # no BEGIN and COMMIT; on one that reads, as many round trips as inside it.
        user = request.user
        user.is_authenticated  # noqa: B018 (loads the lazy user)
        # The page in its reader's language and time zone: theirs, else the vendor's (prm/l10n.py).
        # From the user row and the tenant already loaded: no query.
        _activate_reader(request, user if user.is_authenticated else None, request.tenant)
        with tenant_scope(request.tenant):
            if request.path.startswith(API_PREFIX) and "HTTP_AUTHORIZATION" in request.META:
                user = _api_user(request)
            if user.is_authenticated:
                if user.pk != lookup.user_id:  # a user the session does not name (set by other code)
                    lookup = request_cache.Lookup(tenant_id=request.tenant.pk, user_id=user.pk)
                request.membership = self._membership(request.tenant, user, lookup)
                request.unread_notifications = lookup.unread()
            partner_id = request.membership.partner_id if request.membership else None
            if partner_id is None:
                return self._respond(request)
            with tenant_scope(request.tenant, partner=partner_id, savepoint=False):
                if request.method == "GET" and not request.path.startswith(API_PREFIX):
                    from prm.accounts.activity import portal_day_record

                    portal_day_record(request)
                return self._respond(request)

    def _respond(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        if request.tenant is None or not request.user.is_authenticated:
            # Anonymous pages may follow the browser's Accept-Language (when the vendor sets no
            # language, or on the bare domain): caches must keep one copy per language.
            patch_vary_headers(response, ("Accept-Language",))
        if getattr(request, "_prm_view_raised", False):
            # After the error page was made (it may read: the menu, the member), in the same
            # transaction, and before it ends: nothing the failed view wrote is committed.
            transaction.set_rollback(True)
            if request.membership is not None and request.membership.partner_id is not None:
                from prm.accounts.activity import portal_day_forget

                portal_day_forget(request)
        return response

    @staticmethod
    def _membership(tenant, user, lookup):
        from prm.accounts.selectors import membership_for_user

        found, membership = lookup.membership()
        if not found:
            version = lookup.people_version()
            membership = membership_for_user(user=user, tenant=tenant)
            request_cache.remember_membership(
                tenant_id=tenant.pk, user_id=user.pk, version=version, membership=membership
            )
        if membership is not None:
            membership.user = user
        return membership

    def process_exception(self, request, exception):
        """A view that fails leaves nothing behind. On the runtime connection its whole
        transaction rolls back once the error page is made (``_respond``): what
        ``ATOMIC_REQUESTS`` did with one more savepoint per request. The platform connection's
        transaction is the platform scope's, which would commit the 500 response this exception
        becomes: it is marked at once."""
        request._prm_view_raised = True
        scope = current_scope()
        if scope is not None and scope.is_platform:
            transaction.set_rollback(True, using=platform_alias())
