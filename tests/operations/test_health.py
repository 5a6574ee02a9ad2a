"""/health/live and /health/ready, as a load balancer asks them (prm/operations/health.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from prm.operations import health
from tests.faults.conftest import ROOT, free_port, private_redis  # noqa: F401  (a fixture)

# A balancer probes a process by its address: no tenant's host, nothing ALLOWED_HOSTS knows.
PROBE_HOST = "10.0.0.7:8000"


def probe(path: str, host: str = PROBE_HOST):
    response = Client(HTTP_HOST=host).get(path)
    return response.status_code, json.loads(response.content)


@pytest.fixture(autouse=True)
def _fresh_migrations_check():
    health.forget_migrations_check()
    yield
    health.forget_migrations_check()


def test_live_answers_on_any_host_without_touching_the_database():
    # given a process that is up (and this test may not reach the database: a query would fail it)
    # when a balancer asks by address, then it is alive
    assert probe("/health/live") == (200, {"status": "ok"})


@pytest.mark.django_db
@pytest.mark.parametrize("host", [PROBE_HOST, "localhost", "acme.localhost", "nobody.localhost"])
def test_ready_when_database_redis_broker_and_migrations_are(host):
    # given everything up and migrated, when asked on any host (even one no tenant lives at)
    status, answer = probe("/health/ready", host)
    # then the process is ready, and says what it checked
    assert (status, answer) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "redis": "ok", "broker": "ok", "migrations": "ok"}},
    )


@pytest.mark.django_db
def test_a_probe_opens_no_session_and_sets_no_cookie():
    response = Client(HTTP_HOST="localhost").get("/health/ready")
    assert response.status_code == 200
    assert not response.cookies
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_an_unapplied_migration_makes_the_process_unready_until_it_is_applied():
    # given a migration on disk the database has not recorded (as when a new release's processes
    # start before `migrate`)
    app, name = sorted(_leaf_nodes())[0]
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied(app, name)
    # when a balancer asks, then the process is not ready, and says why
    status, answer = probe("/health/ready")
    assert status == 503
    assert answer["status"] == "unavailable"
    assert answer["checks"] == {"database": "ok", "redis": "ok", "broker": "ok", "migrations": "1 unapplied"}
    # when `migrate` has run, then it is ready again
    recorder.record_applied(app, name)
    assert probe("/health/ready")[0] == 200
    # and once it was, this process does not load the migrations again (they cost ~0.5 s)
    recorder.record_unapplied(app, name)
    assert probe("/health/ready")[0] == 200


@pytest.mark.django_db
def test_while_a_migration_is_unapplied_probes_do_not_keep_loading_the_migrations(monkeypatch):
    # given a migration on disk the database has not recorded, and a process asked once
    from django.db.migrations import executor

    loads = []
    real = executor.MigrationExecutor
    monkeypatch.setattr(executor, "MigrationExecutor", lambda *a, **k: loads.append(1) or real(*a, **k))
    app, name = sorted(_leaf_nodes())[0]
    MigrationRecorder(connection).record_unapplied(app, name)
    assert probe("/health/ready")[1]["checks"]["migrations"] == "1 unapplied"
    # when anyone asks again within a few seconds, then the answer stands without loading them again
    assert probe("/health/ready")[1]["checks"]["migrations"] == "1 unapplied"
    assert len(loads) == 1
    # and once those seconds passed, it asks again
    later = health.monotonic() + health.UNAPPLIED_RECHECK_SECONDS
    monkeypatch.setattr(health, "monotonic", lambda: later)
    assert probe("/health/ready")[1]["checks"]["migrations"] == "1 unapplied"
    assert len(loads) == 2


def _leaf_nodes():
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection).graph.leaf_nodes()


@pytest.mark.django_db
def test_redis_and_the_broker_down_make_it_unready_naming_them(private_redis, settings):  # noqa: F811
    # given a process whose cache and broker are a Redis that then stops
    from prm.celery import app

    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": private_redis.url}}
    saved = app.conf.broker_url
    app.conf.broker_url = private_redis.url
    try:
        assert probe("/health/ready")[0] == 200
        private_redis.stop()
        # when a balancer asks
        status, answer = probe("/health/ready")
    finally:
        app.conf.broker_url = saved
    # then it is taken out of rotation, the failing checks named, and without hanging on them
    assert status == 503
    assert answer["checks"] == {"database": "ok", "redis": "unavailable", "broker": "unavailable", "migrations": "ok"}


PROBE_SCRIPT = """
import json, django
django.setup()
from django.test import Client
for path in ("/health/live", "/health/ready"):
    response = Client(HTTP_HOST="10.0.0.7").get(path)
    print(json.dumps([path, response.status_code, json.loads(response.content)]))
"""


def test_an_unreachable_database_makes_it_unready_naming_it():
    # given a process whose database does not answer (nothing listens on its port)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "prm.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/prm?connect_timeout=2",
        "PRM_LOG_FORMAT": "json",
    }
    # when a balancer asks it
    done = subprocess.run(
        [sys.executable, "-c", PROBE_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    # then it is alive (no restart: the database is not its fault) but not ready, naming the database
    assert answers == [
        ["/health/live", 200, {"status": "ok"}],
        [
            "/health/ready",
            503,
            {
                "status": "unavailable",
                "checks": {"database": "unavailable", "redis": "ok", "broker": "ok", "migrations": "unknown"},
            },
        ],
    ]
    # and the reason is in its log, not in the answer
    warnings = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert any(line["event"].startswith("readiness: database is unavailable") for line in warnings)
