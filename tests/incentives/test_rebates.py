"""Rebates pay on revenue, or only on the growth over a baseline, measured set-based per quarter;
accrued as deals close, trued up (only the difference is posted), closed into approved, paid with
a statement that shows how the figure was reached."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from deals.services import deal_reverse_win
from incentives import events
from incentives.models import Baseline, Payout, RebateAccrual, RebatePlan
from incentives.selectors import balances
from incentives.services import payout_run_approve, payout_run_mark_paid, payout_run_prepare, payout_statements
from incentives.services.rebates import (
    quarter_of,
    rebate_accrue,
    rebate_close,
    rebates_accrue_all,
    rebates_clawback_for_deal,
)
from incentives.tasks import SPIFFS_CLAWBACK
from prm.accounts.roles import Role
from prm.errors import InvalidTransition
from prm.events.models import Event, OutboxMessage
from prm.notifications.models import Notification
from prm.tenancy.scope import tenant_scope
from tests.factories import DealFactory, EnrollmentFactory, MembershipFactory, PartnerFactory, TierFactory

pytestmark = pytest.mark.django_db

D = Decimal
BANDS = [[0, 2], [100000, 3]]
Q3 = date(2026, 8, 15)


def _won(side, partner, amount, won_on, currency="USD", program=None):
    return DealFactory(
        tenant=side.tenant,
        partner=partner,
        status="won",
        won_on=won_on,
        won_amount=D(amount),
        amount=D(amount),
        currency=currency,
        program=program,
    )


def _plan(side, **fields):
    return RebatePlan.objects.create(tenant=side.tenant, name="Growth rebate", bands=BANDS, **fields)


def _pending(side, partner):
    rows = balances(partner_id=partner.pk)
    return {(b.account, b.currency): b.amount for b in rows if b.account in ("pending", "approved") and b.amount}


def test_the_quarter_of_a_day():
    assert quarter_of(date(2026, 8, 15)) == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter_of(date(2026, 12, 31)) == (date(2026, 10, 1), date(2026, 12, 31))


def test_a_growth_rebate_pays_only_the_growth_over_last_years_quarter(acme):
    with tenant_scope(acme.tenant):
        growing, shrinking = acme.partner, acme.partners[1]
        new = PartnerFactory(tenant=acme.tenant, display_name="Newcomer")
        for partner, last_year, this_year in ((growing, "100000", "150000"), (shrinking, "200000", "150000")):
            _won(acme, partner, last_year, date(2025, 8, 1))
            _won(acme, partner, this_year, date(2026, 8, 1))
        _won(acme, new, "60000", date(2026, 9, 30))
        _won(acme, growing, "999999", date(2026, 10, 1))  # next quarter: not counted
        result = rebate_accrue(plan=_plan(acme, growth_only=True), on=Q3)
        figures = {
            a.partner_id: (a.actual, a.baseline, a.incremental, a.rate, a.amount) for a in RebateAccrual.objects.all()
        }
    assert result.partners == 3
    # 150,000 - 100,000 = 50,000 of growth, at the 2 % band: 1,000; no growth: nothing
    assert figures[growing.pk] == (D("150000.00"), D("100000.00"), D("50000.00"), D("2.000"), D("1000.00"))
    assert figures[shrinking.pk] == (D("150000.00"), D("200000.00"), D("0.00"), D("2.000"), D("0.00"))
    assert figures[new.pk] == (D("60000.00"), D("0.00"), D("60000.00"), D("2.000"), D("1200.00"))
    with tenant_scope(acme.tenant):
        assert _pending(acme, growing) == {("pending", "USD"): D("1000.00")}
        assert _pending(acme, shrinking) == {}


def test_a_volume_bonus_pays_on_all_revenue_at_the_band_reached_and_converts_at_the_win_days_rate(acme):
    from incentives.services import exchange_rate_set

    with tenant_scope(acme.tenant):
        exchange_rate_set(actor=acme.admin, currency="EUR", on=date(2026, 1, 1), rate=D("1.10"))
        exchange_rate_set(actor=acme.admin, currency="EUR", on=date(2026, 9, 1), rate=D("2.00"))
        _won(acme, acme.partner, "50000", date(2026, 7, 10))
        _won(acme, acme.partner, "50000", date(2026, 8, 10), currency="EUR")  # 55,000 at August's 1.10
        rebate_accrue(plan=_plan(acme, growth_only=False), on=Q3)
        accrual = RebateAccrual.objects.get()
    assert (accrual.actual, accrual.rate, accrual.amount) == (D("105000.00"), D("3.000"), D("3150.00"))


def test_a_trailing_baseline_is_the_average_of_the_four_quarters_before(acme):
    with tenant_scope(acme.tenant):
        for won_on in (date(2025, 7, 15), date(2025, 10, 15), date(2026, 1, 15)):  # one quarter had none
            _won(acme, acme.partner, "40000", won_on)
        _won(acme, acme.partner, "80000", date(2026, 8, 1))
        rebate_accrue(plan=_plan(acme, growth_only=True, baseline=Baseline.TRAILING), on=Q3)
        accrual = RebateAccrual.objects.get()
    # (40,000 x 3 + 0) / 4 = 30,000; growth 50,000 at 2 %
    assert (accrual.baseline, accrual.incremental, accrual.amount) == (D("30000.00"), D("50000.00"), D("1000.00"))


def test_true_ups_post_only_the_difference_and_closing_approves_it_once(acme):
    with tenant_scope(acme.tenant):
        plan = _plan(acme, growth_only=False)
        first = _won(acme, acme.partner, "40000", date(2026, 7, 5))
        rebate_accrue(plan=plan, on=Q3)
        assert _pending(acme, acme.partner) == {("pending", "USD"): D("800.00")}
        # a second win mid-quarter: only the difference is posted
        _won(acme, acme.partner, "60000", date(2026, 8, 5))  # 100,000 reaches the 3 % band: 3,000
        assert rebate_accrue(plan=plan, on=Q3).posted == 1
        assert _pending(acme, acme.partner) == {("pending", "USD"): D("3000.00")}
        assert rebate_accrue(plan=plan, on=Q3).posted == 0  # nothing changed, nothing posted
        # the first win reversed: the rebate falls back to 2 % of 60,000
        deal_reverse_win(actor=acme.manager, deal=first, reason="Order cancelled")
        rebate_accrue(plan=plan, on=Q3)
        assert _pending(acme, acme.partner) == {("pending", "USD"): D("1200.00")}
        # closing the quarter approves it; it is not measured again
        rebate_accrue(plan=plan, on=Q3, close=True)
        assert _pending(acme, acme.partner) == {("approved", "USD"): D("1200.00")}
        with pytest.raises(InvalidTransition, match="closed"):
            rebate_accrue(plan=plan, on=Q3)


def test_the_statement_shows_revenue_baseline_growth_and_rate(acme):
    with tenant_scope(acme.tenant):
        preparer = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
        _won(acme, acme.partner, "100000", date(2025, 8, 1))
        _won(acme, acme.partner, "150000", date(2026, 8, 1))
        rebate_accrue(plan=_plan(acme, growth_only=True), on=Q3, close=True)
        run = payout_run_prepare(actor=preparer, period_end=date(2026, 12, 31))
        payout_run_approve(actor=acme.admin, run=run)
        payout_statements(run_id=run.pk)
        payout = Payout.objects.get(run=run, partner=acme.partner)
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(payout.statement.open("rb")).pages).split())
    assert payout.amount == D("1000.00")
    assert "Rebate" in text and "baseline $100,000.00" in text and "growth $50,000.00" in text and "at 2 %" in text


def test_a_certified_partner_earns_the_plans_accelerator(acme):
    from tests.learning.factories import CertificateFactory, CertificationFactory

    with tenant_scope(acme.tenant):
        certified, plain = acme.partner, acme.partners[1]
        for partner in (certified, plain):
            _won(acme, partner, "50000", date(2026, 8, 1))
        storage = CertificationFactory(tenant=acme.tenant, code="storage-expert")
        other = CertificationFactory(tenant=acme.tenant, code="sales-basics")
        CertificateFactory(tenant=acme.tenant, certification=storage, holder=acme.sales_rep, issued_on=date(2026, 9, 1))
        CertificateFactory(
            tenant=acme.tenant, certification=other, holder=acme.sales[1], issued_on=date(2026, 9, 1)
        )  # not one that accelerates
        plan = _plan(acme, growth_only=False, accelerator_percent=D(25), accelerator_certifications=["storage-expert"])
        rebate_accrue(plan=plan, on=Q3)
        figures = {a.partner_id: (a.rate, a.accelerator, a.amount) for a in RebateAccrual.objects.filter(plan=plan)}
        # 2 % of 50,000 = 1,000; certified: +25 % = 1,250
        assert figures == {certified.pk: (D(2), D(25), D("1250.00")), plain.pk: (D(2), D(0), D("1000.00"))}


def _reverse(side, deal, reason, deliver):
    """The vendor reverses the win; the worker runs the clawback the event sends through the outbox."""
    deal_reverse_win(actor=side.manager, deal=deal, reason=reason)
    deliver(OutboxMessage.objects.get(task_name=SPIFFS_CLAWBACK, kwargs__deal_id=deal.pk))


def _paid_run(side, preparer, period_end):
    run = payout_run_prepare(actor=preparer, period_end=period_end)
    payout_run_approve(actor=side.admin, run=run)
    payout_run_mark_paid(actor=side.admin, run=run, reference=f"BATCH-{period_end:%Y%m}")
    return Payout.objects.filter(run=run, partner=side.partner).first()


def test_a_win_reversed_after_its_quarter_was_closed_and_paid_is_netted_from_the_next_payout(acme, deliver):
    with tenant_scope(acme.tenant):
        preparer = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
        plan = _plan(acme, growth_only=True)
        _won(acme, acme.partner, "100000", date(2025, 8, 1))
        _won(acme, acme.partner, "120000", date(2026, 7, 20))
        cancelled = _won(acme, acme.partner, "30000", date(2026, 8, 20))
        # 150,000 - 100,000 = 50,000 of growth at 2 %: 1,000, closed and paid
        rebate_close(actor=acme.admin, plan=plan, on=Q3)
        assert _paid_run(acme, preparer, date(2026, 10, 31)).amount == D("1000.00")
        # when the vendor reverses the 30,000 win after that
        _reverse(acme, cancelled, "The customer returned the order", deliver)
        # then the quarter is measured without it: 20,000 of growth at 2 % = 400; 600 is taken back
        accrual = RebateAccrual.objects.get(plan=plan, partner=acme.partner)
        assert (accrual.actual, accrual.incremental, accrual.amount, accrual.accrued, accrual.closed) == (
            D("120000.00"),
            D("20000.00"),
            D("400.00"),
            D("400.00"),
            True,
        )
        assert _pending(acme, acme.partner) == {("approved", "USD"): D("-600.00")}
        # the partner's admin is told why, finance's timeline says so
        [told] = Notification.objects.filter(recipient=acme.partner_admin, title_message="A rebate is clawed back")
        assert told.note == "The customer returned the order"
        assert told.params["amount"] == {"money": "600.00", "currency": "USD"}
        assert Event.objects.filter(verb=events.REBATE_CLAWED_BACK, data__clawback="600.00").count() == 1
        # nothing is taken twice: the task run again, the win reversed again
        assert rebates_clawback_for_deal(deal_id=cancelled.pk, reason="Again") == 0
        with pytest.raises(InvalidTransition):
            deal_reverse_win(actor=acme.manager, deal=cancelled, reason="Again")
        assert _pending(acme, acme.partner) == {("approved", "USD"): D("-600.00")}
        # Q4 earns 100,000 of growth (none last year) at 3 %: 3,000; the next payout nets the 600
        _won(acme, acme.partner, "100000", date(2026, 11, 10))
        rebate_close(actor=acme.admin, plan=plan, on=date(2026, 11, 10))
        payout = _paid_run(acme, preparer, date(2027, 1, 31))
        assert payout.amount == D("2400.00")
        assert sorted(item.amount for item in payout.items.all()) == [D("-600.00"), D("3000.00")]
        assert _pending(acme, acme.partner) == {}


def test_a_reversed_win_takes_back_only_what_it_added_to_the_plans_it_counted_toward(acme, deliver):
    with tenant_scope(acme.tenant):
        gold = TierFactory(tenant=acme.tenant, name="Gold", rank=2)
        silver = TierFactory(tenant=acme.tenant, program=gold.program, name="Silver", rank=1)
        enrollment = EnrollmentFactory(tenant=acme.tenant, partner=acme.partner, tier=gold)
        plan = _plan(acme, growth_only=False, program=gold.program, min_tier=gold)
        _won(acme, acme.partner, "50000", date(2026, 7, 10), program=gold.program)
        small = _won(acme, acme.partner, "20000", date(2026, 8, 10), program=gold.program)
        elsewhere = _won(acme, acme.partner, "90000", date(2026, 8, 11))  # another program's: not counted
        # 70,000 at 2 %: 1,400, approved
        rebate_close(actor=acme.admin, plan=plan, on=Q3)
        assert _pending(acme, acme.partner) == {("approved", "USD"): D("1400.00")}
        # a win the plan never counted takes nothing back
        _reverse(acme, elsewhere, "Duplicate order", deliver)
        assert _pending(acme, acme.partner) == {("approved", "USD"): D("1400.00")}
        # the partner falls below the plan's tier since: the quarter it earned in still counts it
        enrollment.tier = silver
        enrollment.save()
        _reverse(acme, small, "Never paid", deliver)
        # 50,000 at 2 %: 1,000; only the 400 the win added is taken back
        assert _pending(acme, acme.partner) == {("approved", "USD"): D("1000.00")}


def test_a_win_reversed_in_an_open_quarter_is_left_to_the_nightly_run(acme, deliver):
    with tenant_scope(acme.tenant):
        plan = _plan(acme, growth_only=False)
        _won(acme, acme.partner, "60000", date(2026, 7, 10))
        cancelled = _won(acme, acme.partner, "40000", date(2026, 8, 10))
        rebate_accrue(plan=plan, on=Q3)  # 100,000 at 3 %: 3,000 pending
        _reverse(acme, cancelled, "Order cancelled", deliver)
        # the clawback posts nothing for a quarter not closed: the nightly run measures it again
        assert _pending(acme, acme.partner) == {("pending", "USD"): D("3000.00")}
        rebates_accrue_all(on=Q3)
        assert _pending(acme, acme.partner) == {("pending", "USD"): D("1200.00")}
        rebate_close(actor=acme.admin, plan=plan, on=Q3)
        assert _pending(acme, acme.partner) == {("approved", "USD"): D("1200.00")}


def test_a_plan_that_adds_each_tiers_rebate_percent_pays_gold_more_than_silver(acme):
    """The rebate percent a tier promises (a benefit on the program's tier page) is what the plan
    pays when it adds it: the band's rate plus the tier's percent, per partner."""
    with tenant_scope(acme.tenant):
        gold = TierFactory(tenant=acme.tenant, name="Gold", rank=2, rebate_percent=D(3))
        silver = TierFactory(tenant=acme.tenant, program=gold.program, name="Silver", rank=1, rebate_percent=D(1))
        gold_partner, silver_partner = acme.partner, acme.partners[1]
        EnrollmentFactory(tenant=acme.tenant, partner=gold_partner, tier=gold)
        EnrollmentFactory(tenant=acme.tenant, partner=silver_partner, tier=silver)
        for partner in (gold_partner, silver_partner):
            _won(acme, partner, "50000", date(2026, 8, 1), program=gold.program)
        _won(acme, gold_partner, "60000", date(2026, 8, 2), program=gold.program)  # 110,000: the 3 % band
        plan = _plan(acme, growth_only=False, program=gold.program, add_tier_percent=True)
        rebate_accrue(plan=plan, on=Q3)
        rates = dict(RebateAccrual.objects.values_list("partner_id", "rate"))
        amounts = dict(RebateAccrual.objects.values_list("partner_id", "amount"))
        # Gold: band 3 % + its 3 % = 6 % of 110,000; Silver: band 2 % + its 1 % = 3 % of 50,000
        assert (rates[gold_partner.pk], amounts[gold_partner.pk]) == (D("6.000"), D("6600.00"))
        assert (rates[silver_partner.pk], amounts[silver_partner.pk]) == (D("3.000"), D("1500.00"))
        # without the option, the tiers' percents are not added
        plan.add_tier_percent = False
        plan.save()
        rebate_accrue(plan=plan, on=Q3)
        assert dict(RebateAccrual.objects.values_list("partner_id", "amount")) == {
            gold_partner.pk: D("3300.00"),
            silver_partner.pk: D("1000.00"),
        }


def test_the_partner_admin_sees_where_the_open_quarter_stands_and_how_far_the_next_band_is(acme):
    from django.urls import reverse

    from tests.conftest import body, make_client

    with tenant_scope(acme.tenant):
        _won(acme, acme.partner, "40000", _years_back_day(Q3))
        _won(acme, acme.partner, "100000", Q3)  # growth 60,000: the 2 % band; 100,000 reaches 3 %
        plan = _plan(acme, growth_only=True)
        rebate_accrue(plan=plan, on=Q3)
    page = body(make_client(acme.partner_admin).get(reverse("portal:earnings")))
    assert "Rebates in progress" in page and "Growth rebate" in page
    assert "$60,000.00" in page and "$1,200.00" in page  # the growth, and 2 % of it so far
    assert "$40,000.00 more growth: 3 %" in page  # to the 100,000 band
    # a rep sees its own SPIFFs only: the company's rebates are not on its page
    assert "Rebates in progress" not in body(make_client(acme.sales_rep).get(reverse("portal:earnings")))
    # a closed quarter is no longer in progress
    with tenant_scope(acme.tenant):
        rebate_close(actor=MembershipFactory(tenant=acme.tenant, role=Role.FINANCE), plan=plan, on=Q3)
    assert "Rebates in progress" not in body(make_client(acme.partner_admin).get(reverse("portal:earnings")))


def _years_back_day(day):
    return day.replace(year=day.year - 1)


def test_a_reversed_win_takes_back_by_the_bands_and_tier_the_quarter_closed_with(acme, deliver):
    """The plan's bands edited since, or the partner's tier lost since, take back no more than the
    win added when the quarter closed."""
    with tenant_scope(acme.tenant):
        gold = TierFactory(tenant=acme.tenant, name="Gold", rank=2, rebate_percent=D(3))
        silver = TierFactory(tenant=acme.tenant, program=gold.program, name="Silver", rank=1, rebate_percent=D(1))
        enrollment = EnrollmentFactory(tenant=acme.tenant, partner=acme.partner, tier=gold)
        plan = _plan(acme, growth_only=False, program=gold.program, add_tier_percent=True)
        _won(acme, acme.partner, "50000", date(2026, 7, 10), program=gold.program)
        first = _won(acme, acme.partner, "1000", date(2026, 8, 10), program=gold.program)
        second = _won(acme, acme.partner, "1000", date(2026, 8, 11), program=gold.program)
        # 52,000 at the 2 % band + Gold's 3 % = 5 %: 2,600
        rebate_close(actor=acme.admin, plan=plan, on=Q3)
        assert _pending(acme, acme.partner) == {("approved", "USD"): D("2600.00")}
        # the plan's bands are cut and the partner drops to Silver after the close
        plan.bands = [[0, 1]]
        plan.save()
        enrollment.tier = silver
        enrollment.save()
        _reverse(acme, first, "Order cancelled", deliver)
        # 5 % of the 1,000 the win added: 50 (today's bands and tier would have taken 1,580)
        assert _pending(acme, acme.partner) == {("approved", "USD"): D("2550.00")}
        _reverse(acme, second, "Order cancelled", deliver)
        assert _pending(acme, acme.partner) == {("approved", "USD"): D("2500.00")}
