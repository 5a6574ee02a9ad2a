"""Loaded by the workers of tests/operations/test_queues_and_beat.py (``CELERY_IMPORTS``): records,
in the test's private Redis (the broker), every task a worker runs, the queue it came from and
the queues that worker takes; and the heartbeat task of the test's beats."""

from __future__ import annotations

import json

import redis
from celery import shared_task
from celery.signals import task_postrun
from django.conf import settings

RUNS = "prm-test:runs"  # a list of JSON records, one per run, in order
HEARTBEATS = "prm-test:heartbeats"  # a list of beat names, one per heartbeat

_client: redis.Redis | None = None


def client() -> redis.Redis:
    global _client  # one per pool process (each forked child makes its own)
    if _client is None:
        _client = redis.Redis.from_url(settings.CELERY_BROKER_URL, decode_responses=True)
    return _client


@task_postrun.connect
def record_run(sender=None, state=None, **_):
    request = sender.request
    record = {
        "task": sender.name,
        "state": state,
        "queue": (request.delivery_info or {}).get("routing_key"),
        "worker_queues": sorted(sender.app.amqp.queues.consume_from or ()),
    }
    client().rpush(RUNS, json.dumps(record))


@shared_task(name="tests.operations.beat_heartbeat")
def beat_heartbeat(*, beat: str) -> None:
    client().rpush(HEARTBEATS, beat)
