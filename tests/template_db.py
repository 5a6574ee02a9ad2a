"""A migrated template database, kept on the server between runs, that each test process's
database is cloned from.

Creating a test database used to mean running every migration in it: ~28 s on an idle 2-core
machine, ~50 s when both xdist workers did it at once. The template is built once for a given
set of migrations (its name carries a digest of every migration file Django would apply, and
of Django's version) by the first process that needs it, while the others wait on an advisory
lock; each test database is then ``CREATE DATABASE ... TEMPLATE`` (Django's ``TEST["TEMPLATE"]``)
and its ``migrate`` finds nothing to do. A changed migration gives a new digest: a new
template, and the old one of this suite's database name is dropped.

Nothing connects to a template (``ALLOW_CONNECTIONS false``): a clone needs it idle.
``PRM_TEST_TEMPLATE_DB=0`` migrates each test database as before.
"""

from __future__ import annotations

import hashlib
import os
import sys
import zlib
from pathlib import Path

import django
from django.core.management import call_command
from django.db import connections


def _digest() -> str:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    files = sorted(Path(sys.modules[migration.__module__].__file__) for migration in loader.disk_migrations.values())
    # (Row-level security is not in the migrations: post_migrate applies it, on every clone too.)
    digest = hashlib.sha256(django.get_version().encode())
    for path in files:
        digest.update(f"{path.parent.parent.name}/{path.name}".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def use_template(alias: str = "default") -> None:
    """Point ``alias``'s test database at the template of the current migrations, building it
    first when there is none. Call with database access allowed, before the test databases are
    created, as a login that may create databases (the schema owner)."""
    if os.environ.get("PRM_TEST_TEMPLATE_DB", "1") == "0":
        return
    connection = connections[alias]
    test = connection.settings_dict.setdefault("TEST", {})
    # The name before xdist's suffix: the workers of one run share the template.
    base = (test.get("NAME") or "test_" + connection.settings_dict["NAME"]).removesuffix(
        "_" + os.environ.get("PYTEST_XDIST_WORKER", "-")
    )
    prefix = f"{base}_tpl_"
    template = prefix + _digest()
    with connection._nodb_cursor() as cursor:
        lock = zlib.crc32(base.encode())
        cursor.execute("SELECT pg_advisory_lock(%s)", [lock])
        try:
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix.replace("_", r"\_") + "%"])
            present = {name for (name,) in cursor.fetchall()}
            if template not in present:
                _build(connection, cursor, template)
            for stale in present - {template}:
                cursor.execute(f"DROP DATABASE IF EXISTS {_quote(stale)}")
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock])
    test["TEMPLATE"] = template


def _build(connection, cursor, template: str) -> None:
    building = template + "_new"  # renamed when complete: an interrupted build is never used
    cursor.execute(f"DROP DATABASE IF EXISTS {_quote(building)}")
    cursor.execute(f"CREATE DATABASE {_quote(building)}")
    saved = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = building
    try:
        call_command("migrate", verbosity=0, interactive=False, database=connection.alias)
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved
    cursor.execute(f"ALTER DATABASE {_quote(building)} RENAME TO {_quote(template)}")
    cursor.execute(f"ALTER DATABASE {_quote(template)} WITH ALLOW_CONNECTIONS false")
