"""Redis (broker and cache) down while people work: changes commit, side effects wait."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db.models import F

from partners.models import Partner, PartnerStatus
from prm.accounts.roles import Role
from prm.events.models import OutboxMessage
from prm.events.tasks import outbox_sweep_task
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope
from tests.conftest import make_client
from tests.factories import PartnerFactory, PartnerMembershipFactory, StaffMembershipFactory, TenantFactory

from .conftest import emails_sent, wait_for

pytestmark = pytest.mark.fault


def onboarding_partner():
    """A channel manager, and a partner being onboarded with an admin and another account
    manager: activating it notifies two people (two outbox messages)."""
    tenant = TenantFactory(slug="acme")
    manager = StaffMembershipFactory(tenant=tenant, role=Role.CHANNEL_MANAGER)
    account_manager = StaffMembershipFactory(tenant=tenant, role=Role.CHANNEL_MANAGER)
    partner = PartnerFactory(tenant=tenant, status=PartnerStatus.ONBOARDING, account_manager=account_manager)
    PartnerMembershipFactory(partner=partner, role=Role.PARTNER_ADMIN)
    return manager, partner


def activate(manager, partner):
    """The manager activates the partner in the back office: the response, and its time."""
    client = make_client(manager)
    started = time.monotonic()
    response = client.post(f"/office/partners/{partner.pk}/status/", {"to_status": "active", "reason": ""})
    took = time.monotonic() - started
    print(f"the status change took {took:.1f} s with Redis down")
    return response, took


def test_a_status_change_during_a_redis_outage_commits_and_its_email_follows(
    private_redis, celery_on_private_redis, workers, mail_dir, settings
):
    # Given a partner being onboarded whose admin and account manager are notified of status
    # changes, a worker, and this process's cache on the same Redis
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": private_redis.url}}
    manager, partner = onboarding_partner()
    workers.start()

    # When Redis goes down and a channel manager activates the partner
    private_redis.stop()
    response, took = activate(manager, partner)

    # Then the change is committed and the manager is told it is done
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"{partner} is now active."]
    with platform_scope():
        assert Partner.objects.get(pk=partner.pk).status == PartnerStatus.ACTIVE
        notifications = set(Notification.objects.values_list("pk", flat=True))
        outbox = list(OutboxMessage.objects.all())
    assert len(notifications) == 2
    # ...its e-mails wait in the outbox, unpublished, with the reason
    assert [(m.published_at, bool(m.last_error)) for m in outbox] == [(None, True)] * 2
    assert not emails_sent(mail_dir)
    assert took < 30, "the request hung on the dead broker"

    # When Redis comes back (empty: whatever it held is gone) and the sweep runs; it leaves
    # messages younger than 10 s to the after-commit relay, so age them instead of waiting
    private_redis.start()
    with platform_scope():
        OutboxMessage.objects.update(created_at=F("created_at") - timedelta(seconds=11))
    assert outbox_sweep_task() == 2

    # Then the e-mails arrive, once each, within a minute (the worker reconnects by itself)
    wait_for(lambda: set(emails_sent(mail_dir)) == notifications, timeout=60, interval=0.2, what="the e-mails")
    assert set(emails_sent(mail_dir).values()) == {1}


def test_a_status_change_during_a_redis_outage_answers_promptly(
    transactional_db, private_redis, celery_on_private_redis, settings
):
    # Given Redis (broker and cache) down
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": private_redis.url}}
    manager, partner = onboarding_partner()
    private_redis.stop()

    # When a channel manager activates a partner, notifying two people
    response, took = activate(manager, partner)

    # Then the answer comes as fast as without an outage: the e-mails are the sweep's business
    assert response.status_code == 302
    assert took < 3
