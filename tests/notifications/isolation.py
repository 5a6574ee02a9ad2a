"""Isolation cases of notifications: every member has them, in either area."""

from __future__ import annotations

from prm.notifications.models import Notification

from ..factories import NotificationFactory
from ..isolation import PARTNER_USERS, STAFF, TENANT, Case, in_platform


def notification(ctx):
    ctx.notification = NotificationFactory(recipient=ctx.side.partner_admin, title="Matrix note")


@in_platform
def notification_read(ctx):
    return Notification.objects.get(pk=ctx.notification.pk).read_at is not None


CASES: dict[str, Case] = {
    "notifications:list": Case(area=TENANT, allowed=STAFF + PARTNER_USERS),
    "notifications:bell": Case(area=TENANT, allowed=STAFF + PARTNER_USERS),
    "notifications:mark_read": Case(
        area=TENANT,
        method="post",
        allowed=STAFF + PARTNER_USERS,
        setup=notification,
        # The partner admin's own note is read only when the partner admin asks.
        effect=notification_read,
        expect={role: ("redirect", "/notifications/") for role in ("admin", "manager", "marketing", "sales")},
    ),
    "notifications:preferences": Case(area=TENANT, allowed=STAFF + PARTNER_USERS),
}
