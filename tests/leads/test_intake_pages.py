"""The back office's lead pages: the queue first, filters, the list's query pin, entering a lead
(the form again as typed when something is wrong), the review page's decisions and the home's
queue card."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads.models import Lead, LeadSource, LeadStatus
from prm.tenancy.scope import platform_scope, tenant_scope

from ..conftest import body, make_client
from ..query_budget import assert_list_page, cost
from .factories import LeadFactory

pytestmark = pytest.mark.django_db

# The session's user, the savepoint and its release, the saved filters, the count, the page's rows.
PINNED_LEAD_LIST = 6


def test_the_queue_shows_what_waits_for_a_person_and_all_shows_every_lead(acme):
    LeadFactory(tenant=acme.tenant, company="Queued Co", status=LeadStatus.QUEUED)
    LeadFactory(tenant=acme.tenant, company="Flagged Co", status=LeadStatus.DUPLICATE)
    LeadFactory(
        tenant=acme.tenant,
        company="Referred Co",
        status=LeadStatus.PENDING_REVIEW,
        source=LeadSource.REFERRAL,
        source_partner=acme.partner,
    )
    LeadFactory(tenant=acme.tenant, company="Offered Co", status=LeadStatus.OFFERED, offered_to=acme.partner)
    client = make_client(acme.marketing)
    queue = body(client.get(reverse("office:leads")))
    assert all(name in queue for name in ("Queued Co", "Flagged Co", "Referred Co")) and "Offered Co" not in queue
    every = body(client.get(reverse("office:leads") + "?view=all"))
    assert "Offered Co" in every and "Acme Partner 1" in every
    found = body(client.get(reverse("office:leads") + "?view=all&q=referred&source=referral"))
    assert "Referred Co" in found and "Offered Co" not in found
    by_partner = body(client.get(reverse("office:leads") + "?view=all&partner_name=partner 1"))
    assert "Offered Co" in by_partner and "Queued Co" not in by_partner
    # nonsense in the query string is ignored, never a 500
    assert client.get(reverse("office:leads") + "?program=abc&country=ZZZ&status=nope").status_code == 200


def test_the_lead_list_costs_the_same_with_many_rows(acme, no_queries_from_templates):
    path = reverse("office:leads") + "?view=all"
    LeadFactory(tenant=acme.tenant, status=LeadStatus.OFFERED, offered_to=acme.partner)
    few = cost(acme.manager, path)
    for n in range(30):
        LeadFactory(
            tenant=acme.tenant,
            status=LeadStatus.QUEUED if n % 2 else LeadStatus.OFFERED,
            offered_to=acme.partners[n % 2],
        )
    many = cost(acme.manager, path)
    assert_list_page(few, many, pinned=PINNED_LEAD_LIST, row=r'<tr id="lead-', rows=(1, 25), what="lead list")


def test_entering_a_lead_keeps_what_was_typed_when_it_is_refused(acme):
    client = make_client(acme.manager)
    assert "Enter a lead" in body(client.get(reverse("office:lead_create")))
    response = client.post(reverse("office:lead_create"), {"company": "Vandelay Industries", "country": "DE"})
    page = body(response)
    assert response.status_code == 200 and 'value="Vandelay Industries"' in page
    assert "Give an e-mail address or a phone number" in page
    response = client.post(
        reverse("office:lead_create"),
        {"company": "Vandelay Industries", "email": "art@vandelay.de", "country": "DE", "estimated_value": "900"},
    )
    assert response.status_code == 302
    with tenant_scope(acme.tenant):
        lead = Lead.objects.get()
        assert (lead.source, lead.currency, lead.created_by_id) == (
            LeadSource.MANUAL,
            acme.tenant.default_currency,
            acme.manager.pk,
        )


def test_a_flagged_duplicate_is_released_from_its_review_page(acme, django_capture_on_commit_callbacks):
    original = LeadFactory(tenant=acme.tenant, company="Kramerica", email="k@kramerica.de", domain="kramerica.de")
    flagged = LeadFactory(
        tenant=acme.tenant,
        company="Kramerica Industries",
        email="cosmo@kramerica.de",
        domain="kramerica.de",
        status=LeadStatus.DUPLICATE,
        duplicate_of=original,
    )
    client = make_client(acme.manager)
    page = body(client.get(reverse("office:lead_review", args=[flagged.pk])))
    assert "Release into routing" in page and original.reference in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("office:lead_duplicate_release", args=[flagged.pk])).status_code == 302
    # a second release (another tab) is told, and changes nothing
    response = client.post(reverse("office:lead_duplicate_release", args=[flagged.pk]), follow=True)
    assert "no longer a flagged duplicate" in body(response)
    with platform_scope():
        assert Lead.objects.get(pk=flagged.pk).status in (LeadStatus.OFFERED, LeadStatus.QUEUED)


def test_the_staff_home_lists_the_queue_longest_waiting_first(acme):
    from leads.wiring.intake import queue_items

    older = LeadFactory(tenant=acme.tenant, company="Waiting Co", status=LeadStatus.QUEUED)
    LeadFactory(tenant=acme.tenant, company="Flagged Co", status=LeadStatus.DUPLICATE)
    LeadFactory(tenant=acme.tenant, company="Offered Co", status=LeadStatus.OFFERED, offered_to=acme.partner)
    with tenant_scope(acme.tenant):
        group = queue_items(actor=acme.manager, tenant=acme.tenant, limit=10)
    assert group.count == 2 and group.items[0].title == f"{older.reference} · Waiting Co"


def test_a_lead_whose_routing_stalled_joins_the_queue(acme):
    """Between two offers (declined, timed out) or new, a lead waits for the ``leads.route`` task.
    When that task keeps failing (the outbox sweep only re-sends it) or was never asked for, the
    lead was in no queue at all: after ``STALLED_AFTER`` it waits in the vendor's queue."""
    from datetime import timedelta

    from django.utils import timezone

    from leads.selectors.intake import STALLED_AFTER
    from leads.wiring.intake import queue_items

    between = LeadFactory(tenant=acme.tenant, company="Between Co", status=LeadStatus.OFFERED, offered_to=None)
    unrouted = LeadFactory(tenant=acme.tenant, company="Unrouted Co", status=LeadStatus.NEW)
    LeadFactory(tenant=acme.tenant, company="Just In Co", status=LeadStatus.NEW)
    LeadFactory(tenant=acme.tenant, company="Offered Co", status=LeadStatus.OFFERED, offered_to=acme.partner)
    with platform_scope():
        Lead.objects.filter(pk__in=[between.pk, unrouted.pk]).update(
            updated_at=timezone.now() - STALLED_AFTER - timedelta(minutes=1)
        )
    queue = body(make_client(acme.manager).get(reverse("office:leads")))
    assert "Between Co" in queue and "Unrouted Co" in queue
    assert "Just In Co" not in queue and "Offered Co" not in queue
    with tenant_scope(acme.tenant):
        group = queue_items(actor=acme.manager, tenant=acme.tenant, limit=10)
    assert group.count == 2
    # staff can route it from there
    routing = body(make_client(acme.manager).get(reverse("office:lead_routing", args=[between.pk])))
    assert reverse("office:lead_route_now", args=[between.pk]) in routing


