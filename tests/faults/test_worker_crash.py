"""Celery workers killed while they send notification e-mails.

What the outbox promises: no e-mail is lost, and a message delivered once is never delivered
again (its task claims the outbox row under a lock). What no design can promise is that an
e-mail handed to the mail server by a worker that dies before its transaction commits is not
sent again: that one is re-sent when the message is redelivered (at-least-once).
"""

from __future__ import annotations

import random
import signal
import time
from datetime import timedelta

import pytest
from django.db.models import F

from prm.accounts.roles import Role
from prm.events.models import OutboxMessage
from prm.events.tasks import outbox_sweep_task
from prm.notifications.models import Notification
from prm.notifications.services import notify
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.factories import StaffMembershipFactory

from .conftest import emails_sent, sent_messages, wait_for

pytestmark = pytest.mark.fault

POOL_PROCESSES = 2  # -c 2: at most this many tasks are in flight when the worker dies


def notifications_through_the_outbox(count: int) -> set[int]:
    """``count`` notification e-mails, committed and published to the broker by the relay."""
    member = StaffMembershipFactory(role=Role.CHANNEL_MANAGER)
    with tenant_scope(member.tenant):
        for n in range(count):
            notify(recipients=[member], kind="partner.status_changed", title=f"Batch {n}")
    with platform_scope():
        ids = set(Notification.objects.values_list("pk", flat=True))
        assert len(ids) == count
        assert OutboxMessage.objects.filter(published_at__isnull=False).count() == count
    return ids


def emailed_in_database() -> set[int]:
    with platform_scope():
        return set(Notification.objects.filter(emailed_at__isnull=False).values_list("pk", flat=True))


def sweep_what_the_dead_worker_held() -> int:
    """The dead worker's unacknowledged tasks wait in Redis for the visibility timeout (2 h); the
    sweep republishes messages published but not delivered for 5 minutes. Age the undelivered
    messages by 6 minutes instead of waiting, and run the sweep (it publishes to the private
    Redis)."""
    with platform_scope():
        undelivered = OutboxMessage.objects.filter(delivered_at__isnull=True)
        undelivered.update(
            created_at=F("created_at") - timedelta(minutes=6), published_at=F("published_at") - timedelta(minutes=6)
        )
        left = undelivered.count()
    assert outbox_sweep_task() == left
    return left


def wait_until_all_delivered(mail_dir, ids: set[int]) -> None:
    wait_for(lambda: set(emails_sent(mail_dir)) == ids, timeout=40, interval=0.1, what="an e-mail per notification")
    with platform_scope():
        wait_for(
            lambda: (
                not Notification.objects.filter(emailed_at__isnull=True).exists()
                and not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
            ),
            timeout=10,
            what="every notification marked e-mailed and every outbox message delivered",
        )


def test_a_worker_killed_mid_batch_loses_no_email(celery_on_private_redis, workers, mail_dir):
    # Given 200 notification e-mails, committed and published through the outbox
    ids = notifications_through_the_outbox(200)

    # When a worker works through them and is SIGKILLed, pool processes and all, mid-way
    worker = workers.start()
    wait_for(lambda: len(emailed_in_database()) >= 20, timeout=30, interval=0.01, what="20 e-mails")
    worker.kill()
    assert len(emailed_in_database()) < len(ids), "the worker finished before the crash: nothing was tested"
    # ...and the sweep republishes what it held, and a new worker starts
    sweep_what_the_dead_worker_held()
    workers.start()

    # Then every notification is e-mailed and marked so; none twice, except a task the crash
    # caught between handing its e-mail over and committing (at most one per pool process)
    wait_until_all_delivered(mail_dir, ids)
    twice = {pk: n for pk, n in emails_sent(mail_dir).items() if n > 1}
    assert len(twice) <= POOL_PROCESSES and set(twice.values()) <= {2}, twice


def crash_between_sending_and_committing(workers, mail_dir) -> set[int]:
    """Kill a worker while e-mails it wrote are not committed yet; those notifications.

    Each probe stops the worker (SIGSTOP) at a random moment, lets a COMMIT already on its way
    land, and looks for an e-mail whose notification is not marked e-mailed; a task spends a good
    part of its time in that stretch. The worker is then SIGKILLed, and the answer read again
    once PostgreSQL has rolled back what the dead worker had not committed.
    """
    worker = workers.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(random.uniform(0, 0.03))  # a random moment of the run
        worker.signal(signal.SIGSTOP)
        time.sleep(0.2)
        written = set(emails_sent(mail_dir))
        if not written - emailed_in_database():
            worker.signal(signal.SIGCONT)
            continue
        worker.kill()
        time.sleep(0.3)
        in_flight = written - emailed_in_database()
        if in_flight:
            return in_flight
        worker = workers.start()  # the commit landed after all: try again
    pytest.fail("never caught a worker between sending an e-mail and committing")


class ResentWithNewMessageId(AssertionError):
    """The re-sent copy of an e-mail does not carry the first copy's Message-ID."""


def test_an_email_resent_after_a_crash_carries_the_same_message_id(celery_on_private_redis, workers, mail_dir):
    # Given notification e-mails going out through a worker
    ids = notifications_through_the_outbox(100)

    # When the worker dies after handing an e-mail to the mail backend but before its
    # transaction commits
    in_flight = crash_between_sending_and_committing(workers, mail_dir)
    sweep_what_the_dead_worker_held()
    workers.start()

    # Then it is sent again (at-least-once), and both copies carry one Message-ID, so that the
    # recipient's mail system keeps one
    wait_until_all_delivered(mail_dir, ids)
    counts = emails_sent(mail_dir)
    assert all(counts[pk] == 2 for pk in in_flight), {pk: counts[pk] for pk in in_flight}
    for pk in in_flight:
        copies = [m for m in sent_messages(mail_dir) if m["X-PRM-Notification"] == str(pk)]
        if len({m["Message-ID"] for m in copies}) != 1:
            raise ResentWithNewMessageId([m["Message-ID"] for m in copies])
