"""The shell: routing a signed-in person to the right front door, the platform page, health; and
the one way a view calls a service (``call_service``, ``ServiceView``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from prm.accounts.access import MemberRequiredMixin
from prm.errors import DomainError
from prm.tenancy.models import LOGO_CONTENT_TYPES

PAGE_SIZE = 25
INVALID = "Nothing was changed: correct the fields marked below."


@dataclass(frozen=True)
class Outcome:
    """What a service call came to: its result, or the domain error that refused it."""

    value: Any = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def call_service(request, service: Callable[..., Any], /, *, success=None, **kwargs: Any) -> Outcome:
    """Call ``service(**kwargs)`` for a view: a ``DomainError`` becomes an error message (and the
    outcome's ``error``); otherwise ``success`` (a sentence, or a function of the result that
    gives one, or None) becomes a success message. Returns the ``Outcome``.

    Several writes that must happen together are one service (``deal_register(submit=True)``),
    not several calls here: each service call is its own transaction (savepoint)."""
    try:
        value = service(**kwargs)
    except DomainError as error:
        messages.error(request, error.message)
        return Outcome(error=error)
    message = success(value) if callable(success) else success
    if message:
        messages.success(request, message)
    return Outcome(value=value)


class ServiceView(MemberRequiredMixin, View):
    """One form posted to change one thing: parse it, call the service, come back.

    ``post`` finds the object the URL names (``get_object``, through a selector: a 404 for what
    the actor may not see), validates ``form_class`` with the request's data and files, calls
    ``perform(data)`` (which calls the service and returns its result) through ``call_service``,
    and redirects to ``success_url(result)`` with ``success_message(result)`` (``success_response``:
    a page that answers htmx with a fragment renders it there instead). Invalid input
    (``invalid_message``) or a refusal (the domain error's message) render the page again with
    what was typed: ``render_invalid(form)``, a 200 whose page shows the message and the errors.
    Subclasses declare ``area`` and ``capability`` like any member page.
    """

    form_class: type | None = None
    invalid_message: str = INVALID

    def get_object(self):
        """The object the URL names, through a selector (404 when the actor may not see it)."""
        return None

    def get_form_kwargs(self) -> dict:
        return {}

    def get_form(self):
        if self.form_class is None:
            return None
        return self.form_class(self.request.POST, self.request.FILES or None, **self.get_form_kwargs())

    def perform(self, data: dict) -> Any:
        """Call the service with the cleaned data (the bound form is ``self.form``); return its
        result."""
        raise NotImplementedError

    def success_message(self, result) -> str | None:
        return None

    def success_url(self, result) -> str:
        raise NotImplementedError

    def success_response(self, result):
        """What a success answers: back to ``success_url(result)``."""
        return redirect(self.success_url(result))

    def render_invalid(self, form):
        """The page again, with the form as typed (``form`` is None for a form-less action)."""
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.form = form = self.get_form()
        if form is not None and not form.is_valid():
            messages.error(request, self.invalid_message)
            return self.render_invalid(form)
        data = form.cleaned_data if form is not None else {}
        outcome = call_service(request, self.perform, data=data, success=self.success_message)
        if outcome.ok:
            return self.success_response(outcome.value)
        return self.render_invalid(form)


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
