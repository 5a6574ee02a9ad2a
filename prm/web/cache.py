"""A Redis cache that degrades instead of failing when Redis is unreachable.

The cache holds rate-limit counters and memoised lookups, nothing that must survive: while Redis
is down, reads miss and writes are dropped (and logged), and the request goes on. After a
failure the cache does not try Redis for ``OUTAGE_PAUSE`` seconds, so a Redis that hangs costs
one socket timeout per process and pause, not one per call.
"""

import logging
import secrets
import time

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)


# After a failure, Redis is left alone this long: a Redis that does not answer (a partition,
# not a refused connection) would otherwise cost its socket timeout on every call, and a request
# makes several (its session, its lookup).
OUTAGE_PAUSE = 5.0


def _degrade(default_factory):
    def wrap(method):
        def safe(self, *args, **kwargs):
            if self._paused_until > time.monotonic():
                return default_factory(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except _OUTAGE as exc:
                self._paused_until = time.monotonic() + OUTAGE_PAUSE
                logger.warning("cache unavailable (%s), not tried for %.0f s: %s", method.__name__, OUTAGE_PAUSE, exc)
                return default_factory(*args, **kwargs)

        return safe

    return wrap


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a ``redis.Redis`` object for every operation, which sets up its
    table of ~200 response callbacks each time: a quarter of a millisecond, twice per request
    (the session, the request's lookup). A ``redis.Redis`` is safe to share between threads
    (its connection pool hands each command its own connection), so one per pool is kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 1)
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._paused_until = 0.0

    get = _degrade(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _degrade(lambda keys, version=None: {})(RedisCache.get_many)
    set = _degrade(lambda *a, **k: None)(RedisCache.set)
    add = _degrade(lambda *a, **k: False)(RedisCache.add)
    set_many = _degrade(lambda *a, **k: [])(RedisCache.set_many)
    delete = _degrade(lambda *a, **k: False)(RedisCache.delete)
    delete_many = _degrade(lambda *a, **k: None)(RedisCache.delete_many)
    incr = _degrade(lambda key, delta=1, version=None: delta)(RedisCache.incr)
    touch = _degrade(lambda *a, **k: False)(RedisCache.touch)
    has_key = _degrade(lambda *a, **k: False)(RedisCache.has_key)


# --- Version tokens: what the caches of the request path and of reference data are checked by --

# Which database the ids in keys belong to: tenant 1 of the bench database is not tenant 1 of
# `make run`'s when both use one Redis. Tests give each test its own (tests/conftest.py).
NAMESPACE = ""


def namespace() -> str:
    from django.db import connections

    return NAMESPACE or connections["default"].settings_dict["NAME"]


def new_version(key: str, *, timeout: int | None) -> None:
    """Give ``key`` a new random token: every copy stamped with the old one is stale."""
    cache.set(key, secrets.token_hex(8), timeout=timeout)


def current_version(key: str, *, timeout: int | None) -> str | None:
    """The token under ``key``; a new one when there is none (a fresh or flushed Redis); None
    when Redis is out of reach (then nothing stamped may be trusted)."""
    version = cache.get(key)
    if version is None:
        cache.add(key, secrets.token_hex(8), timeout=timeout)
        version = cache.get(key)
    return version


def now_and_after_commit(function, *, using: str | None = None) -> None:
    """Run ``function`` (a version change) now, so this transaction's own later reads miss, and
    again after the commit, so a request that cached the old rows in between is superseded."""
    from django.db import transaction

    function()
    transaction.on_commit(function, using=using)
