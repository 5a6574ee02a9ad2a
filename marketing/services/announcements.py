"""Announcements: news for partners' people, targeted like content, scheduled and expiring,
pinned or not, with a read receipt per person and an optional e-mail (at once, or in a daily or
weekly digest, as each person prefers).

* ``announcement_create`` / ``announcement_update`` (the vendor's admins and channel marketing,
  ``MARKETING_MANAGE``): a draft, or published at ``publish_at`` (now, or later: scheduled), until
  ``expires_at`` (after it is published); ``announcement_pin`` and ``announcement_withdraw``
  (expire now; one not shown yet goes back to the drafts). Each writes an event
  (``ANNOUNCEMENT_DRAFTED`` for a new draft, ``ANNOUNCEMENT_PUBLISHED`` when it leaves the drafts
  or is created to be shown, ``ANNOUNCEMENT_CHANGED`` otherwise).
* ``announcement_read``: a person opened it; one receipt per person (``INSERT ... ON CONFLICT DO
  NOTHING`` on the ``announcement_read_once`` constraint, so a double click or two tabs write
  one); ``announcements_mark_all_read``; ``announcement_preference_set`` (how the person wants
  them by e-mail).
* ``announcements_deliver`` (every 5 minutes, per tenant): the e-mailed announcements whose time
  has come, each once (``delivered_at``, claimed under ``SKIP LOCKED``): one notification to each
  person of its audience who wants each one (no preference row: they do) and has not read it yet.
* ``announcement_digests`` (06:40 daily, per tenant): to each person with a daily preference, and
  a weekly one on Mondays (or a week after their last), one notification listing the e-mailed
  announcements delivered since their last digest that are still current and that they have not
  read; nothing when there is nothing new.

Delivery and digests are set-based: one query per announcement for its audience (the partner
side of the audience predicate, ``selectors.audience.audience_members``), one for the
people due a digest, and ``notify_many``'s bulk inserts; never a query per person.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from prm.accounts.models import Membership
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events import texts
from prm.events.services import changes_apply, event_record
from prm.notifications.services import Message, notify_many
from prm.tenancy.time import tenant_zone

from .. import events, notifications
from ..models import Announcement, AnnouncementPreference, AnnouncementReceipt, DigestFrequency
from ..permissions import CONTENT_VIEW, marketing_manage_require
from ..selectors.announcements import (
    CURRENT,
    DRAFT,
    EXPIRED,
    SCHEDULED,
    announcement_unread_ids,
    current_filter,
    state_of,
)
from ..selectors.audience import audience_matches, audience_members
from .audience import AudienceChoice, audience_fields
from .text import typed_text

TITLE_MAX, BODY_MAX = 200, 20_000
# Announcements delivered per run and tenant (the rest wait five minutes).
DELIVERY_BATCH = 50
# A digest lists at most this many announcements (the rest are on the portal's page).
DIGEST_LINES = 30
# A second run of the digests the same day sends nothing: a daily digest is due again 20 hours
# after the last (the beat's 06:40 may run a little late or early).
DIGEST_GAP = timedelta(hours=20)
# A weekly digest missed on its Monday goes out on the first run a week after the last.
WEEK = timedelta(days=7) - timedelta(hours=1)
# Without a last digest: what a first one covers.
FIRST_WINDOW = {DigestFrequency.DAILY: timedelta(days=1), DigestFrequency.WEEKLY: timedelta(days=7)}


# --- checks -----------------------------------------------------------------------------------------


def _content(*, title: str, body: str, publish_at: datetime, expires_at: datetime | None) -> tuple[str, str]:
    """The title and text, cleaned, once the expiry is checked against the publication."""
    title = typed_text(title, TITLE_MAX, empty=gettext("Give the announcement a title."), one_line=True)
    body = typed_text(body, BODY_MAX, empty=gettext("Write the announcement's text."))
    if expires_at is not None and expires_at <= publish_at:
        raise PolicyViolation(gettext("An announcement expires after it is published: choose a later expiry."))
    return title, body


def _check_expiry_ahead(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at <= now:
        raise PolicyViolation(gettext("That expiry has passed: the announcement would never be shown."))


def _lock(announcement: Announcement) -> Announcement:
    return Announcement.objects.select_for_update().get(pk=announcement.pk)


def _record(actor, announcement: Announcement, *, verb: str, before: str, data: dict) -> None:
    event_record(
        actor=actor,
        target=announcement,
        verb=verb,
        from_state=before,
        to_state=state_of(announcement),
        message=gettext_noop("Announcement “%(title)s”"),
        params={"title": announcement.title},
        data=data,
    )


# --- the vendor's writes -----------------------------------------------------------------------------


@transaction.atomic
def announcement_create(
    *,
    actor: Membership,
    title: str,
    body: str,
    publish_at: datetime | None = None,
    expires_at: datetime | None = None,
    pinned: bool = False,
    send_email: bool = False,
    is_draft: bool = False,
    audience: AudienceChoice | None = None,
) -> Announcement:
    """A new announcement: a draft, or published at ``publish_at`` (blank: now; later: scheduled)
    until ``expires_at``."""
    marketing_manage_require(actor)
    now = timezone.now()
    publish_at = publish_at or now
    title, body = _content(title=title, body=body, publish_at=publish_at, expires_at=expires_at)
    _check_expiry_ahead(expires_at, now)
    audience_columns = audience_fields(audience)
    announcement = Announcement.objects.create(
        title=title,
        body=body,
        publish_at=publish_at,
        expires_at=expires_at,
        pinned=pinned,
        send_email=send_email,
        is_draft=is_draft,
        created_by=actor,
        **audience_columns,
    )
    verb = events.ANNOUNCEMENT_DRAFTED if is_draft else events.ANNOUNCEMENT_PUBLISHED
    _record(actor, announcement, verb=verb, before="", data={"publish_at": publish_at.isoformat()})
    return announcement


@transaction.atomic
def announcement_update(
    *,
    actor: Membership,
    announcement: Announcement,
    title: str,
    body: str,
    publish_at: datetime | None,
    expires_at: datetime | None,
    pinned: bool,
    send_email: bool,
    is_draft: bool,
    audience: AudienceChoice | None,
) -> Announcement:
    """Change an announcement. A draft published now (its time passed, or blank) is published at
    this moment, so it reads as new. E-mails already sent are not sent again: an announcement is
    delivered once (``delivered_at``), whatever changes afterwards."""
    marketing_manage_require(actor)
    announcement = _lock(announcement)
    now = timezone.now()
    before = state_of(announcement, now)
    publishing = announcement.is_draft and not is_draft
    publish_at = publish_at or announcement.publish_at
    if publishing and publish_at <= now:
        publish_at = now
    title, body = _content(title=title, body=body, publish_at=publish_at, expires_at=expires_at)
    if expires_at != announcement.expires_at:
        _check_expiry_ahead(expires_at, now)
    changes = {
        "title": title,
        "body": body,
        "publish_at": publish_at,
        "expires_at": expires_at,
        "pinned": pinned,
        "send_email": send_email,
        "is_draft": is_draft,
        **audience_fields(audience),
    }
    diff = changes_apply(instance=announcement, changes=changes)
    if not diff:
        return announcement
    announcement.save()
    verb = events.ANNOUNCEMENT_PUBLISHED if publishing else events.ANNOUNCEMENT_CHANGED
    _record(actor, announcement, verb=verb, before=before, data=diff)
    return announcement


@transaction.atomic
def announcement_pin(*, actor: Membership, announcement: Announcement, pinned: bool = True) -> Announcement:
    """Pin an announcement to the top of the portal's lists (``pinned=False``: unpin). Pinning a
    pinned one changes nothing (a double click)."""
    marketing_manage_require(actor)
    announcement = _lock(announcement)
    if announcement.pinned == pinned:
        return announcement
    before = state_of(announcement)
    announcement.pinned = pinned
    announcement.save(update_fields=["pinned", "updated_at"])
    _record(
        actor,
        announcement,
        verb=events.ANNOUNCEMENT_CHANGED,
        before=before,
        data={"pinned": {"from": not pinned, "to": pinned}},
    )
    return announcement


@transaction.atomic
def announcement_withdraw(*, actor: Membership, announcement: Announcement) -> Announcement:
    """Stop showing an announcement: a current one expires now; a scheduled one, not shown yet,
    goes back to the drafts (its expiry could not come before its publication)."""
    marketing_manage_require(actor)
    announcement = _lock(announcement)
    now = timezone.now()
    before = state_of(announcement, now)
    if before == DRAFT:
        raise InvalidTransition(
            gettext("This announcement is a draft: nobody sees it, so there is nothing to withdraw.")
        )
    if before == EXPIRED:
        raise InvalidTransition(gettext("This announcement has already expired."))
    if before == SCHEDULED:
        announcement.is_draft = True
        data = {"is_draft": {"from": False, "to": True}}
    else:
        expired = announcement.expires_at.isoformat() if announcement.expires_at else None
        data = {"expires_at": {"from": expired, "to": now.isoformat()}}
        announcement.expires_at = now
    announcement.save(update_fields=["is_draft", "expires_at", "updated_at"])
    _record(actor, announcement, verb=events.ANNOUNCEMENT_CHANGED, before=before, data={**data, "withdrawn": True})
    return announcement


# --- reading --------------------------------------------------------------------------------------


def _require_reader(actor, announcement: Announcement) -> None:
    if actor is None or actor.partner_id is None or not actor.can(CONTENT_VIEW):
        raise NotAllowed(gettext("Announcements are read by partner users."))
    if state_of(announcement) != CURRENT or not audience_matches(announcement, actor):
        raise NotAllowed(gettext("This announcement is not for you."))


def announcement_read(*, actor: Membership, announcement: Announcement) -> bool:
    """Record that the actor read ``announcement`` (once: True when this call recorded it). Two
    requests at once (a double click, two tabs) insert one row: the second finds the unique
    constraint's row and does nothing."""
    _require_reader(actor, announcement)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO marketing_announcementreceipt (tenant_id, announcement_id, membership_id, partner_id, read_at)"
            " VALUES (%s, %s, %s, %s, now()) ON CONFLICT (tenant_id, announcement_id, membership_id) DO NOTHING",
            [actor.tenant_id, announcement.pk, actor.pk, actor.partner_id],
        )
        return cursor.rowcount == 1


