"""The shell: routing a signed-in person to the right front door, the platform page, health; and
the one way a view calls a service (``call_service``, ``ServiceView``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format, time_format
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from prm.accounts.access import MemberRequiredMixin
from prm.errors import DomainError
from prm.tenancy.models import LOGO_CONTENT_TYPES

PAGE_SIZE = 25
INVALID = _("Nothing was changed: correct the fields marked below.")


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
    invalid_message = INVALID

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


# A list counts at most this many rows: past it the page says "10,000+" and offers no last page.
# Counting 120,000 waiting registrations took 18 ms of a 40 ms request; counting to 10,001 stops
# early, and nobody pages to the 401st page of anything.
COUNT_CAP = 10_000


def _capped_text(number: int) -> str:
    """ "10,000+" ("10.000+" in German): at least this many."""
    return gettext("%(number)s+") % {"number": number_format(number, force_grouping=True)}


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``cap`` + 1 rows (a LIMITed subquery without ordering,
    so the database stops early). Past the cap the count is ``cap`` + 1 and ``capped`` is true;
    pages beyond the cap still work (``has_next`` comes from the page's own rows)."""

    def __init__(self, object_list, per_page, *, cap: int | None = COUNT_CAP, count_from=None):
        super().__init__(object_list, per_page)
        self.cap = cap  # None: count everything
        self.count_from = count_from

    @cached_property
    def count(self) -> int:
        rows = self.object_list if self.count_from is None else self.count_from
        if self.cap is None and self.count_from is not None:
            return rows.count()
        if self.cap is None:
            return super().count
        if isinstance(rows, QuerySet):
            # No ORDER BY: the count needs no sort, and with LIMIT the scan stops at cap + 1.
            return rows.order_by().values("pk")[: self.cap + 1].count()
        return min(len(rows), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.count > self.cap

    @property
    def shown_count(self) -> str:
        """The count as the page says it: "1,234", or "10,000+" past the cap."""
        return _capped_text(self.cap) if self.capped else number_format(self.count, force_grouping=True)

    @property
    def shown_num_pages(self) -> str:
        """How many pages, as the page says it: "40", or "400+" past the cap."""
        if self.capped:
            return _capped_text(self.cap // self.per_page)
        return number_format(self.num_pages, force_grouping=True)

    def validate_number(self, number):
        if not self.capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(gettext("That page number is not an integer")) from error
        if number < 1:
            raise EmptyPage(gettext("That page number is less than 1"))
        return number  # the last page is unknown: a page past the end is found empty below

    def page(self, number):
        number = self.validate_number(number)
        if not self.capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        # One row more than the page shows says whether there is a next page.
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)


class CappedPage(Page):
    """A page of a capped list: it knows whether a next page exists from its own rows."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def next_page_number(self) -> int:
        return self.number + 1

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


def paginate(request, queryset, per_page: int = PAGE_SIZE, *, count_from=None):
    """A page of results; an out-of-range or malformed page number gives the nearest page. The
    count is capped (``CappedPaginator``): past ``COUNT_CAP`` rows the page says "10,000+", and a
    page number past the end of such a list gives the last page (counted in full, only then).
    ``count_from``: the same rows without what only the page needs (a ``.values()`` row's joined
    names): counted instead, because the count keeps a values query's joins, and joining 10,000
    partners under row-level security cost 50 ms."""
    paginator = CappedPaginator(queryset, per_page, cap=COUNT_CAP, count_from=count_from)
    page = paginator.get_page(request.GET.get("page"))
    if isinstance(page, CappedPage) and not page.object_list and page.number > 1:
        # Past the end of a long list: the rows run out somewhere after the cap. Rare (a typed or
        # stale URL), so the full count is paid here to find the real last page.
        paginator = CappedPaginator(queryset, per_page, cap=None, count_from=count_from)
        page = paginator.get_page(paginator.num_pages)
    # Evaluated here, not while the template renders (the query budget forbids that).
    page.object_list = list(page.object_list)
    return page


def url_pattern(name: str, kwarg: str) -> Callable[[object], str]:
    """The URL ``name`` for any value of its one argument ``kwarg``, from a single ``reverse()``:
    a list page builds each row's link with it (a reverse() per row costs ~20 us, 25-50 of them
    per page). The argument must be an integer path converter's."""
    marker = "9081726354"
    prefix, _, suffix = reverse(name, kwargs={kwarg: int(marker)}).rpartition(marker)
    return lambda value: f"{prefix}{value}{suffix}"


@dataclass(frozen=True)
class ShownTime:
    """A time as list rows show it, formatted once in the view: ``iso`` for <time datetime>,
    ``text`` ("4 Dec 2026 17:05", in the active (tenant's) zone), ``day`` ("4 Dec 2026"),
    ``clock`` ("17:05")."""

    iso: str
    text: str
    day: str
    clock: str


def shown_time(value) -> ShownTime | None:
    """``value`` (an aware datetime, or None) as ``ShownTime``, in the reader's time zone and
    language: what the ``date`` filter's "c", "SHORT_DATE_FORMAT" and "TIME_FORMAT" give, for
    a table's cells from the view (the formats are looked up once per language and cached)."""
    if value is None:
        return None
    local = timezone.localtime(value)
    day, clock = date_format(local, "SHORT_DATE_FORMAT"), time_format(local, "TIME_FORMAT")
    return ShownTime(iso=local.isoformat(), text=f"{day} {clock}", day=day, clock=clock)


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
    """The bare domain's page: a signed-in person's portals, each with what waits for them there
    (``prm.web.home.inbox_for_user``: each vendor read in its own scope, as that membership)."""
    from prm.accounts.selectors import portals_for_user
    from prm.web.home import inbox_for_user

    portals = portals_for_user(user=request.user) if request.user.is_authenticated else []
    # Whether they have a second factor: a vendor that asks for one shows its work only then.
    second_factor = bool(portals) and (
        Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
    )
    inbox = inbox_for_user(portals=portals, second_factor=second_factor)
    return render(request, "web/platform.html", {"inbox": inbox})


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
