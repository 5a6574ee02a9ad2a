"""Row-level security: the database layer of tenant isolation.

After every migration (post_migrate, as the owner) this module makes sure that

* the roles of ``deploy/roles.sql`` exist as defined there (the app login, which may switch to
  the partner role only; the platform login, BYPASSRLS) and have DML rights, but no UPDATE or
  DELETE on the append-only tables;
* every tenant-owned table has RLS enabled and FORCEd, a tenant policy and, for partner-owned
  tables, a restrictive partner policy that applies to the partner role (partner users'
  transactions) only.

``rls_report()`` reads the catalogue back; ``manage.py check_rls`` and the tests fail on any
tenant-owned table without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connection
from psycopg2 import sql

from .db import app_role, partner_role, platform_role
from .models import tenant_owned_models
from .roles import apply_roles

logger = logging.getLogger(__name__)

TENANT_POLICY = "prm_tenant"
PARTNER_POLICY = "prm_partner"

# The settings the policies read are set per transaction by tenancy.scope. Each is a scalar
# subquery, so PostgreSQL reads it once per statement (an InitPlan) rather than once per row, and
# `tenant_id = (SELECT ...)` can drive an index that leads with tenant_id. The platform scope is
# not an OR here (that would defeat the index): it logs in as a role with BYPASSRLS.
_TENANT_ID = "(SELECT nullif(current_setting('prm.tenant_id', true), '')::bigint)"
_PARTNER_ID = "(SELECT nullif(current_setting('prm.partner_id', true), '')::bigint)"


def platform_only_models():
    """Models that only the platform role may touch (``platform_only = True`` on the model):
    platform records that name a tenant without being that tenant's rows (the operator page's
    periodic runs and failed tasks, ``prm.operations``). Instead of a policy, the app and partner
    roles get no privilege on their tables at all."""
    from django.apps import apps

    return [model for model in apps.get_models() if getattr(model, "platform_only", False) and model._meta.managed]


def apply_row_level_security(using: str = "default", **kwargs) -> None:
    from django.apps import apps
    from django.db import connections, transaction

    conn = connections[using]
    # The roles themselves come from deploy/roles.sql, the one definition docker-compose's first
    # start and `make run` use too: created when missing (test databases), corrected when an
    # earlier release left them otherwise (it granted the platform role to the app role).
    with transaction.atomic(using=using), conn.cursor() as cursor:
        del conn.connection.notices[:]
        apply_roles(cursor, app_role=app_role(), partner_role=partner_role(), platform_role=platform_role())
    # What the owner may not change (a non-superuser owner): the statement for a superuser to run.
    for notice in conn.connection.notices:
        logger.warning(notice.strip())
    with conn.cursor() as cursor:
        for role in (sql.Identifier(app_role()), sql.Identifier(partner_role()), sql.Identifier(platform_role())):
            cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
            cursor.execute(
                sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(role)
            )
            cursor.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role))
            for model in [m for m in apps.get_models() if getattr(m, "append_only", False)]:
                cursor.execute(
                    sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(sql.Identifier(model._meta.db_table), role)
                )
        for model in platform_only_models():
            for role in (app_role(), partner_role()):
                cursor.execute(
                    sql.SQL("REVOKE ALL ON {} FROM {}").format(
                        sql.Identifier(model._meta.db_table), sql.Identifier(role)
                    )
                )
        # The one function that may change an event (its actor's name, when the person is erased:
        # prm/accounts/privacy.py) runs for the app's role only, not for PUBLIC (a function's default).
        cursor.execute("SELECT to_regprocedure('prm_erase_event_actor(bigint, text)') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("REVOKE ALL ON FUNCTION prm_erase_event_actor(bigint, text) FROM PUBLIC")
            cursor.execute(
                sql.SQL("GRANT EXECUTE ON FUNCTION prm_erase_event_actor(bigint, text) TO {}").format(
                    sql.Identifier(app_role())
                )
            )
        for model in tenant_owned_models():
            table = sql.Identifier(model._meta.db_table)
            cursor.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(table))
            cursor.execute(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(table))
            tenant_rule = sql.SQL(f"(tenant_id = {_TENANT_ID})")
            cursor.execute(sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(sql.Identifier(TENANT_POLICY), table))
            cursor.execute(
                sql.SQL("CREATE POLICY {} ON {} USING {rule} WITH CHECK {rule}").format(
                    sql.Identifier(TENANT_POLICY), table, rule=tenant_rule
                )
            )
            cursor.execute(sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(sql.Identifier(PARTNER_POLICY), table))
            if model.rls_partner_predicate:
                # Only for the partner role: staff transactions plan without it.
                predicate = model.rls_partner_predicate % {"partner": _PARTNER_ID}
                cursor.execute(
                    sql.SQL("CREATE POLICY {} ON {} AS RESTRICTIVE TO {} USING {rule} WITH CHECK {rule}").format(
                        sql.Identifier(PARTNER_POLICY),
                        table,
                        sql.Identifier(partner_role()),
                        rule=sql.SQL(f"({predicate})"),
                    )
                )


@dataclass(frozen=True)
class TableRLS:
    table: str
    enabled: bool
    forced: bool
    policies: tuple[str, ...]
    declared: bool  # a TenantOwned model maps to it
    # A platform-only table (``platform_only_models``): no policy needed, no privilege allowed.
    platform_only: bool = False
    app_privileged: bool = False  # the app or partner role may read or write it

    @property
    def problems(self) -> list[str]:
        if self.platform_only:
            return ["platform-only, yet the app or partner role has privileges on it"] if self.app_privileged else []
        found = []
        if not self.declared:
            found.append("has a tenant_id column but no TenantOwned model")
        if not self.enabled:
            found.append("row-level security is not enabled")
        if not self.forced:
            found.append("row-level security is not forced (the owner would bypass it)")
        if TENANT_POLICY not in self.policies:
            found.append(f"no {TENANT_POLICY} policy")
        return found


def rls_report() -> list[TableRLS]:
    """Every table that is tenant-owned, by model or by having a tenant_id column, then the
    platform-only ones (which have one too, and no policy: nobody but the platform may use them)."""
    declared = {model._meta.db_table for model in tenant_owned_models()}
    platform_only = sorted(model._meta.db_table for model in platform_only_models())
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   coalesce(array_agg(p.polname ORDER BY p.polname)
                            FILTER (WHERE p.polname IS NOT NULL), '{}')
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
              LEFT JOIN pg_policy p ON p.polrelid = c.oid
             WHERE c.relkind = 'r' AND NOT c.relname = ANY(%s)
               AND (c.relname = ANY(%s) OR EXISTS (
                    SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
             GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity
             ORDER BY c.relname
            """,
            [platform_only, sorted(declared)],
        )
        rows = cursor.fetchall()
    found = {row[0] for row in rows}
    report = [
        TableRLS(table=name, enabled=enabled, forced=forced, policies=tuple(policies), declared=name in declared)
        for name, enabled, forced, policies in rows
    ]
    # A declared model whose table is missing altogether is a problem too.
    report += [
        TableRLS(table=name, enabled=False, forced=False, policies=(), declared=True)
        for name in sorted(declared - found)
    ]
    return [*report, *_platform_only_report()]


