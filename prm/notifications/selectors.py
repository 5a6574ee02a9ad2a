from prm.tenancy import request_cache

from .models import Notification


def unread_count_for_actor(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, show_in_portal=True, read_at__isnull=True).count()


def unread_count_for_request(request) -> int:
    """The bell's count: from the request's cache lookup when it had one (TenantMiddleware),
    else counted and kept for the next requests (``request_cache.UNREAD_TTL``)."""
    count = getattr(request, "unread_notifications", None)
    if count is None:
        actor = request.membership
        count = unread_count_for_actor(actor=actor)
        request_cache.remember_unread(tenant_id=actor.tenant_id, user_id=actor.user_id, count=count)
        request.unread_notifications = count
    return count


def notification_list_for_actor(*, actor):
    return Notification.objects.filter(recipient=actor, show_in_portal=True).order_by("-created_at", "-id")