def announcements_mark_all_read(*, actor: Membership) -> int:
    """Record a receipt for every current announcement the actor has not read; how many."""
    if actor is None or actor.partner_id is None or not actor.can(CONTENT_VIEW):
        raise NotAllowed(gettext("Announcements are read by partner users."))
    unread = announcement_unread_ids(actor=actor)  # the actor's audience and current ones only
    now = timezone.now()
    AnnouncementReceipt.objects.bulk_create(
        [
            AnnouncementReceipt(announcement_id=pk, membership_id=actor.pk, partner_id=actor.partner_id, read_at=now)
            for pk in unread
        ],
        ignore_conflicts=True,
    )
    return len(unread)


@transaction.atomic
def announcement_preference_set(*, actor: Membership, frequency: str) -> AnnouncementPreference:
    """How the actor wants announcements by e-mail. Choosing a digest starts it from now: what
    came before was e-mailed singly, or not wanted."""
    if actor is None or actor.partner_id is None or not actor.can(CONTENT_VIEW):
        raise NotAllowed(gettext("Announcements are read by partner users."))
    if frequency not in DigestFrequency.values:
        raise PolicyViolation(gettext("Choose how often you want announcements by e-mail."))
    # The row exists once (a second click at once finds it), then is changed under its lock.
    AnnouncementPreference.objects.bulk_create(
        [AnnouncementPreference(membership_id=actor.pk, partner_id=actor.partner_id)], ignore_conflicts=True
    )
    preference = AnnouncementPreference.objects.select_for_update().get(membership_id=actor.pk)
    if preference.frequency != frequency:
        preference.frequency = frequency
        preference.last_digest_at = timezone.now() if frequency in FIRST_WINDOW else None
        preference.save(update_fields=["frequency", "last_digest_at"])
    return preference


