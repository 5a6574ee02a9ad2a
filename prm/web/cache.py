"""A Redis cache that degrades instead of failing when Redis is unreachable.

The cache holds rate-limit counters and memoised lookups, nothing that must survive: while Redis
is down, reads miss and writes are dropped (and logged), and the request goes on.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrade(default_factory):
    def wrap(method):
        def safe(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except _OUTAGE as exc:
                logger.warning("cache unavailable (%s): %s", method.__name__, exc)
                return default_factory(*args, **kwargs)

        return safe

    return wrap


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 1)
        super().__init__(server, params)

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
