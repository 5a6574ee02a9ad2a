"""The query budget of a page: count the queries of a warm request, compare a page with few rows
against the same page with many, and pin the number.

A changed number is not necessarily wrong: look at the captured SQL (in the failure message),
and if the new query is deliberate, pin the new number. Use with the ``no_queries_from_templates``
fixture (tests/conftest.py), which fails a test in which a template runs a query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import body, make_client


@dataclass(frozen=True)
class Cost:
    """What one request cost: its number of queries, their SQL, and the page it answered."""

    queries: int
    sql: str
    html: str

    def rows(self, pattern: str) -> int:
        """How many times ``pattern`` (a regular expression for one row) is on the page."""
        return len(re.findall(pattern, self.html))


def cost(member, path: str) -> Cost:
    """The queries of ``member``'s second GET of ``path`` (the first warms per-process caches:
    content types, ...); the page must answer 200."""
    client = make_client(member)
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return Cost(len(captured), "\n".join(q["sql"] for q in captured.captured_queries), body(response))


def assert_list_page(few: Cost, many: Cost, *, pinned: int, row: str, rows: tuple, what: str = "the page") -> None:
    """A list page with few and with many rows: ``rows`` (shown of few, of many; None: not
    counted) matches ``row`` on each, and both cost the ``pinned`` number of queries."""
    if rows[0] is not None:
        assert (few.rows(row), many.rows(row)) == rows, f"{what}: rows shown {few.rows(row)}, {many.rows(row)}"
    assert_pinned(few, many, pinned, what)


def assert_pinned(few: Cost, many: Cost, pinned: int, what: str = "the page") -> None:
    """The page costs the same with many rows as with few, and that is the ``pinned`` number."""
    assert few.queries == many.queries, (
        f"{what}: {few.queries} queries with few rows, {many.queries} with many\n--- with many:\n{many.sql}"
    )
    assert many.queries == pinned, f"{what}: {many.queries} queries, pinned {pinned}\n{many.sql}"
