"""The database as the last line of defence: the login that serves tenant requests cannot leave
row-level security, and platform work has a connection and a login of its own.

The rest of the suite runs on one connection logged in as the owner, which switches roles
(prm/tenancy/db.py): it could not show any of this. These tests log in as production does
(tests/tenancy/production.py), against committed rows where another login has to see them.
"""

from __future__ import annotations

import uuid
from contextlib import closing
from datetime import timedelta

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from psycopg2 import sql

from partners.models import Partner
from prm.accounts.roles import Role
from prm.events.models import OutboxMessage
from prm.tenancy.db import app_role, partner_role, platform_role
from prm.tenancy.middleware import TenantMiddleware
from prm.tenancy.rls import login_report
from prm.tenancy.roles import apply_roles
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.factories import PartnerMembershipFactory, UserFactory, give_totp

from .production import app_password, apply_production_roles, connect, owner, probe

# --- The runtime login, opened as production opens it --------------------------------------------


def test_the_runtime_login_cannot_leave_row_level_security(transactional_db, world):
    # given the app's login, as DATABASE_URL opens it in production
    apply_production_roles()
    acme, globex = world.acme.tenant, world.globex.tenant
    with closing(connect(app_role(), app_password())) as conn, conn.cursor() as cursor:
        conn.autocommit = True
        # when an injected statement resets the role
        cursor.execute("RESET ROLE")
        cursor.execute(
            "SELECT session_user, current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        # then it is still the app role, neither superuser nor BYPASSRLS ...
        assert cursor.fetchone() == ("prm_app", "prm_app", False, False)
        # ... which row-level security binds: no tenant setting, no row
        cursor.execute("SELECT count(*) FROM partners_partner")
        assert cursor.fetchone()[0] == 0
        # and with the tenant's setting, that tenant's rows only
        with conn:
            cursor.execute("SELECT set_config('prm.tenant_id', %s, true)", [str(acme.pk)])
            cursor.execute("SELECT tenant_id, count(*) FROM partners_partner GROUP BY tenant_id")
            assert cursor.fetchall() == [(acme.pk, 2)]
            cursor.execute("SELECT count(*) FROM partners_partner WHERE tenant_id = %s", [globex.pk])
            assert cursor.fetchone()[0] == 0
        # it may switch to the partner role, the one it is granted ...
        cursor.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(partner_role())))
        cursor.execute("RESET ROLE")
        # ... but not to the platform role, the owner or a superuser, whichever way it asks
        for statement in (
            sql.SQL("SET ROLE {}").format(sql.Identifier(platform_role())),
            sql.SQL("SET ROLE {}").format(sql.Identifier(owner()["USER"])),
            sql.SQL("SET SESSION AUTHORIZATION {}").format(sql.Identifier(owner()["USER"])),
            sql.SQL("SELECT set_config('role', {}, false)").format(sql.Literal(platform_role())),
        ):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute(statement)
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == "prm_app"


# --- Production's topology, in a process of its own ----------------------------------------------


def test_in_production_platform_scope_has_its_own_connection_and_the_request_connection_cannot_escape(
    transactional_db, world
):
    # given a process configured as docker-compose configures the app (DATABASE_URL as the app
    # login, DATABASE_PLATFORM_URL as the platform login), and a message left undelivered in
    # each tenant (a broker outage)
    apply_production_roles()
    acme, globex = world.acme.tenant.pk, world.globex.tenant.pk
    for side in (world.acme, world.globex):
        with tenant_scope(side.tenant):
            OutboxMessage.objects.create(
                task_name="prm.notifications.notification_email",
                kwargs={"notification_id": 0},
                created_at=timezone.now() - timedelta(minutes=1),
            )
    # when it reads through each scope, and beat's outbox sweep runs there
    found = probe("connections", acme=acme)
    # then the request connection is the app login, sees nothing outside a scope and cannot
    # become the platform role or the owner
    assert found["runtime_login"] == ["prm_app", "prm_app"]
    assert found["runtime_sees_outside_a_scope"] == 0
    assert found["set_role_platform"] == "42501"  # insufficient_privilege
    assert found["set_role_owner"] == "42501"
    assert found["reset_role_then"] == "prm_app"
    # platform_scope() reads every tenant through its own connection and login ...
    assert found["platform_alias"] == "platform"
    assert found["platform_login"] == ["prm_platform", "prm_platform"]
    assert found["platform_sees"] == sorted([acme, globex])
    assert found["platform_sees_raw"] == 4
    # ... while the request connection, even then, sees nothing
    assert found["runtime_sees_during_platform_scope"] == 0
    # a tenant scope inside it is back on the request connection, with the tenant's rows only
    assert found["tenant_inside_platform_alias"] == "default"
    assert found["tenant_inside_platform_sees"] == [acme]
    assert found["back_in_platform_sees"] == 4
    assert found["tenant_alias"] == "default"
    assert found["tenant_sees"] == [acme]
    assert found["tenant_login"] == ["prm_app", "prm_app"]
    assert found["runtime_in_transaction_after"] is False
    # the sweep found both tenants' messages through the platform connection and relayed them
    assert found["sweep_relayed"] == 2
    with platform_scope():
        assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 0


