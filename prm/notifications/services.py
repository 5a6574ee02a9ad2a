"""Creating notifications (in the same transaction as the change) and their e-mails (outbox)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from prm.events import texts
from prm.events.services import outbox_enqueue_many
from prm.tenancy import request_cache
from prm.tenancy.bulk import bulk_insert
from prm.tenancy.scope import step_out_to_tenant

from .kinds import KINDS
from .models import Notification, NotificationPreference

EMAIL_TASK = "prm.notifications.notification_email"


@dataclass(frozen=True)
class Message:
    """One notification to some recipients (for ``notify_many``).

    ``title`` and ``body`` are message ids (``gettext_noop("%(deal)s: approved")``) filled in
    from ``params`` in each recipient's language when shown or e-mailed (prm/events/texts.py);
    the title may be a ``texts.count_phrase`` ("%(count)s partners changed tier"), and
    ``params[texts.LINES]`` a list of phrases shown one per line after the body (a digest).
    ``note`` is someone's own words, shown as typed."""

    recipients: Iterable
    kind: str
    title: str
    body: str = ""
    url: str = ""
    event: object = None
    params: dict | None = None
    note: str = ""


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    event=None,
    params: dict | None = None,
    note: str = "",
) -> list[Notification]:
    """Notify each active member once, by the channels their preferences allow."""
    return notify_many(
        messages=[
            Message(
                recipients=recipients,
                kind=kind,
                title=title,
                body=body,
                url=url,
                event=event,
                params=params,
                note=note,
            )
        ]
    )


def notify_many(*, messages: Iterable[Message]) -> list[Notification]:
    """Several notifications at once (a nightly run's outcomes), set-based whatever their number:
    one query for preferences, one bulk insert of notifications, one of outbox messages."""
    wanted = []
    for message in messages:
        KINDS.require(message.kind)  # declared in the sending app's notifications.py
        members = {m.pk: m for m in message.recipients if m is not None and m.is_active}
        wanted += [(member, message) for member in members.values()]
    if not wanted:
        return []
    preferences = {
        (pref.membership_id, pref.kind): pref
        for pref in NotificationPreference.objects.filter(
            membership_id__in={member.pk for member, _ in wanted}, kind__in={m.kind for _, m in wanted}
        )
    }
    notifications = []
    stored: dict[int, tuple[str, dict]] = {}  # per message, not per recipient (a digest's lines)
    for member, message in wanted:
        pref = preferences.get((member.pk, message.kind))
        in_portal = pref.in_portal if pref else True
        by_email = pref.by_email if pref else True
        if not (in_portal or by_email):
            continue
        if id(message) not in stored:
            stored[id(message)] = texts.as_stored(message.title, message.params)
        title, params = stored[id(message)]
        notifications.append(
            Notification(
                recipient=member,
                partner_id=member.partner_id,
                kind=message.kind,
                title_message=title[:200],
                body_message=message.body,
                params=params,
                note=(message.note or "").strip(),
                url=message.url,
                event=message.event,
                show_in_portal=in_portal,
                email_requested=by_email,
            )
        )
    # A partner user's transaction may only write its own partner's rows (row-level security),
    # yet its actions notify vendor staff too: the service writes those as the tenant.
    with step_out_to_tenant():
        created = bulk_insert(Notification, notifications)
        shown = [n.recipient for n in created if n.show_in_portal]
        for tenant_id in {member.tenant_id for member in shown}:
            request_cache.unread_changed(
                tenant_id=tenant_id, user_ids=[m.user_id for m in shown if m.tenant_id == tenant_id]
            )
        outbox_enqueue_many(
            task_name=EMAIL_TASK,
            kwargs_list=[{"notification_id": n.pk} for n in created if n.email_requested],
        )
    return created


def notification_mark_read(*, actor, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications read (all of them when no ids are given)."""
    queryset = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    marked = queryset.update(read_at=timezone.now())
    if marked:
        request_cache.unread_changed(tenant_id=actor.tenant_id, user_ids=[actor.user_id])
    return marked


def preferences_for(*, actor) -> dict[str, NotificationPreference]:
    stored = {p.kind: p for p in NotificationPreference.objects.filter(membership=actor)}
    return {kind: stored.get(kind) or NotificationPreference(membership=actor, kind=kind) for kind in KINDS}


@transaction.atomic
def preferences_update(*, actor, choices: dict[str, tuple[bool, bool]]) -> None:
    """Save (in_portal, by_email) per kind for the actor: all of them or none (a delete and an
    upsert per kind)."""
    unknown = set(choices) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown notification kinds: {sorted(unknown)}")
    NotificationPreference.objects.filter(Q(membership=actor) & ~Q(kind__in=list(choices))).delete()
    for kind, (in_portal, by_email) in choices.items():
        NotificationPreference.objects.update_or_create(
            membership=actor, kind=kind, defaults={"in_portal": in_portal, "by_email": by_email}
        )
