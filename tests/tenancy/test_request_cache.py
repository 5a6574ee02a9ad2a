"""What a request resolves from caches (prm/tenancy/request_cache.py) is never staler than the
next request: each change that matters to access shows on the very next page.

Every test opens a page first, so the tenant (this process), the membership and the unread
count (Redis) are cached before the change, then changes something the way the product does
(a service, or the Django admin's save) and opens the page again with the same session.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path

from partners.models import PartnerStatus, PartnerType
from partners.notifications import STATUS_CHANGED
from partners.services import partner_change_status
from prm.accounts.roles import Role
from prm.accounts.services import membership_deactivate
from prm.notifications.services import notification_mark_read, notify
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.services import tenant_settings_update

pytestmark = pytest.mark.django_db

INVITE = "Invite a colleague"


def _page(client, path="/portal/people/"):
    return client.get(path)


def test_the_warm_request_reads_no_tenant_membership_or_unread_count(world, client_for):
    # given a partner admin who opened a page once
    client = client_for(world.acme.partner_admin)
    assert _page(client, "/portal/").status_code == 200
    # when the next page opens
    with CaptureQueriesContext(connection) as captured:
        assert _page(client, "/portal/").status_code == 200
    sql = "\n".join(q["sql"] for q in captured.captured_queries)
    # then neither the tenant, the membership, the unread count nor the session was queried
    for table in ("tenancy_tenant", "accounts_membership", "django_session"):
        assert f'FROM "{table}"' not in sql, sql
    assert "COUNT(*)" not in sql or "read_at" not in sql, sql


def test_a_deactivated_membership_is_refused_on_the_next_request(world, client_for):
    acme = world.acme
    client = client_for(acme.sales_rep)
    assert _page(client, "/portal/").status_code == 200
    # when the partner admin deactivates the rep
    with tenant_scope(acme.tenant, partner=acme.partner):
        membership_deactivate(actor=acme.partner_admin, membership=acme.sales_rep)
    # then the rep's next page says the access is gone
    response = _page(client, "/")
    assert response.status_code == 403
    assert "has been deactivated" in response.content.decode()


def test_a_changed_role_shows_on_the_next_request(world, client_for):
    acme = world.acme
    member = acme.partner_admins[0]
    client = client_for(member)
    assert INVITE in _page(client).content.decode()
    # when a vendor admin makes the partner admin a sales rep in the Django admin (a model save)
    with platform_scope():
        member.role = Role.SALES
        member.save()
    # then the next page no longer offers what only partner admins may do
    response = _page(client)
    assert response.status_code == 200
    assert INVITE not in response.content.decode()


def test_a_suspended_partner_loses_access_on_the_next_request(world, client_for):
    acme = world.acme
    client = client_for(acme.partner_admin)
    assert _page(client, "/portal/").status_code == 200
    # when the channel manager suspends the partner
    with tenant_scope(acme.tenant):
        partner_change_status(
            actor=acme.manager, partner=acme.partner, to_status=PartnerStatus.SUSPENDED, reason="Audit"
        )
    # then its users are turned away at once
    assert _page(client, "/portal/").status_code == 404
    assert "has been deactivated" in _page(client, "/").content.decode()


def test_a_tenant_switched_off_is_gone_on_the_next_request(world, client_for):
    acme = world.acme
    client = client_for(acme.manager)
    assert _page(client, "/office/partners/").status_code == 200
    # when the platform switches the tenant off
    with platform_scope():
        acme.tenant.is_active = False
        acme.tenant.save()
    # then its host serves nothing, to its members or anyone
    assert _page(client, "/office/partners/").status_code == 404
    assert Client(HTTP_HOST=client.defaults["HTTP_HOST"]).get("/accounts/login/").status_code == 404


def test_a_renamed_tenant_shows_its_new_name_on_the_next_request(world, client_for):
    acme = world.acme
    client = client_for(acme.admin)
    assert _page(client, "/office/partners/").status_code == 200
    with tenant_scope(acme.tenant):
        tenant_settings_update(actor=acme.admin, tenant=acme.tenant, changes={"name": "Acme Renamed"})
    assert "Acme Renamed partner portal" in _page(client, "/office/partners/").content.decode()


def _unread(client) -> int:
    page = _page(client, "/portal/").content.decode()
    return int(re.search(r'aria-label="Notifications, (\d+) unread"', page).group(1))


def test_the_bell_counts_a_new_notification_and_forgets_read_ones_on_the_next_request(world, client_for):
    acme = world.acme
    client = client_for(acme.sales_rep)
    before = _unread(client)
    # when something is notified to the rep
    with tenant_scope(acme.tenant):
        notify(recipients=[acme.sales_rep], kind=STATUS_CHANGED, title="News")
    # then the next page counts it
    assert _unread(client) == before + 1
    # and once they are read, the count is gone again
    with tenant_scope(acme.tenant, partner=acme.partner):
        notification_mark_read(actor=acme.sales_rep)
    assert _unread(client) == 0


def _write_then_fail(request):
    PartnerType.objects.create(name="Half-written", slug="half-written")
    raise RuntimeError("the view failed after writing")


urlpatterns = [path("fail/", _write_then_fail)]


@pytest.mark.urls(__name__)
def test_a_view_that_raises_after_writing_leaves_nothing_behind(world):
    # given a staff member's view that writes a row and then fails
    client = Client(HTTP_HOST=f"{world.acme.tenant.slug}.localhost", raise_request_exception=False)
    client.force_login(world.acme.manager.user)
    # when it runs
    assert client.get("/fail/").status_code == 500
    # then its write was rolled back with the request's transaction
    with tenant_scope(world.acme.tenant):
        assert not PartnerType.objects.filter(slug="half-written").exists()
