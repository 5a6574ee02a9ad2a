"""Settings of the workers and beats that tests/operations/test_queues_and_beat.py starts: the
fault tests' worker settings (production's logins on the test database), with

* every entry of the real ``CELERY_BEAT_SCHEDULE`` (task, options) made due once, when the test
  says so: at the time it writes into ``PRM_TEST_BEAT_FIRE_FILE`` (all processes being up by
  then), and not again within the test;
* one test entry, a heartbeat every second that names the beat that sent it
  (``PRM_TEST_BEAT_NAME``): which beat sends at any moment;
* the probe (tests/operations/queues_and_beat_probe.py) loaded by the workers: it records every
  task they run, and from which queue, in the private Redis;
* a short lock TTL (``PRM_BEAT_LOCK_TTL`` from the test), so that a takeover takes seconds.
"""

import time
from datetime import timedelta
from pathlib import Path

from celery.schedules import schedstate, schedule

from prm.env import env_str
from tests.faults.worker_settings import *  # noqa: F403
from tests.faults.worker_settings import CELERY_BEAT_SCHEDULE

FIRE_FILE = env_str("PRM_TEST_BEAT_FIRE_FILE", "")


class when_the_test_says(schedule):
    """Due once: at the moment written in ``FIRE_FILE`` (seconds since the epoch), for an entry
    that last ran before it. Before the file exists, asks again in half a second."""

    def __init__(self, fire_file: str = FIRE_FILE):
        self.fire_file = fire_file
        super().__init__(run_every=timedelta(hours=1))

    def is_due(self, last_run_at):
        path = Path(self.fire_file)
        if not path.exists():
            return schedstate(False, 0.5)
        fire_at, now = float(path.read_text()), time.time()
        if now < fire_at:
            return schedstate(False, fire_at - now)
        return schedstate(last_run_at.timestamp() < fire_at, 3600)

    def __reduce__(self):  # kept in beat's schedule file
        return self.__class__, (self.fire_file,)

    def __eq__(self, other):
        return isinstance(other, when_the_test_says) and other.fire_file == self.fire_file

    __hash__ = schedule.__hash__


CELERY_BEAT_SCHEDULE = {
    name: {**entry, "schedule": when_the_test_says()} for name, entry in CELERY_BEAT_SCHEDULE.items()
}
CELERY_BEAT_SCHEDULE["test-heartbeat"] = {
    "task": "tests.operations.beat_heartbeat",
    "schedule": timedelta(seconds=1),
    "kwargs": {"beat": env_str("PRM_TEST_BEAT_NAME", "")},
}
CELERY_IMPORTS = ["tests.operations.queues_and_beat_probe"]
