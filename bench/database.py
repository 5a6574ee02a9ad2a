"""The bench's own database: created fresh next to the one DATABASE_URL names, then migrated."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg2
from psycopg2 import sql

from prm.env import database_from_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    return urlunparse(urlparse(url)._replace(path="/" + name))


def connect(url: str):
    settings = database_from_url(url)
    connection = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        **settings["OPTIONS"],
    )
    connection.autocommit = True
    return connection


def exists(admin_url: str, name: str) -> bool:
    with closing(connect(admin_url)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def recreate(admin_url: str, name: str) -> None:
    """Drop and create the bench database. Refuses names without "bench" in them."""
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the bench database's name must contain 'bench'")
    with closing(connect(admin_url)) as connection, connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def server_facts(url: str) -> dict:
    with closing(connect(url)) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        bypasses = bool(cursor.fetchone()[0])
    return {"postgres": version, "owner_bypasses_rls": bypasses}


def manage(*args: str) -> None:
    """Run manage.py with the bench's environment (settings, database)."""
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=os.environ.copy(), check=True)  # noqa: S603


def backend_pids(url: str, name: str) -> list[int]:
    """The server processes serving the bench database (ours, when counting other work)."""
    with closing(connect(url)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name])
        return [row[0] for row in cursor.fetchall()]


@contextmanager
def scratch_copy(suffix: str = "scratch"):
    """Run the block on a copy of the bench database (``CREATE DATABASE ... TEMPLATE``), dropped
    afterwards: for a micro-benchmark whose service must commit as in production (one transaction
    per call) and whose writes must not stay. Rolling thousands of calls back at the end instead
    keeps every row they updated as a chain of versions no one can prune until then, which slows
    each later call (a routing rule's clock: one new version per decision). Every Django
    connection is closed and re-pointed at the copy, and back at the end."""
    from django.db import connections

    names = {alias: connections[alias].settings_dict["NAME"] for alias in connections}
    source = names["default"]
    copy = f"{source}_{suffix}"
    if "bench" not in copy:
        raise SystemExit(f"refusing to copy {source!r}: the bench database's name must contain 'bench'")
    admin = with_database(os.environ["DATABASE_OWNER_URL"], "postgres")
    connections.close_all()
    with closing(connect(admin)) as connection, connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [source],
        )
        cursor.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(copy), sql.Identifier(source)))
    try:
        for alias in connections:
            if names[alias] == source:
                connections[alias].settings_dict["NAME"] = copy
        yield copy
    finally:
        connections.close_all()
        for alias, name in names.items():
            connections[alias].settings_dict["NAME"] = name
        with closing(connect(admin)) as connection, connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))
