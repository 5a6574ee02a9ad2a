"""Running ``deploy/roles.sql``, the one definition of the database roles, from Python.

``migrate`` (``rls.py``, as the owner), ``make run`` (``scripts/services.py``, before Django
starts) and ``make bench`` call this; docker-compose's first start runs the same file with psql
(``deploy/postgres-init.sh``). No Django here, so that the script can load it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROLES_SQL = Path(__file__).resolve().parent.parent.parent / "deploy" / "roles.sql"


def apply_roles(
    cursor,
    *,
    app_role: str,
    partner_role: str,
    platform_role: str,
    app_password: str = "",
    platform_password: str = "",
) -> None:
    """Create or correct the roles on the server ``cursor`` is connected to (as the owner or a
    superuser), and let both logins connect to its database.

    The caller runs this inside a transaction: the names and passwords travel in
    transaction-local settings (``set_config(..., true)``), so they do not outlive it. Empty
    passwords leave the roles' passwords as they are.
    """
    cursor.execute(
        "SELECT set_config('prm.app_role', %s, true), set_config('prm.partner_role', %s, true),"
        " set_config('prm.platform_role', %s, true), set_config('prm.app_password', %s, true),"
        " set_config('prm.platform_password', %s, true)",
        [app_role, partner_role, platform_role, app_password, platform_password],
    )
    cursor.execute(ROLES_SQL.read_text())


# The logins' passwords when the environment gives none: development only (make run, make
# bench). docker-compose requires its own; production sets them where it sets the URLs.
DEVELOPMENT_PASSWORDS = {"PRM_APP_PASSWORD": "prm-app-development", "PRM_PLATFORM_PASSWORD": "prm-platform-development"}


def login_url(url: str, user: str, password: str) -> str:
    """The same server and database as ``url``, logged in as ``user``."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"))


def production_logins(owner_url: str, environment: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Production's three logins on the server of ``owner_url`` (the owner's, or a superuser's),
    for `make run` and `make bench`: the roles made there with the passwords of
    PRM_APP_PASSWORD / PRM_PLATFORM_PASSWORD (development defaults), and the URLs the app then
    uses (DATABASE_URL, DATABASE_PLATFORM_URL, DATABASE_OWNER_URL). Also returns the warnings
    of what the owner could not change."""
    import psycopg2

    names = {
        "app_role": environment.get("PRM_DB_APP_ROLE") or "prm_app",
        "partner_role": environment.get("PRM_DB_PARTNER_ROLE") or "prm_partner",
        "platform_role": environment.get("PRM_DB_PLATFORM_ROLE") or "prm_platform",
    }
    passwords = {name: environment.get(name) or default for name, default in DEVELOPMENT_PASSWORDS.items()}
    connection = psycopg2.connect(owner_url)
    try:
        with connection, connection.cursor() as cursor:
            apply_roles(
                cursor,
                **names,
                app_password=passwords["PRM_APP_PASSWORD"],
                platform_password=passwords["PRM_PLATFORM_PASSWORD"],
            )
        warnings = [notice.strip() for notice in connection.notices]
    finally:
        connection.close()
    urls = {
        "DATABASE_URL": login_url(owner_url, names["app_role"], passwords["PRM_APP_PASSWORD"]),
        "DATABASE_PLATFORM_URL": login_url(owner_url, names["platform_role"], passwords["PRM_PLATFORM_PASSWORD"]),
        "DATABASE_OWNER_URL": owner_url,
    }
    return urls, warnings
