"""Pages that never scroll sideways: the portal on a 390 px phone, and a 200-character unbroken
customer name on a 1,366 px screen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from deals.models import Deal
from deals.services import deal_approve
from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today
from tests.conftest import build_side
from tests.deals.deal_setup import make_catalogue, submitted

from .conftest import BLOCKING, TIMEOUT_MS, axe_violations, can_sign_in, shot, sign_in

pytestmark = pytest.mark.journey

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
}
LONG_NAME = "Supercalifragilisticexpialidocious" * 5 + "X" * 30  # 200 characters, no space


@pytest.fixture
def acme(live_server):
    side = build_side("acme", "Acme")
    side.cat = make_catalogue(side)
    return side


def assert_no_sideways_scroll(page: Page, where: str, *, axe: bool = True) -> None:
    """The page fits its window; and, since a phone reflows it (tables scroll in their own box),
    axe finds nothing serious in this layout either."""
    page.wait_for_load_state("load")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{where}: the page is {widths[0]} px wide in a {widths[1]} px window"
    if axe:
        serious = [
            f"{v['id']} {target}" for v in axe_violations(page) if v["impact"] in BLOCKING for target in v["targets"]
        ]
        assert not serious, f"{where}: axe violations {serious}"


def _context(browser: Browser, base_url: str, **options) -> Page:
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def open_menu(page: Page, link: str) -> None:
    """On a phone the navigation is folded behind its toggle: open it, then follow ``link``."""
    nav = page.get_by_role("navigation", name="Main")
    toggle = nav.get_by_role("button", name="Toggle navigation")
    expect(toggle).to_be_visible()
    toggle.tap()
    # Bootstrap slides the menu open ("collapsing"): a tap during the slide can land on the link
    # that is passing under the finger (seen under load: Agreements instead of Notifications).
    expect(nav.locator(".navbar-collapse.show:not(.collapsing)")).to_be_visible()
    nav.get_by_role("link", name=link).first.tap()


def test_a_sales_rep_registers_a_deal_and_reads_the_notifications_on_a_phone(acme, journey_browser, tenant_url):
    # Given partner 1's sales rep, on a 390 px phone
    rep = can_sign_in(acme.sales_rep)
    page = _context(journey_browser, tenant_url(acme.tenant), **PHONE)
    sign_in(page, rep.user.email)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    assert_no_sideways_scroll(page, "portal home")
    shot(page, "phone-portal-home")

    # When they open Deals from the folded menu and register a deal
    open_menu(page, "Deals")
    expect(page).to_have_url(re.compile(r"/portal/deals/$"))
    assert_no_sideways_scroll(page, "deal list")
    page.get_by_role("link", name="Register a deal").first.tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a deal")
    assert_no_sideways_scroll(page, "deal form")
    shot(page, "phone-deal-form")
    page.get_by_label("Company name").fill("Initech GmbH")
    page.get_by_label("Web domain").fill("initech.de")
    page.get_by_label(re.compile(r"^Country\b")).select_option(label="Germany")
    page.get_by_label("Contact name").fill("Peter Gibbons")
    page.get_by_label("Opportunity title").fill("Branch office firewalls")
    product = page.get_by_label("Product 1", exact=True)
    product.select_option(index=1)
    page.get_by_label("Quantity 1", exact=True).fill("2")
    amount = page.get_by_label(re.compile(r"^Amount\b"))
    if amount.count() and amount.is_editable():  # the amount may be worked out from the products
        amount.fill("10000")
    with tenant_scope(acme.tenant):
        close_on = tenant_today() + timedelta(days=45)
    page.get_by_label("Expected close date").fill(close_on.isoformat())
    # ...every field is within reach: nothing of the form is off the right edge
    assert_no_sideways_scroll(page, "deal form, filled in", axe=False)
    page.get_by_role("button", name="Submit").tap()

    # Then the deal's page shows the registration, and fits the phone
    expect(page).to_have_url(re.compile(r"/portal/deals/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Initech GmbH")
    assert_no_sideways_scroll(page, "deal page")
    shot(page, "phone-deal-page")

    # When the channel manager approves it, and the rep opens their notifications from the menu
    with tenant_scope(acme.tenant):
        deal_approve(actor=acme.manager, deal=Deal.objects.get(customer_name="Initech GmbH"))
    page.goto("/portal/deals/")
    expect(page.locator("#results").get_by_role("row", name=re.compile("Initech GmbH"))).to_be_visible()
    assert_no_sideways_scroll(page, "deal list with a deal")
    shot(page, "phone-deal-list")
    open_menu(page, "Notifications")

    # Then the approval is there, the list reads on the phone, and "Mark all read" empties the bell
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.get_by_role("main").get_by_role("link", name=re.compile("Initech GmbH"))).to_be_visible()
    assert_no_sideways_scroll(page, "notifications")
    shot(page, "phone-notifications")
    page.get_by_role("button", name="Mark all read").tap()
    expect(page.get_by_role("alert")).to_contain_text("Marked 1 notification read.")
    page.goto("/notifications/preferences/")
    assert_no_sideways_scroll(page, "notification settings")
    shot(page, "phone-notification-settings")


def test_a_200_character_customer_name_does_not_widen_any_deal_page(acme, journey_browser, tenant_url):
    # Given a registration for a customer whose name is 200 characters without a space
    deal = submitted(acme.sales_rep, acme.cat, customer_name=LONG_NAME)
    base = tenant_url(acme.tenant)
    staff = _context(journey_browser, base, viewport={"width": 1366, "height": 900})
    sign_in(staff, can_sign_in(acme.manager).user.email)
    partner = _context(journey_browser, base, viewport={"width": 1366, "height": 900})
    sign_in(partner, can_sign_in(acme.sales_rep).user.email)
    phone = _context(journey_browser, base, **PHONE)
    sign_in(phone, acme.sales_rep.user.email)

    # When the reviewer and the partner open the pages that show it, on a screen and on a phone
    visits = [
        (staff, f"/office/deals/{deal.pk}/", "office-deal-long-name"),
        (staff, "/office/deals/", "office-deal-reviews-long-name"),
        (partner, f"/portal/deals/{deal.pk}/", "portal-deal-long-name"),
        (partner, "/portal/deals/", "portal-deal-list-long-name"),
        (phone, f"/portal/deals/{deal.pk}/", "phone-deal-long-name"),
        (phone, "/portal/deals/", "phone-deal-list-long-name"),
    ]
    for page, path, name in visits:
        page.goto(path)
        # Then the name is shown, wrapped, and no page is wider than its window
        expect(page.get_by_role("main")).to_contain_text(LONG_NAME[:40])
        assert_no_sideways_scroll(page, f"{path} at {page.viewport_size['width']} px")
        shot(page, name)


def test_an_over_long_paste_is_kept_counted_and_refused_with_the_limit(acme, journey_browser, tenant_url):
    # Given partner 1's admin editing the company profile on a phone (the city holds 100 characters)
    admin = can_sign_in(acme.partner_admin)
    page = _context(journey_browser, tenant_url(acme.tenant), **PHONE)
    sign_in(page, admin.user.email)
    page.goto("/portal/company/edit/")
    city = page.get_by_label("City")

    # When they paste 120 characters into it
    pasted = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch" * 2 + "ABCD"
    city.fill(pasted)

    # Then nothing is cut: the field holds all of it, and the counter says how far over it is
    expect(city).to_have_value(pasted)
    expect(page.get_by_text(f"{len(pasted) - 100} characters too many: at most 100")).to_be_visible()
    assert_no_sideways_scroll(page, "company form, over the limit")
    shot(page, "phone-company-over-limit")

    # When they save, the server refuses it with the limit and the length, and keeps the text
    page.get_by_role("button", name="Save").tap()
    expect(page.get_by_text(f"Ensure this value has at most 100 characters (it has {len(pasted)}).")).to_be_visible()
    expect(page.get_by_label("City")).to_have_value(pasted)
