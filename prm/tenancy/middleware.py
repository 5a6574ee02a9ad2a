"""Resolve the tenant from the host, once per request, and run the request inside its scope."""

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from .db import platform_alias
from .models import Tenant
from .scope import current_scope, platform_scope, tenant_scope


def tenant_for_host(host: str) -> Tenant | None:
    """The tenant a host belongs to; ``None`` for the bare base domain; 404 for anything else."""
    host = host.split(":", 1)[0].lower().rstrip(".")
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


class TenantMiddleware:
    """Sets ``request.tenant`` and ``request.membership`` and enters the tenant scope.

    Placed after AuthenticationMiddleware. The whole rest of the request runs in one transaction
    whose row-level-security settings name the tenant and, for a partner user, the partner; the
    ORM scope follows the same context. On the bare domain only platform superusers get a scope
    (the platform-wide Django admin), on the platform connection; everyone else has none, so
    tenant-owned data stays shut.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from prm.accounts.selectors import membership_for_user

        request.membership = None
        request.tenant = tenant_for_host(request.get_host())
        if request.tenant is None:
            if request.user.is_authenticated and request.user.is_superuser:
                with platform_scope():
                    return self.get_response(request)
            with transaction.atomic():
                return self.get_response(request)

        # Dates and times show in the vendor's time zone.
        timezone.activate(request.tenant.time_zone)
        with tenant_scope(request.tenant):
            if request.user.is_authenticated:
                request.membership = membership_for_user(user=request.user, tenant=request.tenant)
            partner_id = request.membership.partner_id if request.membership else None
            if partner_id is None:
                return self.get_response(request)
            with tenant_scope(request.tenant, partner=partner_id):
                return self.get_response(request)

    def process_exception(self, request, exception):
        """A view that fails in the platform scope leaves nothing behind on the platform
        connection. ATOMIC_REQUESTS rolls back the runtime connection's work only; the platform
        connection's transaction is the scope's (``__call__``), which would commit the 500
        response this exception becomes."""
        scope = current_scope()
        if scope is not None and scope.is_platform:
            transaction.set_rollback(True, using=platform_alias())
