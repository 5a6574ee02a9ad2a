"""Queues per concern and exactly one beat (README, "Queues and beat"): docker-compose's worker
groups take every queue, and, with real processes, the queues and the beat lock at work.

Two Celery workers on separate queues (as two worker groups of docker-compose.yml), two beats and
a private Redis (tests/faults/conftest.py), on the test database with production's logins. The
beats run the real ``CELERY_BEAT_SCHEDULE`` with every entry made due once, at a moment the test
chooses (tests/operations/queues_and_beat_settings.py); the workers record every task they run
and the queue it came from (tests/operations/queues_and_beat_probe.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import yaml
from django.conf import settings

from prm.celery import app
from tests.factories import TenantFactory
from tests.faults.conftest import (  # noqa: F401  (the fault tests' fixtures: a private Redis, workers)
    ROOT,
    _stop,
    celery_on_private_redis,
    mail_dir,
    private_redis,
    wait_for,
    workers,
)

from .queues_and_beat_probe import HEARTBEATS, RUNS

SETTINGS = "tests.operations.queues_and_beat_settings"
LOCK_TTL = 3  # seconds: a dead holder's lock expires this soon
# Two workers on separate queues: docker-compose.yml's "main" group (here also taking "evaluation")
# and its "io" group. "documents" is taken by neither: its group is down, or busy for hours.
MAIN_QUEUES = "default,routing,evaluation"
IO_QUEUES = "notifications,webhooks"
BACKLOG = 500  # tasks waiting on "documents", which no worker takes


class Beat:
    """``celery -A prm beat`` as docker-compose runs it (its own schedule file), with the test's
    schedule; stopped (its process group) in teardown."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path):
        self.name = name
        self.log = workdir / f"{name}.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "celery", "-A", "prm", "beat", "--loglevel", "INFO"),
                    *("-s", str(workdir / f"{name}-schedule")),
                ],
                cwd=ROOT,
                env={**env, "PRM_TEST_BEAT_NAME": name},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def says(self, words: str) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"{self.name} exited ({self.process.returncode}):\n{self.log_text()[-3000:]}")
        return words in self.log_text()


@pytest.fixture
def beats(workers, tmp_path, request):  # noqa: F811
    """Starts beats with the workers' environment; stops them before the workers stop."""
    started: list[Beat] = []

    def start(name: str) -> Beat:
        env = workers.environment()
        beat = Beat(name, {**env, "PRM_BEAT_LOCK_TTL": str(LOCK_TTL)}, workers.workdir)
        started.append(beat)
        return beat

    start.fire_file = tmp_path / "fire-at"
    try:
        yield start
    finally:
        for beat in started:  # SIGTERM to both first: their shutdowns overlap
            if beat.process.poll() is None:
                beat.process.terminate()
        for beat in started:
            _stop(beat.process, grace=10)
        if request.session.testsfailed:
            for beat in started:
                print(f"--- {beat.name} ---\n{beat.log_text()[-3000:]}")


@pytest.fixture
def test_settings(workers, beats):  # noqa: F811
    """The workers and beats load the test's schedule and the probe."""
    environment = type(workers).environment

    def with_schedule(self):
        env = environment(self)
        env.update(DJANGO_SETTINGS_MODULE=SETTINGS, PRM_TEST_BEAT_FIRE_FILE=str(beats.fire_file))
        return env

    workers.environment = with_schedule.__get__(workers)
    return workers


def _runs(broker: redis.Redis) -> list[dict]:
    return [json.loads(record) for record in broker.lrange(RUNS, 0, -1)]


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_docker_compose_gives_every_queue_to_exactly_one_worker_group_and_runs_the_locked_beat():
    # given the deployment's services and the queues the settings declare
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    declared = sorted(queue.name for queue in settings.CELERY_TASK_QUEUES)
    # then every queue is taken by one worker group, named with -Q, and by no other
    taken = []
    for name, service in services.items():
        command = service.get("command") or []
        if "worker" in command:
            assert name.startswith("worker-") and "-Q" in command, name
            taken += command[command.index("-Q") + 1].split(",")
    assert sorted(taken) == declared
    # and every task's route is a declared queue
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} <= set(declared)
    # and beat runs the scheduler with the lock (from the settings, not overridden by -S)
    assert settings.CELERY_BEAT_SCHEDULER == "prm.operations.beat:LockedScheduler"
    assert "-S" not in services["beat"]["command"] and "--scheduler" not in services["beat"]["command"]


