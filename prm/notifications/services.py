"""Creating notifications (in the same transaction as the change) and their e-mails (outbox)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext

from django.db.models import Q
from django.utils import timezone

from prm.events.services import outbox_enqueue
from prm.tenancy.scope import current_scope, current_tenant_id, tenant_scope

from .kinds import KINDS
from .models import Notification, NotificationPreference

EMAIL_TASK = "prm.notifications.notification_email"


def notify(
    *, recipients: Iterable, kind: str, title: str, body: str = "", url: str = "", event=None
) -> list[Notification]:
    """Notify each active member once, by the channels their preferences allow.

    Set-based: one query for preferences, one bulk insert, one outbox row per e-mail.
    """
    assert kind in KINDS, f"register {kind!r} in notifications.kinds"
    members = {m.pk: m for m in recipients if m is not None and m.is_active}
    if not members:
        return []
    preferences = {
        pref.membership_id: pref for pref in NotificationPreference.objects.filter(membership_id__in=members, kind=kind)
    }
    notifications = []
    for member in members.values():
        pref = preferences.get(member.pk)
        in_portal = pref.in_portal if pref else True
        by_email = pref.by_email if pref else True
        if not (in_portal or by_email):
            continue
        notifications.append(
            Notification(
                recipient=member,
                partner_id=member.partner_id,
                kind=kind,
                title=title[:200],
                body=body,
                url=url,
                event=event,
                show_in_portal=in_portal,
                email_requested=by_email,
            )
        )
    # A partner user's transaction may only write its own partner's rows (row-level security),
    # yet its actions notify vendor staff too: the service writes those as the tenant.
    scope = current_scope()
    stepping_out = scope is not None and scope.partner_id is not None
    with tenant_scope(current_tenant_id()) if stepping_out else nullcontext():
        created = Notification.objects.bulk_create(notifications)
        for notification in created:
            if notification.email_requested:
                outbox_enqueue(task_name=EMAIL_TASK, notification_id=notification.pk)
    return created


def notification_mark_read(*, actor, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications read (all of them when no ids are given)."""
    queryset = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())


def preferences_for(*, actor) -> dict[str, NotificationPreference]:
    stored = {p.kind: p for p in NotificationPreference.objects.filter(membership=actor)}
    return {kind: stored.get(kind) or NotificationPreference(membership=actor, kind=kind) for kind in KINDS}


def preferences_update(*, actor, choices: dict[str, tuple[bool, bool]]) -> None:
    """Save (in_portal, by_email) per kind for the actor."""
    unknown = set(choices) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown notification kinds: {sorted(unknown)}")
    NotificationPreference.objects.filter(Q(membership=actor) & ~Q(kind__in=list(choices))).delete()
    for kind, (in_portal, by_email) in choices.items():
        NotificationPreference.objects.update_or_create(
            membership=actor, kind=kind, defaults={"in_portal": in_portal, "by_email": by_email}
        )
