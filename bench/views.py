"""The floors every scenario is compared with (served under prm.settings.bench only).

* ``floor_plain``: no database, a plain response. With no session cookie on the bare domain
  the middleware stack runs no query either: the cost of gunicorn + Django alone.
* ``floor_query``: the TechEmpower "fortunes" shape on a tenant host: one query for the 12
  rows of a bench-only table, one row added in memory, sorted, rendered (escaped) through a
  template. The cheapest page that reads data, middleware (tenant, scope) included.
* ``shell``: the signed-in layout with an empty body, as a staff member or a partner user: what
  signing in costs every page (session, user, tenant, membership, menu, bell) before its own
  work. Content pages are measured against it.
"""

from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render

FORTUNE_TABLE = "bench_fortune"


def floor_plain(request):
    return HttpResponse(b"Hello, World!", content_type="text/plain")


def floor_query(request):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, message FROM {FORTUNE_TABLE}")  # noqa: S608 (a constant)
        fortunes = cursor.fetchall()
    fortunes.append((0, "Added at request time: <escaped> & sorted."))
    fortunes.sort(key=lambda row: row[1])
    return render(request, "bench/fortunes.html", {"fortunes": fortunes})


def shell(request):
    return render(request, "bench/shell.html")
