"""Opening a portal from the platform page: a signed, single-use, short-lived ticket."""

from __future__ import annotations

import pytest
from django.test import Client

from prm.tenancy.scope import platform_scope

from ..conftest import PLATFORM_HOST

pytestmark = pytest.mark.django_db


def _platform_client(user) -> Client:
    client = Client(HTTP_HOST=PLATFORM_HOST)
    client.force_login(user)
    return client


def _ticket_url(client, tenant) -> str:
    response = client.post(f"/portals/{tenant.pk}/open/")
    assert response.status_code == 302
    return response["Location"]


def test_the_platform_page_lists_the_portals_and_opens_one_signed_in(world):
    # given a partner admin of acme signed in on the platform page
    member = world.acme.partner_admin
    platform = _platform_client(member.user)
    page = platform.get("/").content.decode()
    assert world.acme.tenant.name in page and world.globex.tenant.name not in page
    # when they open acme's portal
    url = _ticket_url(platform, world.acme.tenant)
    assert url.startswith("https://acme.localhost/handoff/")
    portal = Client(HTTP_HOST="acme.localhost")
    response = portal.get(url.removeprefix("https://acme.localhost"))
    # then acme's host has signed them in, and they land in their portal
    assert response.status_code == 302 and response["Location"] == "/"
    assert portal.get("/portal/company/").status_code == 200


def test_a_ticket_works_once(world):
    platform = _platform_client(world.acme.partner_admin.user)
    path = _ticket_url(platform, world.acme.tenant).removeprefix("https://acme.localhost")
    assert Client(HTTP_HOST="acme.localhost").get(path).status_code == 302
    assert Client(HTTP_HOST="acme.localhost").get(path).status_code == 404


def test_a_ticket_does_not_open_another_tenants_portal(world):
    # given a ticket for acme
    platform = _platform_client(world.acme.partner_admin.user)
    path = _ticket_url(platform, world.acme.tenant).removeprefix("https://acme.localhost")
    # when it is presented on globex's host
    other = Client(HTTP_HOST="globex.localhost")
    # then it is not found, and nobody is signed in there
    assert other.get(path).status_code == 404
    assert other.get("/portal/").status_code == 302


def test_nobody_opens_a_portal_they_do_not_belong_to(world):
    platform = _platform_client(world.acme.partner_admin.user)
    assert platform.post(f"/portals/{world.globex.tenant.pk}/open/").status_code == 404


def test_a_deactivated_member_cannot_redeem_a_ticket(world):
    member = world.acme.sales_rep
    platform = _platform_client(member.user)
    path = _ticket_url(platform, world.acme.tenant).removeprefix("https://acme.localhost")
    with platform_scope():
        type(member).objects.filter(pk=member.pk).update(is_active=False)
    assert Client(HTTP_HOST="acme.localhost").get(path).status_code == 404


def test_a_forged_ticket_is_not_found(world):
    assert Client(HTTP_HOST="acme.localhost").get("/handoff/not-a-ticket/").status_code == 404


def test_open_is_only_for_the_platform_host_and_signed_in_people(world):
    tenant = world.acme.tenant
    assert Client(HTTP_HOST=PLATFORM_HOST).post(f"/portals/{tenant.pk}/open/").status_code == 302  # sign in first
    acme = Client(HTTP_HOST="acme.localhost")
    acme.force_login(world.acme.partner_admin.user)
    assert acme.post(f"/portals/{tenant.pk}/open/").status_code == 404
