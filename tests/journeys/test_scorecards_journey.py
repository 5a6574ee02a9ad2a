"""Journeys of the relationship's evaluation (issue 18's "done when"):

1. the vendor's admin defines a weighted scorecard in the admin; after the nightly run the
   partner's admin sees its score, the change on last month, the trend and the biggest lever;
2. a channel manager schedules and holds a relationship review with partner 1 and rates it; the
   ratings feed the scorecard (the score changes on the next run); the action item the manager
   assigns is completed by the partner's admin, and the manager sees it done;
3. a joint business plan drafted by the channel manager is signed by both sides and locks; a
   change is a new version.

Acme's program "Resell" has both of its partners enrolled long ago (not new this month). The
figures come from manual metrics (values the vendor records per partner), so each one is chosen
here. axe-core checks each page the journeys visit.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today
from programs.models import Enrollment
from scorecards.models import ActionItem, BusinessPlan, PlanStatus, RelationshipReview, Scorecard, ScorecardSnapshot
from scorecards.services.scoring import measured_day, scorecard_measure
from tests.conftest import build_side
from tests.factories import EnrollmentFactory, ManualMetricFactory, ManualMetricValueFactory, TierFactory
from tests.scorecards.factories import KpiFactory, ScorecardFactory

from ..broker import reset_broker_pools
from .conftest import shot
from .test_lead_journey import assert_accessible, deliver_outbox, eventually, partner_page, staff_page

pytestmark = pytest.mark.journey

LONG_AGO = timezone.make_aware(timezone.datetime(2024, 1, 1))
CARD = "Reseller scorecard"
REVIEW = "Quarterly review with Partner 1"
ACTION = "Send three new customer references"
PLAN = "Growth plan for the quarter"
DASH = "\N{EN DASH}"  # no figure


@pytest.fixture(autouse=True)
def _fresh_broker_pools():
    reset_broker_pools()


@pytest.fixture
def acme(live_server) -> SimpleNamespace:
    """Acme's program "Resell" (tier Gold) with both partners enrolled long ago, and two manual
    metrics: "Customer references" and "Customer satisfaction" (%)."""
    side = build_side("acme", "Acme")
    with tenant_scope(side.tenant):
        tier = TierFactory(tenant=side.tenant, name="Gold", program__name="Resell", program__slug="resell")
        for partner in side.partners:
            EnrollmentFactory(tenant=side.tenant, partner=partner, tier=tier)
        Enrollment.objects.filter(program=tier.program).update(enrolled_at=LONG_AGO)
        references = ManualMetricFactory(tenant=side.tenant, code="references", name="Customer references")
        satisfaction = ManualMetricFactory(tenant=side.tenant, code="csat", name="Customer satisfaction", unit="%")
        yesterday = measured_day()  # what the nightly run measures
    last_month_end = yesterday.replace(day=1) - timedelta(days=1)
    return SimpleNamespace(
        side=side,
        program=tier.program,
        references=references,
        satisfaction=satisfaction,
        yesterday=yesterday,
        last_month_end=last_month_end,
    )


def record(acme, metric, partner, value, on) -> None:
    with tenant_scope(acme.side.tenant):
        ManualMetricValueFactory(
            tenant=acme.side.tenant, metric=metric, partner=partner, value=Decimal(value), effective_on=on
        )


def nightly_run(tenant) -> None:
    """What beat's nightly "scorecards.measure_all" sends for the tenant: its measuring task (the
    month of yesterday, the last whole day)."""
    from prm.celery import app

    app.tasks["scorecards.measure"].apply(kwargs={"tenant_id": tenant.pk}, throw=True)


def open_menu(page: Page, entry: str) -> None:
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("button", name="Performance").click()
    menu.get_by_role("link", name=entry, exact=True).click()


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


# --- 1. A weighted scorecard, measured nightly, seen by the partner ---------------------------------


def test_a_weighted_scorecard_defined_in_the_admin_shows_the_partner_its_score_trend_and_lever(
    acme, open_page, tenant_url
):
    side = acme.side
    base = tenant_url(side.tenant)
    one, two = side.partners
    # Last month partner 1 had 4 references and 90 % satisfaction; by yesterday 8 references.
    earlier = acme.last_month_end - timedelta(days=10)
    for partner, refs, csat in ((one, 4, 90), (two, 2, 50)):
        record(acme, acme.references, partner, refs, earlier)
        record(acme, acme.satisfaction, partner, csat, earlier)
    for partner, refs, csat in ((one, 8, 90), (two, 5, 45)):
        record(acme, acme.references, partner, refs, acme.yesterday)
        record(acme, acme.satisfaction, partner, csat, acme.yesterday)

    # --- The vendor's admin defines the scorecard: references weigh 60 (target 10), satisfaction 40
    admin = staff_page(open_page, base, side.admin, totp=True)
    admin.goto("/admin/scorecards/scorecard/add/")
    admin.locator("#id_program").select_option(label="Resell")
    admin.locator("#id_name").fill(CARD)
    admin.locator("#id_description").fill("References and satisfaction, as the partner agreement sets them.")
    admin.locator("#id_kpis-0-metric").select_option(label="Customer references (manual)")
    admin.locator("#id_kpis-0-weight").fill("60")
    admin.locator("#id_kpis-0-target").fill("10")
    admin.get_by_role("button", name="Add another KPI").click()
    admin.locator("#id_kpis-1-metric").select_option(label="Customer satisfaction (manual)")
    admin.locator("#id_kpis-1-position").fill("1")
    admin.locator("#id_kpis-1-weight").fill("40")
    admin.locator("#id_kpis-1-target").fill("90")
    shot(admin, "scorecards-01-admin-scorecard")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator(".messagelist")).to_contain_text("was added successfully")
    with tenant_scope(side.tenant):
        card = Scorecard.objects.get(name=CARD)
        assert list(card.kpis.values_list("metric", "weight", "target")) == [
            ("manual:references", Decimal(60), Decimal(10)),
            ("manual:csat", Decimal(40), Decimal(90)),
        ]
        # Last month was measured on its last day (as the run on the 1st closed it)
        scorecard_measure(scorecard=card, as_of=acme.last_month_end)

    # --- The nightly run measures yesterday's month
    nightly_run(side.tenant)
    with tenant_scope(side.tenant):
        scores = dict(
            ScorecardSnapshot.objects.filter(scorecard=card, period=acme.yesterday.replace(day=1)).values_list(
                "partner_id", "score"
            )
        )
    # 60 x 8/10 + 40 x 90/90 = 88; partner 2: 60 x 5/10 + 40 x 45/90 = 50
    assert scores == {one.pk: Decimal("88.00"), two.pk: Decimal("50.00")}

    # --- Partner 1's admin: the home's card, then the scorecard page
    pat = partner_page(open_page, base, side.partner_admin)
    home_card = pat.locator("#score-card")
    expect(home_card).to_contain_text(CARD)
    expect(home_card).to_contain_text(re.compile(r"88\s*/ 100\s*\+24 on last month"))
    open_menu(pat, "Scorecard")
    expect(pat).to_have_url(re.compile(r"/portal/scorecard/$"))
    expect(pat.get_by_role("heading", level=1)).to_have_text("Your scorecard")
    section = pat.get_by_role("region", name=CARD)
    expect(section.locator(".score")).to_have_text(re.compile(r"^\s*88\s*/ 100\s*$"))
    expect(section.locator(".month-change")).to_have_text("+24 points on last month")  # 64 last month
    expect(section.locator(".year-change")).to_have_text("No score a year ago to compare with.")
    expect(section.locator(".percentile")).to_have_text("Percentile 100 of Reseller partners")
    # The biggest lever: references miss 12 of their 60 points
    expect(section.locator(".lever")).to_have_text(
        re.compile(
            r"What would raise your score most\s*"
            + re.escape("Customer references: reach 10 (now 8) to meet the target, +12 points.")
        )
    )
    kpis = section.locator("table.kpis")
    expect(kpis.get_by_role("row", name=re.compile("^Customer references")).locator("td")).to_have_text(
        ["8", "10", "48 of 60", "4", DASH]
    )
    expect(kpis.get_by_role("row", name=re.compile("^Customer satisfaction")).locator("td")).to_have_text(
        ["90%", "90%", "40 of 40", "90%", DASH]
    )
    # The trend: a chart drawn by Chart.js, and the same figures as a table (latest first)
    canvas = section.locator("canvas[data-trend-source]")
    expect(canvas).to_be_visible()
    assert pat.evaluate("(canvas) => Boolean(window.Chart && window.Chart.getChart(canvas))", canvas.element_handle())
    section.get_by_text("The score month by month").click()
    expect(section.locator(f"#scorecard-trend-{card.pk}-table tbody td")).to_have_text(["88", "64"])
    shot(pat, "scorecards-02-portal-scorecard")
    assert_accessible(pat)

    # The back office ranks the month: partner 1 first, up 24
    manager = staff_page(open_page, base, side.manager)
    open_menu(manager, "Scorecards")
    ranked = manager.get_by_role("row", name=re.compile(one.display_name)).first
    expect(ranked).to_contain_text("88")
    expect(ranked).to_contain_text("+24")
    shot(manager, "scorecards-03-office-ranking")
    assert_accessible(manager)


# --- 2. A relationship review: ratings feed the score, an action item is done -------------------------


@pytest.fixture
def rated(acme) -> SimpleNamespace:
    """The scorecard of "Resell": references (weight 50, target 10) and the reviews' rating (weight
    50, target 5, no rating counts as zero). Partner 1 has 6 references."""
    side = acme.side
    with tenant_scope(side.tenant):
        card = ScorecardFactory(tenant=side.tenant, program=acme.program, name=CARD)
        KpiFactory(tenant=side.tenant, scorecard=card, metric=acme.references.registry_key, weight=50, target=10)
        KpiFactory(tenant=side.tenant, scorecard=card, metric="reviews.rating", weight=50, target=5)
    record(acme, acme.references, side.partners[0], 6, acme.yesterday - timedelta(days=30))
    return SimpleNamespace(**vars(acme), card=card)


def test_a_review_is_held_its_ratings_change_the_score_and_its_action_item_is_done(rated, open_page, tenant_url):
    side = rated.side
    base = tenant_url(side.tenant)
    one = side.partners[0]
    with tenant_scope(side.tenant):
        tomorrow = tenant_today() + timedelta(days=1)

    # Before the review: 50 x 6/10 + 0 for no rating = 30
    nightly_run(side.tenant)
    manager = staff_page(open_page, base, side.manager)
    manager.goto(f"/office/scorecards/partners/{one.pk}/")
    expect(manager.locator("#score")).to_have_text("30")
    assert_accessible(manager)

    # --- The channel manager opens a review with partner 1, then schedules it for tomorrow
    open_menu(manager, "Reviews")
    expect(manager.get_by_role("heading", level=1)).to_have_text("Relationship reviews")
    assert_accessible(manager)
    manager.get_by_role("link", name="Open a review").click()
    manager.get_by_label(re.compile(r"^Partner\b")).select_option(label=one.display_name)
    manager.get_by_label("Title", exact=True).fill(REVIEW)
    assert_accessible(manager)
    manager.get_by_role("button", name="Open the review").click()
    expect(manager.get_by_role("alert").filter(has_text="is open: schedule it when the day is agreed")).to_be_visible()
    expect(manager.locator("#review-status")).to_have_text("Due (not scheduled yet)")
    review_path = path_of(manager)
    schedule = manager.get_by_role("region", name="Schedule the review")
    schedule.get_by_label("Day").fill(tomorrow.isoformat())
    schedule.get_by_label("Time").fill("10:00")
    schedule.get_by_label("Place or meeting link").fill("https://meet.example/acme-partner-1")
    schedule.get_by_role("button", name="Schedule and invite").click()
    expect(manager.get_by_role("alert").filter(has_text="Scheduled: the partner's admins")).to_be_visible()
    expect(manager.locator("#review-status")).to_have_text("Scheduled")
    # The agenda comes from the scorecard
    expect(manager.get_by_role("region", name="Agenda")).to_contain_text(re.compile(r"Score\s*30\s*of 100"))
    with manager.expect_download() as download:
        manager.get_by_role("link", name="Add to calendar (.ics)").click()
    invitation = Path(download.value.path()).read_text(encoding="utf-8")
    assert invitation.startswith("BEGIN:VCALENDAR") and "METHOD:REQUEST" in invitation
    assert f"SUMMARY:{REVIEW}" in invitation.replace("\r\n ", "")
    shot(manager, "scorecards-04-review-scheduled")
    assert_accessible(manager)

    # --- It is held: notes and a rating on each of the four criteria (average 4 of 5)
    hold = manager.get_by_role("region", name="Hold the review")
    hold.get_by_text("Notes and ratings, then mark it held").click()
    hold.get_by_label("Notes").fill("Strong quarter; references are the gap. Agreed to push for three more.")
    for criterion, rating in (
        ("Quality of work", "4"),
        ("Delivery", "4"),
        ("Customer satisfaction", "5"),
        ("Collaboration", "3"),
    ):
        hold.get_by_label(criterion, exact=True).select_option(rating)
    hold.get_by_label("Comment on “Collaboration”").fill("Slow answers to our channel team.")
    assert_accessible(manager)
    hold.get_by_role("button", name="Mark held").click()
    expect(manager.get_by_role("alert").filter(has_text="Held. The summary is being written")).to_be_visible()
    expect(manager.locator("#review-status")).to_have_text("Held")
    expect(manager.locator("#review-ratings tbody td.text-end")).to_have_text(["4", "4", "5", "3"])

    # --- ...and assigns an action item to the partner's admin, due in two weeks
    actions = manager.get_by_role("region", name="Action items")
    actions.get_by_text("Add an action item").click()
    actions.get_by_label(re.compile(r"^Action\b")).fill(ACTION)
    actions.get_by_label("Owner").select_option(value=str(side.partner_admin.pk))
    due = tomorrow + timedelta(days=13)
    actions.get_by_label("Due on").fill(due.isoformat())
    actions.get_by_role("button", name="Assign").click()
    expect(manager.get_by_role("alert").filter(has_text=f"“{ACTION}” is assigned to")).to_be_visible()
    with tenant_scope(side.tenant):
        item = ActionItem.objects.get(title=ACTION)
    assigned = manager.locator(f"#action-{item.pk}")
    expect(assigned).to_have_class(re.compile(r"\baction-open\b"))
    expect(assigned).to_contain_text(f"({one.display_name}) · due")
    shot(manager, "scorecards-05-review-held")
    assert_accessible(manager)

    # --- The score changes on the next run: measured again now (for the one partner, as of today)
    manager.goto(f"/office/scorecards/partners/{one.pk}/")
    manager.get_by_role("button", name="Measure again now").click()
    expect(manager.get_by_role("alert").filter(has_text="is being measured again")).to_be_visible()

    def remeasured():
        with tenant_scope(side.tenant):
            return ScorecardSnapshot.objects.filter(partner=one, score=Decimal("70.00")).exists()

    eventually(remeasured, fallback=lambda: deliver_outbox(side.tenant))
    manager.reload()
    # 50 x 6/10 + 50 x 4/5 = 70
    expect(manager.locator("#score")).to_have_text("70")
    expect(manager.locator("#kpis")).to_contain_text("4 / 5")
    shot(manager, "scorecards-06-office-partner-after-review")
    assert_accessible(manager)

    # --- The partner's admin sees the new score, the held review, and completes the action item
    pat = partner_page(open_page, base, side.partner_admin)
    pat.goto("/portal/scorecard/")
    section = pat.get_by_role("region", name=CARD)
    expect(section.locator(".score")).to_have_text(re.compile(r"^\s*70\s*/ 100\s*$"))
    expect(section.get_by_role("row", name=re.compile("^Relationship review rating")).locator("td").first).to_have_text(
        "4 / 5"
    )
    open_menu(pat, "Reviews")
    expect(pat.get_by_role("row", name=re.compile(REVIEW))).to_contain_text("Held")
    assert_accessible(pat)
    pat.get_by_role("link", name="1 open action item").click()
    row = pat.get_by_role("row", name=re.compile(ACTION))
    expect(row).to_contain_text(REVIEW)
    shot(pat, "scorecards-07-portal-action-items")
    assert_accessible(pat)
    row.get_by_role("button", name="Mark done").click()
    expect(pat.get_by_role("alert").filter(has_text=f"Done: “{ACTION}”. The vendor is told.")).to_be_visible()
    expect(pat.get_by_role("main")).to_contain_text("Nothing to do here.")
    pat.goto(review_path.replace("/office/", "/portal/"))
    expect(pat.locator(f"#action-{item.pk}")).to_contain_text("done by")
    assert_accessible(pat)

    # --- The manager sees it done
    manager.goto(review_path)
    done = manager.locator(f"#action-{item.pk}")
    expect(done).to_have_class(re.compile(r"\baction-done\b"))
    expect(done).to_contain_text("done by")
    expect(done).to_contain_text("Done")
    shot(manager, "scorecards-08-review-action-done")
    with tenant_scope(side.tenant):
        assert ActionItem.objects.get(pk=item.pk).status == "done"
        assert RelationshipReview.objects.get(title=REVIEW).status == "held"


# --- 3. A business plan signed by both sides locks --------------------------------------------------


def test_a_business_plan_signed_by_both_sides_is_agreed_and_locked(acme, open_page, tenant_url):
    side = acme.side
    base = tenant_url(side.tenant)
    one = side.partners[0]

    # --- The channel manager drafts a plan for partner 1 with one objective, and signs it
    manager = staff_page(open_page, base, side.manager)
    open_menu(manager, "Business plans")
    expect(manager.get_by_role("heading", level=1)).to_have_text("Business plans")
    manager.get_by_role("link", name="New plan").click()
    manager.get_by_label(re.compile(r"^Partner\b")).select_option(label=one.display_name)
    manager.get_by_label("Title").fill(PLAN)
    manager.get_by_label("Summary").fill("Twelve approved registrations and two certified engineers.")
    assert_accessible(manager)
    manager.get_by_role("button", name="Create the draft").click()
    expect(manager.get_by_role("alert").filter(has_text=f"{PLAN} is drafted")).to_be_visible()
    plan_path = path_of(manager)
    manager.get_by_label("Measured by").select_option(label="Approved deal registrations")
    manager.get_by_label(re.compile(r"^Objective\b")).fill("Register and get approved twelve deals")
    manager.get_by_label("Target").fill("12")
    manager.get_by_role("button", name="Add the objective").click()
    expect(manager.get_by_role("alert").filter(has_text="Objective added.")).to_be_visible()
    expect(manager.locator(".objective")).to_contain_text("Register and get approved twelve deals")
    manager.get_by_label("I agree to this plan on behalf of Acme").check()
    manager.get_by_role("button", name="Sign the plan").click()
    expect(manager.get_by_role("alert").filter(has_text="Signed: the other side is asked to sign.")).to_be_visible()
    expect(manager.locator(".signature-vendor")).to_contain_text("Signed by")
    expect(manager.locator(".signature-partner")).to_have_text("Not signed")
    shot(manager, "scorecards-09-plan-signed-by-vendor")
    assert_accessible(manager)

    # --- The partner's admin signs it in the portal: agreed and locked
    pat = partner_page(open_page, base, side.partner_admin)
    open_menu(pat, "Business plans")
    pat.get_by_role("link", name=PLAN).click()
    expect(pat.get_by_role("heading", level=1)).to_contain_text(PLAN)
    expect(pat.locator(".signature-vendor")).to_contain_text("Signed by")
    assert_accessible(pat)
    pat.get_by_label(f"I agree to this plan on behalf of {one.display_name}").check()
    pat.get_by_role("button", name="Sign the plan").click()
    expect(
        pat.get_by_role("alert").filter(has_text="both sides have signed, so the plan is agreed and locked")
    ).to_be_visible()
    expect(pat.locator(".plan-status")).to_have_text("Agreed and locked")
    expect(pat.get_by_role("status").filter(has_text="Agreed by both sides and locked on")).to_be_visible()
    expect(pat.locator(".signature-partner")).to_contain_text("Signed by")
    # Nothing on the page edits it any more; a change is a new version
    main = pat.get_by_role("main")
    for name in ("Edit the details", "Withdraw the draft", "Sign the plan", "Add the objective", "Remove"):
        expect(main.get_by_role("button", name=name)).to_have_count(0)
        expect(main.get_by_role("link", name=name)).to_have_count(0)
    expect(main.get_by_role("link", name=re.compile(r"^Edit"))).to_have_count(0)
    expect(main.get_by_role("button", name="Start a new version")).to_be_visible()
    shot(pat, "scorecards-10-plan-agreed-portal")
    assert_accessible(pat)
    # ...and the edit page, asked for directly, refuses
    pat.goto(path_of(pat) + "edit/")
    expect(pat.get_by_role("status")).to_have_text(
        "This plan is agreed and locked: start a new version from its page to change it."
    )
    expect(pat.get_by_role("button", name="Save")).to_have_count(0)
    with tenant_scope(side.tenant):
        plan = BusinessPlan.objects.get(title=PLAN)
        assert plan.status == PlanStatus.AGREED and plan.locked_at is not None
        assert plan.partner_signed_by_id == side.partner_admin.pk and plan.vendor_signed_by_id == side.manager.pk

    # --- The manager sees it agreed, and starts version 2 (the agreed one stays in force)
    manager.goto(plan_path)
    expect(manager.locator(".plan-status")).to_have_text("Agreed and locked")
    manager.get_by_role("button", name="Start a new version").click()
    expect(manager.get_by_role("alert").filter(has_text="Version 2 is drafted from the agreed plan")).to_be_visible()
    expect(manager.get_by_role("heading", level=1)).to_contain_text("version 2")
    expect(manager.get_by_role("main")).to_contain_text("which stays in force until this one is agreed")
    expect(manager.locator(".objective")).to_contain_text("Register and get approved twelve deals")
    shot(manager, "scorecards-11-plan-version-2")
    assert_accessible(manager)
    with tenant_scope(side.tenant):
        assert BusinessPlan.objects.get(pk=plan.pk).status == PlanStatus.AGREED
