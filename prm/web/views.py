"""The shell: routing a signed-in person to the right front door, the platform page, health."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from prm.errors import DomainError
from prm.tenancy.models import LOGO_CONTENT_TYPES

PAGE_SIZE = 25


def run_service(request, call, *, success: str | None = None) -> bool:
    """Call a service; a domain error becomes an error message. True when it succeeded."""
    try:
        call()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    if success:
        messages.success(request, success)
    return True


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """A page of results; an out-of-range or malformed page number gives the nearest page."""
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    # Evaluated here, not while the template renders (the query budget forbids that).
    page.object_list = list(page.object_list)
    return page


def query_without_page(request) -> str:
    """The list's filters as a query string, for pagination links and exports."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def home(request):
    """``/``: the platform page on the bare domain; on a tenant host, the member's front door."""
    if request.tenant is None:
        return platform_home(request)
    if not request.user.is_authenticated:
        return redirect(reverse("account_login"))
    membership = request.membership
    if membership is None or not membership.is_active:
        return render(request, "web/no_access.html", {"membership": membership}, status=403)
    if membership.is_staff_member:
        return redirect("office:dashboard")
    return redirect("portal:home")


def platform_home(request):
    from prm.accounts.selectors import portals_for_user

    portals = portals_for_user(user=request.user) if request.user.is_authenticated else []
    return render(request, "web/platform.html", {"portals": portals})


def healthz(request):
    """Load balancers ask here: the database answers, or this is a 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


class TenantLogoView(View):
    """The tenant's logo, from storage outside the static tree; never executed or sniffed."""

    def get(self, request):
        tenant = request.tenant
        if tenant is None or not tenant.logo:
            raise Http404
        extension = tenant.logo.name.rsplit(".", 1)[-1]
        content_type = LOGO_CONTENT_TYPES.get(extension, "application/octet-stream")
        response = FileResponse(tenant.logo.open("rb"), content_type=content_type)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response
