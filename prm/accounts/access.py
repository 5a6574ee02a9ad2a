"""Who may open a page: each view declares its area and the capability it needs.

* no tenant (bare domain) or no (active) membership here: 404, the portal shows nothing;
* a partner user on a back-office page, or staff on a portal page: 404;
* the right area but not the capability: 403;
* objects the member may not see are the selectors' business: 404.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

OFFICE = "office"
PORTAL = "portal"
TENANT = "tenant"  # any member of the tenant, either area


def check_access(request, *, area: str, capability: str | None) -> None:
    if request.tenant is None:
        raise Http404
    membership = request.membership
    if membership is None or not membership.is_active:
        raise Http404
    if area == OFFICE and not membership.is_staff_member:
        raise Http404
    if area == PORTAL and not membership.is_partner_user:
        raise Http404
    if capability and not membership.can(capability):
        raise PermissionDenied


class MemberRequiredMixin:
    """For class-based views: ``area`` and ``capability`` say who may open the page."""

    area: str = TENANT
    capability: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if getattr(request, "tenant", None) is None:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        check_access(request, area=self.area, capability=self.capability)
        self.actor = request.membership
        return super().dispatch(request, *args, **kwargs)
