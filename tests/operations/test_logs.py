"""Structured logs (prm/operations/logs.py): every line of a request names its id, its tenant and
its user; the id goes back to the caller and on to the tasks the request schedules."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from partners.models import PartnerStatus
from prm.accounts.roles import Role
from prm.operations.logs import formatter, request_id_from
from tests.conftest import make_client
from tests.factories import PartnerFactory, PartnerMembershipFactory, StaffMembershipFactory, TenantFactory
from tests.faults.conftest import (  # noqa: F401  (fixtures)
    celery_on_private_redis,
    mail_dir,
    private_redis,
    wait_for,
    workers,
)


@pytest.fixture
def json_lines():
    """What the root handler writes in production's format, as parsed objects (call it)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.mark.django_db
def test_every_line_of_a_request_names_its_id_tenant_and_user(world, json_lines):
    # given acme's admin, signed in, and a balancer that gave the request an id
    admin = world.acme.admin
    client = make_client(admin)
    # when they open a page, and then one that does not exist (Django logs that one itself)
    page = client.get("/office/", HTTP_X_REQUEST_ID="lb-7f3c9a1e-0001")
    missing = client.get("/office/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3c9a1e-0002")
    # then each response carries its id back
    assert page["X-Request-ID"] == "lb-7f3c9a1e-0001"
    assert missing["X-Request-ID"] == "lb-7f3c9a1e-0002"
    lines = json_lines()
    # ... every line is one JSON object with the time, level and logger, and the request's context
    for line in lines:
        assert {"timestamp", "level", "logger", "event"} <= set(line)
    who = {"tenant": "acme", "tenant_id": admin.tenant_id, "user_id": admin.user_id}
    done = [line for line in lines if line["event"] == "request"]
    assert [(line["request_id"], line["status"], line["method"]) for line in done] == [
        ("lb-7f3c9a1e-0001", 200, "GET"),
        ("lb-7f3c9a1e-0002", 404, "GET"),
    ]
    assert all(line.items() >= who.items() for line in done)
    # ... naming the view and its route, never the raw path (it may hold a token)
    assert done[0]["view"] == "office:dashboard" and done[0]["route"] == "office/"
    assert "path" not in done[0]
    # ... and Django's own line about the missing page has the same context
    (not_found,) = [line for line in lines if line["logger"] == "django.request"]
    assert not_found["level"] == "warning"
    assert not_found.items() >= {"request_id": "lb-7f3c9a1e-0002", **who}.items()


@pytest.mark.django_db
def test_an_anonymous_request_on_the_bare_domain_has_no_tenant_nor_user(json_lines):
    response = make_client(None).get("/accounts/login/")
    (line,) = [line for line in json_lines() if line["event"] == "request"]
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["tenant"], line["tenant_id"], line["user_id"]) == (None, None, None)


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("0f8fad5b-d9cb-469f-a165-70867728950e", True),  # a UUID
        ("Root=1-67891233-abcdef012345678912345678", True),  # AWS's trace id
        ("short", False),  # too short to be anyone's id
        ("two words here", False),
        ("line\nbreak-forged-entry", False),  # a forged log line
        ("x" * 129, False),
        (None, False),
    ],
)
def test_the_callers_request_id_is_kept_only_when_well_formed(incoming, kept):
    request_id = request_id_from(incoming)
    if kept:
        assert request_id == incoming
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)


def activation_by_a_manager():
    """A channel manager, and a partner being onboarded with an admin and an account manager:
    activating it notifies two people, by e-mail, through the outbox."""
    tenant = TenantFactory(slug="acme")
    manager = StaffMembershipFactory(tenant=tenant, role=Role.CHANNEL_MANAGER)
    account_manager = StaffMembershipFactory(tenant=tenant, role=Role.CHANNEL_MANAGER)
    partner = PartnerFactory(tenant=tenant, status=PartnerStatus.ONBOARDING, account_manager=account_manager)
    PartnerMembershipFactory(partner=partner, role=Role.PARTNER_ADMIN)
    return manager, partner


REQUEST_ID = "req-4b1d2c3e4f5a6b7c"


def activate(manager, partner):
    response = make_client(manager).post(
        f"/office/partners/{partner.pk}/status/",
        {"to_status": "active", "reason": ""},
        HTTP_X_REQUEST_ID=REQUEST_ID,
    )
    assert response.status_code == 302
    return response


@pytest.mark.django_db(transaction=True)
def test_the_tasks_a_request_publishes_carry_its_id_tenant_and_user(private_redis, celery_on_private_redis):  # noqa: F811
    # given a process publishing to a broker no worker reads, and a manager about to activate a partner
    from prm.operations.queues import queue_names

    manager, partner = activation_by_a_manager()
    # when the request commits (the outbox is relayed right after, in the request)
    activate(manager, partner)
    # then the two e-mail tasks wait in the broker with the request's context in their headers
    redis = celery_on_private_redis.connection_for_write().default_channel.client
    messages = [json.loads(raw) for queue in queue_names() for raw in redis.lrange(queue, 0, -1)]
    headers = [message["headers"] for message in messages]
    assert len(headers) == 2
    for header in headers:
        assert header["prm_request_id"] == REQUEST_ID
        assert header["prm_tenant_id"] == manager.tenant_id
        assert header["prm_user_id"] == manager.user_id


def test_a_worker_logs_the_task_a_request_scheduled_with_the_requests_id(
    private_redis,  # noqa: F811
    celery_on_private_redis,  # noqa: F811
    workers,  # noqa: F811
    mail_dir,  # noqa: F811
    monkeypatch,
):
    # given a worker writing production's JSON lines, and a manager about to activate a partner
    monkeypatch.setenv("PRM_LOG_FORMAT", "json")
    manager, partner = activation_by_a_manager()
    worker = workers.start()
    # when the request commits and the worker runs the e-mail tasks it scheduled
    activate(manager, partner)

    def task_lines():
        lines = [json.loads(line) for line in worker.log_text().splitlines() if line.startswith("{")]
        return [line for line in lines if line.get("task", "").startswith("prm.notifications.")]

    lines = wait_for(
        lambda: sum("succeeded" in line["event"] for line in task_lines()) == 2 and task_lines(),
        timeout=60,
        what="the worker's lines about the two tasks",
    )
    # then the worker's lines while running those tasks (Celery's "succeeded" line of each among
    # them) name the request, its tenant and its user
    for line in lines:
        assert line["request_id"] == REQUEST_ID
        assert line["tenant_id"] == manager.tenant_id
        assert line["user_id"] == manager.user_id
        assert line["task_id"]
