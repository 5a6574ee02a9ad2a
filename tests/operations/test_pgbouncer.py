"""The product through pgbouncer in transaction pooling mode (README, "Connection pooling
(pgbouncer)"): each test starts its own pgbouncer (Debian's, scripts/ensure-pgbouncer.sh) in
front of the test database's server, with as few server sessions as the point needs, and
drives it with production's logins (tests/tenancy/production.py) and ``PRM_DB_POOLED=1``.

In transaction mode consecutive transactions of one client may run on different server
sessions, and one server session serves many clients in turn: whatever a transaction leaves in
its session (a ``SET``, a session-level advisory lock, a ``WITH HOLD`` cursor) reaches whoever
gets the session next, and a client cannot find it there again.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from psycopg2 import errors

from prm.tenancy.db import app_role
from prm.tenancy.scope import Scope, rls_statement
from scripts.pgbouncer import Pgbouncer, binary
from tests.tenancy.production import (
    app_password,
    apply_production_roles,
    owner,
    platform_password,
    production_environment,
)

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(binary() is None, reason="pgbouncer is missing: scripts/ensure-pgbouncer.sh")


@contextlib.contextmanager
def pgbouncer(*, pool_size: int):
    """A pgbouncer with ``pool_size`` server sessions per database and login, in front of the
    server of the test database (the owner's address: straight to PostgreSQL)."""
    server = owner()
    host = server["HOST"] or "127.0.0.1"
    url = f"postgres://@{host}:{server['PORT'] or 5432}/" if not host.startswith("/") else f"postgres:///?host={host}"
    logins = {
        server["USER"]: server["PASSWORD"] or "",
        app_role(): app_password(),
        settings.PRM_DB_PLATFORM_ROLE: platform_password(),
    }
    with Pgbouncer(url, logins=logins, pool_size=pool_size) as bouncer:
        yield bouncer


def as_app(bouncer: Pgbouncer):
    """A raw client of ``bouncer`` logged in as the app, the way the app opens its own."""
    return psycopg2.connect(bouncer.login_url(app_role(), connection.settings_dict["NAME"]))


def probe(bouncer: Pgbouncer, name: str, **arguments) -> dict:
    """Run one function of tests/operations/pgbouncer_probe.py in production's topology, through
    ``bouncer``; its JSON answer."""
    database = connection.settings_dict["NAME"]
    environment = production_environment()
    environment.update(
        DATABASE_URL=bouncer.login_url(app_role(), database),
        DATABASE_PLATFORM_URL=bouncer.login_url(settings.PRM_DB_PLATFORM_ROLE, database),
        PRM_DB_POOLED="1",
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.operations.pgbouncer_probe", name, json.dumps(arguments)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr + bouncer.log()[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production_roles(transactional_db):
    apply_production_roles()


def test_row_level_security_settings_do_not_travel_between_clients_sharing_a_server_session(production_roles, world):
    # Given one server session for every client of the app's login
    with pgbouncer(pool_size=1) as bouncer:
        # When acme's staff, then a globex partner user, then acme's client again outside any
        # scope use it in turn (each its own client, as two web processes would be)
        found = probe(
            bouncer,
            "shared_session",
            acme=world.acme.tenant.pk,
            globex=world.globex.tenant.pk,
            globex_partner=world.globex.partner.pk,
        )
    # Then it was one server session all along
    assert found["acme_session"] == found["partner_session"] == found["after_session"]
    # and each transaction saw its own scope's rows, as its own role
    assert found["acme_sees"] == [world.acme.tenant.pk]
    assert found["partner_sees"] == [world.globex.partner.pk]
    assert found["partner_acts_as"] == settings.PRM_DB_PARTNER_ROLE
    # and the partner user's tenant, partner and role ended with its transaction: the next
    # client finds the session as the login left it, and outside a scope sees nothing
    assert found["after_left_in_session"][0] == app_role()
    assert found["after_left_in_session"][1:] in ([None, None], ["", ""])
    assert found["after_acts_as"] == app_role()
    assert found["after_sees_outside_a_scope"] == 0


def test_advisory_and_row_locks_hold_through_pgbouncer(production_roles, world):
    acme = rls_statement("default", Scope(tenant_id=world.acme.tenant.pk))
    partner = world.acme.partner.pk
    with (
        pgbouncer(pool_size=2) as bouncer,
        contextlib.closing(as_app(bouncer)) as first,
        contextlib.closing(as_app(bouncer)) as second,
    ):
        # Given a transaction holding a transaction-level advisory lock and a row lock (what
        # the services take: pg_advisory_xact_lock, select_for_update)
        with first.cursor() as cursor:
            cursor.execute(acme)
            cursor.execute("SELECT pg_advisory_xact_lock(20, 1)")
            cursor.execute("SELECT id FROM partners_partner WHERE id = %s FOR UPDATE", [partner])
        # When another client tries them on the other server session
        with second.cursor() as cursor:
            cursor.execute(acme)
            cursor.execute("SELECT pg_try_advisory_xact_lock(20, 1)")
            advisory_free = cursor.fetchone()[0]
            with pytest.raises(errors.LockNotAvailable):
                cursor.execute("SELECT id FROM partners_partner WHERE id = %s FOR UPDATE NOWAIT", [partner])
        second.rollback()
        # Then both are held until the first commits, and free after
        assert advisory_free is False
        first.commit()
        with second.cursor() as cursor:
            cursor.execute(acme)
            cursor.execute("SELECT pg_try_advisory_xact_lock(20, 1)")
            assert cursor.fetchone()[0] is True
            cursor.execute("SELECT id FROM partners_partner WHERE id = %s FOR UPDATE NOWAIT", [partner])
            assert cursor.fetchone()[0] == partner
        second.commit()


def test_a_csv_export_streams_through_pgbouncer(production_roles, world):
    # Given a pgbouncer whose two server sessions are shared by the export and another client
    with pgbouncer(pool_size=2) as bouncer:
        # When acme's admin exports the partner directory in chunks of two rows, the other
        # client's transactions running between the chunks
        found = probe(bouncer, "export", user=world.acme.admin.user.pk, host=world.acme.host)
    # Then every one of acme's partners arrives, and none of globex's
    assert found["status"] == 200
    text = "".join(found["lines"])
    for partner in world.acme.partners:
        assert partner.display_name in text
    for partner in world.globex.partners:
        assert partner.display_name not in text
    assert found["other_clients"] >= 3
    # and a chunked read outside any transaction (Django's WITH HOLD cursor otherwise) works too
    assert found["tenants"] == ["acme", "globex"]


def test_an_outbox_message_relays_through_pgbouncer(production_roles, world):
    with pgbouncer(pool_size=1) as bouncer:
        found = probe(bouncer, "outbox", acme=world.acme.tenant.pk)
    assert found == {"published": True, "delivered": True, "publish_count": 1}


def test_the_suites_own_connection_sets_its_role_per_transaction(db):
    # Given the suite's connection (the owner's login dropping to the app role; in `make test`'s
    # pooled pass, through pgbouncer): the role goes with the transaction's first statement, so
    # whichever server session the transaction gets acts as the app
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == app_role()


# --- What transaction pooling forbids, kept out of the code ----------------------------------------

SESSION_STATE = {
    "a session-level advisory lock (use pg_advisory_xact_lock)": re.compile(r"pg_(try_)?advisory_lock(_shared)?\("),
    "a session-level SET (use set_config(..., true) or SET LOCAL)": re.compile(
        r"""(["']|; *)(SET|RESET) (SESSION )?(ROLE|AUTHORIZATION|[a-z_][a-z_.]* *(TO|=))"""
    ),
    "LISTEN/NOTIFY (the listening session is not the client's)": re.compile(
        r"""(["']|; *)(LISTEN|UNLISTEN|NOTIFY) [a-z_]"""
    ),
    "a prepared statement (PREPARE)": re.compile(r"""(["']|; *)PREPARE [a-z_]"""),
    "a temporary table outliving its transaction": re.compile(r"CREATE TEMP(ORARY)? TABLE(?![^\n]*ON COMMIT DROP)"),
    "a WITH HOLD cursor": re.compile(r"withhold=True"),
}
# The product's code: the apps and the foundation, not the tests, the bench's generator (the
# owner's session, straight to the server) or migrations (the owner's, ditto).
APP_DIRS = ("prm", "partners", "programs", "deals", "leads", "incentives", "marketing", "learning")
APP_DIRS += ("recruitment", "scorecards", "api")
ALLOWED = {
    # The suite's single-connection mode drops to the app role on connecting, which it skips
    # behind a pooler (PRM_DB_POOLED): the role then goes with every transaction.
    "prm/tenancy/db.py": "a session-level SET (use set_config(..., true) or SET LOCAL)",
}


def test_the_product_keeps_no_session_state_a_pooler_would_mix_up():
    found = []
    for directory in APP_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            for what, pattern in SESSION_STATE.items():
                for match in pattern.finditer(text):
                    name = path.relative_to(ROOT).as_posix()
                    if ALLOWED.get(name) != what:
                        line = text.count("\n", 0, match.start()) + 1
                        found.append(f"{name}:{line}: {what}")
    assert found == [], "\n".join(found)
