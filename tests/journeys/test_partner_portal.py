"""Journeys of a partner's people in the portal."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import build_side

from .conftest import can_sign_in, sign_in

pytestmark = pytest.mark.journey


@pytest.fixture
def acme(live_server):
    return build_side("acme", "Acme")


def test_partner_admin_edits_the_company_profile_and_sees_it_on_the_timeline(acme, open_page, tenant_url):
    # Given a partner admin of Acme Partner 1 who can sign in
    admin = can_sign_in(acme.partner_admin)
    page = open_page(tenant_url(acme.tenant))

    # When they sign in on Acme's host, they land in the portal
    sign_in(page, admin.user.email)
    expect(page).to_have_url(re.compile(r"/portal/$"))

    # ...open their company's profile and edit it
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Company").click()
    expect(page).to_have_url(re.compile(r"/portal/company/$"))
    page.get_by_role("link", name="Edit profile").click()
    expect(page).to_have_url(re.compile(r"/portal/company/edit/$"))
    page.get_by_label("City").fill("Lisbon")
    page.get_by_label("Phone").fill("+351 21 000 0000")
    page.get_by_role("button", name="Save").click()

    # Then they are back on the profile, told it is saved, and the timeline shows the change
    expect(page).to_have_url(re.compile(r"/portal/company/$"))
    expect(page.get_by_role("alert")).to_contain_text("The company profile is saved.")
    latest = page.get_by_role("list", name="Timeline").get_by_role("listitem").first
    expect(latest).to_contain_text("Profile updated")
    expect(latest).to_contain_text("city: (empty) → Lisbon")
    expect(latest).to_contain_text(str(admin.user))


def test_partner_user_opening_a_back_office_page_gets_not_found(acme, open_page, tenant_url):
    # Given a partner's sales rep, signed in to the portal
    rep = can_sign_in(acme.sales_rep)
    page = open_page(tenant_url(acme.tenant))
    sign_in(page, rep.user.email)
    expect(page).to_have_url(re.compile(r"/portal/$"))

    # When they open back-office pages (the directory, their own partner's record)
    for path in ("/office/partners/", f"/office/partners/{acme.partner.pk}/", "/office/"):
        response = page.goto(path)

        # Then each is the not-found page: the back office does not exist for them
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(page.get_by_role("main")).not_to_contain_text(acme.partner.display_name)
