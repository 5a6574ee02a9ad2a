"""Two (or more) people acting at the same moment, for the tests of locked transitions."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext

from django.db import connection

from prm.tenancy.scope import tenant_scope


def race(calls: dict[str, Callable[[], object]], *, tenant=None) -> dict[str, object]:
    """Run the calls at once, each in its own thread (so its own database connection and
    transaction), released together by a barrier; inside ``tenant``'s scope when given.
    Returns each call's outcome by name: ``"done"``, or the error it raised."""
    start = threading.Barrier(len(calls))
    outcomes: dict[str, object] = {}

    def run(name, call):
        try:
            start.wait(timeout=10)
            with tenant_scope(tenant) if tenant is not None else nullcontext():
                call()
            outcomes[name] = "done"
        except Exception as error:  # the loser's error is the outcome under test
            outcomes[name] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name, call)) for name, call in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes
