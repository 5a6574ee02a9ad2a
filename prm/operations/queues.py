"""The Celery queues of this installation and the messages waiting in each: what the operator's
page shows and what the metrics scrape reports, read in one place."""

from __future__ import annotations

from celery import current_app

# kombu's Redis transport keeps a queue's prioritised messages in lists of their own, named
# after the queue with this separator and the priority step (0 is the queue's own name).
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


def queue_names() -> list[str]:
    """The Celery queues this installation sends to, from its settings as they are now: the
    default queue and the declared ones (the settings declare every queue a route names: both
    come from ``PRM_TASK_QUEUE_PATTERNS``)."""
    conf = current_app.conf
    names = {conf.task_default_queue or "celery"}
    names.update(getattr(queue, "name", queue) for queue in conf.task_queues or ())
    return sorted(str(name) for name in names)


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each queue (not those a worker holds): the Redis lists' lengths, the
    priority lists included, in one pipelined round trip with the health checks' short timeouts.
    Empty for a broker other than Redis (its own exporter knows its queues); a Redis that does not
    answer raises ``redis.RedisError``."""
    from .health import redis_client

    url = current_app.conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return {}
    names = queue_names()
    with redis_client(url).pipeline(transaction=False) as pipe:
        for name in names:
            pipe.llen(name)
            for step in _PRIORITY_STEPS:
                pipe.llen(f"{name}{_PRIORITY_SEPARATOR}{step}")
        lengths = pipe.execute()
    per_queue = 1 + len(_PRIORITY_STEPS)
    return {name: sum(lengths[index * per_queue : (index + 1) * per_queue]) for index, name in enumerate(names)}