def test_the_queues_partial_index_holds_every_lead_the_queue_shows():
    # The queue's filter must imply the index's condition (leads.models: lead_waiting_idx), or
    # PostgreSQL cannot use it and reads every lead (the bench's 150,000 took 45 ms to count).
    from django.db.models import Q

    from leads.selectors.intake import QUEUE_STATUSES, waiting_for_a_person

    [index] = [index for index in Lead._meta.indexes if index.name == "lead_waiting_idx"]
    between_offers = [LeadStatus.NEW, LeadStatus.OFFERED]
    assert index.condition == Q(status__in=list(QUEUE_STATUSES)) | Q(offered_to__isnull=True, status__in=between_offers)
    stalled = waiting_for_a_person().children[1]  # the stalled arm: the index's second, narrowed
    assert dict(stalled.children) | {"updated_at__lt": None} == {
        "status__in": tuple(between_offers),
        "offered_to__isnull": True,
        "updated_at__lt": None,
    }


def test_the_partner_record_lists_its_leads_and_what_it_holds(acme, no_queries_from_templates):
    path = reverse("office:partner_leads", args=[acme.partner.pk])

    def leads(n, company):
        with tenant_scope(acme.tenant):
            for i in range(n):
                LeadFactory(
                    tenant=acme.tenant, company=f"{company} {i}", source_partner=acme.partner, source="referral"
                )

    leads(1, "Referred")
    few = cost(acme.manager, path)
    leads(30, "More")
    many = cost(acme.manager, path)
    assert_list_page(few, many, pinned=PINNED_PARTNER_TAB, row=r'<tr id="lead-', rows=(1, 25), what="leads tab")
    assert "Referred 0" in few.html and "The partner holds no lead." in few.html
    # another partner's record shows none of them
    assert "Referred 0" not in cost(acme.manager, reverse("office:partner_leads", args=[acme.partners[1].pk])).html


PINNED_PARTNER_TAB = 7