# --- delivery -------------------------------------------------------------------------------------


def _not_read(announcement_ref) -> Q:
    """Memberships without a receipt of the announcement ``announcement_ref`` names."""
    receipts = AnnouncementReceipt.objects.filter(
        tenant_id=OuterRef("tenant_id"), announcement_id=announcement_ref, membership_id=OuterRef("pk")
    )
    return ~Exists(receipts)


def _wants_each(announcement: Announcement):
    """The audience of ``announcement`` who want one e-mail per announcement (no preference row,
    or "immediate") and have not read it yet."""
    other = AnnouncementPreference.objects.filter(tenant_id=OuterRef("tenant_id"), membership_id=OuterRef("pk"))
    other = other.exclude(frequency=DigestFrequency.IMMEDIATE)
    return audience_members(announcement).filter(~Exists(other)).filter(_not_read(announcement.pk))


@transaction.atomic
def announcements_deliver(*, now: datetime | None = None) -> int:
    """E-mail the announcements whose time has come, each once; returns how many notifications.

    The due rows are claimed with ``FOR UPDATE SKIP LOCKED``: two runs at once (a slow run and the
    next beat) take different rows, and a row is marked ``delivered_at`` in the transaction that
    notified its audience. One expired before its time came is marked and not sent."""
    now = now or timezone.now()
    due = list(
        Announcement.objects.select_for_update(skip_locked=True)
        .filter(is_draft=False, send_email=True, delivered_at__isnull=True, publish_at__lte=now)
        .order_by("publish_at", "id")[:DELIVERY_BATCH]
    )
    if not due:
        return 0
    messages = [
        Message(
            recipients=list(_wants_each(announcement)),
            kind=notifications.ANNOUNCEMENT,
            title=gettext_noop("Announcement: %(title)s"),
            params={"title": announcement.title},
            note=announcement.body,
            url=reverse("portal:announcement", args=[announcement.pk]),
        )
        for announcement in due
        if announcement.expires_at is None or announcement.expires_at > now
    ]
    created = notify_many(messages=messages)
    Announcement.objects.filter(pk__in=[announcement.pk for announcement in due]).update(delivered_at=now)
    return len(created)


