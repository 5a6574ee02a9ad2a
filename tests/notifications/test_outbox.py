"""Notification e-mails go through the outbox: after commit, once, even when delivered twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from prm.events.models import OutboxMessage
from prm.events.tasks import outbox_sweep_task
from prm.notifications.models import Notification
from prm.notifications.services import EMAIL_TASK, notify
from prm.tenancy.scope import platform_scope, tenant_scope

pytestmark = pytest.mark.django_db

KIND = "partner.status_changed"


def _notify(side, capture, recipients=None):
    with capture(execute=True), tenant_scope(side.tenant):
        [notification] = notify(recipients=recipients or [side.manager], kind=KIND, title="Status news")
    return notification


def _held(side, capture, recipients=None):
    """A notification whose e-mail message is written but not yet published (held back)."""
    with capture(execute=False), tenant_scope(side.tenant):
        [notification] = notify(recipients=recipients or [side.manager], kind=KIND, title="Status news")
    return notification


def test_nothing_is_sent_before_the_transaction_commits(world, django_capture_on_commit_callbacks):
    acme = world.acme
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with tenant_scope(acme.tenant):
            notify(recipients=[acme.manager], kind=KIND, title="Status news")
            # inside the transaction: written to the outbox, not published, not sent
            [message] = OutboxMessage.objects.all()
            assert message.published_at is None
        assert mail.outbox == []
    # the relay is what runs after commit: then the e-mail goes
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


def test_the_e_mail_is_sent_once_even_if_the_task_runs_twice(world, django_capture_on_commit_callbacks, deliver):
    # given a notification whose e-mail went out through the outbox
    acme = world.acme
    notification = _notify(acme, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["X-PRM-Notification"] == str(notification.pk)
    with tenant_scope(acme.tenant):
        [message] = OutboxMessage.objects.all()
    # when the broker delivers the same message again
    assert deliver(message) is None
    # and the task is also run directly, without the outbox's claim
    from prm.celery import app

    assert (
        app.tasks[EMAIL_TASK].apply(kwargs={"tenant_id": acme.tenant.pk, "notification_id": notification.pk}).get()
        is False
    )
    # then the member still has one e-mail, and the rows say when it was sent and delivered
    assert len(mail.outbox) == 1
    with tenant_scope(acme.tenant):
        assert Notification.objects.get(pk=notification.pk).emailed_at is not None
        message.refresh_from_db()
        assert message.delivered_at is not None
        assert message.publish_count == 1


def test_the_sweep_sends_what_was_never_published_and_what_the_broker_lost(world, django_capture_on_commit_callbacks):
    # given one e-mail never published (the broker was down at commit)
    acme = world.acme
    never_published = _held(acme, django_capture_on_commit_callbacks)
    # and one published long ago but never delivered (the broker lost it)
    lost = _held(acme, django_capture_on_commit_callbacks, recipients=[acme.admin])
    # and a third delivered normally
    _notify(acme, django_capture_on_commit_callbacks, recipients=[acme.marketing])
    assert len(mail.outbox) == 1
    long_ago = timezone.now() - timedelta(hours=1)
    with platform_scope():
        OutboxMessage.objects.update(created_at=long_ago)
        OutboxMessage.objects.filter(kwargs__notification_id=lost.pk).update(published_at=long_ago)
    # when the periodic sweep runs (twice, as beat would)
    assert outbox_sweep_task() == 2
    assert outbox_sweep_task() == 0
    # then both missing e-mails arrive, once each, and the delivered one is not sent again
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [acme.marketing.user.email, acme.manager.user.email, acme.admin.user.email]
    )
    with tenant_scope(acme.tenant):
        assert Notification.objects.get(pk=never_published.pk).emailed_at is not None


def test_a_fresh_unpublished_message_is_left_to_the_after_commit_relay(world, django_capture_on_commit_callbacks):
    _held(world.acme, django_capture_on_commit_callbacks)
    assert outbox_sweep_task() == 0
    assert mail.outbox == []


def test_each_tenants_task_runs_in_that_tenant(world, django_capture_on_commit_callbacks):
    # given notifications in both tenants, each with a link
    for side in (world.acme, world.globex):
        with django_capture_on_commit_callbacks(execute=True), tenant_scope(side.tenant):
            notify(recipients=[side.manager], kind=KIND, title="Status news", url="/office/")
    # then each e-mail went to its tenant's member and links to its own tenant's host
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    assert (
        "http://acme.localhost" in by_recipient["cam@acme.example"]
        or "acme.localhost" in by_recipient["cam@acme.example"]
    )
    assert "globex.localhost" in by_recipient["cam@globex.example"]
    assert "globex" not in by_recipient["cam@acme.example"]


def test_outbox_relay_honours_celery_eager_mode(world, django_capture_on_commit_callbacks):
    # given Celery configured to run tasks eagerly (the test settings)
    from prm.celery import app

    assert app.conf.task_always_eager
    # when a notification is committed
    _notify(world.acme, django_capture_on_commit_callbacks)
    # then its e-mail was sent by the eager task, in this process
    assert len(mail.outbox) == 1
