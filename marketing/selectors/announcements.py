"""What announcements each side sees.

* The portal (``CONTENT_VIEW``): the announcements current for the actor (published, not a draft,
  ``publish_at`` come, not expired, and its audience holding the actor: ``audience_filter``), each
  with whether the actor read it, unread first, then pinned, then the newest; the home card's
  first three with the unread count, in one query.
* The back office (``MARKETING_VIEW``): every announcement with its state, the size of its
  audience and how many read it; one announcement's read receipts, a page at a time.

The audience both ways is ``selectors/audience.py``'s: ``audience_filter`` for the portal, and
``audience_members_subquery`` for the office list's audience size per row (in the list's one
statement); delivery and digests (``services/announcements.py``) use ``audience_members``.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Window
from django.http import Http404
from django.utils import timezone

from prm.accounts.selectors import person_name

from ..models import Announcement, AnnouncementPreference, AnnouncementReceipt, DigestFrequency
from .audience import AUDIENCE_FIELDS, audience_filter, audience_members_subquery

# What the portal home's card shows at most.
CARD_ROWS = 3

# The states the office list shows (computed from the row and the clock, not stored).
DRAFT, SCHEDULED, CURRENT, EXPIRED = "draft", "scheduled", "current", "expired"


class SubqueryCount(Subquery):
    """How many rows a (correlated) subquery yields: ``count(*)`` over it, 0 when none."""

    template = "(SELECT count(*) FROM (%(subquery)s) _counted)"
    output_field = models.IntegerField()


# --- the portal -------------------------------------------------------------------------------------


def current_filter(now: datetime | None = None) -> Q:
    """Announcements shown now: published (not a draft), their time come, not expired."""
    now = now or timezone.now()
    return Q(is_draft=False, publish_at__lte=now) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def _current_for(actor, now: datetime | None = None):
    if actor is None or actor.partner_id is None:
        raise Http404
    return Announcement.objects.filter(current_filter(now)).filter(audience_filter(actor))


def _read_by(actor):
    # Exists() bypasses the tenant layer: the tenant named (row-level security holds it too).
    return Exists(
        AnnouncementReceipt.objects.filter(
            tenant_id=actor.tenant_id, membership_id=actor.pk, announcement_id=OuterRef("pk")
        )
    )


PORTAL_FIELDS = ("id", "title", "body", "publish_at", "expires_at", "pinned")


def announcement_list_for_actor(*, actor, now: datetime | None = None):
    """(rows, count_from): the announcements current for the actor, unread first, then pinned,
    then the newest; each row with ``is_read`` and ``unread_total`` (how many of all are unread:
    a window over the whole list, so any page carries it)."""
    current = _current_for(actor, now)
    rows = (
        current.annotate(is_read=_read_by(actor))
        .annotate(unread_total=Window(Count("pk", filter=Q(is_read=False))))
        .order_by("is_read", "-pinned", "-publish_at", "-id")
        .values(*PORTAL_FIELDS, "is_read", "unread_total")
    )
    return rows, current


def announcement_card_for_actor(*, actor, limit: int = CARD_ROWS) -> tuple[list[dict], int]:
    """The portal home's card: the first ``limit`` current announcements (unread first, then
    pinned, then the newest) and how many are unread, in one query."""
    rows, _counted = announcement_list_for_actor(actor=actor)
    rows = list(rows[:limit])
    return rows, rows[0]["unread_total"] if rows else 0


def announcement_get_for_actor(*, actor, announcement_id: int) -> Announcement:
    """One announcement current for the actor, with ``is_read``; anything else is a 404 (another
    tenant's, one not meant for the actor, a draft, one scheduled or expired)."""
    found = _current_for(actor).annotate(is_read=_read_by(actor)).filter(pk=announcement_id).first()
    if found is None:
        raise Http404
    return found


def announcement_unread_ids(*, actor) -> list[int]:
    """The ids of the current announcements the actor has not read ("mark all read")."""
    return list(
        _current_for(actor).annotate(is_read=_read_by(actor)).filter(is_read=False).values_list("pk", flat=True)
    )


def announcement_frequency_for(*, actor) -> str:
    """How the actor wants announcements by e-mail (no row: one e-mail each)."""
    found = AnnouncementPreference.objects.filter(membership_id=actor.pk).values_list("frequency", flat=True).first()
    return found or DigestFrequency.IMMEDIATE


# --- the back office ----------------------------------------------------------------------------------


def _staff_only(actor) -> None:
    if actor is None or not actor.is_staff_member:
        raise Http404


def state_of(row, now: datetime | None = None) -> str:
    """DRAFT, SCHEDULED, CURRENT or EXPIRED: an announcement (or a row with its fields) now."""
    now = now or timezone.now()
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    if get("is_draft"):
        return DRAFT
    if get("publish_at") > now:
        return SCHEDULED
    expires_at = get("expires_at")
    if expires_at is not None and expires_at <= now:
        return EXPIRED
    return CURRENT


def _with_figures(queryset):
    receipts = AnnouncementReceipt.objects.filter(tenant_id=OuterRef("tenant_id"), announcement_id=OuterRef("pk"))
    return queryset.annotate(
        audience_size=SubqueryCount(audience_members_subquery().values("pk")),
        read_count=SubqueryCount(receipts.values("pk")),
    )


OFFICE_FIELDS = (
    "id",
    "title",
    "publish_at",
    "expires_at",
    "pinned",
    "send_email",
    "is_draft",
    "delivered_at",
    *AUDIENCE_FIELDS,
)


def announcement_office_list(*, actor, state: str = ""):
    """(rows, count_from): every announcement, the newest first (pinned ones first), each with
    the size of its audience now and how many read it; ``state`` narrows to DRAFT, SCHEDULED,
    CURRENT or EXPIRED."""
    _staff_only(actor)
    now = timezone.now()
    queryset = Announcement.objects.all()
    if state == DRAFT:
        queryset = queryset.filter(is_draft=True)
    elif state == SCHEDULED:
        queryset = queryset.filter(is_draft=False, publish_at__gt=now)
    elif state == CURRENT:
        queryset = queryset.filter(current_filter(now))
    elif state == EXPIRED:
        queryset = queryset.filter(is_draft=False, expires_at__lte=now)
    rows = (
        _with_figures(queryset)
        .order_by("-pinned", "-publish_at", "-id")
        .values(*OFFICE_FIELDS, "audience_size", "read_count")
    )
    return rows, queryset


def announcement_get_for_office(*, actor, announcement_id: int) -> Announcement:
    """One announcement of the tenant with ``audience_size`` and ``read_count`` (a 404 for
    another tenant's)."""
    _staff_only(actor)
    found = _with_figures(Announcement.objects.filter(pk=announcement_id)).select_related("created_by__user").first()
    if found is None:
        raise Http404
    return found


def announcement_receipts(*, actor, announcement: Announcement):
    """(rows, count_from): who read ``announcement`` and when, the latest first."""
    _staff_only(actor)
    receipts = AnnouncementReceipt.objects.filter(announcement_id=announcement.pk)
    rows = receipts.order_by("-read_at", "-id").values(
        "id",
        "read_at",
        "partner_id",
        partner_name=F("partner__display_name"),
        person=person_name("membership"),
        email=F("membership__user__email"),
    )
    return rows, receipts