def _digests_due(now: datetime) -> Q:
    """The preferences whose digest is due now: daily ones not sent in the last 20 hours; weekly
    ones on Mondays (in the vendor's time zone) likewise, or any day a week after the last."""
    fresh = Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=now - DIGEST_GAP)
    due = Q(frequency=DigestFrequency.DAILY) & fresh
    weekly = Q(frequency=DigestFrequency.WEEKLY)
    due |= weekly & Q(last_digest_at__lte=now - WEEK)
    if now.astimezone(tenant_zone()).weekday() == 0:
        due |= weekly & fresh
    return due


@transaction.atomic
def announcement_digests(*, now: datetime | None = None) -> int:
    """Send the daily and weekly digests due now; returns how many were sent.

    The preferences due are locked and their ``last_digest_at`` moved to now (also for those with
    nothing new), so a second run finds none due: a run waiting on the first's locks reads the
    rows again once they are released, and they no longer match."""
    now = now or timezone.now()
    due = list(
        AnnouncementPreference.objects.select_for_update(of=("self",))
        .filter(_digests_due(now), membership__is_active=True)
        .select_related("membership")
        .order_by("pk")
    )
    if not due:
        return 0
    since = {pref.pk: pref.last_digest_at or now - FIRST_WINDOW[pref.frequency] for pref in due}
    candidates = list(
        Announcement.objects.filter(
            current_filter(now), send_email=True, delivered_at__gt=min(since.values()), delivered_at__lte=now
        ).order_by("-pinned", "-publish_at", "-id")
    )
    # Per announcement, the people of its audience who have not read it: one query each.
    unread_by = {
        announcement.pk: set(
            audience_members(announcement).filter(_not_read(announcement.pk)).values_list("pk", flat=True)
        )
        for announcement in candidates
    }
    zone = tenant_zone()
    url = reverse("portal:announcements")
    messages = []
    for pref in due:
        mine = [
            announcement
            for announcement in candidates
            if announcement.delivered_at > since[pref.pk] and pref.membership_id in unread_by[announcement.pk]
        ]
        if not mine:
            continue
        lines = [
            texts.phrase(
                gettext_noop("%(title)s (%(day)s)"),
                title=announcement.title,
                day=texts.day(announcement.publish_at.astimezone(zone).date()),
            )
            for announcement in mine[:DIGEST_LINES]
        ]
        messages.append(
            Message(
                recipients=[pref.membership],
                kind=notifications.ANNOUNCEMENT_DIGEST,
                title=texts.count_phrase(
                    "%(count)s new announcement for you", "%(count)s new announcements for you", len(mine)
                ),
                body=gettext_noop("The announcements you have not read yet:"),
                params={texts.LINES: lines},
                url=url,
            )
        )
    notify_many(messages=messages)
    AnnouncementPreference.objects.filter(_digests_due(now), membership__is_active=True).update(last_digest_at=now)
    return len(messages)
