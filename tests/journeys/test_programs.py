"""Journeys through partner programs: a partner's tier and what it may sell, and the channel
manager's tier reviews.

Standings and proposals come from a real ``tier_evaluate()`` run over recorded metric values,
never from hand-made rows, so the pages show what the nightly evaluation would leave behind.
"""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from playwright.sync_api import Locator, Page, expect

from prm.tenancy.scope import platform_scope, tenant_scope
from programs.models import Enrollment, ProposalStatus, TierChangeProposal
from programs.services.evaluation import tier_evaluate
from tests.conftest import build_side
from tests.factories import (
    AuthorizationRuleFactory,
    EnrollmentFactory,
    ManualMetricFactory,
    ManualMetricValueFactory,
    ProductFactory,
    ProductLineFactory,
    ProgramFactory,
    TierFactory,
    TierRequirementFactory,
)

from .conftest import can_sign_in, sign_in

pytestmark = pytest.mark.journey


@pytest.fixture
def acme(live_server):
    return build_side("acme", "Acme")


def resell_program(side, *, revenue: int) -> SimpleNamespace:
    """Acme's "Resell" program (Registered, Silver at USD 20,000 revenue, Gold at USD 50,000),
    its partner 1 enrolled at Silver with ``revenue`` recorded, and the evaluation run."""
    program = ProgramFactory(tenant=side.tenant, name="Resell", slug="resell", deal_min_amount=5000)
    registered = TierFactory(program=program, name="Registered", rank=1, color="#6c757d")
    silver = TierFactory(program=program, name="Silver", rank=2, color="#8a8d91", discount_percent=10)
    gold = TierFactory(
        program=program,
        name="Gold",
        rank=3,
        color="#b8860b",
        discount_percent=15,
        protection_days=120,
        mdf_eligible=True,
        mdf_allocation_percent=5,
    )
    metric = ManualMetricFactory(tenant=side.tenant, code="revenue", name="Annual revenue", unit="USD")
    TierRequirementFactory(tier=silver, metric="manual:revenue", threshold=20_000)
    TierRequirementFactory(tier=gold, metric="manual:revenue", threshold=50_000)
    enrollment = EnrollmentFactory(partner=side.partner, tier=silver)
    ManualMetricValueFactory(partner=side.partner, metric=metric, value=Decimal(revenue))
    with tenant_scope(side.tenant):
        tier_evaluate()
    return SimpleNamespace(
        program=program, registered=registered, silver=silver, gold=gold, metric=metric, enrollment=enrollment
    )


def pending_proposals(enrollment) -> list[TierChangeProposal]:
    with platform_scope():
        return list(TierChangeProposal.objects.filter(enrollment=enrollment, status=ProposalStatus.PENDING))


def tier_of(enrollment) -> str:
    with platform_scope():
        return Enrollment.objects.select_related("tier").get(pk=enrollment.pk).tier.name


