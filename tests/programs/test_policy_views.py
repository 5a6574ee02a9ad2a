"""Policy pages as people use them: the portal's products (with the htmx deal check) and
licences, the back office's verification queue and policy check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from prm.tenancy.scope import platform_scope
from programs.models import LicenceStatus, PartnerLicence

from ..factories import (
    AuthorizationRuleFactory,
    EnrollmentFactory,
    LicenceTypeFactory,
    PartnerLicenceFactory,
    ProductFactory,
    ProductLineFactory,
    ProgramFactory,
    TerritoryGrantFactory,
    TierFactory,
    refresh,
)
from ..hostile.support import PAYLOADS, html_problems
from ..query_budget import cost
from .documents import small_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(world):
    """acme sells Endpoint (open to all) and Cloud Security (needs Gold; partner 1 is Silver)."""
    tenant = world.acme.tenant
    program = ProgramFactory(tenant=tenant, name="Resell", deal_min_amount=5000)
    silver = TierFactory(tenant=tenant, program=program, name="Silver", rank=1)
    gold = TierFactory(tenant=tenant, program=program, name="Gold", rank=2)
    EnrollmentFactory(partner=world.acme.partner, tier=silver)
    endpoint = ProductLineFactory(tenant=tenant, name="Endpoint")
    cloud = ProductLineFactory(tenant=tenant, name="Cloud Security", requires_territory=True)
    AuthorizationRuleFactory(product_line=cloud, min_tier=gold)
    ProductFactory(line=endpoint, name="Endpoint Agent", list_price=1234.5, currency="EUR")
    ProductFactory(line=cloud, name="Cloud Gateway", list_price=99000, currency="EUR")
    ProductFactory(line=cloud, name="Retired box", is_active=False)
    ProductLineFactory(tenant=tenant, name="Legacy", is_active=False)
    TerritoryGrantFactory(partner=world.acme.partners[1], product_line=cloud, country="FR", exclusive=True)
    TerritoryGrantFactory(partner=world.acme.partner, product_line=endpoint, country="DE")
    return {"endpoint": endpoint, "cloud": cloud}


# --- products ----------------------------------------------------------------------------------


def test_the_products_page_shows_each_line_with_its_decision_and_prices(
    world, catalogue, client_for, no_queries_from_templates
):
    # given partner 1's sales rep
    # when they open the products page
    response = client_for(world.acme.sales_rep).get(reverse("portal:products"))
    # then every active line is there: Endpoint allowed, Cloud Security refused with its reasons
    assert response.status_code == 200
    page = response.content.decode()
    assert "Legacy" not in page and "Retired box" not in page
    assert "Cloud Security needs the Gold tier of the Resell program; you are Silver." in page
    assert "Cloud Security is sold only in granted territories" in page
    assert page.count("You may sell this") == 1
    # with prices in their currency, the partner's territories and its deal minimum
    assert "EUR 1,234.50" in page and "EUR 99,000.00" in page
    assert "Germany · Endpoint" in page
    assert "Deals start at USD 5,000.00" in page


def test_the_deal_check_answers_in_a_partial_for_htmx(world, catalogue, client_for, no_queries_from_templates):
    # given partner 1's admin on the products page
    client = client_for(world.acme.partner_admin)
    query = {"product_line": catalogue["cloud"].pk, "country": "FR", "amount": "1200"}
    # when the check form is sent by htmx
    response = client.get(reverse("portal:products"), query, HTTP_HX_REQUEST="true")
    # then only the result comes back, with every reason, never naming France's holder
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="deal-check"')
    assert "<html" not in html
    assert "France is an exclusive territory of another partner for Cloud Security." in html
    assert "Deals must be at least USD 5,000.00; this one is USD 1,200.00." in html
    assert "Acme Partner 2" not in html


def test_the_deal_check_works_without_javascript_and_says_when_allowed(world, catalogue, client_for):
    query = {"product_line": catalogue["endpoint"].pk, "country": "DE", "amount": "7000"}
    response = client_for(world.acme.partner_admin).get(reverse("portal:products"), query)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page
    assert "USD 7,000.00" in page and "Allowed" in page


@pytest.mark.parametrize(
    "query",
    [{"product_line": "999999", "amount": "1"}, {"product_line": "", "amount": "abc"}, {"country": "ZZ"}],
)
def test_a_bad_deal_check_says_what_to_fix(world, catalogue, client_for, query):
    response = client_for(world.acme.sales_rep).get(reverse("portal:products"), query, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


# --- licences (portal) ----------------------------------------------------------------------------


@pytest.fixture
def export(world):
    return LicenceTypeFactory(tenant=world.acme.tenant, name="Export licence")


def _upload_data(export, content=None, name="licence.pdf", **overrides):
    data = {
        "licence_type": str(export.pk),
        "number": "EX-42",
        "issued_on": "",
        "expires_on": (timezone.localdate() + timedelta(days=400)).isoformat(),
        "document": SimpleUploadedFile(name, content if content is not None else small_pdf(), "application/pdf"),
    }
    return {**data, **overrides}


def test_a_partner_admin_uploads_a_real_pdf_and_sees_it_pending(world, export, client_for):
    # given partner 1's admin on the licences page
    client = client_for(world.acme.partner_admin)
    assert "Upload a licence" in client.get(reverse("portal:licences")).content.decode()
    # when they upload a small PDF
    response = client.post(reverse("portal:licences"), _upload_data(export))
    # then they are back on the page, which lists it awaiting verification
    assert response.status_code == 302 and response["Location"] == reverse("portal:licences")
    page = client.get(reverse("portal:licences")).content.decode()
    assert "was uploaded; the vendor will verify it" in page
    assert "EX-42" in page and "Awaiting verification" in page
    with platform_scope():
        assert PartnerLicence.objects.get(number="EX-42").partner_id == world.acme.partner.pk


def test_a_bad_upload_re_renders_the_form_with_what_was_typed_and_why(world, export, client_for):
    # given partner 1's admin
    client = client_for(world.acme.partner_admin)
    # when they upload an HTML page as their licence
    data = _upload_data(export, content=b"<html><script>alert(1)</script></html>", number="EX-typed")
    response = client.post(reverse("portal:licences"), data)
    # then the form comes back with the message and what they typed, and nothing is kept
    assert response.status_code == 200
    page = response.content.decode()
    assert "Upload the licence as a PDF, PNG or JPEG file." in page
    assert 'value="EX-typed"' in page
    assert "The licence was not uploaded" in page
    with platform_scope():
        assert not PartnerLicence.objects.exists()


def test_a_sales_rep_sees_licences_but_cannot_upload(world, export, client_for):
    client = client_for(world.acme.sales_rep)
    page = client.get(reverse("portal:licences")).content.decode()
    assert "Upload a licence" not in page
    assert client.post(reverse("portal:licences"), _upload_data(export)).status_code == 403
    with platform_scope():
        assert not PartnerLicence.objects.exists()


def test_the_licence_document_is_a_download_for_its_partner_only(world, export, client_for):
    # given a licence of partner 1
    licence = PartnerLicenceFactory(
        partner=world.acme.partner,
        licence_type=export,
        document__data=small_pdf(),
        document__filename="x.pdf",
    )
    # when its admin downloads it
    response = client_for(world.acme.partner_admin).get(reverse("portal:licence_document", args=[licence.pk]))
    # then it is an attachment, typed from its extension, never sniffed
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    # and partner 2's admin finds nothing there; staff get it from the back office
    other = client_for(world.acme.partner_admins[1]).get(reverse("portal:licence_document", args=[licence.pk]))
    assert other.status_code == 404
    office = client_for(world.acme.marketing).get(reverse("office:licence_document", args=[licence.pk]))
    assert office.status_code == 200


# --- back office --------------------------------------------------------------------------------


def test_the_queue_lists_pending_licences_oldest_first(world, export, client_for, no_queries_from_templates):
    # given two pending licences and a verified one
    first = PartnerLicenceFactory(partner=world.acme.partner, licence_type=export, status=LicenceStatus.PENDING)
    second = PartnerLicenceFactory(partner=world.acme.partners[1], licence_type=export, status=LicenceStatus.PENDING)
    PartnerLicenceFactory(partner=world.acme.partner, licence_type=export, number="DONE-1")
    # when the channel manager opens the queue
    page = client_for(world.acme.manager).get(reverse("office:licence_queue")).content.decode()
    # then the pending ones are there, oldest first, with the decision forms
    assert page.index(f'id="licence-{first.pk}"') < page.index(f'id="licence-{second.pk}"')
    assert "DONE-1" not in page
    assert reverse("office:licence_decide", args=[first.pk]) in page
    # and marketing sees the queue without the forms
    readonly = client_for(world.acme.marketing).get(reverse("office:licence_queue")).content.decode()
    assert f'id="licence-{first.pk}"' in readonly
    assert reverse("office:licence_decide", args=[first.pk]) not in readonly


def test_staff_verify_a_licence_from_the_queue(world, export, client_for):
    licence = PartnerLicenceFactory(partner=world.acme.partner, licence_type=export, status=LicenceStatus.PENDING)
    client = client_for(world.acme.manager)
    response = client.post(reverse("office:licence_decide", args=[licence.pk]), {"decision": "verify"})
    assert response.status_code == 302 and response["Location"] == reverse("office:licence_queue")
    assert refresh(licence).status == LicenceStatus.VERIFIED
    page = client.get(response["Location"]).content.decode()
    assert "Export licence of Acme Partner 1 verified." in page
    # a second decision is refused with a message
    again = client.post(reverse("office:licence_decide", args=[licence.pk]), {"decision": "reject", "reason": "x"})
    assert "already verified" in client.get(again["Location"]).content.decode()


def test_a_rejection_without_a_reason_is_refused_with_a_message(world, export, client_for):
    licence = PartnerLicenceFactory(partner=world.acme.partner, licence_type=export, status=LicenceStatus.PENDING)
    client = client_for(world.acme.manager)
    response = client.post(reverse("office:licence_decide", args=[licence.pk]), {"decision": "reject"}, follow=True)
    assert "Give a reason" in response.content.decode()
    assert refresh(licence).status == LicenceStatus.PENDING


def test_the_policy_check_shows_the_decision_for_any_partner(world, catalogue, client_for, no_queries_from_templates):
    # given the marketing colleague (read-only staff) on the policy check
    client = client_for(world.acme.marketing)
    assert client.get(reverse("office:policy_check")).status_code == 200
    query = {
        "partner": world.acme.partner.pk,
        "action": "register_deal",
        "product_line": catalogue["cloud"].pk,
        "country": "DE",
        "amount": "9000",
    }
    # when they check a deal for partner 1 with htmx
    response = client.get(reverse("office:policy_check"), query, HTTP_HX_REQUEST="true")
    # then the partial shows the decision and its reasons
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="result"')
    assert "Acme Partner 1: register a deal, Cloud Security" in html
    assert "needs the Gold tier" in html and "Germany is not one of yours" not in html
    assert "holds none for it" in html


def test_the_policy_check_offers_only_the_tenants_partners(world, client_for):
    query = {"partner": world.globex.partner.pk, "action": "sell", "product_line": "1"}
    response = client_for(world.acme.manager).get(reverse("office:policy_check"), query)
    assert response.status_code == 200
    assert world.globex.partner.display_name not in response.content.decode()
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("lines", [1, 5])
def test_the_products_page_costs_the_same_for_1_and_5_lines(world, lines, no_queries_from_templates):
    # given n lines, each with a product and a tier rule
    tenant = world.acme.tenant
    tier = TierFactory(tenant=tenant)
    EnrollmentFactory(partner=world.acme.partner, tier=tier)
    for _ in range(lines):
        line = ProductLineFactory(tenant=tenant)
        ProductFactory(line=line)
        AuthorizationRuleFactory(product_line=line, min_tier=tier)
    # when a sales rep opens the products page
    page = cost(world.acme.sales_rep, reverse("portal:products"))
    # then the number of queries does not grow with the lines (pinned: the user and the
    # scope's savepoint, the partner, the catalogue's six for these rules, territories, and
    # the deal parameters' two)
    assert page.queries == 12, page.sql


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_query_strings_on_the_check_forms_are_refused_inertly(world, catalogue, client_for, payload):
    # given the portal's deal check and the staff's policy check
    portal, office = client_for(world.acme.partner_admin), client_for(world.acme.manager)
    query = {"product_line": payload, "country": payload, "amount": payload, "partner": payload, "action": payload}
    # when every field carries the payload (plain and htmx)
    for client, name in ((portal, "portal:products"), (office, "office:policy_check")):
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.get(reverse(name), query, **headers)
            # then the page answers, nothing in it could run script
            assert response.status_code == 200
            assert html_problems(response.content.decode()) == []
