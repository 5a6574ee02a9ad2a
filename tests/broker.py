"""Celery's broker connections in tests: start from fresh pools.

Celery's connection pool (``app.pool``) is kombu's global pool for the broker's URL
(``kombu.pools.connections``), and its producer pool comes from kombu's registry too: closing
one and forgetting Celery's reference would hand the same closed pool to the next publisher
("Acquire on closed pool"), eager ones included (``apply_async`` acquires a producer first).
So a reset closes them and empties kombu's registry."""

from __future__ import annotations


def reset_broker_pools() -> None:
    from kombu import pools

    from prm.celery import app

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    pools.reset()
