"""The API driven end to end as a partner's CRM would: a key, a webhook endpoint, a deal
registered twice with one idempotency key (one deal), submitted, the signed webhooks received and
verified, and the change feed read incrementally."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from deals.models import Deal
from prm.tenancy.scope import platform_scope

from ..deals.deal_setup import make_catalogue
from .support import Receiver, api_client, call, issue_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def _deal_body(catalogue, **fields):
    return {
        "customer_name": "Initech GmbH",
        "customer_website": "https://www.initech.de",
        "customer_country": "DE",
        "currency": "USD",
        "expected_close_on": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "contact_email": "peter@initech.de",
        "lines": [{"product": catalogue.firewall.pk, "quantity": 2}],
        **fields,
    }


def test_a_partners_crm_registers_submits_hears_and_syncs(world, receiver):
    acme = world.acme
    catalogue = make_catalogue(acme)
    crm = api_client(issue_key(acme.partner_admin), acme.tenant)

    # Given the CRM registered an endpoint for deal events
    made = call(
        crm,
        "POST",
        "/api/v1/webhook-endpoints/",
        {"url": receiver.url, "event_types": ["deal.created", "deal.submitted"]},
    )
    assert made.status_code == 201, made.content
    secret = made.json()["secret"]

    # When it registers a deal, and retries the same request with the same idempotency key
    first = call(crm, "POST", "/api/v1/deals/", _deal_body(catalogue), Idempotency_Key="crm-opp-0042")
    again = call(crm, "POST", "/api/v1/deals/", _deal_body(catalogue), Idempotency_Key="crm-opp-0042")

    # Then there is one deal, and the retry got the same answer
    assert first.status_code == 201, first.content
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    with platform_scope():
        assert Deal.objects.filter(tenant=acme.tenant, customer_name="Initech GmbH").count() == 1
    deal = first.json()
    assert deal["status"] == "draft" and deal["amount"] == "10000.00"

    # When the same key comes with another body, it is refused
    other = call(
        crm, "POST", "/api/v1/deals/", _deal_body(catalogue, customer_name="Hooli"), Idempotency_Key="crm-opp-0042"
    )
    assert other.status_code == 422
    assert other["Content-Type"] == "application/problem+json"
    assert other.json()["code"] == "idempotency_key_reused"

    # When it submits the deal
    submitted = call(crm, "POST", f"/api/v1/deals/{deal['id']}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] in ("submitted", "approved")

    # Then the receiver got both events, signed with the endpoint's secret, in order
    received = receiver.accepted()
    assert [r.json["type"] for r in received] == ["deal.created", "deal.submitted"]
    for request in received:
        payload = Webhook(secret).verify(request.body, request.headers)
        assert payload["data"]["object"] == {"type": "deals.deal", "id": deal["id"]}
    assert len({r.headers["webhook-id"] for r in received}) == 2

    # When it reads the change feed from the start, then from where it stopped
    feed = call(crm, "GET", "/api/v1/events/").json()
    types = [e["type"] for e in feed["results"]]
    assert types.index("deal.created") < types.index("deal.submitted")
    assert feed["has_more"] is False
    only = call(crm, "GET", "/api/v1/events/", {"types": "deal.created,deal.submitted"}).json()
    assert [e["type"] for e in only["results"]] == ["deal.created", "deal.submitted"]
    later = call(crm, "GET", "/api/v1/events/", {"after": feed["next"]}).json()
    assert later["results"] == [] and later["next"] == feed["next"]

    # And after another change only that change is new
    message = call(crm, "PATCH", f"/api/v1/deals/{deal['id']}/", {"title": "Firewall refresh"})
    assert message.status_code in (200, 422), message.content
    staff = api_client(issue_key(acme.admin), acme.tenant)
    assert call(staff, "POST", f"/api/v1/deals/{deal['id']}/approve/", {"note": "Fine"}).status_code in (200, 409)
    newer = call(crm, "GET", "/api/v1/events/", {"after": feed["next"]}).json()
    assert newer["results"], "the approval (or the edit) is new in the feed"
    assert all(e["id"] not in {f["id"] for f in feed["results"]} for e in newer["results"])


def test_another_tenants_key_sees_nothing_of_acme(world):
    acme, globex = world.acme, world.globex
    catalogue = make_catalogue(acme)
    own = api_client(issue_key(acme.partner_admin), acme.tenant)
    deal = call(own, "POST", "/api/v1/deals/", _deal_body(catalogue)).json()

    # A globex key on acme's host is not a credential there; on its own host acme's deal is a 404
    stranger = issue_key(globex.admin)
    assert call(api_client(stranger, acme.tenant), "GET", "/api/v1/deals/").status_code == 401
    response = call(api_client(stranger, globex.tenant), "GET", f"/api/v1/deals/{deal['id']}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_two_concurrent_retries_with_one_idempotency_key_make_one_deal(world):
    import threading

    from django.db import connection

    acme = world.acme
    catalogue = make_catalogue(acme)
    secret = issue_key(acme.partner_admin)
    answers, barrier = [], threading.Barrier(2)

    def post():
        try:
            barrier.wait()
            response = call(
                api_client(secret, acme.tenant), "POST", "/api/v1/deals/", _deal_body(catalogue), Idempotency_Key="k-1"
            )
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [status for status, _ in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    with platform_scope():
        assert Deal.objects.filter(tenant=acme.tenant).count() == 1


def test_a_partners_action_reaches_the_vendors_endpoint_too(world, receiver):
    acme = world.acme
    catalogue = make_catalogue(acme)
    staff = api_client(issue_key(acme.admin), acme.tenant)
    assert call(staff, "POST", "/api/v1/webhook-endpoints/", {"url": receiver.url}).status_code == 201
    # a partner's request is the first to read the tenant's endpoints after the vendor's was added
    crm = api_client(issue_key(acme.partner_admin), acme.tenant)
    made = call(crm, "POST", "/api/v1/deals/", _deal_body(catalogue))
    assert made.status_code == 201, made.content
    received = [r.json["type"] for r in receiver.accepted()]
    assert "deal.created" in received
