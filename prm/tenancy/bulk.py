"""Inserting tens of thousands of rows of one model at once, cheaply.

Django's ``bulk_create`` prepares every value of every row through its field (``get_db_prep_save``
and friends): for a sweep that writes 20,000 notifications and as many outbox messages, that
preparation was most of the sweep's time (bench/results/leads-2026-12-05.md). ``bulk_insert``
sends the same rows as one ``INSERT ... SELECT * FROM unnest(<one array per column>)``, reading
each value straight off the object (JSON serialised with the field's encoder; ``auto_now`` and
``auto_now_add`` fields filled in as Django would), and sets each object's primary key.

Through the connection's normal cursor, so the scope's row-level-security settings ride on it as
on every statement (``prm.tenancy.backend``); the tenant of an object without one is the current
scope's, as ``TenantQuerySet.bulk_create`` does.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence

from django.db import connections, models, router
from django.utils import timezone

from .scope import current_tenant_id


@functools.cache
def _array_type(field: models.Field, vendor: str) -> str:
    # Once per field: a foreign key's type is worked out by making a field of its target's type.
    db_type = field.db_type(connections[router.db_for_write(field.model)]) or ""
    if db_type.startswith("varchar"):
        return "text"  # the column's length check still applies on insert
    return db_type


def _insert(model: type[models.Model], columns: dict[models.Field, list]) -> list[int]:
    """One ``INSERT ... SELECT * FROM unnest(...) RETURNING id`` of the given columns' values."""
    connection = connections[router.db_for_write(model)]  # the scope's connection, as the ORM's
    sql, params = _insert_sql(model, columns, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _insert_sql(
    model: type[models.Model], columns: dict[models.Field, list], connection, computed: dict[str, str] | None = None
) -> tuple[str, list]:
    meta = model._meta
    names, arrays, casts = [], [], []
    for field, values in columns.items():
        if field.attname in (computed or {}):
            continue
        if isinstance(field, models.JSONField):
            # Serialised once per distinct object: the recipients of one digest share its params.
            dumped: dict[int, str] = {}
            values = [
                None
                if value is None
                else dumped[id(value)]
                if id(value) in dumped
                else dumped.setdefault(id(value), json.dumps(value, cls=field.encoder))
                for value in values
            ]
        names.append(connection.ops.quote_name(field.column))
        arrays.append(values)
        casts.append(f"%s::{_array_type(field, connection.vendor)}[]")
    selected = "*"
    for attname, expression in (computed or {}).items():
        field = next(field for field in meta.concrete_fields if field.attname == attname)
        names.append(connection.ops.quote_name(field.column))
        selected += f", {expression}"
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({', '.join(names)})"  # noqa: S608 (quoted names)
        f" SELECT {selected} FROM unnest({', '.join(casts)}) RETURNING {connection.ops.quote_name(meta.pk.column)}"
    )
    return sql, arrays


def _fields(model: type[models.Model]) -> list[models.Field]:
    # A column the database fills (``db_default``: an event's transaction id) is left to it.
    return [field for field in model._meta.concrete_fields if not field.primary_key and not field.has_db_default()]


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> list[models.Model]:
    """Insert ``objs`` (unsaved instances of ``model``) in one statement; returns them, saved."""
    objs = list(objs)
    if not objs:
        return objs
    connection = connections[router.db_for_write(model)]
    for obj, pk in zip(objs, _insert(model, _columns_of(model, objs)), strict=True):
        saved(obj, pk, using=connection.alias)
    return objs


def _columns_of(model: type[models.Model], objs: list[models.Model]) -> dict[models.Field, list]:
    if any(field.name == "tenant" for field in model._meta.concrete_fields):
        tenant_id = None
        for obj in objs:
            if obj.tenant_id is None:
                tenant_id = tenant_id or current_tenant_id()
                obj.tenant_id = tenant_id
    columns = {}
    for field in _fields(model):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            columns[field] = [field.pre_save(obj, add=True) for obj in objs]
        else:
            columns[field] = [getattr(obj, field.attname) for obj in objs]
    return columns


def insert_statement(
    model: type[models.Model], objs: Sequence[models.Model], *, computed: dict[str, str] | None = None
) -> tuple[str, list]:
    """``bulk_insert``'s statement for ``objs``, not run: for a service that writes several rows
    in one statement (a data-modifying ``WITH``), where the round trips and the ORM's building of
    each statement were most of its time. ``computed``: attnames whose value is an SQL expression
    instead (``{"decision_id": "(SELECT id FROM decision)"}``: the id another part of the statement
    returns). The caller sets each object's primary key (``saved``) from what it returns."""
    objs = list(objs)
    return _insert_sql(model, _columns_of(model, objs), connections[router.db_for_write(model)], computed)


def saved(obj: models.Model, pk: int, *, using: str | None = None) -> models.Model:
    """Mark ``obj`` as the saved row ``pk`` (after ``insert_statement``'s statement ran)."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = using or router.db_for_write(type(obj))
    return obj


def bulk_insert_rows(model: type[models.Model], rows: Sequence[dict]) -> list[int]:
    """Insert plain rows of ``model`` (``{attname: value}``; a field left out takes its default,
    worked out once for all rows, and ``tenant_id`` the current scope's) in one statement, with no
    model instance made; returns the new ids in the rows' order."""
    rows = list(rows)
    if not rows:
        return []
    columns = {}
    for field in _fields(model):
        if all(field.attname in row for row in rows):
            columns[field] = [row[field.attname] for row in rows]
            continue
        if field.attname == "tenant_id":
            default = current_tenant_id()
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = timezone.now()
        else:
            default = field.get_default()
        columns[field] = [row.get(field.attname, default) for row in rows]
    return _insert(model, columns)


__all__ = ["bulk_insert", "bulk_insert_rows", "insert_statement", "saved"]
