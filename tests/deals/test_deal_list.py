"""The back office's list of every registration (``office:deal_list``) and the partner record's
Deals tab: drafts stay the partners' own, each filter narrows, other tenants' and partner users'
asking finds nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404
from django.urls import reverse

from deals.models import DealStatus
from deals.selectors.review import PARTNER_TAB_ROWS, deal_office_rows_for_actor, deal_partner_rows_for_actor
from prm.tenancy.scope import tenant_scope
from tests.conftest import make_client
from tests.factories import DealFactory, DealLineFactory, ProductFactory, ProductLineFactory

pytestmark = pytest.mark.django_db
S = DealStatus


def _customers(actor, **filters) -> set[str]:
    with tenant_scope(actor.tenant):
        rows, deals = deal_office_rows_for_actor(actor=actor, **filters)
        names = {row["customer_name"] for row in rows}
        assert deals.count() == len(names)  # the count_from queryset counts the same deals
    return names


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the selector ---------------------------------------------------------------------------------


def test_the_list_leaves_drafts_out_and_shows_every_other_status(acme):
    # given a draft and a registration in each other status
    DealFactory(partner=acme.partner, status=S.DRAFT, customer_name="Draft Ltd")
    others = {status: DealFactory(partner=acme.partner, status=status) for status in S.values if status != S.DRAFT}
    # when staff list every registration
    names = _customers(acme.manager)
    # then the draft is not there; approved, won-awaiting-confirmation, info-requested ... are
    assert "Draft Ltd" not in names
    assert names == {deal.customer_name for deal in others.values()}


def test_a_status_filter_asking_for_drafts_finds_none(acme):
    DealFactory(partner=acme.partner, status=S.DRAFT, customer_name="Draft Ltd")
    assert _customers(acme.manager, status=S.DRAFT) == set()


def test_the_list_filters_by_status_stage_and_partner(acme):
    DealFactory(partner=acme.partner, status=S.APPROVED, stage="negotiate", customer_name="A Ltd")
    DealFactory(partner=acme.partner, status=S.SUBMITTED, stage="qualify", customer_name="B Ltd")
    DealFactory(partner=acme.partners[1], status=S.APPROVED, stage="qualify", customer_name="C Ltd")
    assert _customers(acme.manager, status=S.APPROVED) == {"A Ltd", "C Ltd"}
    assert _customers(acme.manager, stage="qualify") == {"B Ltd", "C Ltd"}
    assert _customers(acme.manager, partner_id=acme.partners[1].pk) == {"C Ltd"}
    assert _customers(acme.manager, partner_search="partner 1") == {"A Ltd", "B Ltd"}
    assert _customers(acme.manager, search="b lt") == {"B Ltd"}


def test_the_list_filters_by_product_line_once_per_deal(acme):
    # given a deal with two firewall lines, one with a switch line
    firewalls = ProductLineFactory(tenant=acme.tenant, name="Firewalls")
    switches = ProductLineFactory(tenant=acme.tenant, name="Switches")
    firewall = ProductFactory(tenant=acme.tenant, line=firewalls)
    switch = ProductFactory(tenant=acme.tenant, line=switches)
    both = DealFactory(partner=acme.partner, customer_name="Both Ltd")
    DealLineFactory(deal=both, product=firewall)
    DealLineFactory(deal=both, product=firewall)
    DealLineFactory(deal=DealFactory(partner=acme.partner, customer_name="Switch Ltd"), product=switch)
    # when filtered by product line, then each deal with a line of it is there once
    with tenant_scope(acme.tenant):
        rows, _ = deal_office_rows_for_actor(actor=acme.manager, product_line_id=firewalls.pk)
        assert [row["customer_name"] for row in rows] == ["Both Ltd"]
    assert _customers(acme.manager, product_line_id=switches.pk) == {"Switch Ltd"}


def test_the_list_filters_by_close_date_and_protection_expiry_inclusively(acme):
    DealFactory(partner=acme.partner, customer_name="Early Ltd", expected_close_on=date(2030, 1, 10))
    DealFactory(
        partner=acme.partner,
        status=S.APPROVED,
        customer_name="Late Ltd",
        expected_close_on=date(2030, 3, 1),
        protected_until=date(2030, 4, 30),
    )
    assert _customers(acme.manager, close_from=date(2030, 1, 10), close_to=date(2030, 2, 1)) == {"Early Ltd"}
    assert _customers(acme.manager, close_from=date(2030, 1, 11)) == {"Late Ltd"}
    assert _customers(acme.manager, protected_from=date(2030, 4, 30), protected_to=date(2030, 4, 30)) == {"Late Ltd"}
    assert _customers(acme.manager, protected_to=date(2030, 4, 29)) == set()


def test_staff_never_list_another_tenants_deals(acme, globex):
    DealFactory(partner=globex.partner, customer_name="Globex Customer")
    DealFactory(partner=acme.partner, customer_name="Acme Customer")
    assert _customers(acme.manager) == {"Acme Customer"}
    # not even by naming the other tenant's partner
    assert _customers(acme.manager, partner_id=globex.partner.pk) == set()


def test_a_partner_user_asking_the_office_selectors_gets_a_404(acme):
    DealFactory(partner=acme.partner, registered_by=acme.partner_admin)
    with tenant_scope(acme.tenant):
        for actor in (acme.partner_admin, acme.sales_rep):
            with pytest.raises(Http404):
                deal_office_rows_for_actor(actor=actor)
            with pytest.raises(Http404):
                deal_partner_rows_for_actor(actor=actor, partner_id=acme.partner.pk)


def test_the_partner_tab_shows_the_partners_latest_registrations_only(acme):
    DealFactory.create_batch(PARTNER_TAB_ROWS + 2, partner=acme.partner)
    DealFactory(partner=acme.partner, status=S.DRAFT, customer_name="Draft Ltd")
    DealFactory(partner=acme.partners[1], customer_name="Other Ltd")
    newest = DealFactory(partner=acme.partner, customer_name="Newest Ltd")
    with tenant_scope(acme.tenant):
        rows = deal_partner_rows_for_actor(actor=acme.manager, partner_id=acme.partner.pk)
    assert len(rows) == PARTNER_TAB_ROWS
    assert rows[0]["id"] == newest.pk
    assert {row["partner_id"] for row in rows} == {acme.partner.pk}
    assert "Draft Ltd" not in {row["customer_name"] for row in rows}


# --- the pages ------------------------------------------------------------------------------------


def test_the_list_page_shows_rows_linked_to_the_deal_page_and_filters(acme):
    approved = DealFactory(partner=acme.partner, status=S.APPROVED, customer_name="Approved Ltd")
    DealFactory(partner=acme.partner, status=S.INFO_REQUESTED, customer_name="Asked Ltd")
    DealFactory(partner=acme.partner, status=S.DRAFT, customer_name="Draft Ltd")
    client = make_client(acme.marketing)  # deals.view is enough
    page = html(client.get(reverse("office:deal_list")))
    assert "Approved Ltd" in page and "Asked Ltd" in page and "Draft Ltd" not in page
    assert f'href="{reverse("office:deal_detail", args=[approved.pk])}"' in page
    partial = html(client.get(reverse("office:deal_list"), {"status": "approved"}, HTTP_HX_REQUEST="true"))
    assert "Approved Ltd" in partial and "Asked Ltd" not in partial and "<html" not in partial


def test_the_list_page_ignores_nonsense_filters(acme):
    DealFactory(partner=acme.partner, customer_name="Kept Ltd")
    query = {"status": "x'--", "stage": "\x00", "partner": str(2**70), "line": "abc", "close_from": "2030-13-45"}
    assert "Kept Ltd" in html(make_client(acme.manager).get(reverse("office:deal_list"), query))


def test_the_review_queue_links_to_the_full_list(acme):
    page = html(make_client(acme.manager).get(reverse("office:deal_reviews")))
    assert f'href="{reverse("office:deal_list")}"' in page


def test_partner_users_get_a_404_on_the_office_pages(acme):
    for member in (acme.partner_admin, acme.sales_rep):
        client = make_client(member)
        assert client.get(reverse("office:deal_list")).status_code == 404
        assert client.get(reverse("office:partner_deals", args=[acme.partner.pk])).status_code == 404


def test_the_partner_record_has_a_deals_tab_linking_to_the_filtered_list(acme):
    deal = DealFactory(partner=acme.partner, status=S.WON_PENDING, customer_name="Won Ltd")
    DealFactory(partner=acme.partners[1], customer_name="Other Ltd")
    client = make_client(acme.manager)
    tab = reverse("office:partner_deals", args=[acme.partner.pk])
    assert f'href="{tab}"' in html(client.get(reverse("office:partner_detail", args=[acme.partner.pk])))
    page = html(client.get(tab))
    assert deal.reference in page and "Won Ltd" in page and "Other Ltd" not in page
    filtered_list = f"{reverse('office:deal_list')}?partner={acme.partner.pk}"
    assert f'href="{filtered_list}"' in page
    listed = html(client.get(filtered_list))
    assert "Won Ltd" in listed and "Other Ltd" not in listed and acme.partner.display_name in listed


def test_another_tenants_partner_tab_is_a_404(acme, globex):
    client = make_client(acme.manager)
    assert client.get(reverse("office:partner_deals", args=[globex.partner.pk])).status_code == 404
