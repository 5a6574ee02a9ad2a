"""The platform operator's page: what a platform superuser sees of the installation on the bare
domain (tenants and their size, outbox backlogs, queue depths, periodic runs, failed tasks), the
retry button, and that nobody else finds the page.

Tasks run eagerly in the suite (CELERY_TASK_ALWAYS_EAGER), through Celery's own tracer, so the
task_prerun/postrun/failure signals that write the records fire as in a worker.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prm.celery import app
from prm.events.models import Event, OutboxMessage
from prm.events.tasks import tenant_task
from prm.operations.models import FailedTask, Outcome, PeriodicRun
from prm.operations.services import failed_task_record, periodic_run_record, tenant_periodic_tasks
from prm.tenancy.rls import rls_report
from prm.tenancy.scope import platform_scope, tenant_scope

from ..conftest import PLATFORM_HOST, make_client
from ..factories import TenantFactory, UserFactory, give_totp
from ..faults.conftest import (  # noqa: F401  (the fault tests' fixtures: a private Redis, workers)
    celery_on_private_redis,
    mail_dir,
    private_redis,
    wait_for,
    workers,
)

pytestmark = pytest.mark.django_db

PAGE = "/operations/"

# What the flaky task below did, run by run (eager: in this process).
ATTEMPTS: list[str] = []


@tenant_task("tests.operations.flaky_report", max_retries=0)
def flaky_report(*, label: str) -> None:
    """Fails the first time it runs, works afterwards; no retry of its own (fails for good)."""
    ATTEMPTS.append(label)
    if len(ATTEMPTS) == 1:
        raise RuntimeError("the report server is down")


@tenant_task("tests.operations.retried_report", max_retries=2)
def retried_report(*, label: str) -> None:
    """Fails the first time, and its own retry (inline, eager) works."""
    ATTEMPTS.append(label)
    if len(ATTEMPTS) == 1:
        raise RuntimeError("a blip")


@pytest.fixture(autouse=True)
def _fresh_attempts():
    ATTEMPTS.clear()


@pytest.fixture
def operator() -> Client:
    """A platform superuser (with the second factor superusers need), on the bare domain."""
    user = UserFactory(email="root@platform.example", is_superuser=True, is_staff=True)
    give_totp(user)
    client = Client(HTTP_HOST=PLATFORM_HOST)
    client.force_login(user)
    return client


def _row(html: str, element_id: str) -> str:
    match = re.search(rf'<tr id="{element_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row {element_id}"
    return match.group(1)


def _cell(row: str, css_class: str) -> str:
    match = re.search(rf'<td class="[^"]*\b{css_class}\b[^"]*">(.*?)</td>', row, re.S)
    assert match, f"no {css_class} cell"
    return re.sub(r"<[^>]+>", " ", match.group(1)).split()


def test_the_operator_sees_every_tenant_with_its_size_and_backlog(world, operator):
    # given acme with an outbox message undelivered for an hour, and globex with none
    acme, globex = world.acme, world.globex
    with tenant_scope(acme.tenant):
        OutboxMessage.objects.create(task_name="tests.nothing", created_at=timezone.now() - timedelta(hours=1))
    with platform_scope():
        events = {side.tenant.pk: Event.objects.filter(tenant=side.tenant).count() for side in (acme, globex)}

    # when the platform superuser opens the operator's page
    response = operator.get(PAGE)

    # then each tenant shows its partners, staff, partner users and events, and acme its backlog
    assert response.status_code == 200
    html = response.content.decode()
    for side in (acme, globex):
        row = _row(html, f"tenant-{side.tenant.pk}")
        assert side.tenant.name in row
        assert _cell(row, "partners") == ["2"]
        assert _cell(row, "staff") == ["3"]  # admin, channel manager, marketing
        assert _cell(row, "partner-users") == ["4"]  # an admin and a sales rep per partner
        assert _cell(row, "events") == [str(events[side.tenant.pk])]
    acme_backlog = " ".join(_cell(_row(html, f"tenant-{acme.tenant.pk}"), "outbox"))
    assert acme_backlog.startswith("1 oldest 1 hour")
    assert _cell(_row(html, f"tenant-{globex.tenant.pk}"), "outbox") == ["0"]


def test_queue_depths_come_from_the_broker(world, operator):
    # given two messages waiting in the notifications queue of the broker (this test's Redis db)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("notifications")
    broker.rpush("notifications", "m1", "m2")
    try:
        # when the operator opens the page
        html = operator.get(PAGE).content.decode()
    finally:
        broker.delete("notifications")
    # then every queue the settings name is listed, the notifications one with its two messages
    queues = re.findall(r'<span class="fw-semibold">([^<]+)</span>\s*<span[^>]*>([^<]+)</span>', html)
    depths = dict(queues)
    assert depths["notifications"] == "2 waiting"
    assert {"default", "notifications"} <= set(depths)


def test_a_periodic_run_is_recorded_by_the_tasks_own_execution(world, operator):
    # given the learning sweep's fan-out, run as beat would send it (eager: in this process)
    app.tasks["learning.sweep_all"].apply()

    # when the operator opens the page
    html = operator.get(PAGE).content.decode()

    # then the fan-out shows as a platform-wide run and the sweep of each tenant as that tenant's,
    # every other periodic task of a tenant as never run
    with platform_scope():
        runs = {(run.tenant_id, run.task_name): run for run in PeriodicRun.objects.all()}
    assert runs[(None, "learning.sweep_all")].outcome == Outcome.OK
    for side in (world.acme, world.globex):
        run = runs[(side.tenant.pk, "learning.sweep")]
        assert run.outcome == Outcome.OK and run.run_count == 1 and run.finished_at >= run.started_at
        row = _row(html, f"runs-{side.tenant.pk}")
        assert row.count("outcome-ok") == 1
        assert row.count("never") == len(tenant_periodic_tasks()) - 1
    platform = re.search(r'<table[^>]*id="platform-runs".*?</table>', html, re.S).group(0)
    assert re.search(r"learning\.sweep_all</code></th>\s*<td>[^<]+</td>\s*<td><span[^>]*outcome-ok", platform)

    # and a second run updates the same record (one row per tenant and task)
    app.tasks["learning.sweep_all"].apply()
    with platform_scope():
        assert PeriodicRun.objects.get(tenant=world.acme.tenant, task_name="learning.sweep").run_count == 2
        assert PeriodicRun.objects.filter(task_name="learning.sweep").count() == 2


def test_a_task_that_failed_for_good_is_listed_and_sent_again_once(world, operator):
    # given a task of acme that fails with no retry left (throw=False: the error stays in the
    # result, as in a worker, instead of coming straight back to this test past Celery's handling)
    result = flaky_report.apply(kwargs={"tenant_id": world.acme.tenant.pk, "label": "q3"}, throw=False)
    assert result.failed()
    with platform_scope():
        failed = FailedTask.objects.get(task_name="tests.operations.flaky_report")
    assert failed.tenant_id == world.acme.tenant.pk
    assert failed.kwargs == {"tenant_id": world.acme.tenant.pk, "label": "q3"}
    assert failed.exception == "RuntimeError: the report server is down"
    assert "flaky_report" in failed.traceback

    # when the operator sees it on the page and presses Retry twice (a double click)
    html = operator.get(PAGE).content.decode()
    row = _row(html, f"failed-{failed.pk}")
    assert "tests.operations.flaky_report" in row and "the report server is down" in row and "Acme" in row
    retry = reverse("operations:failed_task_retry", args=[failed.pk])
    assert f'action="{retry}"' in row
    first = operator.post(retry, follow=True)
    second = operator.post(retry, follow=True)

    # then the task ran once more, with the same arguments, and the second press sent nothing
    assert ATTEMPTS == ["q3", "q3"]
    assert "tests.operations.flaky_report was sent again." in first.content.decode()
    assert "This task was already sent again." in second.content.decode()
    with platform_scope():
        failed.refresh_from_db()
    assert failed.retried_at is not None and failed.retried_by == "root@platform.example"
    assert f'action="{retry}"' not in _row(second.content.decode(), f"failed-{failed.pk}")


def test_a_task_that_succeeds_on_its_own_retry_is_no_failure(world):
    # given a task whose first attempt fails and whose retry (Celery's own) works
    retried_report.apply(kwargs={"tenant_id": world.acme.tenant.pk, "label": "x"}, throw=False)
    # then it ran twice and nothing is listed as failed
    assert ATTEMPTS == ["x", "x"]
    with platform_scope():
        assert not FailedTask.objects.exists()


@pytest.mark.parametrize("who", ["vendor_admin", "staff", "partner_user", "anonymous", "superuser"])
def test_nobody_finds_the_page_on_a_tenants_host(world, who):
    # given someone on acme's host, even a platform superuser
    member = {
        "vendor_admin": world.acme.admin,
        "staff": world.acme.manager,
        "partner_user": world.acme.partner_admin,
        "anonymous": None,
        "superuser": world.acme.admin,
    }[who]
    if who == "superuser":
        member.user.is_superuser = True
        member.user.save(update_fields=["is_superuser"])
    client = make_client(member, host=world.acme.host)
    # when they open /operations/ there
    response = client.get(PAGE)
    # then there is no such page
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["vendor_admin", "staff", "partner_user"])
def test_on_the_bare_domain_only_a_superuser_finds_the_page(world, who):
    # given a signed-in member of a tenant who is no platform superuser, on the bare domain
    member = {"vendor_admin": world.acme.admin, "staff": world.acme.manager, "partner_user": world.acme.partner_admin}[
        who
    ]
    client = make_client(member, host=PLATFORM_HOST)
    failed_task_record(task_id="t-1", task_name="x.y", args=[], kwargs={}, exception="Boom")
    with platform_scope():
        failed = FailedTask.objects.get(task_id="t-1")
    # when they open the page, or post a retry
    page = client.get(PAGE)
    retry = client.post(reverse("operations:failed_task_retry", args=[failed.pk]))
    # then neither exists for them, and nothing was sent
    assert (page.status_code, retry.status_code) == (404, 404)
    with platform_scope():
        failed.refresh_from_db()
    assert failed.retried_at is None


def test_a_visitor_on_the_bare_domain_is_sent_to_sign_in():
    response = Client(HTTP_HOST=PLATFORM_HOST).get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={PAGE}"


def test_the_platform_page_links_the_operator_page_for_superusers_only(world, operator):
    assert f'href="{PAGE}"' in operator.get("/").content.decode()
    assert f'href="{PAGE}"' not in make_client(world.acme.admin, host=PLATFORM_HOST).get("/").content.decode()


def test_the_records_are_platform_only(world):
    # given a periodic run and a failure recorded for acme
    now = timezone.now()
    periodic_run_record(
        task_name="learning.sweep", tenant_id=world.acme.tenant.pk, started_at=now, finished_at=now, outcome="ok"
    )
    failed_task_record(
        task_id="t-2", task_name="x.y", args=[], kwargs={"tenant_id": world.acme.tenant.pk}, exception="Boom"
    )
    # when acme's own transaction (the app role) reads the tables, raw SQL, ORM out of the way
    # then the database refuses: only the platform role may touch them
    for table in ("operations_periodicrun", "operations_failedtask"):
        with (
            pytest.raises(Exception, match="permission denied"),
            tenant_scope(world.acme.tenant),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")
    # and check_rls's report lists them as platform-only, without a problem
    report = {table.table: table for table in rls_report()}
    for table in ("operations_periodicrun", "operations_failedtask"):
        assert report[table].platform_only and report[table].problems == []


def test_the_page_costs_the_same_with_many_tenants_and_failures(world, operator, no_queries_from_templates):
    def cost() -> tuple[int, str]:
        operator.get(PAGE)  # warms per-process caches
        with CaptureQueriesContext(connection) as captured:
            response = operator.get(PAGE)
        assert response.status_code == 200
        return len(captured), "\n".join(q["sql"] for q in captured.captured_queries)

    # given the two tenants of the world, one failure and one run
    failed_task_record(task_id="f-0", task_name="x.y", args=[], kwargs={}, exception="Boom")
    now = timezone.now()
    periodic_run_record(
        task_name="learning.sweep", tenant_id=world.acme.tenant.pk, started_at=now, finished_at=now, outcome="ok"
    )
    few, _ = cost()
    # when there are more tenants, each with runs, and more failures
    with platform_scope():
        tenants = [TenantFactory(slug=f"extra{n}", name=f"Extra {n}") for n in range(6)]
    for n, tenant in enumerate(tenants):
        for task in tenant_periodic_tasks()[:3]:
            periodic_run_record(task_name=task, tenant_id=tenant.pk, started_at=now, finished_at=now, outcome="ok")
        failed_task_record(
            task_id=f"f-{n + 1}", task_name="x.y", args=[1], kwargs={"tenant_id": tenant.pk}, exception="E"
        )
    many, sql = cost()
    # then the page costs the same: the user and their second factor, the platform scope's
    # savepoint and its release, tenants (count, page), four sizes, the runs (per tenant,
    # platform-wide), the failures (count, page, not yet sent again)
    assert few == many, sql
    assert many == 15, sql


def test_the_demo_fills_the_page_and_loading_it_twice_adds_nothing(world, operator):
    # given the demo's part for acme (the first demo tenant) and globex, loaded twice
    from prm.operations.demo import RUNS_SHOWN, load
    from prm.web.demo_kit import Demo

    for _ in range(2):
        for seed, side in enumerate((world.acme, world.globex)):
            with tenant_scope(side.tenant):
                load(Demo(tenant=side.tenant, seed=seed, staff={}))
    # when the operator opens the page
    html = operator.get(PAGE).content.decode()
    # then acme and globex show their runs (one of acme's failed), and one failed task waits
    assert _row(html, f"runs-{world.acme.tenant.pk}").count("outcome-") == RUNS_SHOWN[0]
    assert _row(html, f"runs-{world.acme.tenant.pk}").count("outcome-retrying") == 1
    assert _row(html, f"runs-{world.globex.tenant.pk}").count("outcome-") == RUNS_SHOWN[1]
    with platform_scope():
        assert PeriodicRun.objects.count() == RUNS_SHOWN[0] + RUNS_SHOWN[1] + 3
        failed = FailedTask.objects.get()
    assert failed.tenant_id == world.acme.tenant.pk and f'id="failed-{failed.pk}"' in html


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_records_its_runs_and_failures(workers, celery_on_private_redis):  # noqa: F811
    # given a tenant and a worker with production's logins (the app role, and the platform
    # connection: the records are platform-only)
    tenant = TenantFactory(slug="north")
    workers.start()
    # when beat's learning sweep is sent, and the outbox sweep with arguments it does not take
    app.tasks["learning.sweep_all"].delay()
    app.send_task("prm.events.outbox_sweep", args=["not", "arguments"])

    # then the worker recorded the fan-out's run, the tenant's sweep, the outbox sweep's failed
    # run and its failure
    def recorded():
        with platform_scope():
            runs = set(PeriodicRun.objects.values_list("tenant_id", "task_name", "outcome"))
            failures = list(FailedTask.objects.values_list("task_name", "args", "exception"))
        return runs, failures

    wait_for(lambda: len(recorded()[0]) >= 3 and recorded()[1], timeout=60, what="the worker's records")
    runs, failures = recorded()
    assert (None, "learning.sweep_all", "ok") in runs
    assert (tenant.pk, "learning.sweep", "ok") in runs
    assert (None, "prm.events.outbox_sweep", "failed") in runs
    [(name, args, exception)] = failures
    assert (name, args) == ("prm.events.outbox_sweep", ["not", "arguments"])
    assert exception.startswith("TypeError")
