"""Webhook delivery in a real Celery worker: an endpoint that fails 5 times then recovers gets
every event exactly once, in order, each retry with the same webhook-id."""

from __future__ import annotations

import pytest

from api.models import MessageStatus, WebhookMessage
from prm.tenancy.scope import platform_scope
from tests.faults.conftest import (  # noqa: F401  (the fault tests' fixtures: a private Redis, workers)
    celery_on_private_redis,
    mail_dir,
    private_redis,
    wait_for,
    workers,
)

from ..deals.deal_setup import make_catalogue
from .support import Receiver, api_client, call, issue_key
from .test_crm_sync import _deal_body

pytestmark = pytest.mark.worker


@pytest.fixture
def receiver():
    receiver = Receiver(fail_first=5).start()
    yield receiver
    receiver.stop()


def _messages(acme) -> list[WebhookMessage]:
    with platform_scope():
        return list(WebhookMessage.objects.filter(tenant=acme.tenant).order_by("id"))


def test_an_endpoint_that_fails_five_times_then_recovers_gets_every_event_once_in_order(
    workers,  # noqa: F811
    celery_on_private_redis,  # noqa: F811
    acme,
    receiver,
):
    # given a partner's endpoint that answers 500 to the first five posts, and a worker
    catalogue = make_catalogue(acme)
    crm = api_client(issue_key(acme.partner_admin), acme.tenant)
    made = call(crm, "POST", "/api/v1/webhook-endpoints/", {"url": receiver.url})
    assert made.status_code == 201, made.content
    workers.start()

    # when three changes happen (the deal registered, edited and submitted)
    deal = call(crm, "POST", "/api/v1/deals/", _deal_body(catalogue)).json()
    call(crm, "PATCH", f"/api/v1/deals/{deal['id']}/", {"title": "Refresh"})
    call(crm, "POST", f"/api/v1/deals/{deal['id']}/submit/")
    expected = [m.msg_id for m in _messages(acme)]
    assert len(expected) >= 3

    # then every message is delivered, after the first one's five failures
    wait_for(
        lambda: all(m.status == MessageStatus.DELIVERED for m in _messages(acme)),
        timeout=60,
        what="every message to be delivered",
    )
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert ids[:6] == [expected[0]] * 6, "the first message, tried six times with one webhook-id"
    accepted = [r.headers["webhook-id"] for r in receiver.accepted()]
    assert accepted == expected, "each exactly once, in the order of the events"
    event_ids = [r.json["data"]["id"] for r in receiver.accepted()]
    assert event_ids == sorted(event_ids)
    first = _messages(acme)[0]
    assert first.attempts == 6
