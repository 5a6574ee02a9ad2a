"""Leads through the API: a partner key reads only the leads offered to its company (without the
contact until it accepts) and those it holds; a staff key reads every lead with where its offers
stand and creates leads that are routed as the web-to-lead form's; a retried create with the same
Idempotency-Key makes one lead; list pages cost a fixed number of queries."""

from __future__ import annotations

import pytest

from leads.models import Lead, LeadSource, LeadStatus, OfferStatus
from prm.tenancy.scope import platform_scope

from ..leads.factories import LeadFactory, LeadOfferFactory
from ..leads.offers_setup import accepted, make_catalogue, offered
from .support import api_client, call, issue_key

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _lead(pk: int) -> Lead:
    with platform_scope():
        return Lead.objects.get(pk=pk)


@pytest.fixture
def leads(acme):
    """Partner 1 is offered one lead and holds another; partner 2 is offered a third; a fourth
    waits in the vendor's queue."""
    make_catalogue(acme)
    lead, offer = offered(acme, company="Offered To One AG")
    held = accepted(acme, company="Held By One AG")
    other = LeadOfferFactory(
        tenant=acme.tenant, partner=acme.partners[1], lead__company="Offered To Two AG", lead__tenant=acme.tenant
    ).lead
    queued = LeadFactory(tenant=acme.tenant, status=LeadStatus.QUEUED, company="Queued AG")
    return {"offered": lead, "offer": offer, "held": held, "other": other, "queued": queued}


def test_a_partner_key_reads_only_what_is_offered_to_or_held_by_its_company(acme, leads):
    partner_1 = api_client(issue_key(acme.partner_admin, scopes=["leads:read"]), acme.tenant)
    partner_2 = api_client(issue_key(acme.partner_admins[1], scopes=["leads:read"]), acme.tenant)

    # a partner lists the lead offered to it and the one it holds; never another's or the queue's
    assert _ids(call(partner_1, "GET", LEADS)) == {leads["offered"].pk, leads["held"].pk}
    assert _ids(call(partner_2, "GET", LEADS)) == {leads["other"].pk}
    for lead in ("offered", "held", "queued"):
        missing = call(partner_2, "GET", f"{LEADS}{leads[lead].pk}/")
        assert missing.status_code == 404
        assert missing["Content-Type"] == "application/problem+json"

    # the offer carries its deadline; the contact shows once the company accepted the lead
    offered_lead = call(partner_1, "GET", f"{LEADS}{leads['offered'].pk}/").json()
    assert offered_lead["status"] == LeadStatus.OFFERED and offered_lead["offered_to"] == acme.partner.pk
    assert offered_lead["offer"]["partner"] == acme.partner.pk
    assert offered_lead["offer"]["status"] == OfferStatus.PENDING
    assert offered_lead["offer"]["due_at"]
    assert (offered_lead["email"], offered_lead["contact_name"], offered_lead["phone"]) == ("", "", "")
    held_lead = call(partner_1, "GET", f"{LEADS}{leads['held'].pk}/").json()
    assert held_lead["partner"] == acme.partner.pk and held_lead["email"] == leads["held"].email
    assert held_lead["offer"]["status"] == OfferStatus.ACCEPTED


def test_a_staff_key_reads_every_lead_with_where_its_offers_stand(acme, leads):
    staff = api_client(issue_key(acme.admin, scopes=["leads:read"]), acme.tenant)

    assert _ids(call(staff, "GET", LEADS)) >= {lead.pk for name, lead in leads.items() if name != "offer"}
    assert _ids(call(staff, "GET", LEADS, {"status": LeadStatus.QUEUED})) == {leads["queued"].pk}
    row = call(staff, "GET", f"{LEADS}{leads['other'].pk}/").json()
    assert row["offered_to"] == acme.partners[1].pk
    assert [(o["partner"], o["status"]) for o in row["offers"]] == [(acme.partners[1].pk, OfferStatus.PENDING)]
    assert row["email"] == leads["other"].email
    invalid = call(staff, "GET", LEADS, {"status": "nonsense"})
    assert invalid.status_code == 400 and "status" in invalid.json()["errors"]


def test_a_created_lead_is_routed_as_a_web_form_lead_would_be(acme, django_capture_on_commit_callbacks):
    make_catalogue(acme)
    staff = api_client(issue_key(acme.admin, scopes=["leads:write"]), acme.tenant)
    body = {"company": "Initrode AG", "email": "bill@initrode.de", "country": "DE", "city": "Munich"}

    with django_capture_on_commit_callbacks(execute=True):
        made = call(staff, "POST", LEADS, body)

    assert made.status_code == 201, made.content
    assert made["Location"].endswith(f"{LEADS}{made.json()['id']}/")
    lead = _lead(made.json()["id"])
    assert (lead.source, lead.company, lead.email, lead.created_by_id) == (
        LeadSource.API,
        "Initrode AG",
        "bill@initrode.de",
        acme.admin.pk,
    )
    assert lead.status in (LeadStatus.OFFERED, LeadStatus.QUEUED)  # the routing task ran after commit