@pytest.mark.worker
def test_two_workers_on_separate_queues_and_one_beat_run_every_periodic_task_once(
    test_settings,
    beats,
    private_redis,  # noqa: F811
    celery_on_private_redis,  # noqa: F811
):
    broker = redis.Redis.from_url(private_redis.url, decode_responses=True)
    periodic = Counter(entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values())
    assert len(periodic) >= 15, "the real schedule"
    # given a tenant (the nightly fan-outs send its tasks) and a backlog of PDFs on "documents"
    tenant = TenantFactory(slug="queues")
    for _ in range(BACKLOG):
        app.send_task("learning.certificate_render", kwargs={"tenant_id": tenant.pk, "certificate_id": 0})
    assert broker.llen("documents") == BACKLOG
    # and two workers on separate queues (none takes "documents"), and two beats, the second
    # started while the first holds the lock (all booting at once: each takes seconds)
    first = beats("beat-1")
    with ThreadPoolExecutor(max_workers=2) as pool:
        booting = [pool.submit(test_settings.start, queues=q, ready_timeout=90) for q in (MAIN_QUEUES, IO_QUEUES)]
        wait_for(lambda: first.says("took the beat lock"), timeout=60, interval=0.2, what="beat-1 to take the lock")
        second = beats("beat-2")
        for worker in booting:
            worker.result()
    wait_for(lambda: second.says("standby: "), timeout=60, interval=0.2, what="beat-2 to stand by")
    assert not second.says("took the beat lock")

    # when every periodic task falls due
    beats.fire_file.write_text(str(time.time()))

    # then each is sent once and runs once, on the worker that takes its queue
    def periodic_runs() -> Counter:
        return Counter(run["task"] for run in _runs(broker) if run["task"] in periodic)

    wait_for(lambda: set(periodic_runs()) == set(periodic), timeout=60, interval=0.2, what="every periodic task")
    time.sleep(LOCK_TTL)  # a second sending would have come by now
    assert periodic_runs() == periodic
    # ... and so do the fan-outs' tasks for the tenant, each on its own queue's worker
    fanned_out = {
        "programs.tier_evaluate": "evaluation",
        "scorecards.measure": "evaluation",
        "leads.offers_sweep": "routing",
        "api.webhooks_sweep": "webhooks",
        "scorecards.at_risk_digest": "notifications",
        "deals.sweep": "default",
    }
    wait_for(lambda: set(fanned_out) <= {run["task"] for run in _runs(broker)}, timeout=30, what="the tenant's tasks")
    runs = _runs(broker)
    for run in runs:
        assert run["queue"] == _queue_of(run["task"]), run
        assert run["queue"] in run["worker_queues"], run
    ran = {run["task"]: run for run in runs}
    for task_name, queue in fanned_out.items():
        worker = next(queues for queues in (MAIN_QUEUES, IO_QUEUES) if queue in queues.split(","))
        assert (ran[task_name]["queue"], ran[task_name]["worker_queues"]) == (queue, sorted(worker.split(","))), (
            task_name
        )
    assert not [run for run in runs if run["state"] != "SUCCESS"], "every task succeeded"
    # and the backlog on "documents" held up none of it (nobody took from it)
    assert broker.llen("documents") == BACKLOG
    # and only the beat with the lock sent anything
    assert set(broker.lrange(HEARTBEATS, 0, -1)) == {"beat-1"}

    # when the holder dies (no clean stop: its lock is left to expire)
    died = time.monotonic()
    first.process.kill()
    first.process.wait(timeout=10)
    # then the standby takes over once the lock expired (within a TTL) and it looked again (a
    # third of one) ...
    wait_for(lambda: second.says("took the beat lock"), timeout=LOCK_TTL + 10, interval=0.1, what="the takeover")
    assert time.monotonic() - died < LOCK_TTL * 4 / 3 + 2
    wait_for(lambda: broker.lindex(HEARTBEATS, -1) == "beat-2", timeout=15, what="beat-2's heartbeat")
    senders = broker.lrange(HEARTBEATS, 0, -1)
    assert senders == sorted(senders), "every heartbeat of beat-1 before any of beat-2's: never both at once"
    # ... and sends none of the night's tasks again: it resumed where the first left off
    time.sleep(2)
    assert periodic_runs() == periodic
    assert second.says("resumed")
