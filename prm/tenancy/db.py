"""Which database role a connection acts as.

The running app must be subject to row-level security: neither superuser, nor table owner, nor
BYPASSRLS. Production connects as that role directly (``DATABASE_URL``) and migrates as the
owner (``DATABASE_OWNER_URL``). Where one URL is given for both (development, tests, embedded
servers), every new connection drops to the app role with ``SET ROLE``, except while
``owner_connection()`` runs schema work.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from psycopg2 import sql

_owner_mode = False


def app_role() -> str:
    return settings.PRM_DB_APP_ROLE


def platform_role() -> str:
    """The role of ``platform_scope()``: BYPASSRLS, and only the app role may switch to it."""
    return settings.PRM_DB_PLATFORM_ROLE


def partner_role() -> str:
    """The role of a partner user's transactions: the partner policies apply to it alone."""
    return settings.PRM_DB_PARTNER_ROLE


def owner_mode() -> bool:
    return _owner_mode


def on_connection_created(sender, connection, **kwargs):
    if _owner_mode or connection.vendor != "postgresql":
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
