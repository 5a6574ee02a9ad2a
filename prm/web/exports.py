"""CSV exports, streamed.

A tenant with a million deal registrations exports all of them: the rows are read with a
server-side cursor in chunks (prefetches run per chunk) and written out as they come, so memory
holds one chunk whatever the size. Streaming runs after the view has returned, outside the
request's transaction and tenant scope, so the generator enters the same scope again (its own
transaction, the same row-level-security settings).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from prm.tenancy.scope import current_scope, tenant_scope

CHUNK = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """Keep spreadsheet apps from running text that starts like a formula."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


class _Line:
    """A file-like object whose write returns the line (csv.writer writes one line per row)."""

    def write(self, value: str) -> str:
        return value


def csv_export(
    *, name: str, columns: Sequence[str], rows: QuerySet, row: Callable[[Any], Iterable[Any]]
) -> StreamingHttpResponse:
    """A ``name-YYYYmmdd-HHMM.csv`` attachment: the header, then ``row(obj)`` for each object."""
    scope = current_scope()
    if scope is None or scope.tenant_id is None:
        raise RuntimeError("csv_export() streams a tenant's rows: call it inside the request's tenant scope.")
    writer = csv.writer(_Line())

    def lines() -> Iterator[str]:
        yield writer.writerow(columns)
        with tenant_scope(scope.tenant_id, partner=scope.partner_id):
            for obj in rows.iterator(chunk_size=CHUNK):
                yield writer.writerow(row(obj))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.now():%Y%m%d-%H%M}.csv"'
    return response
