"""An event as the API's change feed and the webhooks show it (one shape for both)."""

from __future__ import annotations

from django.utils import translation


def event_payload(event) -> dict:
    """The event's facts: what happened to which object, by whom, in which states. ``message`` is
    the sentence of the timeline, in English (integrations parse ``type`` and ``data``)."""
    content_type = event.content_type
    with translation.override("en"):
        message = event.text
    return {
        "id": event.pk,
        "type": event.verb,
        "occurred_at": event.created_at.isoformat(),
        "object": {"type": f"{content_type.app_label}.{content_type.model}", "id": event.object_id},
        "partner": event.partner_id,
        "actor": event.actor_label,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "message": message,
        "data": event.data,
        "internal": event.internal,
    }
