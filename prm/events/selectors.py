from django.contrib.contenttypes.models import ContentType

from .models import Event


def events_for_object(*, actor, target):
    """An object's timeline, newest first. Partner users never see vendor-internal events."""
    events = Event.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    ).select_related("actor")
    if actor.is_partner_user:
        events = events.filter(internal=False, partner_id=actor.partner_id)
    return events.order_by("-created_at", "-id")