def test_in_production_the_platform_pages_read_every_tenant_and_a_tenant_page_its_own(transactional_db, world):
    # given a platform superuser, a rep selling for both vendors, and acme's channel manager
    apply_production_roles()
    superuser = UserFactory(is_superuser=True, is_staff=True)
    give_totp(superuser)
    rep = world.acme.sales_rep.user
    PartnerMembershipFactory(partner=world.globex.partner, user=rep, role=Role.SALES)
    # when each opens their page in a process configured like production
    found = probe(
        "requests",
        superuser=superuser.pk,
        member_of_both=rep.pk,
        staff=world.acme.manager.user.pk,
        staff_host="acme.localhost",
    )
    # then the platform admin lists every tenant's partners (the platform connection) ...
    status, page = found["platform_admin"]
    assert status == 200
    assert "Acme Partner 1" in page and "Globex Partner 2" in page
    # ... the platform page both of the rep's portals ...
    status, page = found["platform_page"]
    assert status == 200
    assert "Acme" in page and "Globex" in page
    # ... and acme's back office acme's partners only (the request connection, under RLS)
    status, page = found["office_directory"]
    assert status == 200
    assert "Acme Partner 1" in page and "Globex" not in page


# --- check_rls: every way out of row-level security ----------------------------------------------


@pytest.mark.django_db
def test_check_rls_refuses_the_suites_single_connection_mode(capsys):
    # given the suite's own connection: the owner (a superuser) switching roles, no platform connection
    with pytest.raises(CommandError, match="the runtime login can leave it"):
        call_command("check_rls")
    out = capsys.readouterr().out
    assert "logs in as a superuser" in out
    assert "no platform connection (DATABASE_PLATFORM_URL)" in out


def _as_new_login(*setup: str) -> str:
    """Create a login (and what ``setup`` adds), then make it this connection's session user, for
    the rest of the test's transaction (rolled back with it: nothing stays on the server)."""
    login = f"prm_test_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")  # the suite logs in as a superuser
        for statement in (f'CREATE ROLE "{login}" LOGIN NOINHERIT', *setup):
            cursor.execute(statement.format(login=login, platform=platform_role(), partner=partner_role()))
        cursor.execute(f'SET LOCAL SESSION AUTHORIZATION "{login}"')
    return login


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setup", "problem"),
    [
        (['ALTER ROLE "{login}" BYPASSRLS'], "has BYPASSRLS"),
        (['ALTER ROLE "{login}" CREATEROLE'], "has CREATEROLE"),
        # what earlier releases did: the app role was granted the platform role
        (['GRANT "{platform}" TO "{login}"'], "may become prm_platform (SET ROLE)"),
        # through another role, and whatever NOINHERIT says
        (
            ['CREATE ROLE "{login}_via"', 'GRANT "{platform}" TO "{login}_via"', 'GRANT "{login}_via" TO "{login}"'],
            "may become prm_platform",
        ),
        # the owner of the tables (the suite's is a superuser: becoming it is both)
        (['GRANT "{owner}" TO "{login}"'], "owns tenant-owned tables"),
    ],
    ids=["bypassrls", "createrole", "platform-member", "platform-through-another-role", "owner-member"],
)
def test_check_rls_finds_every_way_out_of_row_level_security(setup, problem):
    _as_new_login(*(statement.replace("{owner}", owner()["USER"]) for statement in setup))
    assert any(problem in found for found in login_report().problems), login_report().problems


