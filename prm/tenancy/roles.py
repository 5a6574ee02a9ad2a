"""Running ``deploy/roles.sql``, the one definition of the database roles, from Python.

``migrate`` (``rls.py``, as the owner) and ``make run`` (``scripts/services.py``, before Django
starts) call this; docker-compose's first start runs the same file with psql
(``deploy/postgres-init.sh``). No Django here, so that the script can use it too.
"""

from __future__ import annotations

from pathlib import Path

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
