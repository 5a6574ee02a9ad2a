"""Journeys: a partner's lists (industries, regions, countries) picked from the fixed lists, on a
phone-sized screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from partners.models import Partner
from prm.tenancy.scope import tenant_scope
from tests.conftest import build_side

from .conftest import can_sign_in, sign_in

pytestmark = pytest.mark.journey

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def acme(live_server):
    return build_side("acme", "Acme")


def test_partner_admin_picks_industries_regions_and_countries_on_a_phone(acme, open_page, tenant_url):
    # Given a partner admin on a phone-sized screen, on their company's edit form
    admin = can_sign_in(acme.partner_admin)
    page = open_page(tenant_url(acme.tenant))
    page.set_viewport_size(PHONE)
    sign_in(page, admin.user.email)
    page.goto("/portal/company/edit/")

    # When they tick industries and a region and choose two countries by name
    industries = page.get_by_role("group", name="Industries")
    industries.get_by_label("Healthcare").check()
    industries.get_by_label("Retail").check()
    page.get_by_role("group", name="Regions served").get_by_label("Europe, Middle East and Africa").check()
    countries = page.get_by_label("Countries served")
    chosen = page.locator('[data-chosen-for="id_countries_served"]')
    expect(chosen).to_have_text("Chosen: none")
    countries.select_option(label=["Austria", "France"])

    # Then the names chosen show under the long list, as they are chosen
    expect(chosen).to_have_text("Chosen: Austria, France")

    # And the form fits the screen: nothing to scroll sideways, every tick inside it
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    box = industries.get_by_label("Retail").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    # When they save
    page.get_by_role("button", name="Save").click()

    # Then the profile shows the names they picked
    expect(page).to_have_url(re.compile(r"/portal/company/$"))
    expect(page.get_by_role("alert")).to_contain_text("The company profile is saved.")
    profile = page.get_by_role("main")
    expect(profile).to_contain_text("Healthcare, Retail")
    expect(profile).to_contain_text("Europe, Middle East and Africa")
    expect(profile).to_contain_text("Austria, France")
    with tenant_scope(acme.tenant):
        partner = Partner.objects.get(pk=acme.partner.pk)
    assert (partner.industries, partner.regions_served, partner.countries_served) == (
        ["Healthcare", "Retail"],
        ["EMEA"],
        ["AT", "FR"],
    )

    # And the form opens again with them ticked and chosen
    page.goto("/portal/company/edit/")
    expect(page.get_by_role("group", name="Industries").get_by_label("Retail")).to_be_checked()
    selected = countries.evaluate("select => [...select.selectedOptions].map(option => option.text)")
    assert selected == ["Austria", "France"]
    expect(chosen).to_have_text("Chosen: Austria, France")
