"""The platform operator's page, on the bare domain: tenants and their size, outbox backlogs,
Celery queue depths, the last run of every periodic task per tenant, and the tasks that failed
for good, each with a button that sends it again.

For platform superusers only, like the platform's Django admin: on a tenant's host there is no
such page (404), a visitor who is not signed in is sent to sign in, anyone else signed in gets a
404 (the page does not confirm it exists). A superuser's request on the bare domain already runs
in the platform scope (``TenantMiddleware``).
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from prm.web.views import call_service

from .models import FailedTask
from .selectors import operator_page
from .services import failed_task_retry


class OperatorOnlyMixin:
    """The bare domain, a platform superuser: anyone else does not find the page."""

    def dispatch(self, request, *args, **kwargs):
        if getattr(request, "tenant", None) is not None:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_superuser:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class OperatorPageView(OperatorOnlyMixin, View):
    def get(self, request):
        page = operator_page(tenant_page=request.GET.get("page", 1), failed_page=request.GET.get("failed", 1))
        return render(request, "operations/operator.html", {"page": page})


class FailedTaskRetryView(OperatorOnlyMixin, View):
    """POST: send a failed task again, with the arguments it failed with (once)."""

    def post(self, request, failed_task_id: int):
        if not FailedTask.objects.filter(pk=failed_task_id).exists():
            raise Http404
        call_service(
            request,
            failed_task_retry,
            failed_task_id=failed_task_id,
            by=request.user,
            success=lambda failed: _("%(task)s was sent again.") % {"task": failed.task_name},
        )
        return redirect(reverse("operations:operator_page") + "#failed-tasks")