@pytest.mark.django_db
def test_a_login_like_prm_app_has_no_way_out():
    login = _as_new_login('GRANT "{partner}" TO "{login}"')
    report = login_report()
    assert report.login == login
    assert report.problems == []


# --- deploy/roles.sql ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_roles_definition_creates_the_roles_and_corrects_what_an_earlier_release_left():
    names = {kind: f"prm_test_{uuid.uuid4().hex[:8]}_{kind}" for kind in ("app", "partner", "platform")}

    def roles() -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.rolname, r.rolcanlogin, r.rolbypassrls, r.rolinherit, r.rolsuper,"
                "       array(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
                "              WHERE m.member = r.oid ORDER BY 1)"
                "  FROM pg_roles r WHERE r.rolname = ANY(%s)",
                [list(names.values())],
            )
            return {name: rest for name, *rest in cursor.fetchall()}

    def apply() -> None:
        with connection.cursor() as cursor:
            apply_roles(cursor, app_role=names["app"], partner_role=names["partner"], platform_role=names["platform"])

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")  # as migrate runs it: the owner (a superuser here)
    # when it runs on a server without the roles
    apply()
    # then the app and the platform are logins; only the platform bypasses RLS; the app may
    # become the partner role and nothing else
    assert roles() == {
        names["app"]: [True, False, False, False, [names["partner"]]],
        names["partner"]: [False, False, True, False, []],
        names["platform"]: [True, True, True, False, []],
    }
    # and when an earlier release's roles are found (the platform role granted to the app role,
    # a NOLOGIN platform role, an inheriting app role)
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT "{names["platform"]}" TO "{names["app"]}"')
        cursor.execute(f'ALTER ROLE "{names["platform"]}" NOLOGIN')
        cursor.execute(f'ALTER ROLE "{names["app"]}" INHERIT')
    apply()
    # then they are as defined again
    assert roles()[names["app"]] == [True, False, False, False, [names["partner"]]]
    assert roles()[names["platform"]] == [True, True, True, False, []]


@pytest.mark.django_db
def test_an_owner_that_may_not_manage_roles_is_told_what_a_superuser_must_run():
    # given an earlier release's grant, and an owner without CREATEROLE running the definition
    names = {kind: f"prm_test_{uuid.uuid4().hex[:8]}_{kind}" for kind in ("app", "partner", "platform", "owner")}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")
        apply_roles(cursor, app_role=names["app"], partner_role=names["partner"], platform_role=names["platform"])
        cursor.execute(f'GRANT "{names["platform"]}" TO "{names["app"]}"')
        cursor.execute(f'CREATE ROLE "{names["owner"]}"')
        cursor.execute(f'SET LOCAL ROLE "{names["owner"]}"')
        del connection.connection.notices[:]
        # when it runs
        apply_roles(cursor, app_role=names["app"], partner_role=names["partner"], platform_role=names["platform"])
        # then nothing fails, the grant stays, and a warning names the statement to run
        cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [names["app"], names["platform"]])
        assert cursor.fetchone()[0] is True
    warnings = [notice for notice in connection.connection.notices if "PRM roles:" in notice]
    assert len(warnings) == 1
    assert f"REVOKE {names['platform']} FROM {names['app']}" in warnings[0]
    assert "a superuser must run it" in warnings[0]


# --- The platform scope in a request -------------------------------------------------------------


@pytest.mark.django_db
def test_a_view_failing_in_the_platform_scope_leaves_nothing_on_the_platform_connection(world):
    # given a platform request whose view wrote, then failed
    partner = world.acme.partner
    with platform_scope():
        Partner.objects.filter(pk=partner.pk).update(phone="+1 555 0100")
        TenantMiddleware(lambda request: None).process_exception(RequestFactory().get("/"), RuntimeError("boom"))
    # then the write is gone
    with platform_scope():
        assert Partner.objects.get(pk=partner.pk).phone != "+1 555 0100"
