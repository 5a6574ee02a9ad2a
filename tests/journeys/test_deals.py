"""Journeys through deal registration: a partner registers a deal that a rule approves at once;
another partner registers the same customer, is warned while typing, and the channel manager
rejects it after comparing both; an approved deal is extended, marked won and the win confirmed.

Set-up goes through the services (as the apps would have left things); everything the journeys
check happens in the browser, as the partner's and the vendor's people see it.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from deals.models import AutoApprovalRule, Deal
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from tests.conftest import build_side
from tests.deals.deal_setup import make_catalogue, submitted
from tests.factories import AuthorizationRuleFactory

from .conftest import can_sign_in, sign_in

pytestmark = pytest.mark.journey

RULE = "Small deals without conflict"


def shot(page: Page, name: str) -> None:
    """A full-page screenshot into ``PRM_JOURNEY_SHOTS`` (a folder), when set: for reviewing how
    the pages look, not for the assertions."""
    folder = os.environ.get("PRM_JOURNEY_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture
def acme(live_server) -> SimpleNamespace:
    """Acme with Firewalls (FW-100, USD 5,000) and Switches; partner 1 Silver (90 days of
    protection), partner 2 Gold (120 days) in Resell, whose wins wait for confirmation; one rule
    approves registrations up to USD 50,000 that conflict with nothing."""
    side = build_side("acme", "Acme")
    cat = make_catalogue(side)
    assert cat.program.deal_win_needs_confirmation
    with platform_scope():
        AutoApprovalRule.objects.create(
            tenant_id=side.tenant.pk, program=cat.program, name=RULE, max_amount=Decimal("50000")
        )
    return SimpleNamespace(side=side, cat=cat)


def today(side) -> date:
    with tenant_scope(side.tenant):
        return tenant_today()


def long_date(day: date) -> str:
    """A date as the pages write it: the locale's format (English here)."""
    return date_format(day, "DATE_FORMAT")


def sign_in_to(open_page, tenant_url, member, landing: str) -> Page:
    page = open_page(tenant_url(member.tenant))
    sign_in(page, can_sign_in(member).user.email)
    expect(page).to_have_url(re.compile(rf"/{landing}/$"))
    return page


def open_main(page: Page, link: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True).click()


def product_label(product) -> str:
    return f"{product.name} ({product.sku}) · USD {product.list_price:,.2f}"


def approved_deal(acme, customer: str) -> Deal:
    """A registration of partner 1's sales rep, approved by the rule at submission."""
    deal = submitted(
        acme.side.sales_rep,
        acme.cat,
        customer_name=f"{customer} Corp",
        customer_website=f"https://www.{customer.lower()}.example",
        contact_email=f"buyer@{customer.lower()}.example",
    )
    assert deal.status == "approved" and deal.decided_by_rule.name == RULE
    return deal