def _platform_only_report() -> list[TableRLS]:
    """The platform-only tables (which ``rls_report`` leaves out above), each with whether the app
    or partner role may touch it."""
    tables = sorted(model._meta.db_table for model in platform_only_models())
    if not tables:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   has_table_privilege(%s, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')
                   OR has_table_privilege(%s, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
             WHERE c.relkind = 'r' AND c.relname = ANY(%s)
             ORDER BY c.relname
            """,
            [app_role(), partner_role(), tables],
        )
        rows = cursor.fetchall()
    return [
        TableRLS(
            table=name,
            enabled=enabled,
            forced=forced,
            policies=(),
            declared=False,
            platform_only=True,
            app_privileged=privileged,
        )
        for name, enabled, forced, privileged in rows
    ]


@dataclass(frozen=True)
class LoginRLS:
    """The role a connection logs in as (``session_user``: what ``RESET ROLE`` returns to) and
    what it could become."""

    alias: str
    login: str
    superuser: bool
    bypassrls: bool
    createrole: bool
    escapes: tuple[str, ...]  # superuser, BYPASSRLS or CREATEROLE roles it may SET ROLE to
    owners: tuple[str, ...]  # roles owning tenant-owned tables that it is, or may become

    @property
    def problems(self) -> list[str]:
        """Every way the runtime login could leave row-level security (none for production)."""
        if self.superuser:
            return ["logs in as a superuser"]
        found = []
        if self.bypassrls:
            found.append("has BYPASSRLS")
        if self.createrole:
            found.append("has CREATEROLE (it could grant itself a role that bypasses row-level security)")
        if self.escapes:
            found.append(f"may become {', '.join(self.escapes)} (SET ROLE), which bypass row-level security")
        if self.owners:
            found.append(
                f"owns tenant-owned tables, as or through {', '.join(self.owners)} (an owner can turn the policies off)"
            )
        return found


def login_report(using: str = "default") -> LoginRLS:
    """Who the connection ``using`` logs in as, and whether that login can leave RLS: by being a
    superuser, BYPASSRLS or CREATEROLE, by becoming such a role (membership, direct or through
    other roles, whatever INHERIT says: ``SET ROLE`` ignores it), or by owning the tables."""
    from django.db import connections

    tables = sorted(model._meta.db_table for model in tenant_owned_models())
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole,
                   array(SELECT g.rolname FROM pg_roles g
                          WHERE g.oid <> r.oid AND (g.rolsuper OR g.rolbypassrls OR g.rolcreaterole)
                            AND pg_has_role(r.oid, g.oid, 'MEMBER')
                          ORDER BY g.rolname),
                   array(SELECT DISTINCT t.tableowner::text FROM pg_tables t
                          WHERE t.schemaname = current_schema() AND t.tablename = ANY(%s)
                            AND pg_has_role(r.oid, t.tableowner, 'MEMBER')
                          ORDER BY 1)
              FROM pg_roles r
             WHERE r.rolname = session_user
            """,
            [tables],
        )
        login, superuser, bypassrls, createrole, escapes, owners = cursor.fetchone()
    return LoginRLS(
        alias=using,
        login=login,
        superuser=superuser,
        bypassrls=bypassrls,
        createrole=createrole,
        escapes=tuple(escapes),
        owners=tuple(owners),
    )
