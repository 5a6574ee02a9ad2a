"""What every page's layout needs: the tenant, the member, the navigation, the unread count."""

from django.conf import settings

from .menu import menu_for


def portal(request):
    tenant = getattr(request, "tenant", None)
    membership = getattr(request, "membership", None)
    unread = 0
    if membership is not None and membership.is_active:
        from prm.notifications.selectors import unread_count_for_request

        unread = unread_count_for_request(request)
    return {
        "tenant": tenant,
        "membership": membership,
        "menu": menu_for(membership, request.path),
        "unread_notifications": unread,
        "base_domain": settings.PRM_BASE_DOMAIN,
    }
