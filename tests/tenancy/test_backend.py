"""The database backend (prm/tenancy/backend/base.py): the scope's row-level-security settings
ride on the next statement, and are right after every way a transaction can move under them.
Its health check without a query is held to its outcome by tests/faults/test_database_drop.py."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from partners.models import Partner
from prm.tenancy.backend.base import UnscopedStatement
from prm.tenancy.scope import platform_scope, tenant_scope

pytestmark = pytest.mark.django_db

SETTINGS = "SELECT current_setting('prm.tenant_id', true), current_setting('prm.partner_id', true), current_user"


def _settings():
    with connection.cursor() as cursor:
        cursor.execute(SETTINGS)
        return cursor.fetchone()


def _data_statements(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_entering_a_scope_sends_nothing_and_its_first_statement_carries_the_settings(world):
    acme = world.acme.tenant
    with CaptureQueriesContext(connection) as captured, tenant_scope(acme):
        pass
    assert _data_statements(captured) == []
    with CaptureQueriesContext(connection) as captured, tenant_scope(acme):
        assert _settings()[0] == str(acme.pk)
        assert _settings()[0] == str(acme.pk)
    first, second = _data_statements(captured)
    assert first.startswith("SELECT set_config('prm.tenant_id'") and first.endswith(SETTINGS)
    assert second == SETTINGS  # already in force: sent as written


def test_leaving_a_nested_scope_puts_the_enclosing_ones_settings_back(world):
    acme = world.acme
    with tenant_scope(acme.tenant):
        assert _settings() == (str(acme.tenant.pk), "", "prm_app")
        with tenant_scope(acme.tenant, partner=acme.partner):
            assert _settings() == (str(acme.tenant.pk), str(acme.partner.pk), "prm_partner")
        assert _settings() == (str(acme.tenant.pk), "", "prm_app")
        with platform_scope():
            assert _settings()[2] == "prm_platform"
        assert _settings() == (str(acme.tenant.pk), "", "prm_app")
    # and outside every scope: none
    assert _settings() == ("", "", "prm_app")


def test_a_savepoint_rolled_back_takes_its_settings_along_and_they_are_sent_again(world):
    acme = world.acme
    tenant = str(acme.tenant.pk)
    with tenant_scope(acme.tenant):
        with pytest.raises(RuntimeError), transaction.atomic():
            # the scope's first statement, so its settings are first set inside the savepoint
            assert _settings()[0] == tenant
            raise RuntimeError
        # the rollback to the savepoint undid them: the next statement carries them again
        assert _settings() == (tenant, "", "prm_app")
        with pytest.raises(RuntimeError), transaction.atomic(), tenant_scope(acme.tenant, partner=acme.partner):
            assert _settings()[1] == str(acme.partner.pk)
            raise RuntimeError
        assert _settings() == (tenant, "", "prm_app")
        assert Partner.objects.count() == len(world.acme.partners)


def test_statements_that_cannot_carry_the_settings_get_them_sent_first(world):
    acme = world.acme
    # a server-side cursor (iterator): only the partner's own row, through RLS alone
    with tenant_scope(acme.tenant, partner=acme.partner), connection.chunked_cursor() as cursor:
        cursor.execute("SELECT id FROM partners_partner")
        assert [row[0] for row in cursor.fetchall()] == [acme.partner.pk]
    with tenant_scope(acme.tenant):
        # executemany: every row written under the tenant's policy
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO partners_partnertype (tenant_id, name, slug, description) VALUES (%s, %s, %s, '')",
                [(acme.tenant.pk, "Many A", "many-a"), (acme.tenant.pk, "Many B", "many-b")],
            )
        assert _settings()[0] == str(acme.tenant.pk)


def test_a_literal_percent_in_a_statement_with_parameters_survives_the_settings(world):
    with tenant_scope(world.acme.tenant), connection.cursor() as cursor:
        cursor.execute("SELECT 'a%%b', %s", ["c"])
        assert cursor.fetchone() == ("a%b", "c")
    with tenant_scope(world.acme.tenant), connection.cursor() as cursor:
        cursor.execute("SELECT 'a%b'")
        assert cursor.fetchone() == ("a%b",)


@pytest.mark.django_db(transaction=True)
def test_behind_a_pooler_a_statement_that_cannot_carry_the_settings_is_refused_in_autocommit(settings):
    # given the app behind a pooler in transaction mode, outside any transaction (autocommit)
    settings.PRM_DB_POOLED = True
    rows = [(1,), (2,)]
    with connection.cursor() as cursor:
        # when a statement that cannot carry the settings runs, then it is refused: the settings,
        # sent on their own, would be a transaction of their own and not apply to it
        with pytest.raises(UnscopedStatement, match=r"inside a transaction \(transaction.atomic\(\)\)"):
            cursor.executemany("SELECT %s", rows)
        # and inside a transaction it runs, the settings sent first in the same one
        with transaction.atomic():
            cursor.executemany("SELECT %s", rows)
            cursor.execute(SETTINGS)
            assert cursor.fetchone() == ("", "", "prm_app")
