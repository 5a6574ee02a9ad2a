"""Journeys through the homes: a partner who sells for two vendors signs in on the platform page,
sees what waits in each portal and opens one item in its portal; a channel manager's dashboard
starts with the overdue registration.

Set-up goes through the services; what the journeys check happens in the browser.
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import Deal
from deals.services import deal_request_info
from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.conftest import build_side
from tests.deals.deal_setup import make_catalogue, submitted
from tests.factories import PartnerMembershipFactory

from .conftest import can_sign_in, sign_in
from .test_deals import shot, sign_in_to

pytestmark = pytest.mark.journey


def _returned(side, cat, member, customer: str) -> Deal:
    website = f"https://{customer.replace(' ', '').lower()}.example"
    deal = submitted(member, cat, customer_name=customer, customer_website=website, amount=90000)
    with tenant_scope(side.tenant):
        return deal_request_info(actor=side.manager, deal=deal, fields=["contact_phone"], message="The buyer's phone?")


@pytest.fixture
def vendors(live_server) -> SimpleNamespace:
    """Acme and Globex, each with its catalogue; acme's partner 1 sales rep sells for globex's
    partner 1 too; each vendor returned one of the rep's registrations for information."""
    acme, globex = build_side("acme", "Acme"), build_side("globex", "Globex")
    acme_cat, globex_cat = make_catalogue(acme), make_catalogue(globex)
    rep = acme.sales_rep
    at_globex = PartnerMembershipFactory(partner=globex.partners[0], user=rep.user, role=Role.SALES)
    return SimpleNamespace(
        acme=acme,
        globex=globex,
        acme_cat=acme_cat,
        rep=rep,
        acme_deal=_returned(acme, acme_cat, rep, "Tailspin Toys"),
        globex_deal=_returned(globex, globex_cat, at_globex, "Wide World Importers"),
    )


def test_a_partner_of_two_vendors_works_from_one_inbox(vendors, open_page, live_server, settings):
    # (links into a portal name the live server's port, as PRM_URL_PORT does behind a proxy)
    settings.PRM_URL_SCHEME, settings.PRM_URL_PORT = "http", f":{live_server.thread.port}"
    # Given the sales rep, signed in on the platform page
    page = open_page(f"http://localhost:{live_server.thread.port}")
    sign_in(page, can_sign_in(vendors.rep).user.email)
    page.goto("/")
    # Then each vendor says what waits there
    acme = page.locator(f"#vendor-{vendors.acme.tenant.pk}")
    globex = page.locator(f"#vendor-{vendors.globex.tenant.pk}")
    expect(acme).to_contain_text("Tailspin Toys")
    expect(acme).not_to_contain_text("Wide World Importers")
    expect(globex).to_contain_text("Wide World Importers")
    expect(globex).to_contain_text("Information requested")
    shot(page, "homes-platform-inbox")
    # When they open globex's item, the platform hands them over to globex's portal
    globex.get_by_role("button", name=re.compile("Wide World Importers")).click()
    # Then they land in globex's portal on the form to complete
    expect(page).to_have_url(re.compile(rf"^http://globex\.localhost:\d+/portal/deals/{vendors.globex_deal.pk}/edit/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_partner_home_starts_with_the_work(vendors, open_page, tenant_url):
    # Given a protection that ends in a week
    submitted_deal = submitted(
        vendors.rep, vendors.acme_cat, customer_name="Lucerne Publishing", customer_website="https://lucerne.example"
    )
    with tenant_scope(vendors.acme.tenant):
        from deals.services import deal_approve

        approved = deal_approve(actor=vendors.acme.manager, deal=submitted_deal)
    with platform_scope():
        Deal.objects.filter(pk=approved.pk).update(protected_until=timezone.localdate() + timedelta(days=7))
    # When the rep opens acme's portal
    page = sign_in_to(open_page, tenant_url, vendors.rep, "portal")
    work = page.locator("#work")
    # Then the work comes first, the nearest deadline on top, each item a link to where it is done
    expect(work.locator(".work-item").first).to_contain_text("Lucerne Publishing")
    expect(work).to_contain_text("Tailspin Toys")
    expect(work).not_to_contain_text("Wide World Importers")
    expect(page.get_by_role("link", name="Register a deal")).to_be_visible()
    shot(page, "homes-partner-home")
    work.get_by_role("link", name=re.compile("Tailspin Toys")).click()
    expect(page).to_have_url(re.compile(rf"/portal/deals/{vendors.acme_deal.pk}/edit/$"))


def test_the_channel_managers_dashboard_starts_with_the_breach(vendors, open_page, tenant_url):
    # Given a registration whose decision is overdue
    late = submitted(
        vendors.acme.sales[1],
        vendors.acme_cat,
        customer_name="Fabrikam",
        customer_website="https://fabrikam.example",
        amount=90000,
    )
    with platform_scope():
        Deal.objects.filter(pk=late.pk).update(decision_due_at=timezone.now() - timedelta(hours=5))
    # When the channel manager opens the back office
    page = sign_in_to(open_page, tenant_url, vendors.acme.manager, "office")
    first = page.locator("#work .work-item").first
    # Then the breach is first and marked, and it opens the deal's review page
    expect(first).to_contain_text("Fabrikam")
    expect(first).to_contain_text("Overdue")
    shot(page, "homes-office-dashboard")
    first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/office/deals/{late.pk}/$"))
