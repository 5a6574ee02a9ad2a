"""Journeys of the vendor's channel staff in the back office."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from deals.models import DealStatus, PricingStatus, SpecialPricingRequest
from partners.models import PartnerStatus
from partners.services import partner_update
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.conftest import build_side
from tests.deals import pricing_setup
from tests.factories import DealFactory, PartnerFactory

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


def test_a_channel_manager_finds_an_approved_deal_by_filter_and_saves_the_filter(acme, open_page, tenant_url):
    # Given an approved registration and one still under review
    approved = DealFactory(partner=acme.partner, status=DealStatus.APPROVED, customer_name="Umbrella Corp")
    DealFactory(partner=acme.partners[1], status=DealStatus.SUBMITTED, customer_name="Waiting Ltd")
    manager = can_sign_in(acme.manager)
    page = open_page(tenant_url(acme.tenant))
    sign_in(page, manager.user.email)
    expect(page).to_have_url(re.compile(r"/office/$"))

    # When the channel manager opens every registration and narrows to the approved ones
    page.goto("/office/deals/all/")
    results = page.locator("#results")
    expect(results).to_contain_text("Waiting Ltd")
    page.get_by_label("Status").select_option(DealStatus.APPROVED)
    expect(page).to_have_url(re.compile(r"[?&]status=approved"))
    expect(results).not_to_contain_text("Waiting Ltd")
    expect(results.get_by_role("link", name=approved.reference)).to_be_visible()

    # ...and saves the filters under a name
    page.get_by_label("Save these filters as").fill("Approved deals")
    page.get_by_role("button", name="Save filters").click()
    expect(page.get_by_role("alert")).to_contain_text("The filters are saved as “Approved deals”.")

    # Then, from the unfiltered list, the saved filter brings the approved deal back in one click
    page.get_by_role("link", name="Clear the filters").click()
    expect(results).to_contain_text("Waiting Ltd")
    page.get_by_role("list", name="Saved filters").get_by_role("link", name="Approved deals").click()
    expect(page).to_have_url(re.compile(r"/office/deals/all/\?status=approved$"))
    expect(results).not_to_contain_text("Waiting Ltd")
    results.get_by_role("link", name=approved.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{approved.reference} Umbrella Corp")


def test_a_pricing_decision_needs_a_confirmation(acme, open_page, tenant_url):
    # Given partner 1's approved deal with an 8 % special-pricing request awaiting the manager
    ctx = SimpleNamespace(side=acme)
    pricing_setup.pending(ctx)
    manager = can_sign_in(acme.manager)
    page = open_page(tenant_url(acme.tenant))
    sign_in(page, manager.user.email)
    expect(page).to_have_url(re.compile(r"/office/$"))
    page.goto(f"/office/deals/{ctx.deal.pk}/")
    request = page.locator(f"#pricing-{ctx.pricing.pk}")

    # When the manager clicks "Approve 8 %"
    request.get_by_role("button", name="Approve 8 %").click()

    # Then the page asks first, saying what the decision does, and nothing is decided yet
    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text(
        f"Approve 8 % discount on {ctx.deal.reference}? The partner is told at once and this cannot be undone."
    )
    with platform_scope():
        assert SpecialPricingRequest.objects.get(pk=ctx.pricing.pk).status == PricingStatus.PENDING

    # When they confirm it, the price is decided
    confirmation.get_by_role("button", name="Yes, approve 8 %").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"Your decision on the special pricing of {ctx.deal.reference} was recorded."
    )
    expect(page.locator(f"#pricing-{ctx.pricing.pk} .badge")).to_have_text("Approved")
    with platform_scope():
        assert SpecialPricingRequest.objects.get(pk=ctx.pricing.pk).status == PricingStatus.APPROVED
