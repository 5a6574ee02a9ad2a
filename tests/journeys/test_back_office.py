"""Journeys of the vendor's channel staff in the back office."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from partners.models import PartnerStatus
from partners.services import partner_update
from prm.tenancy.scope import tenant_scope
from tests.conftest import build_side
from tests.factories import PartnerFactory

from .conftest import can_sign_in, sign_in

pytestmark = pytest.mark.journey


@pytest.fixture
def acme(live_server):
    return build_side("acme", "Acme")


def test_channel_manager_finds_a_partner_with_filters_and_sees_its_timeline(acme, open_page, tenant_url):
    # Given Acme Partner 1's admin changed the company's city in the portal
    partner = acme.partner
    with tenant_scope(acme.tenant, partner=partner.pk):
        partner_update(actor=acme.partner_admin, partner=partner, changes={"city": "Lisbon"})
    # ...and a suspended namesake that the search alone does not tell apart
    PartnerFactory(partner_type=acme.partner_type, display_name="Acme Partner 10", status=PartnerStatus.SUSPENDED)
    manager = can_sign_in(acme.manager)
    page = open_page(tenant_url(acme.tenant))

    # When the channel manager signs in, they land in the back office
    sign_in(page, manager.user.email)
    expect(page).to_have_url(re.compile(r"/office/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    results = page.locator("#results")
    count = results.locator("p[aria-live]")
    expect(count).to_have_text("3 partners")

    # ...type in the search box: the results update in place (htmx), and the URL follows
    page.get_by_role("searchbox", name="Search").fill("Partner 1")
    expect(count).to_have_text("2 partners")
    expect(page).to_have_url(re.compile(r"[?&]q=Partner(%20|\+)1&"))
    # ...and narrow to active partners with the status select
    page.get_by_label("Status").select_option(PartnerStatus.ACTIVE)
    expect(count).to_have_text("1 partner")
    expect(page).to_have_url(re.compile(r"[?&]status=active&"))
    expect(results.get_by_role("link", name="Acme Partner 10")).to_have_count(0)

    # ...open the partner and its Timeline tab
    results.get_by_role("link", name="Acme Partner 1", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/office/partners/{partner.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acme Partner 1")
    page.get_by_role("tab", name="Timeline").click()
    expect(page).to_have_url(re.compile(rf"/office/partners/{partner.pk}/timeline/$"))

    # Then the partner admin's edit is there, with who made it
    latest = page.get_by_role("list", name="Timeline").get_by_role("listitem").first
    expect(latest).to_contain_text("Profile updated")
    expect(latest).to_contain_text("city: (empty) → Lisbon")
    expect(latest).to_contain_text(str(acme.partner_admin.user))
