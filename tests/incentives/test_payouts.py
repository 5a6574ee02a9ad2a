"""Payout runs: what is approved and out of its hold is paid per payee and currency, a clawback is
netted in the next run, four eyes approve, one approval wins a race, statements are made by the
worker, and the payment leaves the ledger balanced."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from deals.services import deal_reverse_win
from incentives.models import ClaimStatus, Payout, PayoutRun, RunStatus
from incentives.selectors import balances
from incentives.services import (
    incentive_settings,
    payout_run_approve,
    payout_run_discard,
    payout_run_mark_paid,
    payout_run_prepare,
    spiff_claim_approve,
    spiff_claims_for_win,
)
from incentives.tasks import SPIFFS_CLAWBACK, STATEMENTS_TASK
from prm.accounts.roles import Role
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import OutboxMessage
from prm.tenancy.scope import tenant_scope
from tests.concurrency import race
from tests.factories import MembershipFactory

from .test_spiffs import _campaign, _won_deal

pytestmark = pytest.mark.django_db

D = Decimal
PERIOD_END = date(2026, 6, 30)


def _approved_claim(side, *, won_on, finance, rep=None):
    [claim] = spiff_claims_for_win(deal=_won_deal(side, won_on=won_on, rep=rep))
    return spiff_claim_approve(actor=finance, claim=claim)


def _owed(side, member):
    return {(b.account, b.currency): b.amount for b in balances(partner_id=side.partner.pk, member_id=member.pk)}


@pytest.fixture
def finance_pair(acme):
    with tenant_scope(acme.tenant):
        return (
            MembershipFactory(tenant=acme.tenant, role=Role.FINANCE),
            MembershipFactory(tenant=acme.tenant, role=Role.FINANCE),
        )


def test_a_run_pays_what_is_out_of_its_hold_and_carries_what_is_held_or_too_small(acme, finance_pair):
    preparer, _approver = finance_pair
    with tenant_scope(acme.tenant):
        _campaign(acme, ends_on=date(2026, 12, 31))
        small_rep = MembershipFactory(tenant=acme.tenant, partner=acme.partner, role=Role.SALES)
        old = _approved_claim(acme, won_on=date(2026, 5, 1), finance=preparer)  # 60 days before: paid
        _approved_claim(acme, won_on=date(2026, 6, 20), finance=preparer)  # 10 days before: held (30)
        settings = incentive_settings()
        settings.minimum_payout = D("600.00")
        settings.save()
        _approved_claim(acme, won_on=date(2026, 5, 2), finance=preparer, rep=small_rep)  # 500 < 600: carried
        settings.minimum_payout = D("400.00")
        settings.save()
        run = payout_run_prepare(actor=preparer, period_end=PERIOD_END)
        payouts = list(Payout.objects.filter(run=run).values_list("member_id", "currency", "amount"))
    # the rep's May win (500) and the other rep's May win (500 >= 400); June's is held
    assert sorted(payouts) == sorted([(old.member_id, "USD", D("500.00")), (small_rep.pk, "USD", D("500.00"))])


def test_four_eyes_statements_and_payment(acme, finance_pair, deliver):
    preparer, approver = finance_pair
    with tenant_scope(acme.tenant):
        _campaign(acme)
        claim = _approved_claim(acme, won_on=date(2026, 3, 1), finance=preparer)
        run = payout_run_prepare(actor=preparer, period_end=PERIOD_END)
        with pytest.raises(InvalidTransition, match="Another payout run is open"):
            payout_run_prepare(actor=approver, period_end=PERIOD_END)
        with pytest.raises(PolicyViolation, match="four eyes"):
            payout_run_approve(actor=preparer, run=run)
        with pytest.raises(NotAllowed):
            payout_run_approve(actor=acme.manager, run=run)
        with pytest.raises(InvalidTransition):
            payout_run_mark_paid(actor=approver, run=run, reference="BATCH-1")  # not approved yet
        payout_run_approve(actor=approver, run=run)
        deliver(OutboxMessage.objects.get(task_name=STATEMENTS_TASK))
        payout = Payout.objects.get(run=run)
        text = "".join(page.extract_text() for page in PdfReader(payout.statement.open("rb")).pages)
        assert "Payout statement" in text and "SPIFF" in text and "Q1 storage push" in text and "$500.00" in text
        with pytest.raises(PolicyViolation, match="reference"):
            payout_run_mark_paid(actor=approver, run=run, reference=" ")
        payout_run_mark_paid(actor=approver, run=run, reference="BATCH-1")
        assert _owed(acme, claim.member) == {("approved", "USD"): D("0.00"), ("pending", "USD"): D("0.00")}
        company = {(b.account, b.currency): b.amount for b in balances(partner_id=acme.partner.pk)}
        assert company[("cash", "USD")] == D("-500.00")  # paid out of the vendor's cash
        run.refresh_from_db()
        assert (run.status, run.payment_reference) == (RunStatus.PAID, "BATCH-1")
        # nothing is paid twice: the next run has nothing to pay
        assert not Payout.objects.filter(run=payout_run_prepare(actor=preparer, period_end=PERIOD_END)).exists()


def test_a_win_reversed_after_payout_is_clawed_back_and_netted_in_the_next_run(acme, finance_pair, deliver):
    preparer, approver = finance_pair
    with tenant_scope(acme.tenant):
        _campaign(acme, ends_on=date(2026, 12, 31))
        claim = _approved_claim(acme, won_on=date(2026, 3, 1), finance=preparer)
        first = payout_run_prepare(actor=preparer, period_end=PERIOD_END)
        payout_run_approve(actor=approver, run=first)
        payout_run_mark_paid(actor=approver, run=first, reference="BATCH-1")
        # when the vendor reverses the win after it was paid
        deal_reverse_win(actor=acme.manager, deal=claim.deal, reason="The customer cancelled the order")
        deliver(OutboxMessage.objects.get(task_name=SPIFFS_CLAWBACK))
        claim.refresh_from_db()
        assert (claim.status, claim.reason) == (ClaimStatus.CLAWED_BACK, "The customer cancelled the order")
        assert _owed(acme, claim.member)[("approved", "USD")] == D("-500.00")
        # two more wins: the next run pays their 1,000 less the 500 clawed back
        for won_on in (date(2026, 4, 1), date(2026, 4, 2)):
            _approved_claim(acme, won_on=won_on, finance=preparer)
        second = payout_run_prepare(actor=preparer, period_end=date(2026, 7, 31))
        payout = Payout.objects.get(run=second)
        assert payout.amount == D("500.00")
        assert sorted(item.amount for item in payout.items.all()) == [D("-500.00"), D("500.00"), D("500.00")]


def test_a_discarded_draft_frees_its_amounts_for_the_next_run(acme, finance_pair):
    preparer, approver = finance_pair
    with tenant_scope(acme.tenant):
        _campaign(acme)
        _approved_claim(acme, won_on=date(2026, 3, 1), finance=preparer)
        draft = payout_run_prepare(actor=preparer, period_end=PERIOD_END)
        payout_run_discard(actor=approver, run=draft)
        assert not Payout.objects.filter(run=draft).exists()
        again = payout_run_prepare(actor=preparer, period_end=PERIOD_END)
        assert Payout.objects.get(run=again).amount == D("500.00")


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_make_one_approval(acme):
    with tenant_scope(acme.tenant):
        preparer = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
        one = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
        two = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
        _campaign(acme)
        _approved_claim(acme, won_on=date(2026, 3, 1), finance=preparer)
        run = payout_run_prepare(actor=preparer, period_end=PERIOD_END)
    outcomes = race(
        {"one": lambda: payout_run_approve(actor=one, run=run), "two": lambda: payout_run_approve(actor=two, run=run)},
        tenant=acme.tenant,
    )
    assert sorted(map(str, outcomes.values())).count("done") == 1
    loser = next(outcome for outcome in outcomes.values() if outcome != "done")
    assert isinstance(loser, InvalidTransition)
    with tenant_scope(acme.tenant):
        run.refresh_from_db()
        assert run.status == RunStatus.APPROVED and run.approved_by_id in (one.pk, two.pk)
        assert OutboxMessage.objects.filter(task_name=STATEMENTS_TASK).count() == 1
        assert PayoutRun.objects.count() == 1


def test_a_partner_on_hold_is_left_out_of_runs_until_finance_resumes_its_payouts(acme, finance_pair):
    from incentives.models import PayoutHold
    from incentives.selectors.spiffs import owed
    from incentives.services import payout_hold, payout_hold_release
    from prm.notifications.models import Notification

    preparer, approver = finance_pair
    with tenant_scope(acme.tenant):
        _campaign(acme, ends_on=date(2026, 12, 31))
        claim = _approved_claim(acme, won_on=date(2026, 3, 1), finance=preparer)
        with pytest.raises(NotAllowed):
            payout_hold(actor=acme.manager, partner=acme.partner, reason="Audit")
        with pytest.raises(PolicyViolation, match="Say why"):
            payout_hold(actor=preparer, partner=acme.partner, reason="  ")
        payout_hold(actor=preparer, partner=acme.partner, reason="Bank details missing")
        with pytest.raises(InvalidTransition, match="already on hold"):
            payout_hold(actor=approver, partner=acme.partner, reason="Again")
        # the run leaves the partner's rep out; what is owed does not change, it is shown held
        held_run = payout_run_prepare(actor=preparer, period_end=PERIOD_END)
        assert not Payout.objects.filter(run=held_run).exists()
        _days, totals, hold = owed(partner_id=acme.partner.pk, member_id=claim.member_id, paid={})
        assert hold.reason == "Bank details missing"
        assert [(row["approved"], row["held"]) for row in totals] == [(D("0.00"), D("500.00"))]
        [told] = Notification.objects.filter(recipient=acme.partner_admin, kind="payout.held")
        assert told.note == "Bank details missing"
        payout_run_discard(actor=approver, run=held_run)
        # resumed: the next run pays it
        payout_hold_release(actor=approver, partner=acme.partner)
        with pytest.raises(InvalidTransition, match="not on hold"):
            payout_hold_release(actor=approver, partner=acme.partner)
        run = payout_run_prepare(actor=preparer, period_end=PERIOD_END)
        assert list(Payout.objects.filter(run=run).values_list("member_id", "amount")) == [
            (claim.member_id, D("500.00"))
        ]
        assert PayoutHold.objects.get().released_by == approver


@pytest.mark.django_db(transaction=True)
def test_two_finance_users_holding_at_once_make_one_hold(acme, finance_pair):
    from incentives.models import PayoutHold
    from incentives.services import payout_hold

    one, two = finance_pair
    outcomes = race(
        {
            "one": lambda: payout_hold(actor=one, partner=acme.partner, reason="Audit"),
            "two": lambda: payout_hold(actor=two, partner=acme.partner, reason="Dispute"),
        },
        tenant=acme.tenant,
    )
    assert sorted(map(str, outcomes.values())).count("done") == 1
    assert isinstance(next(o for o in outcomes.values() if o != "done"), InvalidTransition)
    with tenant_scope(acme.tenant):
        assert PayoutHold.objects.filter(released_at__isnull=True).count() == 1


def test_a_hold_withdraws_the_partners_payouts_from_a_run_not_paid_yet(acme, finance_pair):
    from incentives.services import payout_hold, payout_hold_release

    preparer, approver = finance_pair
    with tenant_scope(acme.tenant):
        _campaign(acme, ends_on=date(2026, 12, 31))
        claim = _approved_claim(acme, won_on=date(2026, 3, 1), finance=preparer)
        run = payout_run_prepare(actor=preparer, period_end=PERIOD_END)
        payout_run_approve(actor=approver, run=run)
        assert Payout.objects.filter(run=run).count() == 1
        # finance holds the partner while the approved run waits for the bank
        payout_hold(actor=preparer, partner=acme.partner, reason="Audit under way")
        assert not Payout.objects.filter(run=run).exists()
        payout_run_mark_paid(actor=approver, run=run, reference="BATCH-3")
        assert _owed(acme, claim.member)[("approved", "USD")] == D("500.00")  # still owed, not paid
        # resumed: the next run pays it
        payout_hold_release(actor=approver, partner=acme.partner)
        again = payout_run_prepare(actor=preparer, period_end=PERIOD_END)
        assert Payout.objects.get(run=again).amount == D("500.00")
