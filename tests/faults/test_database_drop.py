"""PostgreSQL drops the server's connections (failover, restart, an operator's kill)."""

from __future__ import annotations

import http.client

import pytest
from django.conf import settings
from django.db import connection

from prm.accounts.roles import Role
from tests.conftest import make_client
from tests.factories import PartnerMembershipFactory, TenantFactory

pytestmark = pytest.mark.fault


def terminate_other_sessions(superuser_db) -> list[int]:
    """pg_terminate_backend on every session of the test database but this test's own: the live
    server's persistent connection among them."""
    own = connection.connection.get_backend_pid() if connection.connection is not None else 0
    with superuser_db.cursor() as cursor:
        cursor.execute(
            "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), %s)",
            [own],
        )
        return [pid for pid, terminated in cursor.fetchall() if terminated]


@pytest.mark.parametrize("health_checks", [True, False], ids=["health-checks", "control-without-health-checks"])
def test_the_next_request_after_the_database_dropped_the_connections_succeeds(
    live_server, superuser_db, monkeypatch, health_checks
):
    # Given the settings production runs with: persistent connections (the test settings close
    # them after each request, which would hide the fault) and health checks as configured
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", health_checks)
    tenant = TenantFactory(slug="acme")
    member = PartnerMembershipFactory(tenant=tenant, role=Role.PARTNER_ADMIN)
    session = make_client(member).cookies["sessionid"].value
    # ...and a browser keeping its HTTP connection open: the same server thread, so the same
    # database connection, answers each request
    browser = http.client.HTTPConnection("127.0.0.1", live_server.thread.port, timeout=20)
    headers = {"Host": f"acme.localhost:{live_server.thread.port}", "Cookie": f"sessionid={session}"}

    def get(path: str) -> http.client.HTTPResponse:
        browser.request("GET", path, headers=headers)
        response = browser.getresponse()
        response.read()
        return response

    try:
        assert get("/portal/company/").status == 200
        socket_before = browser.sock

        # When PostgreSQL terminates the server's connections
        assert terminate_other_sessions(superuser_db), "the server held no connection: nothing was tested"

        # Then the next request succeeds (a health check finds the dead connection and reconnects)
        status = get("/portal/company/").status
        assert browser.sock is socket_before, "the HTTP connection was not kept: another thread answered"
        if health_checks or settings.PRM_DB_POOLED:
            # (Through pgbouncer, `make test`'s pooled pass, the app's connection is to the
            # pooler, which drops the dead server session and gives the next transaction another:
            # no request fails, health checks or not.)
            assert status == 200
        else:
            # The control: without health checks the first request after the drop fails, which
            # shows this test really hits the dead connection; the one after it recovers.
            assert status == 500
            assert get("/portal/company/").status == 200
    finally:
        browser.close()
