"""Every unique constraint and index of a tenant-owned table leads with tenant_id.

That keeps each lookup inside one tenant's slice of the index and lets the schema be sharded by
tenant later (Citus distributes by such a column; unique constraints must include it).
Read from the catalogue, so indexes Django adds on its own (``db_index``, ``SlugField``, ``_like``)
are caught too.
"""

from __future__ import annotations

import pytest
from django.db import connection

from prm.tenancy.models import tenant_owned_models

pytestmark = pytest.mark.django_db

TABLES = sorted(model._meta.db_table for model in tenant_owned_models())

# Indexes that may lead with something else, and why.
NON_TENANT_LEADING_INDEXES = {
    "membership_user_idx": "the platform page lists one person's memberships across all tenants "
    "(portals_for_user): there is no tenant to lead with",
    "account_name_trgm": "GIN trigram index for deal conflict checks against vendor accounts (similarity "
    "on the normalised name); gin_trgm_ops cannot hold tenant_id (no btree_gin), so row-level "
    "security and the query add the tenant filter",
    "deal_active_customer_trgm": "partial GIN trigram index over active registrations' normalised customer "
    "names, for conflict checks; same reason as account_name_trgm",
    "asset_search_idx": "GIN full-text index over the library's assets (title, tags, description); a GIN "
    "tsvector index cannot hold tenant_id (no btree_gin), so row-level security and the query add the "
    "tenant filter",
}


def _indexes(table: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, ix.indisunique, ix.indisprimary, am.amname,
                   pg_get_indexdef(ix.indexrelid, 1, true), pg_get_indexdef(ix.indexrelid)
              FROM pg_index ix
              JOIN pg_class i ON i.oid = ix.indexrelid
              JOIN pg_class t ON t.oid = ix.indrelid
              JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
              JOIN pg_am am ON am.oid = i.relam
             WHERE t.relname = %s
            """,
            [table],
        )
        names = ("name", "unique", "primary", "method", "first_column", "definition")
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _unique_constraints(table: str) -> list[tuple[str, str]]:
    """(name, first column) of UNIQUE and EXCLUDE constraints; PRIMARY KEY is the id, on purpose."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conname, a.attname
              FROM pg_constraint c
              JOIN pg_class t ON t.oid = c.conrelid
              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1]
             WHERE t.relname = %s AND c.contype IN ('u', 'x')
            """,
            [table],
        )
        return cursor.fetchall()


def test_every_tenant_owned_table_is_checked():
    # the catalogue knows every table (a model without its migration would slip through)
    assert TABLES
    for table in TABLES:
        assert any(index["primary"] for index in _indexes(table)), table


@pytest.mark.parametrize("table", TABLES)
def test_unique_indexes_and_constraints_lead_with_tenant(table):
    unique = [i for i in _indexes(table) if i["unique"] and not i["primary"]]
    bad = [i["definition"] for i in unique if i["first_column"] != "tenant_id"]
    assert bad == [], f"unique indexes of {table} not led by tenant_id"
    bad_constraints = [name for name, first in _unique_constraints(table) if first != "tenant_id"]
    assert bad_constraints == []


@pytest.mark.parametrize(
    "table",
    [t for t in TABLES],
)
def test_other_indexes_lead_with_tenant(table):
    others = [i for i in _indexes(table) if not i["unique"]]
    bad = [
        i["definition"]
        for i in others
        if i["first_column"] != "tenant_id" and i["name"] not in NON_TENANT_LEADING_INDEXES
    ]
    assert bad == [], f"indexes of {table} not led by tenant_id (add tenant, or an exemption with a reason)"


def test_every_exemption_still_exists():
    # an exemption for an index that is gone (or renamed) would hide the next one of that name
    names = {i["name"] for table in TABLES for i in _indexes(table)}
    assert set(NON_TENANT_LEADING_INDEXES) <= names
