"""Which connection, and which database role, the code acts through.

The running app must be subject to row-level security: neither superuser, nor table owner, nor
BYPASSRLS, nor able to become one. Production has three connections, each logged in as its own
role (``deploy/roles.sql``):

* the runtime connection (``default``, ``DATABASE_URL``) as the app role, which may switch to the
  partner role and to nothing else, so a SQL injection cannot ``SET ROLE`` (or ``RESET ROLE``)
  its way out of the policies;
* the platform connection (``platform``, ``DATABASE_PLATFORM_URL``) as the platform role
  (BYPASSRLS), used only inside ``platform_scope()``;
* the owner's (``DATABASE_OWNER_URL``), for migrations and flush (``owner_connection()``).

Without ``DATABASE_PLATFORM_URL`` there is one connection (the test suite's mode, refused by
``check --deploy`` and ``check_rls``): it logs in as the owner, drops to the app role with
``SET ROLE`` on connecting, and ``platform_scope()`` switches it to the platform role, which only
a login that may become any role can do. Behind a pooler in transaction mode (``PRM_DB_POOLED``)
a session setting would land on whichever server session the pooler picked, and stay there for
its next clients: the role then goes with every transaction instead (``backend/base.py``).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg2 import sql

# The alias of the platform connection in DATABASES (prm/settings/base.py).
PLATFORM_ALIAS = "platform"

_owner_mode = False


def app_role() -> str:
    return settings.PRM_DB_APP_ROLE


def platform_role() -> str:
    """The role of ``platform_scope()``: BYPASSRLS; its own login, which no role may switch to."""
    return settings.PRM_DB_PLATFORM_ROLE


def partner_role() -> str:
    """The role of a partner user's transactions: the partner policies apply to it alone."""
    return settings.PRM_DB_PARTNER_ROLE


def owner_mode() -> bool:
    return _owner_mode


def pooled() -> bool:
    """Whether the app's connections go through a pooler in transaction mode (``PRM_DB_POOLED``),
    so that no session state may be counted on. The owner's go straight to the server (its
    statements, ``DROP DATABASE`` or ``VACUUM``, may not run in a transaction block)."""
    return settings.PRM_DB_POOLED and not _owner_mode


def has_platform_connection() -> bool:
    """Whether ``platform_scope()`` has a connection of its own (``DATABASE_PLATFORM_URL``)."""
    return PLATFORM_ALIAS in settings.DATABASES


def platform_alias() -> str:
    """The connection ``platform_scope()`` works through: its own where there is one; else, and
    while the owner works (migrations, the bench's generator), the runtime connection."""
    if _owner_mode or not has_platform_connection():
        return DEFAULT_DB_ALIAS
    return PLATFORM_ALIAS


def on_connection_created(sender, connection, **kwargs):
    # The platform connection's login is the platform role already.
    if _owner_mode or connection.vendor != "postgresql" or connection.alias == PLATFORM_ALIAS:
        return
    if pooled():  # no session state behind a pooler (module docstring)
        return
    role = app_role()
    if connection.settings_dict.get("USER") == role:
        return
    # Through the raw connection: this is connection set-up, not a query of the request.
    with connection.connection.cursor() as cursor:
        cursor.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))


@contextmanager
def owner_connection(using: str = "default"):
    """Run the body (migrations, flush) as the role that owns the schema."""
    global _owner_mode
    connection = connections[using]
    owner = getattr(settings, "PRM_DB_OWNER", None) or {}
    saved = {key: connection.settings_dict.get(key) for key in owner}
    connection.close()
    previous, _owner_mode = _owner_mode, True
    connection.settings_dict.update(owner)
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(saved)
        _owner_mode = previous
