"""The Integrations pages: API keys and webhook endpoints managed in the back office (the vendor's
admins) and in the portal (a partner's admins)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from api import demo
from api.models import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookMessage
from api.webhooks import DELIVER_TASK, endpoint_create, endpoint_secret, endpoint_set_active
from prm.accounts.credentials import api_key_create
from prm.accounts.models import ApiKey
from prm.events.models import OutboxMessage
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.demo_kit import Demo
from prm.web.menu import menu_for

from ..conftest import body
from .support import api_client

pytestmark = pytest.mark.django_db

SECRET = re.compile(r'id="issued-secret"[^>]*value="(prm_[0-9a-f]{12}_[A-Za-z0-9_-]+)"')


def _scope(member):
    return tenant_scope(member.tenant_id, partner=member.partner_id)


def _endpoint(member, url="https://hooks.example.com/crm", **fields) -> WebhookEndpoint:
    with _scope(member):
        endpoint, _secret = endpoint_create(actor=member, url=url, **fields)
    return endpoint


def _message(endpoint, *, status=MessageStatus.DELIVERED, attempts=(), **fields) -> WebhookMessage:
    """A message of ``endpoint`` with its ``attempts`` (dicts of WebhookAttempt's fields)."""
    with tenant_scope(endpoint.tenant_id, partner=endpoint.partner_id):
        message = WebhookMessage.objects.create(
            endpoint=endpoint,
            partner_id=endpoint.partner_id,
            msg_id=fields.pop("msg_id", f"msg_{WebhookMessage.objects.count():024x}"),
            event_type=fields.pop("event_type", "deal.submitted"),
            payload=fields.pop("payload", {"deal": {"id": 7}}),
            status=status,
            attempts=len(attempts),
            **fields,
        )
        for attempt in attempts:
            WebhookAttempt.objects.create(message=message, partner_id=endpoint.partner_id, **attempt)
    return message


def _key(member, name="CRM sync", scopes=("deals:read",), **fields) -> ApiKey:
    with _scope(member):
        return api_key_create(actor=member, name=name, scopes=list(scopes), **fields).key


# --- API keys -------------------------------------------------------------------------------------


def test_a_vendor_admin_creates_a_key_sees_its_secret_once_and_revokes_it(acme, client_for):
    client = client_for(acme.admin)

    # when the vendor admin creates a key with two scopes
    made = client.post(
        reverse("office:api_key_create"), {"name": "CRM sync", "scopes": ["deals:read", "partners:read"]}
    )

    # then the answer is the page with the whole secret, said to be shown this once, and not cached
    assert made.status_code == 200
    page = body(made)
    secret = SECRET.search(page).group(1)
    assert "Copy it now: it will not be shown again." in page
    assert made["Cache-Control"] == "no-store"
    with tenant_scope(acme.tenant):
        key = ApiKey.objects.select_related("owner").get(name="CRM sync")
    assert (key.partner_id, key.owner_id) == (None, acme.admin.pk)
    assert key.scopes == ["partners:read", "deals:read"]
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    # and the secret is kept nowhere the next page could show it from
    assert secret not in str(dict(client.session.items()))
    again = body(client.get(reverse("office:integrations")))
    assert secret not in again
    assert "CRM sync" in again and f"prm_{key.prefix}_" in again
    assert "Created by" in again and str(acme.admin.user) in again
    # and the key works
    assert api_client(secret, acme.tenant).get("/api/v1/deals/").status_code == 200

    # when the admin revokes it
    revoked = client.post(reverse("office:api_key_revoke", args=[key.pk]))

    # then the list says so, and the key signs nothing in any more
    assert revoked.status_code == 302 and revoked["Location"] == reverse("office:integrations")
    listed = body(client.get(revoked["Location"]))
    assert "is revoked" in listed and "Revoked" in listed
    assert api_client(secret, acme.tenant).get("/api/v1/deals/").status_code == 401


def test_rotating_a_key_shows_the_new_secret_once_and_the_old_one_works_a_day(acme, client_for):
    # given a key in use
    client = client_for(acme.admin)
    made = client.post(reverse("office:api_key_create"), {"name": "ERP", "scopes": ["deals:read"]})
    old = SECRET.search(body(made)).group(1)
    with tenant_scope(acme.tenant):
        key = ApiKey.objects.get(name="ERP")

    # when the admin rotates it
    rotated = client.post(reverse("office:api_key_rotate", args=[key.pk]))

    # then the page shows a new secret, and both work during the overlap
    assert rotated.status_code == 200
    new = SECRET.search(body(rotated)).group(1)
    assert new != old and new.startswith(f"prm_{key.prefix}_")
    listed = body(client.get(reverse("office:integrations")))
    assert new not in listed and "The previous secret works until" in listed
    for secret in (old, new):
        assert api_client(secret, acme.tenant).get("/api/v1/deals/").status_code == 200


def test_a_key_with_an_expiry_works_through_that_day_and_the_list_says_when_it_expired(acme, client_for):
    client = client_for(acme.admin)
    day = timezone.now().astimezone(ZoneInfo(acme.tenant.time_zone)).date() + timedelta(days=30)

    # when the admin gives a key a last day
    client.post(
        reverse("office:api_key_create"), {"name": "Pilot", "scopes": ["deals:read"], "expires_on": day.isoformat()}
    )

    # then it stops at the end of that day, in the vendor's time zone
    with tenant_scope(acme.tenant):
        key = ApiKey.objects.get(name="Pilot")
        zone = ZoneInfo(acme.tenant.time_zone)
        assert key.expires_at == datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        # and once that is past, the list shows it expired
        ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    row = re.search(rf'<tr id="key-{key.pk}">.*?</tr>', body(client.get(reverse("office:integrations"))), re.S)
    assert "Expired" in row.group(0) and "Rotate" not in row.group(0)


def test_bad_key_input_is_shown_again_with_what_was_typed(acme, client_for):
    client = client_for(acme.partner_admin)

    # when a partner admin asks for no scope, or for one only staff may hold
    none = client.post(reverse("portal:api_key_create"), {"name": "Our CRM"})
    staff_only = client.post(reverse("portal:api_key_create"), {"name": "Our CRM", "scopes": ["accounts:write"]})

    # then the form comes back with the name typed and the reason; no key is made
    for response in (none, staff_only):
        assert response.status_code == 200
        page = body(response)
        assert 'value="Our CRM"' in page and "Nothing was changed" in page
        assert SECRET.search(page) is None
    assert "Choose at least one scope." in body(none)
    assert "Select a valid choice." in body(staff_only)
    # the portal's form does not offer what only staff may give
    assert 'value="accounts:write"' not in body(client.get(reverse("portal:integrations")))
    with tenant_scope(acme.tenant):
        assert not ApiKey.objects.exists()


def test_a_past_expiry_is_refused_by_the_service_and_shown_as_the_forms_message(acme, client_for):
    client = client_for(acme.admin)
    response = client.post(
        reverse("office:api_key_create"), {"name": "Late", "scopes": ["deals:read"], "expires_on": "2020-01-01"}
    )
    assert response.status_code == 200
    page = body(response)
    assert "The expiry must be in the future." in page and 'value="2020-01-01"' in page


def test_a_partner_admin_sees_and_acts_on_their_partners_keys_only(acme, client_for):
    # given a key of partner 1's admin, one of partner 2's admin and a staff key
    own = _key(acme.partner_admin, name="Partner one CRM")
    other = _key(acme.partner_admins[1], name="Partner two CRM")
    staff = _key(acme.admin, name="Vendor CRM")
    client = client_for(acme.partner_admin)

    # when partner 1's admin opens the page and tries to revoke the others' keys
    page = body(client.get(reverse("portal:integrations")))
    refused = [client.post(reverse("portal:api_key_revoke", args=[key.pk])).status_code for key in (other, staff)]

    # then only their own key is listed, and the others are not found (and stay)
    assert "Partner one CRM" in page
    assert "Partner two CRM" not in page and "Vendor CRM" not in page
    assert refused == [404, 404]
    with platform_scope():
        assert not ApiKey.objects.filter(revoked_at__isnull=False).exists()
    assert own.partner_id == acme.partner.pk


# --- who may ----------------------------------------------------------------------------------------


def test_a_sales_rep_and_a_channel_manager_get_403_and_no_menu_entry(acme, client_for):
    rep, manager = client_for(acme.sales_rep), client_for(acme.manager)
    assert rep.get(reverse("portal:integrations")).status_code == 403
    assert rep.post(reverse("portal:api_key_create"), {"name": "x", "scopes": ["deals:read"]}).status_code == 403
    assert manager.get(reverse("office:integrations")).status_code == 403
    # the menu offers the page to the admins only
    labels = {
        member: [str(item.get("label")) for item in menu_for(member)] for member in (acme.sales_rep, acme.manager)
    }
    assert all("Integrations" not in shown for shown in labels.values())
    assert "Integrations" in [str(item.get("label")) for item in menu_for(acme.admin)]
    assert "Integrations" in [str(item.get("label")) for item in menu_for(acme.partner_admin)]


def test_the_page_links_to_the_api_documentation(acme, client_for):
    page = body(client_for(acme.partner_admin).get(reverse("portal:integrations")))
    assert f'href="{reverse("api:docs")}"' in page


# --- webhook endpoints ------------------------------------------------------------------------------


def test_a_partner_admin_manages_their_partners_endpoints_only(acme, client_for):
    # given an endpoint of partner 2 and one of the vendor
    other = _endpoint(acme.partner_admins[1], url="https://partner-two.example.com/hooks")
    vendor = _endpoint(acme.admin, url="https://vendor.example.com/hooks")
    client = client_for(acme.partner_admin)

    # when partner 1's admin registers one for two event types
    made = client.post(
        reverse("portal:webhook_create"),
        {
            "url": "https://crm.partner-one.example.com/hooks",
            "description": "CRM",
            "event_types": ["deal.won", "deal.approved"],
        },
    )

    # then it is partner 1's, and its page shows the signing secret
    with tenant_scope(acme.tenant):
        endpoint = WebhookEndpoint.objects.get(url="https://crm.partner-one.example.com/hooks")
    assert (endpoint.partner_id, endpoint.event_types) == (acme.partner.pk, ["deal.approved", "deal.won"])
    assert made.status_code == 302 and made["Location"] == reverse("portal:webhook_detail", args=[endpoint.pk])
    shown = client.get(made["Location"])
    with tenant_scope(acme.tenant):
        assert endpoint_secret(endpoint) in body(shown)
    assert shown["Cache-Control"] == "no-store"
    # and the list holds their endpoint only; the others' pages and actions are not found
    listed = body(client.get(reverse("portal:integrations")))
    assert "crm.partner-one.example.com" in listed
    assert "partner-two.example.com" not in listed and "vendor.example.com" not in listed
    for foreign in (other, vendor):
        assert client.get(reverse("portal:webhook_detail", args=[foreign.pk])).status_code == 404
        assert client.post(reverse("portal:webhook_disable", args=[foreign.pk])).status_code == 404
    with platform_scope():
        assert WebhookEndpoint.objects.filter(pk__in=[other.pk, vendor.pk], is_active=True).count() == 2


def test_a_bad_address_is_shown_again_with_what_was_typed(acme, client_for):
    client = client_for(acme.partner_admin)
    create = reverse("portal:webhook_create")

    # when the address is not a URL, not http(s), or (where private addresses are refused) local
    not_url = client.post(create, {"url": "crm dot example", "description": "Nightly"})
    ftp = client.post(create, {"url": "ftp://files.example.com/hooks", "description": "Nightly"})
    with override_settings(PRM_WEBHOOK_ALLOW_PRIVATE=False):
        local = client.post(create, {"url": "https://127.0.0.1/hooks", "description": "Nightly"})

    # then the form comes back with what was typed and the reason; nothing is registered
    for response, typed, reason in (
        (not_url, "crm dot example", "Enter a valid URL."),
        (ftp, "ftp://files.example.com/hooks", "A webhook address must be an http or https URL."),
        (local, "https://127.0.0.1/hooks", "The webhook address points to a private or local network."),
    ):
        assert response.status_code == 200
        page = body(response)
        assert f'value="{typed}"' in page and 'value="Nightly"' in page
        assert reason in page
    with tenant_scope(acme.tenant):
        assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_is_edited_disabled_enabled_and_its_secret_rotated(acme, client_for):
    endpoint = _endpoint(acme.admin)
    client = client_for(acme.admin)
    detail = reverse("office:webhook_detail", args=[endpoint.pk])
    with tenant_scope(acme.tenant):
        first = endpoint_secret(endpoint)

    edited = client.post(
        reverse("office:webhook_edit", args=[endpoint.pk]),
        {"url": "https://hooks.example.com/v2", "description": "CRM v2", "event_types": ["deal.won"]},
    )
    disabled = client.post(reverse("office:webhook_disable", args=[endpoint.pk]))
    page_disabled = body(client.get(detail))
    enabled = client.post(reverse("office:webhook_enable", args=[endpoint.pk]))
    rotated = client.post(reverse("office:webhook_rotate_secret", args=[endpoint.pk]))

    assert [r.status_code for r in (edited, disabled, enabled, rotated)] == [302] * 4
    assert all(r["Location"] == detail for r in (edited, disabled, enabled, rotated))
    assert (
        "Disabled by" in page_disabled
        and 'action="{}"'.format(reverse("office:webhook_enable", args=[endpoint.pk])) in page_disabled
    )
    with tenant_scope(acme.tenant):
        endpoint.refresh_from_db()
        second = endpoint_secret(endpoint)
    assert (endpoint.url, endpoint.description, endpoint.event_types, endpoint.is_active) == (
        "https://hooks.example.com/v2",
        "CRM v2",
        ["deal.won"],
        True,
    )
    page = body(client.get(detail))
    assert second != first and second in page and first not in page
    assert "Messages are also signed with the previous secret until" in page


def test_a_bad_edit_is_shown_again_with_what_was_typed(acme, client_for):
    endpoint = _endpoint(acme.admin)
    response = client_for(acme.admin).post(
        reverse("office:webhook_edit", args=[endpoint.pk]), {"url": "gopher://old.example.com/", "description": "Old"}
    )
    assert response.status_code == 200
    page = body(response)
    assert 'value="gopher://old.example.com/"' in page and "Enter a valid URL." in page
    with tenant_scope(acme.tenant):
        endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/crm"


def test_the_delivery_log_shows_each_attempt_newest_message_first(acme, client_for):
    # given a message delivered at once and a newer one that failed twice (an error, then a 500)
    endpoint = _endpoint(acme.partner_admin)
    now = timezone.now()
    _message(
        endpoint,
        msg_id="msg_delivered",
        event_type="deal.approved",
        attempts=[{"attempted_at": now, "status_code": 204, "duration_ms": 12}],
        delivered_at=now,
    )
    _message(
        endpoint,
        msg_id="msg_failing",
        status=MessageStatus.PENDING,
        attempts=[
            {"attempted_at": now, "error": "ConnectTimeout: timed out", "duration_ms": 5000},
            {"attempted_at": now, "status_code": 500, "response_body": "Database down" + "x" * 1000, "duration_ms": 40},
        ],
        next_attempt_at=now + timedelta(minutes=5),
    )

    # when the partner admin opens the endpoint
    page = body(client_for(acme.partner_admin).get(reverse("portal:webhook_detail", args=[endpoint.pk])))

    # then the log lists both, newest first, with every attempt's answer, error and an excerpt
    assert page.index("msg_failing") < page.index("msg_delivered")
    failing = page[page.index("msg_failing") : page.index("msg_delivered")]
    assert "ConnectTimeout: timed out" in failing and ">500<" in failing and "No answer" in failing
    assert "Database down" + "x" * 287 + "…" in failing and "x" * 288 not in failing
    assert "2 attempts" in failing and "Pending" in failing
    delivered = page[page.index("msg_delivered") :]
    assert ">204<" in delivered and "Delivered" in delivered and "1 attempt" in delivered
    # a delivered message may be sent again; the pending one is still on its way
    assert page.count("Send again") == 1


def test_the_delivery_log_is_paginated(acme, client_for):
    endpoint = _endpoint(acme.admin)
    for n in range(25):
        _message(endpoint, msg_id=f"msg_page_{n:02d}")
    client = client_for(acme.admin)
    url = reverse("office:webhook_detail", args=[endpoint.pk])
    first, second = body(client.get(url)), body(client.get(url, {"page": 2}))
    assert "msg_page_24" in first and "msg_page_05" in first and "msg_page_04" not in first
    assert "msg_page_04" in second and "msg_page_00" in second and "msg_page_05" not in second
    assert "Page 1 of 2" in first


def test_send_again_queues_a_new_pending_message_with_the_same_content(acme, client_for):
    endpoint = _endpoint(acme.partner_admin)
    original = _message(endpoint, msg_id="msg_original", payload={"deal": {"id": 42}}, delivered_at=timezone.now())
    client = client_for(acme.partner_admin)

    # when the partner admin sends it again
    response = client.post(reverse("portal:webhook_replay", args=[endpoint.pk, original.pk]))

    # then a new message waits at the end of the queue, with a new id, and its sender is started
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:webhook_detail", args=[endpoint.pk])
    with tenant_scope(acme.tenant):
        replay = (
            WebhookMessage.objects.filter(endpoint=endpoint).exclude(pk=original.pk).get(event_type="deal.submitted")
        )
        assert OutboxMessage.objects.filter(task_name=DELIVER_TASK, kwargs={"endpoint_id": endpoint.pk}).exists()
    assert replay.status == MessageStatus.PENDING and replay.attempts == 0
    assert replay.payload == {"deal": {"id": 42}} and replay.msg_id != "msg_original"
    assert "is queued to be sent again" in body(client.get(response["Location"]))


def test_send_again_to_a_disabled_endpoint_says_to_enable_it_first(acme, client_for):
    endpoint = _endpoint(acme.partner_admin)
    original = _message(endpoint)
    with _scope(acme.partner_admin):
        endpoint_set_active(actor=acme.partner_admin, endpoint=endpoint, active=False)
    client = client_for(acme.partner_admin)
    response = client.post(reverse("portal:webhook_replay", args=[endpoint.pk, original.pk]))
    assert response.status_code == 302
    assert "Enable the endpoint before sending messages to it again." in body(client.get(response["Location"]))
    with tenant_scope(acme.tenant):
        assert WebhookMessage.objects.filter(endpoint=endpoint, event_type="deal.submitted").count() == 1


# --- query counts -----------------------------------------------------------------------------------


def logged(endpoint) -> int:
    """The endpoint's messages (a partner's endpoint also gets the event of its own creation)."""
    with tenant_scope(endpoint.tenant_id):
        return WebhookMessage.objects.filter(endpoint=endpoint).count()


def _queries_of(client, url, django_assert_num_queries, pinned):
    client.get(url)  # warms the per-process caches (content types, the memos)
    with django_assert_num_queries(pinned):
        response = client.get(url)
    assert response.status_code == 200
    return body(response)


@pytest.mark.parametrize("rows", [1, 6])
def test_the_integrations_page_costs_the_same_for_few_and_many_rows(
    acme, client_for, rows, django_assert_num_queries, no_queries_from_templates
):
    for n in range(rows):
        _key(acme.admin, name=f"Key {n}")
        _endpoint(acme.admin, url=f"https://hooks.example.com/{n}")
    # the user, the scope's savepoint and its release, the second factor (a vendor admin's), the
    # keys with their makers, the endpoints
    page = _queries_of(client_for(acme.admin), reverse("office:integrations"), django_assert_num_queries, 6)
    assert page.count('<tr id="key-') == rows and page.count('<tr id="endpoint-') == rows


@pytest.mark.parametrize("rows", [1, 6])
def test_the_endpoint_page_costs_the_same_for_few_and_many_messages(
    acme, client_for, rows, django_assert_num_queries, no_queries_from_templates
):
    endpoint = _endpoint(acme.partner_admin)
    now = timezone.now()
    for n in range(rows):
        _message(endpoint, msg_id=f"msg_{n:03d}", attempts=[{"attempted_at": now, "status_code": 500}] * 2)
    url = reverse("portal:webhook_detail", args=[endpoint.pk])
    # the user, the savepoint and its release, the endpoint, the log's count, its page, the attempts
    page = _queries_of(client_for(acme.partner_admin), url, django_assert_num_queries, 7)
    assert page.count('<article class="card mb-2" id="message-') == logged(endpoint)
    assert page.count('<tr class="attempt">') == 2 * rows


# --- the demo ---------------------------------------------------------------------------------------


def test_the_demo_adds_a_key_and_a_disabled_endpoint_once(acme):
    loaded = Demo(tenant=acme.tenant, seed=0, staff={"admin": acme.admin})
    with tenant_scope(acme.tenant):
        demo.load(loaded)
        demo.load(loaded)
        keys = list(ApiKey.objects.values_list("name", "partner_id"))
        endpoints = list(WebhookEndpoint.objects.values_list("url", "is_active", "partner_id"))
    assert keys == [("CRM sync (demo)", None)]
    assert endpoints == [("http://127.0.0.1:9/hooks", False, None)]
    assert sum("CRM sync (demo)" in note for note in loaded.notes) == 1
