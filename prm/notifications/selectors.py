from .models import Notification


def unread_count_for_actor(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, show_in_portal=True, read_at__isnull=True).count()


def notification_list_for_actor(*, actor):
    return Notification.objects.filter(recipient=actor, show_in_portal=True).order_by("-created_at", "-id")
