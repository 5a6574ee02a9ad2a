"""Backup and restore, done the way the README's "Backing up and restoring" says: ``pg_dump -Fc``
of a database with committed ledgers and events, restored with ``pg_restore`` into a new
database, and the product served from the restore (gunicorn with production's logins, a Redis
that starts empty): the same figures on the pages, every row of every table identical, the
append-only tables still closed to UPDATE and DELETE, row-level security still binding the
runtime login (``check_rls``)."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import uuid
from contextlib import closing, suppress
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg2
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import reverse

from incentives.services.mdf import mdf_allocate, mdf_budget_create
from prm.tenancy.db import app_role, platform_role
from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today
from tests.conftest import body, build_world, host_of, make_client
from tests.faults.conftest import RedisServer, free_port, wait_for
from tests.incentives.isolation import claim_approved
from tests.tenancy.production import (
    ROOT,
    app_password,
    apply_production_roles,
    connect_as_owner,
    owner,
    platform_password,
    production_environment,
)

pytestmark = pytest.mark.django_db(transaction=True)

# pg_dump does not keep what a migration changed on an extension's own objects: the README's
# restore runs this again (deals migration 0002 says why the conflict check needs it).
LEAKPROOF = "ALTER FUNCTION similarity_op(text, text) LEAKPROOF"
MONEY = re.compile(r"[$€£¥]\s?[\d,]+\.\d{2}")


# --- The client programs, of the server's major version ------------------------------------------


def server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def client_program(name: str, major: int) -> str | None:
    """``pg_dump`` / ``pg_restore`` able to talk to a server of ``major``: Debian's of that
    version, then the embedded server's own (the ``pgserver`` package), then PATH's (Debian's
    wrapper picks the cluster's version). Older than the server will not do: pg_dump refuses it."""
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin/{name}")]
    with suppress(ImportError):
        import pgserver

        candidates.append(Path(pgserver.__file__).parent / "pginstall" / "bin" / name)
    if found := shutil.which(name):
        candidates.append(Path(found))
    for candidate in candidates:
        if not os.access(candidate, os.X_OK):
            continue
        version = subprocess.run([candidate, "--version"], capture_output=True, text=True).stdout
        match = re.search(r"\) (\d+)", version)
        if match and int(match[1]) >= major:
            return str(candidate)
    return None


def libpq_arguments(database: str, login: str, password: str) -> tuple[list[str], dict[str, str]]:
    """Arguments and environment for a client program on a database of the test's server."""
    db = connection.settings_dict
    arguments = ["--dbname", database, "--username", login]
    if db["HOST"]:
        arguments += ["--host", db["HOST"]]
    if db["PORT"]:
        arguments += ["--port", str(db["PORT"])]
    environment = {**os.environ}
    if password:
        environment["PGPASSWORD"] = password
    return arguments, environment


def on_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def connect_to(database: str, login: str, password: str = ""):
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=database, user=login, password=password or None, host=db["HOST"], port=db["PORT"] or None
    )


# --- What must come back ----------------------------------------------------------------------------


