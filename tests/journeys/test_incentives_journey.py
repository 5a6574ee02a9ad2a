"""Journey of a SPIFF (issue 16's first "done when" line): a SPIFF campaign pays a rep for a
confirmed win, and the rep downloads a statement showing it. The win and its confirmation go
through the deal services (the deal journeys drive those pages); everything incentives does happens
in the browser: finance approves the claim, prepares a payout run, a second finance user approves
it (four eyes) and marks it paid; the rep finds it paid on Earnings and downloads the statement.
axe-core checks each incentives page it visits."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from deals.services import deal_confirm_win, deal_mark_won
from incentives.models import IncentiveSettings, SpiffBasis, SpiffCampaign, SpiffClaim, SpiffClaimMode
from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from tests.conftest import build_side
from tests.factories import DealFactory, DealLineFactory, StaffMembershipFactory

from ..broker import reset_broker_pools
from .conftest import can_sign_in, shot, sign_in
from .test_lead_journey import assert_accessible, deliver_outbox, eventually, partner_page, staff_page

pytestmark = pytest.mark.journey

CAMPAIGN = "Storage push this quarter"
CUSTOMER = "Brightwater Analytics"


@pytest.fixture(autouse=True)
def _fresh_broker_pools():
    reset_broker_pools()


@pytest.fixture
def acme(live_server) -> SimpleNamespace:
    """Acme with a SPIFF of USD 400 per confirmed win this quarter, paid to the rep; no hold after a
    win (so this week's win is payable today); two finance users; the rep's approved deal."""
    side = build_side("acme", "Acme")
    with tenant_scope(side.tenant):
        today = tenant_today()
        SpiffCampaign.objects.create(
            name=CAMPAIGN,
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=30),
            basis=SpiffBasis.PER_DEAL,
            amount=Decimal("400.00"),
            currency="USD",
            claim_mode=SpiffClaimMode.AUTOMATIC,
        )
        IncentiveSettings.objects.create(hold_days=0, minimum_payout=Decimal("50.00"))
        deal = DealFactory(
            tenant=side.tenant,
            partner=side.partner,
            registered_by=side.sales_rep,
            status="approved",
            customer_name=CUSTOMER,
        )
        DealLineFactory(tenant=side.tenant, deal=deal)
    preparer = StaffMembershipFactory(tenant=side.tenant, role=Role.FINANCE, user__email="fay@acme.example")
    approver = StaffMembershipFactory(tenant=side.tenant, role=Role.FINANCE, user__email="finn@acme.example")
    return SimpleNamespace(side=side, deal=deal, preparer=preparer, approver=approver)


def finance_page(open_page, base, member):
    page = open_page(base)
    sign_in(page, can_sign_in(member).user.email)
    expect(page).to_have_url(re.compile(r"/office/$"))
    return page


def test_a_spiff_pays_a_rep_for_a_confirmed_win_and_the_rep_downloads_the_statement(acme, open_page, tenant_url):
    side = acme.side
    base = tenant_url(side.tenant)

    # Given the rep's win, confirmed by the vendor (the SPIFF's claim is made after the commit)
    with tenant_scope(side.tenant, partner=side.partner):
        deal_mark_won(actor=side.sales_rep, deal=acme.deal, amount=Decimal("12000"), won_on=tenant_today())
    with tenant_scope(side.tenant):
        today = tenant_today()
    with tenant_scope(side.tenant):
        deal_confirm_win(actor=side.manager, deal=acme.deal)
    deliver_outbox(side.tenant)
    with platform_scope():
        assert SpiffClaim.objects.filter(deal=acme.deal).count() == 1

    # --- 1. Finance approves the claim ---------------------------------------------------------------
    fay = finance_page(open_page, base, acme.preparer)
    menu = fay.get_by_role("navigation", name="Main")
    menu.get_by_role("button", name="Incentives").click()
    menu.get_by_role("link", name="SPIFF claims").click()
    expect(fay.get_by_role("heading", level=1)).to_have_text("SPIFF claims")
    row = fay.get_by_role("row", name=re.compile(CUSTOMER))
    expect(row).to_contain_text(CAMPAIGN)
    expect(row).to_contain_text("$400.00")
    expect(row).to_contain_text("from the confirmed win")
    assert_accessible(fay)
    row.get_by_role("button", name="Approve").click()
    expect(fay.get_by_role("alert").filter(has_text=f"The claim for {CUSTOMER} is approved.")).to_be_visible()
    expect(fay.get_by_role("row", name=re.compile(CUSTOMER))).to_contain_text("Approved")
    shot(fay, "incentives-01-claim-approved")

    # --- 2. Finance prepares the payout run; the preparer may not approve it ---------------------------
    fay.goto("/office/payouts/")
    expect(fay.get_by_role("heading", level=1)).to_have_text("Payout runs")
    assert_accessible(fay)
    fay.get_by_label("Period ending").fill(today.isoformat())
    fay.get_by_role("button", name="Prepare").click()
    expect(fay).to_have_url(re.compile(r"/office/payouts/\d+/$"))
    run_url = fay.url
    expect(fay.get_by_role("row", name=re.compile(side.sales_rep.user.email))).to_contain_text("$400.00")
    assert_accessible(fay)
    fay.get_by_role("button", name="Approve").click()
    expect(fay.get_by_role("alert").filter(has_text="four eyes")).to_be_visible()

    # --- 3. A second finance user approves it and, once the bank has paid, marks it paid ---------------
    finn = finance_page(open_page, base, acme.approver)
    finn.goto(run_url)
    finn.get_by_role("button", name="Approve").click()
    expect(finn.get_by_role("alert").filter(has_text="The payout run is approved")).to_be_visible()
    eventually(
        lambda: finn.reload() or finn.get_by_role("link", name="Download").count(),
        fallback=lambda: deliver_outbox(side.tenant),
    )
    finn.get_by_label("Payment reference").fill("BATCH-2026-12")
    finn.get_by_role("button", name="Mark paid").click()
    expect(finn.get_by_role("alert").filter(has_text="The payout run is marked paid")).to_be_visible()
    expect(finn.get_by_role("main")).to_contain_text("Paid: BATCH-2026-12.")
    shot(finn, "incentives-02-run-paid")

    # --- 4. The rep finds it paid on Earnings and downloads the statement ---------------------------------
    rep = partner_page(open_page, base, side.sales_rep)
    rep.get_by_role("navigation", name="Main").get_by_role("link", name="Earnings").click()
    expect(rep.get_by_role("heading", level=1)).to_have_text("Earnings")
    owed = rep.get_by_role("row", name=re.compile("USD"))
    expect(owed).to_contain_text("$400.00")  # paid
    claims = rep.get_by_role("row", name=re.compile(CUSTOMER))
    expect(claims).to_contain_text("Approved")
    assert_accessible(rep)
    shot(rep, "incentives-03-earnings")
    with rep.expect_download() as download:
        rep.get_by_role("link", name="Statement (PDF)").click()
    with open(download.value.path(), "rb") as handle:
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(handle).pages).split())
    assert "Payout statement" in text and "SPIFF" in text and CAMPAIGN in text and "$400.00" in text


@pytest.fixture
def growth(live_server) -> SimpleNamespace:
    """Acme's partner 1 won USD 100,000 in last quarter a year ago and 150,000 in last quarter."""
    side = build_side("acme", "Acme")
    with tenant_scope(side.tenant):
        today = tenant_today()
        start = date(today.year, 1 + 3 * ((today.month - 1) // 3), 1)
        last_quarter = start - timedelta(days=45)  # inside the quarter before this one
        for won_on, amount in ((last_quarter.replace(year=last_quarter.year - 1), 100000), (last_quarter, 150000)):
            DealFactory(
                tenant=side.tenant,
                partner=side.partner,
                status="won",
                won_on=won_on,
                won_amount=Decimal(amount),
                amount=Decimal(amount),
                currency="USD",
            )
        # No hold: last quarter's rebate is payable whatever today's date (a hold of 30 days would
        # keep it back in the first month of a quarter).
        IncentiveSettings.objects.create(hold_days=0, minimum_payout=Decimal("50.00"))
    preparer = StaffMembershipFactory(tenant=side.tenant, role=Role.FINANCE, user__email="fay@acme.example")
    return SimpleNamespace(side=side, preparer=preparer)


def test_a_rebate_pays_only_the_growth_over_last_years_quarter(growth, open_page, tenant_url):
    side = growth.side
    base = tenant_url(side.tenant)

    # --- 1. The vendor's admin sets up a growth rebate and closes last quarter ---------------------------
    admin = staff_page(open_page, base, side.admin, totp=True)
    admin.goto("/admin/incentives/rebateplan/add/")
    admin.get_by_label("Name").fill("Growth rebate")
    expect(admin.get_by_label("Only on growth")).to_be_checked()
    admin.get_by_label("Baseline").select_option(label="The same period last year")
    admin.get_by_label("Rate bands").fill("[[0, 2], [100000, 3]]")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator(".messagelist")).to_contain_text("was added successfully")
    admin.get_by_role("row", name=re.compile("Growth rebate")).get_by_role("checkbox").check()
    admin.locator("select[name=action]").select_option(
        label="Close the last quarter (true-up, then approved for payout)"
    )
    admin.get_by_role("button", name="Go").click()
    expect(admin.locator(".messagelist")).to_contain_text("Growth rebate: 1 partner closed.")
    admin.goto("/admin/incentives/rebateaccrual/")
    row = admin.get_by_role("row", name=re.compile(side.partner.display_name))
    # 150,000 against last year's 100,000: 50,000 of growth at the 2 % band
    for figure in ("150000.00", "100000.00", "50000.00", "2.000", "1000.00"):
        expect(row).to_contain_text(figure)
    shot(admin, "incentives-04-rebate-figures")

    # --- 2. Finance pays it; the partner's admin downloads the statement ------------------------------------
    fay = finance_page(open_page, base, growth.preparer)
    fay.goto("/office/payouts/")
    with tenant_scope(side.tenant):
        today = tenant_today()
    fay.get_by_label("Period ending").fill(today.isoformat())
    fay.get_by_role("button", name="Prepare").click()
    expect(fay.get_by_role("row", name=re.compile(side.partner.display_name))).to_contain_text("$1,000.00")
    admin.goto(fay.url)
    admin.get_by_role("button", name="Approve").click()
    expect(admin.get_by_role("alert").filter(has_text="The payout run is approved")).to_be_visible()
    deliver_outbox(side.tenant)
    company = partner_page(open_page, base, side.partner_admin)
    company.goto("/portal/earnings/")
    assert_accessible(company)
    with company.expect_download() as download:
        company.get_by_role("link", name="Statement (PDF)").click()
    with open(download.value.path(), "rb") as handle:
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(handle).pages).split())
    assert "Rebate" in text and "baseline $100,000.00" in text and "growth $50,000.00" in text and "$1,000.00" in text
