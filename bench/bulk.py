"""Fast bulk inserts for the generator: PostgreSQL COPY, driven by the Django model.

The model says which columns exist and what an omitted field defaults to, so a field another
engineer adds with a default (in Python or in the database) needs no change here; one without a
default fails loudly, naming the model and field the generator step must fill.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models

_CHUNK = 20_000  # rows per COPY: bounded memory at any scale


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Take ``count`` ids from the table's sequence, so rows can reference each other before COPY."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _escape(text: str) -> str:
    # COPY's text format: backslash escapes for the separator, line ends and backslash itself.
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _array_literal(values: Iterable[Any]) -> str:
    items = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{item}"' for item in items) + "}"


def _encoder(field: models.Field) -> Callable[[Any], str]:
    if isinstance(field, ArrayField):
        return lambda value: r"\N" if value is None else _escape(_array_literal(value))
    if isinstance(field, models.JSONField):
        return lambda value: _escape(json.dumps(value))

    def encode(value: Any) -> str:
        if value is None:
            return r"\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, datetime | date):
            return value.isoformat()
        return _escape(str(value))

    return encode


def _filler(model: type[models.Model], field: models.Field, now: datetime) -> Callable[[], Any]:
    """What an omitted field gets: what Django would have given it on save()."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda: now
    if field.has_default():
        return field.get_default
    if field.null:
        return lambda: None
    if field.empty_strings_allowed:
        return lambda: ""

    def missing():
        raise ValueError(f"{model.__name__}.{field.name} has no default: the generator step must give it.")

    return missing


def copy_rows(model: type[models.Model], rows: Iterable[dict[str, Any]], *, now: datetime) -> int:
    """COPY dict rows (keys: field attnames, e.g. ``tenant_id``) into the model's table.

    Rows give their ``id`` (from ``reserve_ids``) when other rows refer to them; rows that leave
    it out get one from the table's sequence. All rows of one call do the same.
    """
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    pk = model._meta.pk
    # A field with a database default the rows leave out is left to the database (e.g. the
    # event log's transaction id, ``db_default=pg_current_xact_id()``: the COPY's transaction).
    fields = [
        field
        for field in model._meta.concrete_fields
        if (field is not pk or pk.attname in first) and (field.attname in first or not field.has_db_default())
    ]
    names = {field.attname for field in fields}
    encoders = [_encoder(field) for field in fields]
    fillers = [_filler(model, field, now) for field in fields]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    total = 0
    buffer = io.StringIO()
    pending = 0

    def flush():
        nonlocal buffer, pending
        if pending:
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.copy_expert(statement, buffer)
        buffer, pending = io.StringIO(), 0

    for row in itertools.chain([first], rows):
        unknown = set(row) - names
        if unknown:
            raise ValueError(f"{model.__name__}: unknown or inconsistent field(s) {sorted(unknown)}")
        values = []
        for field, encode, fill in zip(fields, encoders, fillers, strict=True):
            value = row[field.attname] if field.attname in row else fill()
            values.append(encode(value))
        buffer.write("\t".join(values))
        buffer.write("\n")
        pending += 1
        total += 1
        if pending >= _CHUNK:
            flush()
    flush()
    return total
