"""The offers part's pages: the inbox (pinned queries), an offer (why, accept, decline, a timed-out
one), a held lead (contact shown, conversion pre-filled), and the vendor's lead page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads.models import LeadOffer, LeadStatus, OfferStatus
from prm.tenancy.scope import platform_scope

from ..conftest import body
from .offers_setup import accepted, make_catalogue, offered, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(acme):
    return make_catalogue(acme)


def test_the_inbox_lists_waiting_offers_first_then_the_company_s_leads(acme, cat, client_for):
    _lead, offer = offered(acme, company="Waiting Prospect AG")
    accepted(acme, company="Held Prospect AG")
    page = body(client_for(acme.partner_admin).get(reverse("portal:leads")))
    assert page.index("Waiting Prospect AG") < page.index("Held Prospect AG")
    assert f'id="offer-{offer.pk}" class="fw-semibold"' in page  # unopened, marked
    assert "answer within" in page
    # partner 2 sees neither
    other = body(client_for(acme.partner_admins[1]).get(reverse("portal:leads")))
    assert "Waiting Prospect AG" not in other and "Held Prospect AG" not in other


def test_a_sales_rep_sees_only_the_leads_it_owns(acme, cat, client_for):
    mine = accepted(acme, company="Rep Prospect AG", owner=acme.sales_rep)
    theirs = accepted(acme, company="Admin Prospect AG", owner=acme.partner_admin)
    rep = client_for(acme.sales_rep)
    page = body(rep.get(reverse("portal:leads")))
    assert "Rep Prospect AG" in page and "Admin Prospect AG" not in page
    assert rep.get(reverse("portal:lead", args=[theirs.pk])).status_code == 404
    assert rep.get(reverse("portal:lead", args=[mine.pk])).status_code == 200


def _inbox_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("portal:leads")).status_code == 200
    return len(queries)


def test_the_inbox_s_queries_do_not_grow_with_its_rows(acme, cat, client_for, no_queries_from_templates):
    offered(acme)
    accepted(acme)
    client = client_for(acme.partner_admin)
    _inbox_queries(client)  # warm (session, memos)
    few = _inbox_queries(client)
    for _ in range(4):
        offered(acme)
        accepted(acme)
    assert _inbox_queries(client) == few
    # the request's own (transaction, scope, session, user), the pending offers, the page and its count
    assert few == 6, few


def test_the_offer_page_says_why_hides_the_contact_and_records_the_first_open(acme, cat, client_for):
    _lead, offer = offered(acme, company="Why Prospect AG", contact_name="Ada Hidden", email="ada@hidden.example")
    with platform_scope():
        LeadOffer.objects.filter(pk=offer.pk).update(rule_name="DACH resellers", weight=3)
    page = body(client_for(acme.sales_rep).get(reverse("portal:lead_offer", args=[offer.pk])))
    assert "Why you received this lead" in page and "DACH resellers" in page
    assert 'id="why-weight">3<' in page
    assert "Why Prospect AG" in page and "Ada Hidden" not in page and "ada@hidden.example" not in page
    assert reload(offer).opened_by_id == acme.sales_rep.pk


def test_accepting_on_the_page_leads_to_the_lead_with_its_contact(acme, cat, client_for):
    _lead, offer = offered(acme, contact_name="Ada Shown", email="ada@shown.example")
    client = client_for(acme.sales_rep)
    response = client.post(reverse("portal:lead_offer_accept", args=[offer.pk]), {"accept-next_step": "Call Ada"})
    assert response.status_code == 302
    page = body(client.get(response["Location"]))
    assert "Ada Shown" in page and "ada@shown.example" in page and "Call Ada" in page


def test_bad_input_on_the_accept_form_keeps_what_was_typed(acme, cat, client_for):
    _lead, offer = offered(acme)
    response = client_for(acme.sales_rep).post(
        reverse("portal:lead_offer_accept", args=[offer.pk]),
        {"accept-next_step": "Call Ada", "accept-expected_value": "lots"},
    )
    assert response.status_code == 200
    assert 'value="Call Ada"' in body(response) and reload(offer).status == OfferStatus.PENDING


def test_a_timed_out_offer_shows_what_happened_and_no_forms(acme, cat, client_for):
    _lead, offer = offered(acme, company="Late Prospect AG")
    with platform_scope():
        LeadOffer.objects.filter(pk=offer.pk).update(status=OfferStatus.EXPIRED, due_at=timezone.now() - timedelta(1))
    client = client_for(acme.partner_admin)
    page = body(client.get(reverse("portal:lead_offer", args=[offer.pk])))
    assert "This offer timed out at" in page and "Accept the lead" not in page
    # and a late answer is refused with the same words
    response = client.post(reverse("portal:lead_offer_accept", args=[offer.pk]), {"accept-next_step": "Call"})
    assert response.status_code == 200 and "timed out" in body(response)


def test_declining_on_the_page_passes_the_lead_on(acme, cat, client_for, django_capture_on_commit_callbacks):
    lead, offer = offered(acme)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(acme.sales_rep).post(
            reverse("portal:lead_offer_decline", args=[offer.pk]), {"decline-reason": "capacity"}
        )
    assert response.status_code == 302 and response["Location"] == reverse("portal:leads")
    assert reload(lead).offered_to_id == acme.partners[1].pk


def test_the_conversion_page_is_the_registration_form_pre_filled(acme, cat, client_for):
    lead = accepted(acme, company="Convert Prospect AG", email="buyer@convert.example", product_line=cat.firewalls)
    client = client_for(acme.sales_rep)
    page = body(client.get(reverse("portal:lead_convert", args=[lead.pk])))
    assert 'value="Convert Prospect AG"' in page and 'value="buyer@convert.example"' in page
    response = client.post(
        reverse("portal:lead_convert", args=[lead.pk]),
        {
            "customer_name": "Convert Prospect AG",
            "customer_country": "DE",
            "currency": "USD",
            "expected_close_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "stage": "qualify",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": str(cat.firewall.pk),
            "lines-0-quantity": "2",
            "intent": "submit",
        },
    )
    assert response.status_code == 302, body(response)
    lead = reload(lead)
    assert lead.status == LeadStatus.CONVERTED and response["Location"] == reverse(
        "portal:deal_detail", args=[lead.deal_id]
    )
    page = body(client.get(reverse("portal:lead", args=[lead.pk])))
    assert "Converted to the deal registration" in page


def test_the_vendor_s_lead_page_shows_every_offer_and_internal_notes(
    acme, cat, client_for, django_capture_on_commit_callbacks
):
    lead, offer = offered(acme, company="Office Prospect AG")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(acme.sales_rep).post(
            reverse("portal:lead_offer_decline", args=[offer.pk]), {"decline-reason": "capacity"}
        )
    manager = client_for(acme.manager)
    page = body(manager.get(reverse("office:lead", args=[lead.pk])))
    assert "Office Prospect AG" in page
    assert acme.partner.display_name in page and acme.partners[1].display_name in page
    assert "No capacity right now" in page
