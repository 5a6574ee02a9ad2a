"""The database layer of isolation: row-level security, checked with the ORM out of the way."""

from __future__ import annotations

import re

import pytest
from django.db import DatabaseError, connection, transaction

from partners.models import Partner
from prm.events.models import Event
from prm.events.verbs import verb
from prm.tenancy.db import app_role
from prm.tenancy.models import tenant_owned_models
from prm.tenancy.rls import PARTNER_POLICY, TENANT_POLICY, rls_report
from prm.tenancy.scope import TenantScopeError, platform_scope, tenant_scope

from .production import apply_production_roles, run_django

# A verb only these tests record (event_record refuses undeclared ones).
verb("partner.test", "Test event")

pytestmark = pytest.mark.django_db


def _scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _column(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def test_tenant_scope_sees_only_its_tenants_rows(world):
    acme, globex = world.acme.tenant, world.globex.tenant
    with tenant_scope(acme):
        # no WHERE on the tenant from us: the database filters
        assert _scalar("SELECT count(*) FROM partners_partner WHERE tenant_id = %s", [globex.pk]) == 0
        assert _scalar("SELECT count(*) FROM partners_partner") == 2
        assert set(_column("SELECT tenant_id FROM accounts_membership")) == {acme.pk}
    with platform_scope():
        assert _scalar("SELECT count(*) FROM partners_partner") == 4


def test_without_a_scope_raw_sql_sees_nothing(world):
    # the data is there (the platform sees it) ...
    with platform_scope():
        assert _scalar("SELECT count(*) FROM partners_partner") == 4
    # ... but a query outside any scope, ORM bypassed, gets no row of any tenant-owned table
    for model in tenant_owned_models():
        assert _scalar(f'SELECT count(*) FROM "{model._meta.db_table}"') == 0, model._meta.db_table


def test_partner_scope_sees_only_its_partner(world):
    acme = world.acme
    with tenant_scope(acme.tenant, partner=acme.partner):
        assert _column("SELECT id FROM partners_partner") == [acme.partner.pk]
        # its own people and the vendor's staff, never partner 2's
        seen = set(_column("SELECT id FROM accounts_membership"))
        assert seen == {acme.admin.pk, acme.manager.pk, acme.marketing.pk, acme.partner_admin.pk, acme.sales_rep.pk}


def test_a_distributor_sees_the_partners_below_it(world):
    acme = world.acme
    with platform_scope():
        Partner.objects.filter(pk=acme.partners[1].pk).update(parent=acme.partner)
    with tenant_scope(acme.tenant, partner=acme.partner):
        assert sorted(_column("SELECT id FROM partners_partner")) == sorted(p.pk for p in acme.partners)
    with tenant_scope(acme.tenant, partner=acme.partners[1]):
        assert _column("SELECT id FROM partners_partner") == [acme.partners[1].pk]


def test_inserting_a_row_for_another_tenant_is_refused(world):
    acme, globex = world.acme, world.globex
    with (
        pytest.raises(DatabaseError, match="row-level security"),
        tenant_scope(acme.tenant),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO partners_partnertype (tenant_id, name, slug, description) VALUES (%s, 'Evil', 'evil', '')",
            [globex.tenant.pk],
        )
    with platform_scope():
        assert _scalar("SELECT count(*) FROM partners_partnertype WHERE slug = 'evil'") == 0


def test_moving_a_row_to_another_tenant_is_refused(world):
    acme, globex = world.acme, world.globex
    with (
        pytest.raises(DatabaseError, match="row-level security"),
        tenant_scope(acme.tenant),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE partners_partner SET tenant_id = %s WHERE id = %s", [globex.tenant.pk, acme.partner.pk])


def test_a_partner_user_cannot_write_another_partners_rows(world):
    acme = world.acme
    with tenant_scope(acme.tenant, partner=acme.partner), connection.cursor() as cursor:
        cursor.execute("UPDATE partners_partner SET phone = 'hacked' WHERE id = %s", [acme.partners[1].pk])
        assert cursor.rowcount == 0
    with (
        pytest.raises(DatabaseError, match="row-level security"),
        tenant_scope(acme.tenant, partner=acme.partner),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO partners_partnercontact (tenant_id, partner_id, name, email, phone, role, title, created_at)"
            " VALUES (%s, %s, 'Spy', '', '', 'primary', '', now())",
            [acme.tenant.pk, acme.partners[1].pk],
        )


def test_check_rls_command_passes():
    # as production runs it: the app's login, the platform's own connection (the suite's single
    # connection fails it: tests/tenancy/test_logins.py)
    apply_production_roles()
    result = run_django("manage.py", "check_rls")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Every tenant-owned table has row-level security." in out
    assert "FAIL" not in out
    assert "The runtime login, prm_app, cannot leave it." in out


def test_rls_report_covers_every_tenant_owned_table():
    report = {table.table: table for table in rls_report()}
    for model in tenant_owned_models():
        table = report[model._meta.db_table]
        assert table.declared and table.enabled and table.forced, table
        assert TENANT_POLICY in table.policies
        if model.rls_partner_predicate:
            assert PARTNER_POLICY in table.policies, table
        assert table.problems == []


def test_the_app_role_is_subject_to_row_level_security(world):
    # inside a scope, as a request runs
    with tenant_scope(world.acme.tenant):
        user = _scalar("SELECT current_user")
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            super_, bypass = cursor.fetchone()
        owned = _column(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user"
        )
    assert user == "prm_app"
    assert super_ is False
    assert bypass is False
    assert owned == []


def test_the_orm_refuses_tenant_owned_queries_outside_a_scope(world):
    with pytest.raises(TenantScopeError):
        Partner.objects.count()
    with pytest.raises(TenantScopeError):
        list(Partner.objects.filter(display_name__startswith="Acme"))
    with pytest.raises(TenantScopeError):
        Partner.objects.filter(pk=world.acme.partner.pk).update(phone="x")
    with pytest.raises(TenantScopeError):
        Partner(legal_name="Nowhere", display_name="Nowhere", partner_type=world.acme.partner_type, country="DE").save()


def test_a_queryset_built_outside_a_scope_is_filtered_where_it_runs(world):
    # a form's choices are built at import time, outside any scope
    pending = Partner.objects.all()
    with tenant_scope(world.globex.tenant):
        assert sorted(p.display_name for p in pending.all()) == ["Globex Partner 1", "Globex Partner 2"]


def test_events_are_append_only_for_the_app(world):
    acme = world.acme
    with tenant_scope(acme.tenant):
        from prm.events.services import event_record

        event = event_record(actor=acme.manager, target=acme.partner, verb="partner.test")
    for statement in (
        "UPDATE events_event SET verb = 'rewritten' WHERE id = %s",
        "DELETE FROM events_event WHERE id = %s",
    ):
        # even the escape hatch may not rewrite history
        with pytest.raises(DatabaseError, match="permission denied"), platform_scope(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic(), tenant_scope(acme.tenant):
        Event.objects.filter(pk=event.pk).update(verb="rewritten")
    with tenant_scope(acme.tenant):
        assert Event.objects.get(pk=event.pk).verb == "partner.test"


def test_the_platform_scope_is_a_role_that_bypasses_rls_for_one_transaction_only(world):
    # given the app acting for acme
    def current_user():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            return cursor.fetchone()[0]

    with tenant_scope(world.acme.tenant):
        assert current_user() == "prm_app"
        # when platform code steps into the platform scope
        with platform_scope():
            # then it acts as the platform role, which sees every tenant's rows
            assert current_user() == "prm_platform"
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(DISTINCT tenant_id) FROM partners_partner")
                assert cursor.fetchone()[0] == 2
        # and back in the tenant's scope the app role (and its RLS) is in force again
        assert current_user() == "prm_app"
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(DISTINCT tenant_id) FROM partners_partner")
            assert cursor.fetchone()[0] == 1


def test_policies_let_an_index_serve_the_tenant_filter(world):
    # given the tenant policy, as the planner sees it for acme's transaction
    with tenant_scope(world.acme.tenant), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM partners_partner ORDER BY display_name LIMIT 5")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # then the settings are read once (an InitPlan) and drive an index on (tenant_id, ...)
    assert "InitPlan" in plan
    assert "Index" in plan and "tenant_id = " in plan


def _directory_page_plan(side, **filters) -> str:
    """EXPLAIN of the directory's page query (its first 25 rows) as the selector sends it, in the
    tenant's scope: the app role, row-level security on."""
    from partners.selectors import partner_list_for_actor

    plans = []

    def explain(execute, sql, params, many, context):
        if not plans and 'FROM "partners_partner"' in sql:
            execute("EXPLAIN " + sql, params, many, context)
            plans.append("\n".join(row[0] for row in context["cursor"].fetchall()))
        return execute(sql, params, many, context)

    with tenant_scope(side.tenant), connection.execute_wrapper(explain):
        list(partner_list_for_actor(actor=side.manager, **filters)[:25])
    return plans[0]


def test_under_rls_the_directory_search_walks_the_name_index_to_its_page(world):
    # given a tenant with 3,000 active partners, one in ten a "Riverside", and statistics about
    # them and the tables the page joins
    acme = world.acme
    with tenant_scope(acme.tenant):
        Partner.objects.bulk_create(
            Partner(
                tenant=acme.tenant,
                partner_type=acme.partner_type,
                legal_name=f"{'Riverside' if n % 10 == 0 else 'Company'} {n:04} Ltd",
                display_name=f"{'Riverside' if n % 10 == 0 else 'Company'} {n:04}",
                country="DE",
                status="active",
            )
            for n in range(3000)
        )
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # the owner: only it may ANALYZE
        cursor.execute("ANALYZE partners_partner, partners_partnertype, accounts_membership, accounts_user")
        cursor.execute(f"SET ROLE {connection.ops.quote_name(app_role())}")
    # when the directory's search page is planned for the tenant's staff (row-level security on)
    plan = _directory_page_plan(acme, search="river", status="active")
    # then it walks a (tenant, [status,] name) index and stops at the 25th match, as it does with
    # RLS bypassed, rather than read every partner and sort them: under RLS PostgreSQL may not
    # estimate a LIKE from the statistics, guesses that almost nothing matches and chose the full
    # read (prm/tenancy/search.py)
    assert re.search(r"Index Scan using partner_(name|status)_idx on partners_partner", plan), plan
    assert not [line for line in plan.splitlines() if "Sort  (" in line and "Incremental Sort" not in line], plan
