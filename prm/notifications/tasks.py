"""Sending notification e-mails: idempotent (checks ``emailed_at`` under a lock)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation

from prm.events.tasks import tenant_task
from prm.l10n import language_for, time_zone_for
from prm.tenancy.models import Tenant

from .models import Notification


@tenant_task("prm.notifications.notification_email")
def notification_email(*, notification_id: int) -> bool:
    notification = (
        Notification.objects.select_for_update().select_related("recipient__user").filter(pk=notification_id).first()
    )
    if notification is None or notification.emailed_at is not None:
        return False
    user = notification.recipient.user
    tenant = Tenant.objects.get(pk=notification.tenant_id)
    # Written in the recipient's language and time zone, whoever caused it.
    with (
        translation.override(language_for(user=user, tenant=tenant)),
        timezone.override(time_zone_for(user=user, tenant=tenant)),
    ):
        subject, body = notification.title, notification.body
    if notification.url:
        body = f"{body}\n\n{tenant.absolute_url(notification.url)}".strip()
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        # One Message-ID per notification, the same from any worker host and on every attempt:
        # a copy re-sent after a worker died between sending and committing is then the same
        # message to the recipient's mail system, which keeps one.
        headers={
            "X-PRM-Notification": str(notification.pk),
            "Message-ID": f"<notification.{notification.tenant_id}.{notification.pk}@{settings.PRM_BASE_DOMAIN}>",
        },
    ).send()
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    return True
