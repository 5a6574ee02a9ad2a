"""Exactly one beat per deployment: the beat scheduler that holds a lock in Redis.

Two beats would send every periodic task twice (the tasks are idempotent, but twice the night's
work is twice the load, and a digest e-mail sent twice is sent twice). Operators still run a
second beat, or start a new one before the old one is gone (a rolling deploy, a container
rescheduled): so every beat starts, but only the one holding the lock sends anything.

* The lock is a key in the broker's Redis (``CELERY_BROKER_URL``), set with ``NX`` and a TTL
  (``PRM_BEAT_LOCK_TTL`` seconds) and holding the holder's name (host, pid). The holder renews it
  at every tick and ticks at least three times per TTL, so it keeps it for as long as it lives.
* Any other beat is on standby: it sends nothing, says so once in its log with the holder's
  name, and tries again several times per TTL. When the holder stops (it deletes the lock on
  the way out) or dies (the lock expires after at most one TTL), a standby takes it over.
* Where each entry last ran is kept next to the lock (a hash, one field per entry), written
  by the holder whenever it sends one. A beat taking the lock starts from there, so the
  night's entries that the previous holder sent are not sent again, and those it missed while
  nobody held the lock are sent once at takeover. The ``-s`` schedule file stays each beat's own
  copy, for when Redis lost that hash.

A holder that loses the lock (it stalled longer than the TTL, Redis lost its keys) notices at its
next tick, before sending anything, and stands by. In the moment of a takeover an entry may go
twice; the tasks are idempotent for that reason (README, "Queues and beat").
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime

import redis
from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

LOCK_KEY = "prm:beat:lock"
LAST_RUN_KEY = "prm:beat:last-run"

# Renew only our own lock (a beat that stalled past the TTL must not extend a successor's).
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class LockedScheduler(PersistentScheduler):
    """Celery's file-backed scheduler that sends only while it holds the deployment's beat lock
    (``CELERY_BEAT_SCHEDULER``; see the module's docstring)."""

    def __init__(self, *args, **kwargs):
        self.lock_ttl = float(settings.PRM_BEAT_LOCK_TTL)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.holding = False
        self._standby_said = False
        super().__init__(*args, **kwargs)
        # Ticks at least three times per TTL: the holder renews in time with two to spare.
        self.max_interval = min(self.max_interval, self.lock_ttl / 3)
        self.redis = redis.Redis.from_url(
            self.app.conf.broker_url, socket_timeout=5, socket_connect_timeout=5, decode_responses=True
        )

    # --- the lock ---------------------------------------------------------------------------

    def _ttl_ms(self) -> int:
        return int(self.lock_ttl * 1000)

    def _hold(self) -> bool:
        """Renew the lock if ours, else take it if free. True: this beat may send."""
        try:
            if self.holding and self.redis.eval(_RENEW, 1, LOCK_KEY, self.holder, self._ttl_ms()):
                return True
            taken = self.redis.set(LOCK_KEY, self.holder, nx=True, px=self._ttl_ms())
            holder = None if taken else self.redis.get(LOCK_KEY)
        except redis.RedisError as exc:
            # Redis is the broker: while it is away nothing can be sent anyway. Keep our claim;
            # the next tick renews it, or finds it gone with the keys and takes it again.
            logger.warning("beat %s: Redis unreachable, sending nothing until it answers (%s)", self.holder, exc)
            return False
        if taken:
            logger.info(
                "beat %s: took the beat lock (%s, TTL %.0f s): sending the periodic tasks",
                self.holder,
                LOCK_KEY,
                self.lock_ttl,
            )
            self.holding, self._standby_said = True, False
            self._resume_from_last_holder()
            return True
        if self.holding:
            logger.warning("beat %s: lost the beat lock to %s; standing by", self.holder, holder)
            self.holding = False
        if not self._standby_said:
            logger.info(
                "beat %s: standby: %s holds the beat lock (%s); taking over if it stops renewing it",
                self.holder,
                holder,
                LOCK_KEY,
            )
            self._standby_said = True
        return False

    def _release(self) -> None:
        if not self.holding:
            return
        try:
            self.redis.eval(_RELEASE, 1, LOCK_KEY, self.holder)
            logger.info("beat %s: released the beat lock", self.holder)
        except redis.RedisError:  # it expires on its own within a TTL
            logger.warning("beat %s: could not release the beat lock; it expires by itself", self.holder)
        self.holding = False

    # --- where each entry last ran, shared by the beats --------------------------------------

    def _resume_from_last_holder(self) -> None:
        """Take the later of our file's and the shared hash's last run of every entry."""
        try:
            stored = self.redis.hgetall(LAST_RUN_KEY)
        except redis.RedisError:
            logger.warning("beat %s: could not read the last runs from Redis; going by the schedule file", self.holder)
            return
        changed = 0
        for name, entry in self.schedule.items():
            if name not in stored:
                continue
            last_run = datetime.fromisoformat(stored[name])
            if entry.last_run_at is None or last_run > self._aware(entry.last_run_at):
                entry.last_run_at = last_run
                changed += 1
        if changed:
            self._heap = None  # rebuilt from the entries at the next tick
            logger.info("beat %s: resumed %d entries from the previous holder's last runs", self.holder, changed)

    def _aware(self, moment: datetime) -> datetime:
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self.app.timezone)

    def reserve(self, entry):
        new_entry = super().reserve(entry)
        try:
            self.redis.hset(LAST_RUN_KEY, entry.name, self._aware(new_entry.last_run_at).isoformat())
        except redis.RedisError:  # sending fails next; the file keeps the run
            logger.warning("beat %s: could not record the run of %s in Redis", self.holder, entry.name)
        return new_entry

    # --- the scheduler ---------------------------------------------------------------------

    def tick(self, *args, **kwargs):
        if not self._hold():
            # Standby (or Redis away): look again a few times per TTL.
            return self.lock_ttl / 3
        return super().tick(*args, **kwargs)

    def close(self):
        try:
            super().close()
        finally:
            self._release()

    @property
    def info(self):
        return f"{super().info}\n    . lock -> {LOCK_KEY} (TTL {self.lock_ttl:.0f} s, as {self.holder})"
