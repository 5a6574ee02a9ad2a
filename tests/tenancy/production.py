"""Production's logins on the test database, for the tests that must not run the way the suite
does (one connection, logged in as the owner, switching roles: see prm/tenancy/db.py).

* ``database_url(login)``: the test database as a URL, logged in as anyone;
* ``apply_production_roles()``: deploy/roles.sql as migrate runs it, committed, right before a
  test relies on it (the roles are the server's, shared by every database on it);
* ``production_environment()``: what docker-compose gives the app: DATABASE_URL as the app login,
  DATABASE_PLATFORM_URL as the platform login, DATABASE_OWNER_URL as the owner;
* ``run_django(...)``: a Python process with that environment and Django set up.

Passwords come from PRM_APP_PASSWORD / PRM_PLATFORM_PASSWORD when the server asks for them (the
local and embedded servers of ``make test`` trust local connections).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import psycopg2
from django.conf import settings
from django.db import connection

from prm.tenancy.db import app_role, partner_role, platform_role
from prm.tenancy.roles import apply_roles

ROOT = Path(__file__).resolve().parents[2]
SPLIT_SETTINGS = "tests.tenancy.split_settings"


def owner() -> dict:
    return settings.PRM_DB_OWNER


def app_password() -> str:
    return os.environ.get("PRM_APP_PASSWORD", "")


def platform_password() -> str:
    return os.environ.get("PRM_PLATFORM_PASSWORD", "")


def database_url(login: str | None = None, password: str | None = None, *, server: dict | None = None) -> str:
    """The test database (test_prm_gw0, ...) as a URL for another process, as ``login`` (by
    default the login of the test's own connection), where the test's connection goes (through
    pgbouncer in `make test`'s pooled pass) or to ``server`` (HOST and PORT: the owner's goes
    straight to PostgreSQL)."""
    db = connection.settings_dict
    login = db["USER"] if login is None else login
    password = db["PASSWORD"] if password is None else password
    user = quote(login or "", safe="")
    secret = f":{quote(password, safe='')}" if password else ""
    where = server or db
    host, port, query = where["HOST"] or "", where["PORT"] or "", ""
    if host.startswith("/"):  # a Unix-socket directory (the embedded server)
        host, query = "", f"?host={quote(where['HOST'], safe='')}"
    netloc = f"{user}{secret}@{host}{':' + port if port else ''}"
    return f"postgres://{netloc}/{quote(db['NAME'], safe='')}{query}"


def connect(login: str, password: str = "", *, server: dict | None = None):
    """A raw connection to the test database as ``login``, the way the app opens its own (or to
    ``server``, as in ``database_url``)."""
    db = connection.settings_dict
    where = server or db
    return psycopg2.connect(
        dbname=db["NAME"], user=login, password=password or None, host=where["HOST"], port=where["PORT"] or None
    )


def connect_as_owner():
    return connect(owner()["USER"], owner()["PASSWORD"], server=owner())


def apply_production_roles() -> None:
    """The roles as deploy/roles.sql defines them, committed. Migrate made them so at the start of
    the run, but the roles belong to the whole server: another checkout's older code on it may
    have granted the platform role to the app role since."""
    with closing(connect_as_owner()) as conn, conn, conn.cursor() as cursor:
        apply_roles(cursor, app_role=app_role(), partner_role=partner_role(), platform_role=platform_role())


def production_environment() -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment.update(
        DJANGO_SETTINGS_MODULE=SPLIT_SETTINGS,
        DATABASE_URL=database_url(app_role(), app_password()),
        DATABASE_PLATFORM_URL=database_url(platform_role(), platform_password()),
        DATABASE_OWNER_URL=database_url(owner()["USER"], owner()["PASSWORD"], server=owner()),
        PYTHONPATH=str(ROOT),
    )
    return environment


def run_django(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python <args>`` in production's topology against the test database (committed rows only:
    use it from tests with ``transactional_db``)."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def probe(name: str, **arguments) -> dict:
    """Run one function of tests/tenancy/split_probe.py in production's topology; its JSON answer."""
    result = run_django("-m", "tests.tenancy.split_probe", name, json.dumps(arguments))
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