def open_tier_reviews(page: Page, email: str) -> None:
    sign_in(page, email)
    expect(page).to_have_url(re.compile(r"/office/$"))
    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("button", name="Programs").click()
    main_nav.get_by_role("link", name="Tier reviews").click()
    expect(page).to_have_url(re.compile(r"/office/tiers/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tier reviews")
    # htmx binds the decision forms when the page has loaded; a click before that posts the form
    # plainly and the answer is a whole page (its message above the queue, not in it)
    page.wait_for_load_state("load")


def expect_chart_drawn(canvas: Locator, values: list[int]) -> None:
    """chart.js is loaded and drew this canvas: a chart instance with a size is bound to it, and
    it shows these bar values (waits: charts are drawn after the page or an htmx swap loads)."""
    canvas.page.wait_for_function(
        """([canvas, values]) => {
            const chart = window.Chart && window.Chart.getChart(canvas);
            return Boolean(chart) && canvas.width > 0 && canvas.height > 0
                && JSON.stringify(chart.data.datasets[0].data) === JSON.stringify(values);
        }""",
        arg=[canvas.element_handle(), values],
    )


def test_partner_admin_sees_their_tier_progress_towards_the_next_and_both_tiers_benefits(acme, open_page, tenant_url):
    # Given Acme Partner 1, Silver in Resell, with USD 42,000 of the USD 50,000 revenue Gold asks for
    resell_program(acme, revenue=42_000)
    admin = can_sign_in(acme.partner_admin)
    page = open_page(tenant_url(acme.tenant))

    # When its partner admin signs in and opens "Your tier" from the main navigation
    sign_in(page, admin.user.email)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your tier").click()
    expect(page).to_have_url(re.compile(r"/portal/program/$"))

    # Then the Resell card shows Silver, evaluated and on track
    resell = page.get_by_role("region", name="Resell")
    expect(resell.get_by_text("Silver", exact=True)).to_be_visible()
    expect(resell).to_contain_text("On track")
    # ...a progress bar towards Gold for the revenue requirement, with the gap
    expect(resell.get_by_role("heading", name="Progress to Gold")).to_be_visible()
    revenue = resell.get_by_role("progressbar", name="Annual revenue")
    expect(revenue).to_have_attribute("aria-valuenow", "84")
    expect(revenue).to_have_attribute("aria-valuetext", "42,000 USD of 50,000 USD, 8,000 USD more needed")
    expect(resell).to_contain_text("8,000 USD more")
    # ...and the benefits of Silver beside Gold's
    benefits = resell.get_by_role("table", name="Benefits of Silver compared with Gold")
    expect(benefits.get_by_role("columnheader")).to_have_text(["Benefit", "Silver (yours)", "Gold"])
    expect(benefits.get_by_role("row", name="Discount")).to_contain_text(re.compile(r"10%\s*15%"))
    expect(benefits.get_by_role("row", name="MDF")).to_contain_text(re.compile(r"No\s*Yes, 5% allocation"))


def test_partner_admin_sees_what_they_may_sell_and_checks_a_deal_in_place(acme, open_page, tenant_url):
    # Given Acme Partner 1 at Silver in Resell (deals from USD 5,000), a line that needs Gold and an open one
    ladder = resell_program(acme, revenue=42_000)
    enterprise = ProductLineFactory(tenant=acme.tenant, name="Enterprise Suite")
    ProductFactory(line=enterprise, name="Enterprise Server", sku="ENT-1")
    AuthorizationRuleFactory(product_line=enterprise, min_tier=ladder.gold)
    starter = ProductLineFactory(tenant=acme.tenant, name="Starter Kit")
    ProductFactory(line=starter, name="Starter Box", sku="STA-1")
    admin = can_sign_in(acme.partner_admin)
    page = open_page(tenant_url(acme.tenant))

    # When the partner admin opens "Products"
    sign_in(page, admin.user.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Products").click()
    expect(page).to_have_url(re.compile(r"/portal/products/$"))

    # Then the Gold line is refused, with a reason naming Gold and their tier, and the open line is allowed
    refused = page.get_by_role("region", name="Enterprise Suite")
    expect(refused).to_contain_text("Not available to you yet")
    expect(refused.get_by_role("list", name="Why not")).to_contain_text(
        "Enterprise Suite needs the Gold tier of the Resell program; you are Silver."
        " To reach Gold: Annual revenue 8,000 USD more."
    )
    allowed = page.get_by_role("region", name="Starter Kit")
    expect(allowed).to_contain_text("You may sell this")
    expect(allowed.get_by_role("list", name="Why not")).to_have_count(0)

    # When they check a USD 1,000 deal for the open line in Germany
    page.evaluate("window.journeyMarker = 'same page'")
    check = page.get_by_role("form", name="Check a deal")
    check.get_by_label("Product line").select_option(label="Starter Kit")
    check.get_by_label("Customer's country").select_option(label="Germany")
    check.get_by_label("Deal amount (USD)").fill("1000")
    check.get_by_role("button", name="Check").click()

    # Then the decision appears in place (the page is not reloaded): below the program's minimum
    result = page.get_by_role("status", name="Deal check result")
    expect(result).to_contain_text("Starter Kit in Germany, USD 1,000.00")
    expect(result).to_contain_text("Not allowed")
    expect(result.get_by_role("list", name="Why not")).to_have_text(
        "Deals must be at least USD 5,000.00; this one is USD 1,000.00."
    )
    expect(page).to_have_url(re.compile(r"/portal/products/$"))
    assert page.evaluate("window.journeyMarker") == "same page"

    # ...and a deal above the minimum is allowed, again in place
    check.get_by_label("Deal amount (USD)").fill("7500")
    check.get_by_role("button", name="Check").click()
    expect(result).to_contain_text("Starter Kit in Germany, USD 7,500.00")
    expect(result).to_contain_text("Allowed")
    expect(result).not_to_contain_text("Not allowed")


def test_channel_manager_approves_a_promotion_and_sees_the_new_tier(acme, open_page, tenant_url):
    # Given the evaluation proposed Gold for Acme Partner 1 (Silver, USD 60,000 revenue)
    ladder = resell_program(acme, revenue=60_000)
    assert [p.to_tier_id for p in pending_proposals(ladder.enrollment)] == [ladder.gold.pk]
    manager = can_sign_in(acme.manager)
    page = open_page(tenant_url(acme.tenant))

    # When the channel manager opens Programs -> Tier reviews
    open_tier_reviews(page, manager.user.email)

    # Then the proposal is waiting, and the distribution chart is drawn by chart.js
    results = page.locator("#results")
    expect(results.locator("p[aria-live]")).to_have_text("1 proposal waiting")
    proposal = results.get_by_role("article", name="Acme Partner 1 · Resell")
    expect(proposal).to_contain_text("Promotion")
    expect(proposal).to_contain_text("Silver to Gold")
    chart = page.get_by_role("img", name=re.compile(r"^Bar chart of partners per tier in Resell"))
    expect(chart).to_be_visible()
    expect_chart_drawn(chart, [0, 1, 0])

    # When they approve it
    proposal.get_by_role("button", name="Approve").click()

    # Then the queue updates in place with a success message, and the chart is redrawn
    expect(results.get_by_role("alert")).to_have_text("Acme Partner 1 moves to Gold in Resell.")
    expect(results.locator("p[aria-live]")).to_have_text("0 proposals waiting")
    expect(proposal).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/office/tiers/$"))
    gold_row = page.get_by_role("region", name="Partners by tier").get_by_role("row", name="Gold")
    expect(gold_row).to_have_text(re.compile(r"Gold\s*1"))
    expect_chart_drawn(chart, [0, 0, 1])
    assert tier_of(ladder.enrollment) == "Gold"

    # When they open the partner's Programs tab
    page.goto(f"/office/partners/{acme.partner.pk}/")
    page.get_by_role("tab", name="Programs").click()
    expect(page).to_have_url(re.compile(rf"/office/partners/{acme.partner.pk}/programs/$"))

    # Then Resell shows Gold
    expect(page.get_by_role("region", name=re.compile(r"^Resell"))).to_have_accessible_name("Resell Gold")


def test_channel_manager_must_give_a_note_to_reject_a_proposal(acme, open_page, tenant_url):
    # Given the evaluation proposed Gold for Acme Partner 1
    ladder = resell_program(acme, revenue=60_000)
    manager = can_sign_in(acme.manager)
    page = open_page(tenant_url(acme.tenant))
    open_tier_reviews(page, manager.user.email)
    results = page.locator("#results")
    proposal = results.get_by_role("article", name="Acme Partner 1 · Resell")

    # When they reject it without a note
    proposal.get_by_role("button", name="Reject").click()

    # Then they are told a note is needed, and the proposal is still waiting
    expect(results.get_by_role("alert")).to_contain_text("Nothing was decided for Acme Partner 1")
    note = proposal.get_by_label("Note (required to reject)")
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(note).to_have_accessible_description(
        "Give a reason to reject the proposal: it goes on the partner's record."
    )
    expect(results.locator("p[aria-live]")).to_have_text("1 proposal waiting")
    assert len(pending_proposals(ladder.enrollment)) == 1

    # When they give a note and reject again
    note.fill("Revenue not audited yet.")
    proposal.get_by_role("button", name="Reject").click()

    # Then the proposal leaves the queue, and the partner stays Silver
    expect(results.get_by_role("alert")).to_have_text("Acme Partner 1 stays Silver in Resell.")
    expect(results.locator("p[aria-live]")).to_have_text("0 proposals waiting")
    expect(proposal).to_have_count(0)
    assert pending_proposals(ladder.enrollment) == []
    assert tier_of(ladder.enrollment) == "Silver"
