"""What a process in production's topology sees: run by tests/tenancy/test_logins.py through
``production.probe(name, **arguments)`` with DATABASE_URL as the app login and
DATABASE_PLATFORM_URL as the platform login, against the test database's committed rows.

    python -m tests.tenancy.split_probe <name> '<arguments as JSON>'

Prints one line of JSON: what the named function found.
"""

from __future__ import annotations

import json
import sys

import django


def _who(alias: str) -> list[str]:
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT session_user, current_user")
        return list(cursor.fetchone())


def _partners_seen_raw(alias: str = "default") -> int:
    """Partners a raw query sees on a connection, the ORM out of the way."""
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM partners_partner")
        return cursor.fetchone()[0]


def _error_of(statement: str) -> str:
    """Run a statement on the runtime connection; the SQLSTATE it fails with ('' if it ran)."""
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    except DatabaseError as error:
        return getattr(error.__cause__, "pgcode", None) or str(error)
    return ""


def connections(*, acme: int) -> dict:
    """Which connection and login each scope works through, what each can see, and the outbox
    sweep, which reads across tenants."""
    from django.conf import settings
    from django.db import connection

    from partners.models import Partner
    from prm.events.tasks import outbox_sweep_task
    from prm.tenancy.scope import platform_scope, tenant_scope

    found = {"runtime_login": _who("default"), "runtime_sees_outside_a_scope": _partners_seen_raw()}
    found["set_role_platform"] = _error_of("SET ROLE prm_platform")
    found["set_role_owner"] = _error_of(f'SET ROLE "{settings.PRM_DB_OWNER["USER"]}"')
    found["reset_role_then"] = _error_of("RESET ROLE") or _who("default")[1]
    with platform_scope():
        found["platform_alias"] = Partner.objects.all().db
        found["platform_login"] = _who("platform")
        found["platform_sees"] = sorted(set(Partner.objects.values_list("tenant_id", flat=True)))
        found["platform_sees_raw"] = _partners_seen_raw("platform")
        # meanwhile the request connection still sees nothing: the platform scope is not its own
        found["runtime_sees_during_platform_scope"] = _partners_seen_raw()
        with tenant_scope(acme):
            found["tenant_inside_platform_alias"] = Partner.objects.all().db
            found["tenant_inside_platform_sees"] = sorted(set(Partner.objects.values_list("tenant_id", flat=True)))
        found["back_in_platform_sees"] = Partner.objects.count()
    with tenant_scope(acme):
        found["tenant_alias"] = Partner.objects.all().db
        found["tenant_sees"] = sorted(set(Partner.objects.values_list("tenant_id", flat=True)))
        found["tenant_login"] = _who("default")
    found["runtime_in_transaction_after"] = connection.in_atomic_block
    # the outbox sweep (beat, every 30 s) reads every tenant's undelivered messages
    found["sweep_relayed"] = outbox_sweep_task()
    return found


def requests(*, superuser: int, member_of_both: int, staff: int, staff_host: str) -> dict:
    """Real requests through the middleware: the platform page, the platform admin and a tenant's
    back office, each signed in (the session lives in the database, through the runtime login)."""
    from django.test import Client

    from prm.accounts.models import User

    def get(user_id: int, host: str, path: str) -> tuple[int, str]:
        client = Client(HTTP_HOST=host)
        client.force_login(User.objects.get(pk=user_id))
        response = client.get(path)
        return response.status_code, response.content.decode()

    return {
        "platform_admin": get(superuser, "localhost", "/admin/partners/partner/"),
        "platform_page": get(member_of_both, "localhost", "/"),
        "office_directory": get(staff, staff_host, "/office/partners/"),
    }


def main() -> None:
    django.setup()
    name, arguments = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps({"connections": connections, "requests": requests}[name](**arguments)))


if __name__ == "__main__":
    main()
