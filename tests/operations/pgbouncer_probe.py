"""What the product does through a pgbouncer in transaction pooling mode: run by
tests/operations/test_pgbouncer.py in production's topology (the app and platform logins, see
tests/tenancy/production.py), with DATABASE_URL and DATABASE_PLATFORM_URL through a pgbouncer
the test started and ``PRM_DB_POOLED=1``, against the test database's committed rows.

    python -m tests.operations.pgbouncer_probe <name> '<arguments as JSON>'

Prints one line of JSON: what the named function found.
"""

from __future__ import annotations

import json
import sys
import threading

import django


def _raw(statement: str):
    """One row of ``statement`` on this thread's runtime connection, past the backend's wrapper:
    what the server session has in force, with nothing sent in front."""
    from django.db import connection

    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(statement)
        return list(cursor.fetchone())


def _seen(statement: str):
    """One row of ``statement`` the way the app sends it (the scope's settings in front)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement)
        return list(cursor.fetchone())


def shared_session(*, acme: int, globex: int, globex_partner: int) -> dict:
    """Two clients (threads: Django's connections are per thread) through a pgbouncer with one
    server session, taking turns: acme's staff, then a globex partner user, then acme's client
    again outside any scope. What each saw, and on which server session."""
    from django.db import connection

    from partners.models import Partner
    from prm.tenancy.scope import tenant_scope

    turn = threading.Barrier(2, timeout=30)
    found: dict = {}

    def acme_client():
        with tenant_scope(acme):
            found["acme_sees"] = sorted(set(Partner.objects.values_list("tenant_id", flat=True)))
            found["acme_session"] = _seen("SELECT pg_backend_pid()")[0]
        turn.wait()  # the globex client's turn
        turn.wait()
        # Outside any scope, on the session the partner user's transaction just used.
        found["after_left_in_session"] = _raw(
            "SELECT current_user, current_setting('prm.tenant_id', true), current_setting('prm.partner_id', true)"
        )
        found["after_sees_outside_a_scope"] = _seen("SELECT count(*) FROM partners_partner")[0]
        found["after_acts_as"] = _seen("SELECT current_user")[0]
        found["after_session"] = _seen("SELECT pg_backend_pid()")[0]
        connection.close()

    def globex_client():
        turn.wait()
        with tenant_scope(globex, partner=globex_partner):
            found["partner_sees"] = sorted(set(Partner.objects.values_list("pk", flat=True)))
            found["partner_acts_as"] = _seen("SELECT current_user")[0]
            found["partner_session"] = _seen("SELECT pg_backend_pid()")[0]
        turn.wait()
        connection.close()

    threads = [threading.Thread(target=acme_client), threading.Thread(target=globex_client)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return found


def export(*, user: int, host: str) -> dict:
    """The partner directory's CSV export, streamed in chunks of two rows (several fetches from
    its server-side cursor) while another client's transactions go through the same pgbouncer
    between the chunks; and a chunked read outside any transaction (``.iterator()``)."""
    from django.db import connection
    from django.test import Client

    from prm.accounts.models import User
    from prm.tenancy.models import Tenant
    from prm.web import exports

    exports.CHUNK = 2
    client = Client(HTTP_HOST=host)
    client.force_login(User.objects.get(pk=user))
    response = client.get("/office/partners/export.csv")
    others: list[int] = []

    def another_client():
        others.append(_seen("SELECT pg_backend_pid()")[0])
        connection.close()

    lines = []
    for line in response.streaming_content:
        lines.append(line.decode())
        thread = threading.Thread(target=another_client)
        thread.start()
        thread.join(timeout=30)
    tenants = []
    for tenant in Tenant.objects.order_by("pk").iterator(chunk_size=1):
        tenants.append(tenant.slug)
        thread = threading.Thread(target=another_client)
        thread.start()
        thread.join(timeout=30)
    return {"status": response.status_code, "lines": lines, "tenants": tenants, "other_clients": len(others)}


def outbox(*, acme: int) -> dict:
    """A message written in a tenant's transaction, relayed after its commit (eagerly: the task
    runs here and claims the message), and marked published (``_mark_published``: the tenant's
    settings in front of the update, in one round trip outside any transaction)."""
    from prm.events.models import OutboxMessage
    from prm.events.services import outbox_enqueue
    from prm.tenancy.scope import tenant_scope

    with tenant_scope(acme):
        pk = outbox_enqueue(task_name="prm.notifications.notification_email", notification_id=0)
    with tenant_scope(acme):
        message = OutboxMessage.objects.get(pk=pk)
    return {
        "published": message.published_at is not None,
        "delivered": message.delivered_at is not None,
        "publish_count": message.publish_count,
    }


def main() -> None:
    django.setup()
    name, arguments = sys.argv[1], json.loads(sys.argv[2])
    functions = {"shared_session": shared_session, "export": export, "outbox": outbox}
    print(json.dumps(functions[name](**arguments)))


if __name__ == "__main__":
    main()
