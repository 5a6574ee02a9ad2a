"""Prometheus metrics at /metrics (prm/operations/metrics.py; the webhooks' part, api/metrics.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from api.metrics import GAVE_UP_REASON
from api.models import WebhookEndpoint, WebhookMessage
from prm.events.models import OutboxMessage
from prm.events.services import outbox_enqueue
from prm.events.tasks import outbox_sweep_task
from prm.operations.queues import queue_names
from prm.tenancy.scope import tenant_scope
from tests.conftest import make_client
from tests.factories import UserFactory, give_totp
from tests.faults.conftest import ROOT, celery_on_private_redis, private_redis  # noqa: F401  (fixtures)

TOKEN = "scrape-token-0f8fad5b-d9cb-469f-a165"
# Prometheus scrapes each process by its address.
SCRAPER_HOST = "10.0.0.7:8000"


@pytest.fixture
def token(settings):
    settings.PRM_METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(token: str | None = TOKEN, host: str = SCRAPER_HOST):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return Client(HTTP_HOST=host).get("/metrics", **headers)


def samples(response) -> dict[tuple, float]:
    """(name, sorted labels) -> value of every sample of the scrape."""
    assert response.status_code == 200
    text = response.content.decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.django_db
def test_without_a_token_configured_nobody_but_a_platform_superuser_finds_it(world, settings):
    # given no PRM_METRICS_TOKEN
    settings.PRM_METRICS_TOKEN = ""
    # when anyone asks, a scraper sending an empty token, a vendor's admin on their host included
    answers = [
        scrape(token=None, host="localhost").status_code,
        scrape(token="").status_code,
        make_client(None).get("/metrics").status_code,
        make_client(world.acme.admin).get("/metrics").status_code,
    ]
    # then there is no such page
    assert answers == [404, 404, 404, 404]


@pytest.mark.django_db
def test_a_wrong_token_finds_nothing(token):
    assert scrape(token="scrape-token-0f8fad5b-d9cb-469f-a16X").status_code == 404
    assert scrape(token=TOKEN.upper()).status_code == 404
    assert Client(HTTP_HOST="localhost").get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404
    assert Client(HTTP_HOST="localhost").get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 404


@pytest.mark.django_db
def test_a_signed_in_platform_superuser_sees_them(settings):
    settings.PRM_METRICS_TOKEN = ""
    superuser = UserFactory(is_superuser=True, is_staff=True)
    give_totp(superuser)
    client = Client(HTTP_HOST="localhost")
    client.force_login(superuser)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "prm_outbox_backlog" in response.content.decode()


@pytest.mark.django_db
def test_request_latency_by_view_method_and_status(world, token):
    # given what the scraper saw before
    before = samples(scrape())
    # when acme's admin opens the dashboard twice and a page that does not exist once
    client = make_client(world.acme.admin)
    client.get("/office/")
    client.get("/office/")
    client.get(f"/office/partners/{10**9}/")
    # then the scrape counts them by the view's name (never the raw path), method and status
    after = samples(scrape())
    count = "prm_request_duration_seconds_count"
    dashboard = {"view": "office:dashboard", "method": "GET", "status": "200"}
    assert value(after, count, **dashboard) - value(before, count, **dashboard) == 2
    missing = {"view": "office:partner_detail", "method": "GET", "status": "404"}
    assert value(after, count, **missing) - value(before, count, **missing) == 1
    assert value(after, "prm_request_duration_seconds_sum", **dashboard) > value(
        before, "prm_request_duration_seconds_sum", **dashboard
    )
    # ... and the scrapes (the one before this one) and the probes are not counted
    Client(HTTP_HOST=SCRAPER_HOST).get("/health/ready")
    again = samples(scrape())

    def probes(found):
        return {key: v for key, v in found.items() if dict(key[1]).get("view") in ("metrics", "health_ready")}

    assert probes(again) == probes(before)


@pytest.mark.django_db
def test_task_latency_and_counts_by_task_and_state(token):
    # given what the scraper saw before, when a task runs (in this process: the tests' tasks are eager)
    before = samples(scrape())
    outbox_sweep_task.delay()
    # then it is counted and timed under its name and final state
    after = samples(scrape())
    labels = {"task": "prm.events.outbox_sweep", "state": "SUCCESS"}
    assert (
        value(after, "prm_task_duration_seconds_count", **labels)
        - value(before, "prm_task_duration_seconds_count", **labels)
        == 1
    )


@pytest.mark.django_db
def test_queue_depth_of_every_queue_the_settings_route_to(private_redis, celery_on_private_redis, token):  # noqa: F811
    # given a broker no worker reads, holding two messages
    outbox_sweep_task.delay()
    outbox_sweep_task.delay()
    # when Prometheus scrapes
    found = samples(scrape())
    # then each queue has its length, the two messages in the sweep's queue
    lengths = {dict(labels)["queue"]: v for (name, labels), v in found.items() if name == "prm_celery_queue_length"}
    assert set(lengths) == set(queue_names()) and "default" in lengths
    queue = celery_on_private_redis.amqp.router.route({}, "prm.events.outbox_sweep")["queue"].name
    assert lengths[queue] == 2
    assert sum(lengths.values()) == 2
    assert value(found, "prm_scrape_ok", collector="queues") == 1


@pytest.mark.django_db
def test_the_outbox_backlog_and_its_oldest_message(world, token):
    # given what the scraper saw before
    before = samples(scrape())
    # when two side effects are written and not delivered, one of them an hour old
    with tenant_scope(world.acme.tenant):
        first = outbox_enqueue(task_name="prm.events.outbox_sweep")
        outbox_enqueue(task_name="prm.events.outbox_sweep")
        OutboxMessage.objects.filter(pk=first).update(created_at=timezone.now() - timedelta(hours=1))
    # then the scrape counts them, and says how long the oldest has waited
    after = samples(scrape())
    assert value(after, "prm_outbox_backlog") - value(before, "prm_outbox_backlog") == 2
    assert value(after, "prm_outbox_oldest_age_seconds") >= 3600
    assert value(after, "prm_scrape_ok", collector="outbox") == 1


@pytest.mark.django_db
def test_webhook_failures(world, token):
    # given what the scraper saw before
    before = samples(scrape())
    # when one endpoint's message failed once and waits for its retry, another endpoint was
    # switched off after a day of failures, and a third by its owner
    with tenant_scope(world.acme.tenant):
        owner = world.acme.admin

        def endpoint(**fields):
            return WebhookEndpoint.objects.create(
                owner=owner, url="https://hooks.example.com/prm", secret="x", **fields
            )

        failing = endpoint()
        WebhookMessage.objects.create(
            endpoint=failing, msg_id="msg_metrics_1", event_type="deal.won", payload={}, attempts=1
        )
        endpoint(is_active=False, disabled_at=timezone.now(), disabled_reason=GAVE_UP_REASON)
        endpoint(is_active=False, disabled_at=timezone.now(), disabled_reason="Disabled by someone")
    # then the scrape shows them, every tenant's
    after = samples(scrape())

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("prm_webhook_messages_retrying") == 1
    assert grew("prm_webhook_endpoints_failing") == 1
    assert grew("prm_webhook_endpoints_disabled", reason="failures") == 1
    assert grew("prm_webhook_endpoints_disabled", reason="owner") == 1
    assert value(after, "prm_scrape_ok", collector="webhooks") == 1


MULTIPROCESS_SCRIPT = """
import sys, django
django.setup()
from django.test import Client
if sys.argv[1] == "serve":
    for _ in range(3):
        assert Client(HTTP_HOST="localhost").get("/accounts/login/").status_code == 200
else:
    response = Client(HTTP_HOST="10.0.0.7").get("/metrics", HTTP_AUTHORIZATION="Bearer " + sys.argv[2])
    print(response.content.decode())
"""


@pytest.mark.django_db(transaction=True)
def test_several_processes_report_through_the_multiprocess_directory(tmp_path):
    # given two processes of one host sharing PROMETHEUS_MULTIPROC_DIR (gunicorn's workers)
    settings = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "prm.settings.test",
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
        f"/{settings['NAME']}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "PRM_METRICS_TOKEN": TOKEN,
    }

    def run(*args):
        done = subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_SCRIPT, *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    # when one serves three requests and exits, and another is scraped
    run("serve")
    text = run("scrape", TOKEN)
    # then the scrape counts the first one's requests
    found = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    login = {"view": "account_login", "method": "GET", "status": "200"}
    assert value(found, "prm_request_duration_seconds_count", **login) == 3
    assert ("prm_outbox_backlog", ()) in found


class PassThroughMiddleware:
    """A middleware that only adds frames (as the operations middleware did)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


@pytest.mark.skipif(sys.platform != "linux", reason="counts page faults (getrusage's ru_minflt)")
def test_a_signed_in_page_does_not_churn_the_frame_stack_whatever_the_middleware_adds(world, settings):
    # CPython 3.11 frees a 16 KB chunk of its frame stack as soon as it empties: a page whose
    # template recursion crosses a chunk's end maps a fresh one each time (a page fault or more
    # each; the shell did so ~100 times a request, +2 ms). ProbeMiddleware runs the rest of the
    # stack in a large chunk of its own (prm/operations/middleware.py), wherever the ends fall.
    import resource

    probe = "prm.operations.middleware.ProbeMiddleware"
    below = [name for name in settings.MIDDLEWARE if name != probe]
    faults = {}
    # given 0 to 11 more middleware (2 frames each) between the probes and the rest
    for extra in range(12):
        settings.MIDDLEWARE = [probe, *["tests.operations.test_metrics.PassThroughMiddleware"] * extra, *below]
        client = make_client(world.acme.partner_admin)
        assert client.get("/portal/").status_code == 200  # (warm)
        # when a partner opens the portal's home 20 times
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(20):
            client.get("/portal/")
        faults[extra] = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20
    # then no depth makes a request fault in pages by the dozen (~5 each; ~40-450 without)
    assert max(faults.values()) < 25, faults
