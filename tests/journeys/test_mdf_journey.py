"""Journey of market development funds (issue 16's "done when"): channel marketing funds a budget
and allocates part of it to a partner; the partner asks for funds for an event; marketing
pre-approves part of it with a reason; the partner claims with its proof; marketing approves the
claim; finance's payout run reimburses it, and the partner sees the payment. The allocation's
balance is checked on the partner's Funds page at each step. axe-core checks each MDF page."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from incentives.models import MdfActivityType, ProofKind
from prm.accounts.roles import Role
from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today
from prm.web.files import minimal_pdf
from tests.conftest import build_side
from tests.factories import StaffMembershipFactory

from ..broker import reset_broker_pools
from .conftest import shot
from .test_incentives_journey import finance_page
from .test_lead_journey import assert_accessible, partner_page, staff_page

pytestmark = pytest.mark.journey

BUDGET = "Funds for the second half"
EVENT = "Storage day in Leeds"


@pytest.fixture(autouse=True)
def _fresh_broker_pools():
    reset_broker_pools()


@pytest.fixture
def acme(live_server) -> SimpleNamespace:
    side = build_side("acme", "Acme")
    with tenant_scope(side.tenant):
        MdfActivityType.objects.create(
            name="Event", vendor_share_percent=Decimal(50), proof_required=[ProofKind.INVOICE, ProofKind.ATTENDEES]
        )
        today = tenant_today()
    preparer = StaffMembershipFactory(tenant=side.tenant, role=Role.FINANCE, user__email="fay@acme.example")
    approver = StaffMembershipFactory(tenant=side.tenant, role=Role.FINANCE, user__email="finn@acme.example")
    return SimpleNamespace(side=side, today=today, preparer=preparer, approver=approver)


def available(page, text: str) -> None:
    """The partner's Funds page shows ``text`` available in the budget's row."""
    page.goto("/portal/funds/")
    expect(page.get_by_role("row", name=re.compile(BUDGET)).locator("[data-available]")).to_have_text(text)


def test_an_mdf_request_is_pre_approved_in_part_claimed_with_proof_approved_and_reimbursed(
    acme, open_page, tenant_url, tmp_path
):
    side, today = acme.side, acme.today
    base = tenant_url(side.tenant)

    # --- 1. Marketing funds a budget and allocates 5,000 to partner 1 ---------------------------------
    mia = staff_page(open_page, base, side.marketing)
    menu = mia.get_by_role("navigation", name="Main")
    menu.get_by_role("button", name="Incentives").click()
    menu.get_by_role("link", name="Market development funds").click()
    expect(mia.get_by_role("heading", level=1)).to_have_text("MDF budgets")
    assert_accessible(mia)
    mia.get_by_label("Name").fill(BUDGET)
    mia.get_by_label("First day").fill((today - timedelta(days=10)).isoformat())
    mia.get_by_label("Last day").fill((today + timedelta(days=80)).isoformat())
    mia.get_by_label("Amount").fill("50000")
    mia.get_by_label("Currency").fill("USD")
    mia.get_by_role("button", name="Fund the budget").click()
    expect(mia.get_by_role("alert").filter(has_text="The budget is funded")).to_be_visible()
    mia.get_by_label(re.compile(r"^Partner\b")).select_option(label=side.partner.display_name)
    mia.get_by_label("Allocation").fill("5000")
    mia.get_by_role("button", name="Save the allocation").click()
    expect(mia.get_by_role("alert").filter(has_text="The allocation is saved")).to_be_visible()
    expect(mia.locator("[data-figure=unallocated]")).to_have_text("$45,000.00")
    assert_accessible(mia)

    # --- 2. The partner asks for half of a 4,000 event --------------------------------------------------
    pat = partner_page(open_page, base, side.partner_admin)
    pat.get_by_role("navigation", name="Main").get_by_role("link", name="Funds").click()
    expect(pat.get_by_role("heading", level=1)).to_have_text("Market development funds")
    expect(pat.get_by_role("row", name=re.compile(BUDGET)).locator("[data-available]")).to_have_text("$5,000.00")
    assert_accessible(pat)
    pat.get_by_label("From the funds").select_option(index=1)
    pat.get_by_label("Activity type").select_option(index=1)
    pat.get_by_label("Title").fill(EVENT)
    pat.get_by_label("Activity plan").fill("A day of demos for 40 customers, then calls for each lead.")
    pat.get_by_label("First day").fill((today + timedelta(days=3)).isoformat())
    pat.get_by_label("Last day").fill((today + timedelta(days=3)).isoformat())
    pat.get_by_label("Total cost").fill("4000")
    pat.get_by_label("Expected leads").fill("25")
    pat.get_by_role("button", name="Send for pre-approval").click()
    expect(pat.get_by_role("alert").filter(has_text="sent to the vendor for pre-approval")).to_be_visible()
    expect(pat.locator("[data-figure=requested]")).to_have_text("$2,000.00")
    request_path = re.sub(r"^https?://[^/]+", "", pat.url)
    available(pat, "$5,000.00")  # asking commits nothing yet

    # --- 3. Marketing pre-approves 1,500 of the 2,000, saying why --------------------------------------
    mia.goto("/office/mdf/requests/")
    mia.get_by_role("link", name=EVENT).click()
    assert_accessible(mia)
    mia.get_by_label("Amount").fill("1500")
    mia.get_by_role("button", name="Pre-approve").click()
    expect(mia.get_by_role("alert").filter(has_text="why only part")).to_be_visible()  # a reason is needed
    expect(mia.get_by_label("Amount")).to_have_value("1500")
    mia.get_by_label("Reason").fill("The catering is not co-funded.")
    mia.get_by_role("button", name="Pre-approve").click()
    expect(mia.get_by_role("alert").filter(has_text="Pre-approved")).to_be_visible()
    available(pat, "$3,500.00")

    # --- 4. The partner claims with its invoice and attendee list ---------------------------------------
    pat.goto(request_path)
    expect(pat.get_by_role("main")).to_contain_text("The catering is not co-funded.")
    invoice, attendees = tmp_path / "invoice.pdf", tmp_path / "attendees.pdf"
    invoice.write_bytes(minimal_pdf("Invoice"))
    attendees.write_bytes(minimal_pdf("Attendees"))
    pat.get_by_label("What it really cost").fill("3200")
    pat.get_by_label("Invoice").set_input_files(str(invoice))
    pat.get_by_role("button", name="Send the claim").click()
    expect(pat.get_by_role("alert").filter(has_text="Attendee list")).to_be_visible()  # the checklist
    pat.get_by_label("Invoice").set_input_files(str(invoice))
    pat.get_by_label("Attendee list").set_input_files(str(attendees))
    pat.get_by_role("button", name="Send the claim").click()
    expect(pat.get_by_role("alert").filter(has_text="Your claim is sent")).to_be_visible()
    expect(pat.locator("[data-figure=claimed]")).to_have_text("$1,500.00")  # half of 3,200, at most 1,500
    assert_accessible(pat)
    shot(pat, "mdf-01-claimed")
    available(pat, "$3,500.00")

    # --- 5. Marketing approves the claim: the partner is owed 1,500 --------------------------------------
    mia.goto(request_path.replace("/portal/funds/", "/office/mdf/requests/"))
    expect(mia.get_by_role("link", name="invoice.pdf")).to_be_visible()
    mia.get_by_role("button", name="Approve the claim").click()
    expect(mia.get_by_role("alert").filter(has_text="the next payout run reimburses it")).to_be_visible()
    shot(mia, "mdf-02-claim-approved")
    pat.goto("/portal/funds/")
    row = pat.get_by_role("row", name=re.compile(BUDGET))
    expect(row.locator("[data-available]")).to_have_text("$3,500.00")
    expect(row).to_contain_text("$1,500.00")  # reimbursed
    shot(pat, "mdf-03-funds")

    # --- 6. Finance's payout run reimburses it (no hold: the activity is done) ---------------------------
    fay = finance_page(open_page, base, acme.preparer)
    fay.goto("/office/payouts/")
    fay.get_by_label("Period ending").fill(today.isoformat())
    fay.get_by_role("button", name="Prepare").click()
    expect(fay.get_by_role("row", name=re.compile(side.partner.display_name))).to_contain_text("$1,500.00")
    run_url = fay.url
    finn = finance_page(open_page, base, acme.approver)
    finn.goto(run_url)
    finn.get_by_role("button", name="Approve").click()
    expect(finn.get_by_role("alert").filter(has_text="The payout run is approved")).to_be_visible()
    finn.get_by_label("Payment reference").fill("BATCH-MDF-1")
    finn.get_by_role("button", name="Mark paid").click()
    expect(finn.get_by_role("alert").filter(has_text="The payout run is marked paid")).to_be_visible()
    pat.goto("/portal/earnings/")
    expect(pat.get_by_role("row", name=re.compile("USD"))).to_contain_text("$1,500.00")
    expect(pat.get_by_role("main")).to_contain_text("Paid")
    available(pat, "$3,500.00")