def table_digests(conn) -> dict[str, tuple[int, str]]:
    """Every table of the schema: its row count and an md5 of its rows in primary-key order, read
    as the superuser (row-level security does not hide rows from it)."""
    digests = {}
    with conn.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, a.attname
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
              LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary AND i.indnkeyatts = 1
              LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
             WHERE c.relkind = 'r'
             ORDER BY c.relname
            """
        )
        for table, key in cursor.fetchall():
            order = f'"{key}"' if key else "t::text"
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY {order}), '')) FROM \"{table}\" t"
            )
            digests[table] = cursor.fetchone()
    return digests


def figures(page: str) -> list[str]:
    return MONEY.findall(page)


def append_only_tables() -> list[str]:
    return sorted(model._meta.db_table for model in apps.get_models() if getattr(model, "append_only", False))


# --- Serving from the restore ----------------------------------------------------------------------


def gunicorn(environment: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """The product as production serves it (deploy/gunicorn.conf.py), one worker."""
    environment = {
        **environment,
        "PRM_WEB_BIND": f"127.0.0.1:{port}",
        "PRM_WEB_WORKERS": "1",
        "PRM_WEB_THREADS": "1",
        "PRM_WEB_ACCESS_LOG": "",
    }
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "prm.wsgi"],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def get(port: int, path: str, *, host: str, session: str = "") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Host": host}
        if session:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session}"
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def answers(port: int) -> bool:
    with suppress(OSError):
        return get(port, "/", host="localhost")[0] < 500
    return False


def test_a_dump_restored_into_a_new_database_serves_every_ledger_and_event_intact(tmp_path):
    major = server_major()
    pg_dump, pg_restore = client_program("pg_dump", major), client_program("pg_restore", major)
    if not (pg_dump and pg_restore):
        pytest.skip(f"no pg_dump / pg_restore of version {major} or later on this machine")
    apply_production_roles()

    # Given: two vendors with SPIFF earnings approved and MDF allocated: ledger postings and the
    # events of every step, committed
    world = build_world()
    acme = SimpleNamespace(side=world.acme)
    claim_approved(acme)
    for side, amount in ((world.acme, "3000.00"), (world.globex, "1250.00")):
        with tenant_scope(side.tenant):
            budget = mdf_budget_create(
                actor=side.marketing,
                name="H2 funds",
                starts_on=tenant_today() - timedelta(days=30),
                ends_on=tenant_today() + timedelta(days=60),
                amount=Decimal("10000.00"),
                currency="USD",
            )
            mdf_allocate(actor=side.marketing, budget=budget, partner=side.partner, amount=Decimal(amount))
    rep, partner_admin = make_client(world.acme.sales_rep), make_client(world.acme.partner_admin)
    earnings = body(rep.get(reverse("portal:earnings")))
    funds = body(partner_admin.get(reverse("portal:mdf")))
    assert "$300.00" in figures(earnings) and "$3,000.00" in figures(funds)
    source = connection.settings_dict["NAME"]
    with closing(connect_as_owner()) as conn:
        before = table_digests(conn)
        cursor = conn.cursor()
        cursor.execute("SELECT proleakproof FROM pg_proc WHERE proname = 'similarity_op'")
        leakproof = cursor.fetchone()[0]
    for table in ("events_event", "incentives_ledgertransaction", "incentives_ledgerentry"):
        assert before[table][0] > 0, table

    # When: the README's backup, as the platform login (BYPASSRLS: pg_dump refuses a table whose
    # rows row-level security would hide), and its restore, as a superuser (extensions, owners)
    dump = tmp_path / "prm.dump"
    arguments, environment = libpq_arguments(source, platform_role(), platform_password())
    subprocess.run([pg_dump, "--format=custom", "--file", str(dump), *arguments], env=environment, check=True)
    restored = f"{source}_restored_{uuid.uuid4().hex[:6]}"
    with closing(connect_as_owner()) as conn:
        conn.autocommit = True
        conn.cursor().execute(f'CREATE DATABASE "{restored}" OWNER "{owner()["USER"]}"')
    server = redis = None
    try:
        arguments, environment = libpq_arguments(restored, owner()["USER"], owner()["PASSWORD"])
        result = subprocess.run(
            [pg_restore, "--single-transaction", "--exit-on-error", *arguments, str(dump)],
            env=environment,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        with closing(connect_to(restored, owner()["USER"], owner()["PASSWORD"])) as conn, conn.cursor() as cursor:
            cursor.execute(LEAKPROOF)
            conn.commit()

        # the product on the restore, as production runs it, with a Redis that lost everything
        redis = RedisServer(tmp_path)
        redis.start()
        serving = {
            key: on_database(value, restored) if key.startswith("DATABASE_") else value
            for key, value in production_environment().items()
        }
        serving["REDIS_URL"] = redis.url
        port = free_port()
        server = gunicorn(serving, port, tmp_path / "gunicorn.log")
        rls = subprocess.Popen(
            [sys.executable, "manage.py", "check_rls"], cwd=ROOT, env=serving, stdout=subprocess.PIPE, text=True
        )

        # Then: every row of every table came back, the append-only ones included
        with closing(connect_to(restored, owner()["USER"], owner()["PASSWORD"])) as conn:
            after = table_digests(conn)
            cursor = conn.cursor()
            cursor.execute("SELECT proleakproof FROM pg_proc WHERE proname = 'similarity_op'")
            assert cursor.fetchone()[0] == leakproof
        assert after == before
        assert set(append_only_tables()) <= set(after)

        # the append-only tables refuse UPDATE and DELETE to the app's login and the platform's
        for login, password in ((app_role(), app_password()), (platform_role(), platform_password())):
            with closing(connect_to(restored, login, password)) as conn:
                for table in ("events_event", "incentives_ledgerentry", "incentives_ledgertransaction"):
                    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
                        with pytest.raises(psycopg2.errors.InsufficientPrivilege), conn.cursor() as cursor:
                            cursor.execute(statement)
                        conn.rollback()
                if login == app_role():
                    # and row-level security still hides every tenant's rows outside a tenant's scope
                    with conn.cursor() as cursor:
                        cursor.execute("SELECT count(*) FROM events_event")
                        assert cursor.fetchone()[0] == 0

        out, _ = rls.communicate(timeout=120)
        assert rls.returncode == 0, out
        assert "Every tenant-owned table has row-level security." in out
        assert f"The runtime login, {app_role()}, cannot leave it." in out

        # the people signed in before the backup see the same figures, served from the restore
        wait_for(lambda: answers(port) or server.poll() is not None, timeout=60, what="gunicorn to answer")
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
        host = host_of(world.acme.tenant)
        status, served = get(
            port, reverse("portal:earnings"), host=host, session=rep.cookies[settings.SESSION_COOKIE_NAME].value
        )
        assert status == 200, served[-2000:]
        assert figures(served) == figures(earnings)
        status, served = get(
            port, reverse("portal:mdf"), host=host, session=partner_admin.cookies[settings.SESSION_COOKIE_NAME].value
        )
        assert status == 200 and figures(served) == figures(funds)
    finally:
        if server is not None:
            server.terminate()
            with suppress(subprocess.TimeoutExpired):
                server.wait(timeout=20)
            if server.poll() is None:
                os.killpg(server.pid, 9)
        if redis is not None and redis.process is not None:
            redis.process.terminate()
            redis.process.wait(timeout=10)
        with closing(connect_as_owner()) as conn:
            conn.autocommit = True
            conn.cursor().execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