def test_only_staff_who_manage_leads_create_them_and_bad_input_is_refused(acme):
    partner = api_client(issue_key(acme.partner_admin, scopes=["leads:write"]), acme.tenant)
    refused = call(partner, "POST", LEADS, {"company": "Partner Made AG"})
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"

    staff = api_client(issue_key(acme.admin, scopes=["leads:write"]), acme.tenant)
    invalid = call(staff, "POST", LEADS, {"email": "not an address", "estimated_value": "-1"})
    assert invalid.status_code == 400
    assert {"company", "email", "estimated_value"} <= set(invalid.json()["errors"])
    with platform_scope():
        assert not Lead.objects.filter(tenant=acme.tenant).exists()


def test_a_retried_create_with_the_same_idempotency_key_makes_one_lead(acme):
    staff = api_client(issue_key(acme.admin, scopes=["leads:read", "leads:write"]), acme.tenant)
    body = {"company": "Hooli Inc", "email": "gavin@hooli.com", "route": False}

    first = call(staff, "POST", LEADS, body, Idempotency_Key="crm-lead-7")
    again = call(staff, "POST", LEADS, body, Idempotency_Key="crm-lead-7")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    with platform_scope():
        assert Lead.objects.filter(tenant=acme.tenant, company="Hooli Inc").count() == 1

    # the same lead sent again without the key repeats it: merged into the first (nothing new)
    repeat = call(staff, "POST", LEADS, {**body, "company": "Hooli"})
    assert repeat.status_code == 200 and repeat.json()["id"] == first.json()["id"]
    with platform_scope():
        assert Lead.objects.filter(tenant=acme.tenant).count() == 1
        assert Lead.objects.get(pk=first.json()["id"]).duplicate_count == 1


# A page of leads: the request's transaction (a savepoint in a test) and its end, the tenant's
# settings with the key, the leads, their offers (one query for the page), whatever their number.
PINNED = 5


@pytest.mark.parametrize("who", ["admin", "partner_admin"])
def test_the_list_costs_the_same_queries_for_one_lead_as_for_many(acme, who, django_assert_num_queries):
    client = api_client(issue_key(getattr(acme, who), scopes=["leads:read"]), acme.tenant)
    LeadOfferFactory(tenant=acme.tenant, partner=acme.partner, lead__tenant=acme.tenant)
    call(client, "GET", LEADS)  # warm: content types, the key's last use
    with django_assert_num_queries(PINNED):
        assert len(call(client, "GET", LEADS).json()["results"]) == 1
    for _n in range(6):
        LeadOfferFactory(tenant=acme.tenant, partner=acme.partner, lead__tenant=acme.tenant)
    with django_assert_num_queries(PINNED):
        assert len(call(client, "GET", LEADS).json()["results"]) == 7


def test_an_import_brings_many_leads_in_order_or_none_at_all(world):
    from leads.models import Lead
    from prm.tenancy.scope import platform_scope

    from .support import api_client, call, issue_key

    acme = world.acme
    crm = api_client(issue_key(acme.admin), acme.tenant)
    rows = [
        {"company": "Batch One AG", "email": "ada@batch-one.de", "country": "DE", "route": False},
        {"company": "Batch Two SARL", "email": "bob@batch-two.fr", "country": "FR", "route": False},
        {"company": "Batch One AG", "email": "ada@batch-one.de", "country": "DE", "route": False},
    ]
    # one bad row: nothing is written, the row is named
    bad = call(crm, "POST", "/api/v1/leads/import/", {"leads": [*rows, {"company": "  "}]})
    assert bad.status_code in (400, 422)
    with platform_scope():
        assert not Lead.objects.filter(tenant=acme.tenant, company__startswith="Batch").exists()
    # all good: in order, the repeat of the first row merged into (or flagged against) its lead
    made = call(crm, "POST", "/api/v1/leads/import/", {"leads": rows}, Idempotency_Key="batch-1")
    assert made.status_code == 201, made.content
    results = made.json()["results"]
    assert [r["row"] for r in results] == [1, 2, 3]
    assert results[0]["created"] and results[1]["created"]
    assert results[2]["merged"] or results[2]["duplicate_of"] == results[0]["lead"]
    again = call(crm, "POST", "/api/v1/leads/import/", {"leads": rows}, Idempotency_Key="batch-1")
    assert again.json() == made.json()
    with platform_scope():
        assert Lead.objects.filter(tenant=acme.tenant, company__startswith="Batch").count() in (2, 3)