def test_partner_registers_a_deal_that_a_rule_approves_at_once(acme, open_page, tenant_url):
    # Given partner 1's sales rep, signed in to the portal
    rep = acme.side.sales_rep
    page = sign_in_to(open_page, tenant_url, rep, "portal")

    # When they open Deals and register a deal for Initech: two firewalls at a negotiated price
    open_main(page, "Deals")
    expect(page).to_have_url(re.compile(r"/portal/deals/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Deal registrations")
    page.get_by_role("link", name="Register a deal").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a deal")
    # ...(the form fits the window: the product rows sit inside their card, not off its edge)
    page.wait_for_function("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_label("Company name").fill("Initech GmbH")
    page.get_by_label("Web domain").fill("initech.de")
    page.get_by_label(re.compile(r"^Country\b")).select_option(label="Germany")
    page.get_by_label("Contact name").fill("Peter Gibbons")
    page.get_by_label("Opportunity title").fill("Branch office firewalls")
    page.get_by_label("Product 1", exact=True).select_option(label=product_label(acme.cat.firewall))
    page.get_by_label("Quantity 1", exact=True).fill("2")
    page.get_by_label("Unit price 1", exact=True).fill("4500")
    # ...(the amount is the products' total, kept up to date as they are typed)
    expect(page.get_by_label(re.compile(r"^Amount\b"))).to_have_value("9000.00")
    expect(page.get_by_label("Currency")).to_have_value("USD")
    close_on = today(acme.side) + timedelta(days=45)
    page.get_by_label("Expected close date").fill(close_on.isoformat())
    page.get_by_role("button", name="Submit").click()

    # Then the deal's page says it is approved and protected for Silver's 90 days
    expect(page).to_have_url(re.compile(r"/portal/deals/\d+/$"))
    protected_until = long_date(today(acme.side) + timedelta(days=90))
    expect(page.get_by_role("alert")).to_contain_text(
        f"was approved: Initech GmbH is protected until {protected_until}"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Initech GmbH")
    expect(page.locator(".deal-status-approved")).to_have_text("Approved")
    standing = page.get_by_role("region", name="Where this registration stands")
    expect(standing).to_contain_text(f"Protected until {protected_until}")
    # ...with what was registered
    products = page.get_by_role("region", name="Products")
    expect(products.get_by_role("row", name=re.compile("FW-100"))).to_contain_text(
        re.compile(r"FW-100\s*Firewalls\s*2\s*4,500.00\s*9,000.00")
    )
    expect(products).to_contain_text("$9,000.00")
    expect(page.get_by_role("region", name="End customer")).to_contain_text(long_date(close_on))
    # ...and the timeline names the rule that approved it
    expect(page.get_by_role("list", name="Timeline").get_by_role("listitem").first).to_contain_text(
        f"Approved automatically by the rule “{RULE}”"
    )
    shot(page, "portal-deal-approved")

    # When they go back to Deals, the registration is listed as approved with its protection
    open_main(page, "Deals")
    row = page.locator("#results").get_by_role("row", name=re.compile("Initech GmbH"))
    expect(row).to_contain_text("Approved")
    expect(row).to_contain_text("USD 9,000.00")


def test_a_conflicting_registration_goes_to_review_and_is_rejected_with_a_reason(acme, open_page, tenant_url):
    # Given partner 1's approved registration for Initech (initech.de)
    first = submitted(
        acme.side.sales_rep,
        acme.cat,
        customer_name="Initech GmbH",
        customer_website="https://www.initech.de",
        contact_email="peter@initech.de",
    )
    assert first.status == "approved"
    # ...and partner 2's sales rep on the register form
    rival = acme.side.sales[1]
    page = sign_in_to(open_page, tenant_url, rival, "portal")
    open_main(page, "Deals")
    page.get_by_role("link", name="Register a deal").first.click()
    hint = page.locator("#conflict-hint")
    expect(hint).to_be_empty()

    # When they type the same customer, spelled differently, with the same web domain
    page.get_by_label("Company name").press_sequentially("Initech AG")
    page.get_by_label("Web domain").press_sequentially("shop.initech.de")

    # Then a hint warns of a possible conflict, without saying whose
    expect(hint).to_contain_text("Possible conflict: another registration or account may already cover this customer.")
    expect(hint).not_to_contain_text("Acme Partner 1")
    expect(hint).not_to_contain_text(f"DR-{first.pk:06d}")
    page.get_by_label(re.compile(r"^Country\b")).select_option(label="Germany")
    page.get_by_label("Product 1", exact=True).select_option(label=product_label(acme.cat.firewall))
    page.get_by_label("Quantity 1", exact=True).fill("3")
    expect(page.get_by_label(re.compile(r"^Amount\b"))).to_have_value("15000.00")
    page.get_by_label("Expected close date").fill((today(acme.side) + timedelta(days=30)).isoformat())
    shot(page, "portal-deal-form-conflict-hint")

    # When they submit it anyway
    page.get_by_role("button", name="Submit").click()

    # Then it waits for the vendor's review (the rule approves only conflict-free registrations)
    expect(page).to_have_url(re.compile(r"/portal/deals/\d+/$"))
    deal_id = int(re.search(r"/deals/(\d+)/$", page.url).group(1))
    reference = f"DR-{deal_id:06d}"
    with platform_scope():
        due = Deal.objects.get(pk=deal_id).decision_due_at
    expect(page.get_by_role("alert")).to_contain_text(f"{reference} was submitted for review.")
    expect(page.locator(".deal-status-submitted")).to_have_text("Under review")
    standing = page.get_by_role("region", name="Where this registration stands")
    expect(standing).to_contain_text(f"Decision due by {long_date(due)}")
    expect(page.get_by_role("main")).not_to_contain_text("Acme Partner 1")

    # When the channel manager opens Deals in the back office
    office = sign_in_to(open_page, tenant_url, acme.side.manager, "office")
    open_main(office, "Deals")
    expect(office).to_have_url(re.compile(r"/office/deals/$"))

    # Then the registration waits in the review queue, flagged as a possible conflict
    results = office.locator("#results")
    expect(results.locator("p[aria-live]")).to_have_text("1 registration waiting, most urgent first")
    row = results.get_by_role("row", name=re.compile(reference))
    expect(row).to_contain_text("Acme Partner 2")
    expect(row).to_contain_text("Initech AG")
    expect(row).to_contain_text("Possible conflict")
    shot(office, "office-review-queue")

    # When they open it
    row.get_by_role("link", name=reference).click()
    expect(office.get_by_role("heading", level=1)).to_have_text(f"{reference} Initech AG")

    # Then they see it beside partner 1's registration of the same customer
    compare = office.get_by_role("table", name=re.compile("beside each conflicting registration"))
    expect(compare.get_by_role("columnheader")).to_have_text(
        ["", "This registration", f"DR-{first.pk:06d} by Acme Partner 1"]
    )
    expect(compare.get_by_role("row", name=re.compile("^Customer"))).to_contain_text(
        re.compile(r"Initech AG\s*Initech GmbH")
    )
    expect(compare.get_by_role("row", name=re.compile("^Domain"))).to_contain_text(
        re.compile(r"initech\.de\s*initech\.de")
    )
    expect(compare.get_by_role("row", name=re.compile("^Partner"))).to_contain_text(
        re.compile(r"Acme Partner 2\s*Acme Partner 1")
    )
    expect(compare.get_by_role("row", name=re.compile("^Status"))).to_contain_text(
        re.compile(r"Under review\s*Approved")
    )
    shot(office, "office-deal-compare")

    # When they reject it as a conflict, with a message to the partner
    reject = office.get_by_role("form", name="Reject")
    reject.get_by_label("Reason").select_option(label="Conflicts with an existing registration or account")
    reject.get_by_label("Message to the partner").fill("Initech is already registered and protected.")
    reject.get_by_role("button", name="Reject").click()
    # ...and confirm it, once told what it does
    expect(office.locator("#confirmation")).to_contain_text("cannot be undone")
    office.get_by_role("button", name=f"Yes, reject {reference}").click()

    # Then the back office confirms it
    expect(office.get_by_role("alert")).to_contain_text(f"{reference} is rejected; the partner is told why.")
    expect(office.locator("#deal-status .deal-status-rejected")).to_have_text("Rejected")

    # ...and partner 2's rep sees the rejection and its reason on their deal's page
    page.reload()
    expect(page.locator(".deal-status-rejected")).to_have_text("Rejected")
    expect(standing).to_contain_text(
        "Rejected: Conflicts with an existing registration or account. Initech is already registered and protected."
    )
    expect(page.get_by_role("main")).not_to_contain_text("Acme Partner 1")


def test_an_approved_deal_is_extended_then_won_and_the_win_confirmed(acme, open_page, tenant_url):
    # Given partner 1's registration for Umbrella, approved by the rule (90 days of protection)
    deal = approved_deal(acme, "Umbrella")
    reference = deal.reference
    protected = deal.protected_until
    page = sign_in_to(open_page, tenant_url, acme.side.sales_rep, "portal")
    open_main(page, "Deals")
    page.get_by_role("link", name=reference).click()
    standing = page.get_by_role("region", name="Where this registration stands")
    expect(standing).to_contain_text(f"Protected until {long_date(protected)}")

    # When the rep asks for 30 more days, with a reason
    actions = page.get_by_role("region", name="Actions")
    actions.locator("summary", has_text="Request an extension").click()
    actions.get_by_label("Days").fill("30")
    actions.get_by_label("Why").fill("The customer's board meets next quarter.")
    actions.get_by_role("button", name="Request extension").click()

    # Then the request is sent and shown as pending
    expect(page.get_by_role("alert")).to_contain_text("Your extension request was sent to the vendor.")
    expect(page.get_by_role("region", name="Extension requests")).to_contain_text("30 days · Pending")

    # When the channel manager follows the notification to the deal and approves the extension
    office = sign_in_to(open_page, tenant_url, acme.side.manager, "office")
    office.get_by_role("link", name=re.compile(r"^Notifications, \d+ unread")).click()
    office.get_by_role("link", name=f"{reference} Umbrella Corp: 30-day extension requested").click()
    expect(office.get_by_role("heading", level=1)).to_have_text(f"{reference} Umbrella Corp")
    extension = office.get_by_role("region", name="Extension requested")
    expect(extension).to_contain_text("30 more days")
    expect(extension).to_contain_text("The customer's board meets next quarter.")
    extension.get_by_role("button", name="Grant").click()
    office.get_by_role("button", name="Yes, grant the extension").click()
    expect(office.get_by_role("alert")).to_contain_text(f"The extension of {reference} is approved.")
    extended = long_date(protected + timedelta(days=30))

    # Then the partner sees the new protection date
    page.reload()
    expect(standing).to_contain_text(f"Protected until {extended}")
    expect(page.get_by_role("region", name="Extension requests")).to_contain_text("30 days · Approved")

    # When the rep marks the deal won (the program wants the vendor to confirm wins)
    won_on = today(acme.side)
    actions.locator("summary", has_text="Mark won").click()
    actions.get_by_label("Amount won").fill("9500")
    actions.get_by_label("Closed on").fill(won_on.isoformat())
    actions.get_by_role("button", name="Mark won").click()

    # Then the win awaits the vendor's confirmation, and the deal stays protected meanwhile
    expect(page.get_by_role("alert")).to_contain_text("Congratulations: the win was recorded.")
    expect(page.locator(".deal-status-won_pending")).to_have_text("Won, awaiting confirmation")
    expect(standing).to_contain_text(f"Protected until {extended} · your win awaits the vendor's confirmation")

    # When the channel manager confirms the win on the deal's page
    office.reload()
    expect(office.locator("#deal-status .deal-status-won_pending")).to_have_text("Won, awaiting confirmation")
    confirm = office.get_by_role("region", name="Confirm the reported win")
    confirm.get_by_role("button", name="Confirm win").click()
    office.get_by_role("button", name="Yes, confirm the win").click()
    expect(office.get_by_role("alert")).to_contain_text(f"{reference}'s win is confirmed.")
    expect(office.locator("#deal-status .deal-status-won")).to_have_text("Won")

    # Then the partner sees it won, with the amount and the date
    page.reload()
    expect(page.locator(".deal-status-won")).to_have_text("Won")
    expect(standing).to_contain_text(f"Won: $9,500.00 on {long_date(won_on)}.")
    expect(page.get_by_role("region", name="Actions")).to_have_count(0)

    # ...and the pipeline counts the win among the registrations by status
    office.goto("/office/deals/pipeline/")
    expect(office.get_by_role("heading", level=1)).to_have_text("Deal pipeline")
    by_status = office.get_by_role("table", name="Every submitted registration, by status")
    expect(by_status.get_by_role("row", name=re.compile("^Won"))).to_contain_text(re.compile(r"Won\s*1"))
    shot(office, "office-pipeline")


def test_a_partner_is_offered_only_the_products_it_may_register_and_told_why(acme, open_page, tenant_url):
    # Given switches that need Resell's Gold tier (partner 1 is Silver)
    with platform_scope():
        AuthorizationRuleFactory(product_line=acme.cat.switches, min_tier=acme.cat.gold)
    rep = acme.side.sales_rep
    page = sign_in_to(open_page, tenant_url, rep, "portal")

    # When partner 1's rep opens "Register a deal"
    open_main(page, "Deals")
    page.get_by_role("link", name="Register a deal").first.click()

    # Then the product picker offers the firewall but not the switch
    picker = page.get_by_label("Product 1", exact=True)
    expect(picker.locator("option", has_text="FW-100")).to_have_count(1)
    expect(picker.locator("option", has_text="SW-24")).to_have_count(0)
    # ...and under it the form says what is missing and why
    expect(page.locator("#not-offered")).to_contain_text("Not offered to your company:")
    expect(page.locator("#not-offered")).to_contain_text("SW-24 — needs the Gold tier")
    shot(page, "portal-deal-form-not-offered")


def test_a_past_close_date_is_refused_on_the_field_and_what_was_typed_stays(acme, open_page, tenant_url):
    # Given partner 1's rep on the register form, with a deal typed in
    page = sign_in_to(open_page, tenant_url, acme.side.sales_rep, "portal")
    open_main(page, "Deals")
    page.get_by_role("link", name="Register a deal").first.click()
    page.get_by_label("Company name").fill("Initrode GmbH")
    page.get_by_label(re.compile(r"^Country\b")).select_option(label="Germany")
    page.get_by_label("Product 1", exact=True).select_option(label=product_label(acme.cat.firewall))
    page.get_by_label("Quantity 1", exact=True).fill("3")
    yesterday = today(acme.side) - timedelta(days=1)

    # When they enter yesterday as the expected close date and submit
    page.get_by_label("Expected close date").fill(yesterday.isoformat())
    page.get_by_role("button", name="Submit").click()

    # Then the form comes back with the message next to the date field
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a deal")
    date_field = page.get_by_label("Expected close date")
    expect(date_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_expected_close_on_errors")).to_have_text(
        re.compile("The expected close date cannot be in the past")
    )
    # ...and what was typed is still there
    expect(date_field).to_have_value(yesterday.isoformat())
    expect(page.get_by_label("Company name")).to_have_value("Initrode GmbH")
    expect(page.get_by_label("Quantity 1", exact=True)).to_have_value("3")
    expect(page.get_by_label(re.compile(r"^Amount\b"))).to_have_value("15000.00")
    shot(page, "portal-deal-form-past-date")
    with platform_scope():
        assert not Deal.objects.filter(customer_name="Initrode GmbH").exists()
