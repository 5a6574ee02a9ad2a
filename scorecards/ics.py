"""A relationship review's calendar invitation (RFC 5545, written by ``icalendar``).

One event per review with a UID that never changes (``review-<id>.<tenant>@<base domain>``), so
that each download after a change updates the meeting in the attendees' calendars instead of
adding another: a new time raises ``SEQUENCE`` (``review_schedule``), a cancellation sends
``METHOD:CANCEL`` with the next one (``review_cancel``). Times are written in UTC.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Calendar, Event, vCalAddress, vText

from .models import RelationshipReview, ReviewStatus

PRODID = "-//PRM//Relationship reviews//EN"


def review_uid(review: RelationshipReview) -> str:
    """The invitation's UID: the same for both sides and every version of the review."""
    return f"review-{review.pk}.{review.tenant_id}@{settings.PRM_BASE_DOMAIN}"


def _address(member, *, role: str | None = None) -> vCalAddress:
    user = member.user
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(str(user))
    if role is not None:
        address.params["role"] = vText(role)
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("TRUE")
    return address


def review_invitation(*, review: RelationshipReview, attendees, url: str = "", description: str = "") -> bytes:
    """The invitation of a scheduled (or held) review as ``text/calendar`` bytes; a cancelled
    review's is its cancellation. ``attendees``: memberships (the partner's admins, the account
    manager); ``url``: the review's page for the reader's side; ``description``: its agenda in
    words. The review must have a start."""
    if review.starts_at is None:
        raise ValueError("a review without a start has no invitation")
    cancelled = review.status == ReviewStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    starts = review.starts_at.astimezone(UTC)
    event.add("uid", review_uid(review))
    event.add("sequence", review.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=review.duration_minutes))
    event.add(
        "summary",
        gettext("%(title)s: %(partner)s") % {"title": review.title, "partner": review.partner.display_name},
    )
    if description:
        event.add("description", description)
    if review.location:
        event.add("location", review.location)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if review.organizer_id:
        event.add("organizer", _address(review.organizer))
    seen = {review.organizer_id}
    for member in attendees:
        if member is None or member.pk in seen:
            continue
        seen.add(member.pk)
        event.add("attendee", _address(member, role="REQ-PARTICIPANT"), encode=0)
    calendar.add_component(event)
    return calendar.to_ical()
