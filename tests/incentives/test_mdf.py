"""Market development funds: a budget is allocated, a request is pre-approved in part, claimed with
its proof, approved in part and reimbursed by the next payout, with the allocation's balance right
at each step; the database refuses to overdraw a budget or an allocation, two pre-approvals racing
for the last funds leave one winner; overdue activities and ended budgets expire; more time moves
the due date; allocation by tier follows last period's revenue; credited deals (and the deals
converted from credited leads) give the return; a reimbursement found invalid is clawed back once,
by finance, and netted by the next payout."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from incentives.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    MdfActivityType,
    MdfStatus,
    Payout,
    ProofKind,
    TransactionKind,
)
from incentives.selectors.mdf import clawback_of, funds_for_partner, request_get_for_actor, returns
from incentives.services.ledger import Line, ledger_post
from incentives.services.mdf import (
    ClaimDecision,
    allocation_left,
    budget_left,
    mdf_allocate,
    mdf_allocate_by_tier,
    mdf_budget_create,
    mdf_claim_clawback,
    mdf_claim_decide,
    mdf_claim_submit,
    mdf_expire,
    mdf_extension_decide,
    mdf_extension_request,
    mdf_link,
    mdf_request_cancel,
    mdf_request_decide,
    mdf_request_submit,
)
from incentives.services.payouts import (
    incentive_settings,
    payout_run_approve,
    payout_run_mark_paid,
    payout_run_prepare,
)
from leads.models import LeadStatus
from prm.accounts.roles import Role
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today
from prm.web.files import minimal_pdf
from tests.concurrency import race
from tests.factories import DealFactory, EnrollmentFactory, MembershipFactory, TierFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db

D = Decimal


def pdf(name="proof.pdf"):
    return SimpleUploadedFile(name, minimal_pdf("proof"), content_type="application/pdf")


def _activity_type(**kwargs):
    defaults = {
        "name": "Event",
        "vendor_share_percent": D(50),
        "proof_required": [ProofKind.INVOICE, ProofKind.ATTENDEES],
        "claim_days": 30,
    }
    return MdfActivityType.objects.create(**{**defaults, **kwargs})


def _budget(side, *, amount="10000.00", starts_on=None, ends_on=None):
    today = tenant_today()
    return mdf_budget_create(
        actor=side.marketing,
        name="H2 funds",
        starts_on=starts_on or today - timedelta(days=30),
        ends_on=ends_on or today + timedelta(days=60),
        amount=D(amount),
        currency="USD",
    )


def _request(side, allocation, activity_type, *, cost="4000.00", partner_admin=None):
    today = tenant_today()
    return mdf_request_submit(
        actor=partner_admin or side.partner_admin,
        allocation=allocation,
        activity_type=activity_type,
        title="Customer day",
        description="A day of demos for 40 customers.",
        starts_on=today,
        ends_on=today + timedelta(days=1),
        cost=D(cost),
        expected_leads=20,
        expected_pipeline=D("50000"),
    )


def test_a_request_partly_pre_approved_claimed_and_reimbursed_keeps_the_allocation_right(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        assert budget_left(budget.pk) == D("10000.00")
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("3000.00"))
        assert budget_left(budget.pk) == D("7000.00") and allocation_left(allocation) == D("3000.00")
        kind = _activity_type()
        request = _request(acme, allocation, kind, cost="4000.00")  # 50 %: 2,000 asked
        assert request.requested_amount == D("2000.00")
        assert allocation_left(allocation) == D("3000.00")  # asking commits nothing

        with pytest.raises(PolicyViolation, match="why only part"):
            mdf_request_decide(actor=acme.marketing, request=request, approve=True, amount=D("1500.00"))
        request = mdf_request_decide(
            actor=acme.marketing, request=request, approve=True, amount=D("1500.00"), reason="Half the venue."
        )
        assert request.status == MdfStatus.PRE_APPROVED
        assert request.claim_due == request.ends_on + timedelta(days=30)
        assert allocation_left(allocation) == D("1500.00")

        with pytest.raises(PolicyViolation, match="Attendee list"):
            mdf_claim_submit(
                actor=acme.partner_admin, request=request, actual_cost=D("3600.00"), proofs={"invoice": pdf()}
            )
        request = mdf_claim_submit(
            actor=acme.partner_admin,
            request=request,
            actual_cost=D("3600.00"),
            proofs={"invoice": pdf(), "attendees": pdf("attendees.pdf")},
        )
        assert request.status == MdfStatus.CLAIMED and request.claimed_amount == D("1500.00")  # min(1,800, 1,500)

        request = mdf_claim_decide(
            actor=acme.marketing,
            request=request,
            decision=ClaimDecision.APPROVE,
            amount=D("1200.00"),
            reason="The catering is not co-funded.",
        )
        assert request.status == MdfStatus.APPROVED and request.reimbursed_amount == D("1200.00")
        # the 300 pre-approved but not reimbursed returns to the allocation
        assert allocation_left(allocation) == D("1800.00")
        [fund] = funds_for_partner(actor=acme.partner_admin)["funds"]
        assert (fund[Account.MDF_COMMITTED], fund[Account.MDF_SPENT]) == (D(0), D("1200.00"))

        # the reimbursement is paid by the next run at once (no hold after a win applies)
        finance = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
        run = payout_run_prepare(actor=finance, period_end=tenant_today())
        assert list(Payout.objects.filter(run=run).values_list("partner_id", "member_id", "amount")) == [
            (acme.partner.pk, None, D("1200.00"))
        ]
        assert incentive_settings().hold_days == 30


def test_the_database_refuses_to_overdraw_an_allocation_or_a_budget(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme, amount="1000.00")
        mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("600.00"))
        with pytest.raises(IntegrityError, match="overdrawn"), transaction.atomic():
            ledger_post(  # code that forgets the check: commit 700 of a 600 allocation
                kind="mdf_commitment",
                partner=acme.partner,
                earned_on=budget.starts_on,
                lines=[
                    Line(Account.MDF_ALLOCATED, D("-700.00"), "USD", budget_id=budget.pk),
                    Line(Account.MDF_COMMITTED, D("700.00"), "USD", budget_id=budget.pk),
                ],
            )
        with pytest.raises(IntegrityError, match="overdrawn"), transaction.atomic():
            ledger_post(  # allocate 500 more of the 400 left
                kind="mdf_allocation",
                partner=acme.partners[1],
                earned_on=budget.starts_on,
                lines=[
                    Line(Account.MDF_UNALLOCATED, D("-500.00"), "USD", budget_id=budget.pk),
                    Line(Account.MDF_ALLOCATED, D("500.00"), "USD", budget_id=budget.pk),
                ],
            )
        with pytest.raises(PolicyViolation, match=r"has \$400\.00 left to allocate"):
            mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partners[1], amount=D("500.00"))
        assert budget_left(budget.pk) == D("400.00")


@pytest.mark.django_db(transaction=True)
def test_two_pre_approvals_racing_for_the_last_funds_leave_one_winner(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("1000.00"))
        kind = _activity_type()
        one = _request(acme, allocation, kind, cost="1600.00")  # 800 each: both fit alone, not together
        two = _request(acme, allocation, kind, cost="1600.00")
        other = MembershipFactory(tenant=acme.tenant, role=Role.MARKETING)
    outcomes = race(
        {
            "one": lambda: mdf_request_decide(actor=acme.marketing, request=one, approve=True),
            "two": lambda: mdf_request_decide(actor=other, request=two, approve=True),
        },
        tenant=acme.tenant,
    )
    assert sorted(map(str, outcomes.values())).count("done") == 1
    loser = next(outcome for outcome in outcomes.values() if outcome != "done")
    assert isinstance(loser, PolicyViolation) and "has $200.00 left" in str(loser)
    with tenant_scope(acme.tenant):
        assert allocation_left(allocation) == D("200.00")


def test_who_may_ask_and_who_may_see(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("1000.00"))
        kind = _activity_type()
        with pytest.raises(NotAllowed):
            _request(acme, allocation, kind, cost="100.00", partner_admin=acme.sales_rep)  # a sales rep
        with pytest.raises(NotAllowed):
            _request(acme, allocation, kind, cost="100.00", partner_admin=acme.partner_admins[1])  # another partner
        with pytest.raises(NotAllowed):
            mdf_allocate(actor=acme.manager, budget=budget, partner=acme.partner, amount=D("1.00"))
        request = _request(acme, allocation, kind, cost="100.00")
        with pytest.raises(Http404):
            request_get_for_actor(actor=acme.partner_admins[1], request_id=request.pk)
        # The amounts as the reader writes money, the share as a plain percentage.
        with pytest.raises(
            PolicyViolation, match=r"\(50% of the cost\) would be \$1,250\.00, more than the \$1,000\.00"
        ):
            _request(acme, allocation, kind, cost="2500.00")  # 1,250 of 1,000


def test_an_unclaimed_activity_expires_and_an_ended_budget_expires_what_is_left(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("1000.00"))
        request = _request(acme, allocation, _activity_type(claim_days=5), cost="600.00")
        mdf_request_decide(actor=acme.marketing, request=request, approve=True)
        assert allocation_left(allocation) == D("700.00")
        today = tenant_today()
        assert mdf_expire(on=today).requests == 0
        result = mdf_expire(on=request.ends_on + timedelta(days=6))
        request.refresh_from_db()
        assert result.requests == 1 and request.status == MdfStatus.EXPIRED
        assert allocation_left(allocation) == D("1000.00")
        # the period ends: the 1,000 allocated and the 9,000 not allocated expire
        after = budget.ends_on + timedelta(days=1)
        assert mdf_expire(on=after).postings == 2
        assert allocation_left(allocation) == D(0) and budget_left(budget.pk) == D(0)
        expired = LedgerEntry.objects.filter(budget_id=budget.pk, account=Account.MDF_EXPIRED)
        assert sum(e.amount for e in expired) == D("10000.00")
        assert mdf_expire(on=after).postings == 0  # twice: nothing more


def test_more_time_moves_the_due_date_and_a_cancelled_activity_returns_its_funds(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("1000.00"))
        request = mdf_request_decide(
            actor=acme.marketing, request=_request(acme, allocation, _activity_type(), cost="400.00"), approve=True
        )
        due = request.claim_due
        extension = mdf_extension_request(actor=acme.partner_admin, request=request, days=14, reason="Invoice late.")
        with pytest.raises(PolicyViolation, match="already waiting"):
            mdf_extension_request(actor=acme.partner_admin, request=request, days=7, reason="Again.")
        mdf_extension_decide(actor=acme.marketing, extension=extension, approve=True)
        request.refresh_from_db()
        assert request.claim_due == due + timedelta(days=14)
        assert allocation_left(allocation) == D("800.00")
        request = mdf_request_cancel(actor=acme.partner_admin, request=request)
        assert request.status == MdfStatus.CANCELLED and allocation_left(allocation) == D("1000.00")
        with pytest.raises(InvalidTransition):
            mdf_request_cancel(actor=acme.partner_admin, request=request)


def test_allocation_by_tier_follows_last_periods_revenue_and_scales_to_the_budget(acme):
    with tenant_scope(acme.tenant):
        tier = TierFactory(tenant=acme.tenant, mdf_eligible=True, mdf_allocation_percent=D(5))
        today = tenant_today()
        starts_on = today - timedelta(days=10)
        ends_on = starts_on + timedelta(days=89)
        budget = _budget(acme, amount="100000.00", starts_on=starts_on, ends_on=ends_on)
        for partner, won in ((acme.partners[0], "200000.00"), (acme.partners[1], "50000.00")):
            EnrollmentFactory(tenant=acme.tenant, partner=partner, tier=tier)
            DealFactory(
                tenant=acme.tenant,
                partner=partner,
                status="won",
                won_on=starts_on - timedelta(days=20),
                won_amount=D(won),
                currency="USD",
            )
        result = mdf_allocate_by_tier(actor=acme.marketing, budget=budget)
        assert (result.partners, result.total, result.scaled) == (2, D("12500.00"), False)
        assert mdf_allocate_by_tier(actor=acme.marketing, budget=budget).partners == 0  # once
        small = _budget(acme, amount="5000.00", starts_on=starts_on, ends_on=ends_on)
        result = mdf_allocate_by_tier(actor=acme.marketing, budget=small)
        assert result.scaled and result.total <= D("5000.00") and result.partners == 2


def test_deals_credited_to_an_activity_give_its_return(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("2000.00"))
        request = mdf_request_decide(
            actor=acme.marketing, request=_request(acme, allocation, _activity_type(), cost="2000.00"), approve=True
        )
        won = DealFactory(
            tenant=acme.tenant, partner=acme.partner, status="won", won_on=tenant_today(), won_amount=D("30000")
        )
        open_deal = DealFactory(tenant=acme.tenant, partner=acme.partner, status="approved", amount=D("12000"))
        foreign = DealFactory(tenant=acme.tenant, partner=acme.partners[1], status="approved")
        mdf_link(actor=acme.partner_admin, request=request, deal=won)
        mdf_link(actor=acme.partner_admin, request=request, deal=open_deal)
        with pytest.raises(PolicyViolation):
            mdf_link(actor=acme.marketing, request=request, deal=foreign)
        with pytest.raises(PolicyViolation, match="already credited"):
            mdf_link(actor=acme.partner_admin, request=request, deal=won)
        request = mdf_claim_submit(
            actor=acme.partner_admin,
            request=request,
            actual_cost=D("2000.00"),
            proofs={"invoice": pdf(), "attendees": pdf()},
        )
        mdf_claim_decide(actor=acme.marketing, request=request, decision=ClaimDecision.APPROVE)
        figures = returns(group="id", ids=[request.pk])[request.pk]
        assert (figures["deals"], figures["pipeline"], figures["revenue"], figures["spent"]) == (
            2,
            D("12000.00"),
            D("30000.00"),
            D("1000.00"),
        )
        assert figures["revenue_per_unit"] == D(30)
        assert returns(group="budget_id", ids=[budget.pk])[budget.pk]["revenue"] == D("30000.00")


def test_a_claim_sent_back_for_more_proof_is_claimed_again_and_an_overdue_claim_is_refused(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("1000.00"))
        kind = _activity_type(proof_required=[ProofKind.INVOICE])
        request = mdf_request_decide(
            actor=acme.marketing, request=_request(acme, allocation, kind, cost="200.00"), approve=True
        )
        request = mdf_claim_submit(
            actor=acme.partner_admin, request=request, actual_cost=D(200), proofs={"invoice": pdf()}
        )
        with pytest.raises(PolicyViolation, match="what the claim is missing"):
            mdf_claim_decide(actor=acme.marketing, request=request, decision=ClaimDecision.RETURN)
        request = mdf_claim_decide(
            actor=acme.marketing, request=request, decision=ClaimDecision.RETURN, reason="The invoice is unreadable."
        )
        assert request.status == MdfStatus.PRE_APPROVED
        # the earlier invoice counts: the claim goes again without a new one
        request = mdf_claim_submit(actor=acme.partner_admin, request=request, actual_cost=D(200), proofs={})
        assert request.status == MdfStatus.CLAIMED
        request = mdf_claim_decide(actor=acme.marketing, request=request, decision=ClaimDecision.REJECT, reason="No.")
        assert request.status == MdfStatus.CLAIM_REJECTED and allocation_left(allocation) == D("1000.00")

        late = mdf_request_decide(
            actor=acme.marketing, request=_request(acme, allocation, kind, cost="200.00"), approve=True
        )
        type(late).objects.filter(pk=late.pk).update(claim_due=date(2000, 1, 1))
        late.refresh_from_db()
        with pytest.raises(PolicyViolation, match="ask for more time"):
            mdf_claim_submit(actor=acme.partner_admin, request=late, actual_cost=D(200), proofs={"invoice": pdf()})


def test_a_claim_sent_back_late_gets_its_time_to_claim_again(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("1000.00"))
        kind = _activity_type(proof_required=[ProofKind.INVOICE], claim_days=10)
        request = mdf_request_decide(
            actor=acme.marketing, request=_request(acme, allocation, kind, cost="200.00"), approve=True
        )
        request = mdf_claim_submit(
            actor=acme.partner_admin, request=request, actual_cost=D(200), proofs={"invoice": pdf()}
        )
        # the vendor reviews after the due date has passed
        type(request).objects.filter(pk=request.pk).update(claim_due=tenant_today() - timedelta(days=3))
        request.refresh_from_db()
        request = mdf_claim_decide(
            actor=acme.marketing, request=request, decision=ClaimDecision.RETURN, reason="Unreadable."
        )
        assert request.claim_due == tenant_today() + timedelta(days=10)
        assert mdf_expire().requests == 0  # not expired by the night run
        request = mdf_claim_submit(actor=acme.partner_admin, request=request, actual_cost=D(200), proofs={})
        assert request.status == MdfStatus.CLAIMED


def test_an_ended_period_takes_no_pre_approval_and_its_waiting_requests_expire(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("1000.00"))
        request = _request(acme, allocation, _activity_type(), cost="200.00")
        with pytest.raises(PolicyViolation, match="within the fund's period"):
            mdf_request_submit(
                actor=acme.partner_admin,
                allocation=allocation,
                activity_type=_activity_type(name="Far"),
                title="Far away",
                description="Too late.",
                starts_on=tenant_today(),
                ends_on=date(9999, 12, 31),
                cost=D("10.00"),
            )
        type(budget).objects.filter(pk=budget.pk).update(ends_on=tenant_today() - timedelta(days=1))
        with pytest.raises(InvalidTransition, match="has ended"):
            mdf_request_decide(actor=acme.marketing, request=request, approve=True)
        assert mdf_expire().requests == 1
        request.refresh_from_db()
        assert request.status == MdfStatus.EXPIRED


def test_a_partner_user_credits_only_deals_it_may_open(acme):
    from incentives.services.mdf import linkable

    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("1000.00"))
        request = mdf_request_decide(
            actor=acme.marketing, request=_request(acme, allocation, _activity_type(), cost="200.00"), approve=True
        )
        marketer = MembershipFactory(tenant=acme.tenant, partner=acme.partner, role=Role.PARTNER_MARKETING)
        reps_deal = DealFactory(
            tenant=acme.tenant, partner=acme.partner, registered_by=acme.sales_rep, status="approved"
        )
        assert linkable(acme.partner_admin, deal=reps_deal) and not linkable(marketer, deal=reps_deal)
        with pytest.raises(NotAllowed):
            mdf_link(actor=marketer, request=request, deal=reps_deal)
        mdf_link(actor=acme.partner_admin, request=request, deal=reps_deal)


def test_the_database_refuses_an_mdf_line_without_its_budget(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        with pytest.raises(IntegrityError, match="ledger_mdf_line_budget"), transaction.atomic():
            LedgerEntry.objects.create(
                transaction=budget.funding,
                account=Account.MDF_ALLOCATED,
                partner=acme.partner,
                amount=D("0.00"),
                currency="USD",
                rate=D(1),
                reporting_amount=D("0.00"),
            )


def _reimbursed(side, allocation, kind, *, cost):
    """An activity of ``side``'s partner, pre-approved, claimed and reimbursed in full."""
    request = mdf_request_decide(
        actor=side.marketing, request=_request(side, allocation, kind, cost=cost), approve=True
    )
    request = mdf_claim_submit(
        actor=side.partner_admin, request=request, actual_cost=D(cost), proofs={"invoice": pdf(), "attendees": pdf()}
    )
    return mdf_claim_decide(actor=side.marketing, request=request, decision=ClaimDecision.APPROVE)


def _converted(side, lead, deal):
    """What ``leads.services.work.lead_convert`` records: the lead is converted, its deal kept."""
    type(lead).objects.filter(pk=lead.pk).update(status=LeadStatus.CONVERTED, deal=deal, converted_at=timezone.now())


def test_a_deal_converted_from_a_credited_lead_counts_in_the_return_once(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("3000.00"))
        request = mdf_request_decide(
            actor=acme.marketing, request=_request(acme, allocation, _activity_type(), cost="2000.00"), approve=True
        )
        other = mdf_request_decide(
            actor=acme.marketing, request=_request(acme, allocation, _activity_type(), cost="1000.00"), approve=True
        )
        # given a lead credited to the activity, then converted into a deal that is won
        lead = LeadFactory(
            tenant=acme.tenant, partner=acme.partner, owner=acme.partner_admin, accepted_at=timezone.now()
        )
        mdf_link(actor=acme.partner_admin, request=request, lead=lead)
        won = DealFactory(
            tenant=acme.tenant,
            partner=acme.partner,
            status="won",
            won_on=tenant_today(),
            won_amount=D("30000"),
            source_lead_id=lead.pk,
        )
        _converted(acme, lead, won)
        # and one converted into a deal still open
        open_lead = LeadFactory(
            tenant=acme.tenant, partner=acme.partner, owner=acme.partner_admin, accepted_at=timezone.now()
        )
        mdf_link(actor=acme.partner_admin, request=request, lead=open_lead)
        open_deal = DealFactory(
            tenant=acme.tenant, partner=acme.partner, status="approved", amount=D("12000"), source_lead_id=open_lead.pk
        )
        _converted(acme, open_lead, open_deal)
        figures = returns(group="id", ids=[request.pk])[request.pk]
        # then the activity and its fund count both deals
        assert (figures["leads"], figures["deals"], figures["pipeline"], figures["revenue"]) == (
            2,
            2,
            D("12000.00"),
            D("30000.00"),
        )
        fund = returns(group="budget_id", ids=[budget.pk])[budget.pk]
        assert (fund["deals"], fund["pipeline"], fund["revenue"]) == (2, D("12000.00"), D("30000.00"))
        # when the won deal is also credited by hand to the same activity: still once
        mdf_link(actor=acme.partner_admin, request=request, deal=won)
        figures = returns(group="id", ids=[request.pk])[request.pk]
        assert (figures["deals"], figures["revenue"]) == (2, D("30000.00"))
        assert returns(group="budget_id", ids=[budget.pk])[budget.pk]["revenue"] == D("30000.00")
        # a lead passed on and converted into another partner's deal brought that partner's, not this one's
        passed = LeadFactory(
            tenant=acme.tenant, partner=acme.partner, owner=acme.partner_admin, accepted_at=timezone.now()
        )
        mdf_link(actor=acme.partner_admin, request=request, lead=passed)
        theirs = DealFactory(
            tenant=acme.tenant, partner=acme.partners[1], status="approved", amount=D("7000"), source_lead_id=passed.pk
        )
        _converted(acme, passed, theirs)
        assert returns(group="id", ids=[request.pk])[request.pk]["pipeline"] == D("12000.00")
        # and a deal credited by hand to another activity counts there, not again through its lead
        mdf_link(actor=acme.partner_admin, request=other, deal=open_deal)
        figures = returns(group="id", ids=[request.pk, other.pk])
        assert (figures[request.pk]["deals"], figures[request.pk]["pipeline"]) == (1, D(0))
        assert (figures[other.pk]["deals"], figures[other.pk]["pipeline"]) == (1, D("12000.00"))
        fund = returns(group="budget_id", ids=[budget.pk])[budget.pk]
        assert (fund["deals"], fund["pipeline"], fund["revenue"]) == (2, D("12000.00"), D("30000.00"))


def test_a_paid_reimbursement_clawed_back_is_netted_by_the_next_payout(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("3000.00"))
        kind = _activity_type()
        first = _reimbursed(acme, allocation, kind, cost="2000.00")  # 1,000 reimbursed
        finance, other_finance = (MembershipFactory(tenant=acme.tenant, role=Role.FINANCE) for _ in range(2))
        run = payout_run_prepare(actor=finance, period_end=tenant_today())
        payout_run_approve(actor=other_finance, run=run)
        payout_run_mark_paid(actor=finance, run=run, reference="BATCH-1")
        assert list(Payout.objects.filter(run=run).values_list("amount", flat=True)) == [D("1000.00")]
        with pytest.raises(PolicyViolation, match="Say why"):
            mdf_claim_clawback(actor=finance, request=first, reason=" ")

        # when finance claws the paid reimbursement back
        mdf_claim_clawback(actor=finance, request=first, reason="The event never took place.")
        posting = clawback_of(first)
        assert posting.memo == "The event never took place." and posting.source == f"incentives.mdfrequest:{first.pk}"
        with pytest.raises(InvalidTransition, match="already clawed back"):
            mdf_claim_clawback(actor=other_finance, request=first, reason="Again.")
        first.refresh_from_db()
        assert first.status == MdfStatus.APPROVED  # the ledger marks it, not a status
        # then it does not return to the allocation: it leaves the fund's reimbursed figure
        assert allocation_left(allocation) == D("2000.00")
        [fund] = funds_for_partner(actor=acme.partner_admin)["funds"]
        assert (fund[Account.MDF_SPENT], fund[Account.MDF_EXPIRED]) == (D(0), D("1000.00"))
        assert returns(group="id", ids=[first.pk])[first.pk]["spent"] == D(0)

        # and the next run nets it against the next reimbursement: 1,400 - 1,000
        _reimbursed(acme, allocation, kind, cost="2800.00")
        run = payout_run_prepare(actor=finance, period_end=tenant_today())
        assert list(Payout.objects.filter(run=run).values_list("partner_id", "member_id", "amount")) == [
            (acme.partner.pk, None, D("400.00"))
        ]


def test_only_finance_claws_back_and_only_an_approved_claim(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("3000.00"))
        kind = _activity_type()
        reimbursed = _reimbursed(acme, allocation, kind, cost="2000.00")
        finance = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
        for someone in (acme.marketing, acme.manager, acme.partner_admin):
            with pytest.raises(NotAllowed, match="finance team"):
                mdf_claim_clawback(actor=someone, request=reimbursed, reason="Invalid.")
        pre_approved = mdf_request_decide(
            actor=acme.marketing, request=_request(acme, allocation, kind, cost="200.00"), approve=True
        )
        with pytest.raises(InvalidTransition, match="pre-approved"):
            mdf_claim_clawback(actor=finance, request=pre_approved, reason="Invalid.")
        assert not LedgerTransaction.objects.filter(kind=TransactionKind.CLAWBACK).exists()


@pytest.mark.django_db(transaction=True)
def test_two_finance_users_clawing_back_at_once_take_it_back_once(acme):
    with tenant_scope(acme.tenant):
        budget = _budget(acme)
        allocation = mdf_allocate(actor=acme.marketing, budget=budget, partner=acme.partner, amount=D("3000.00"))
        request = _reimbursed(acme, allocation, _activity_type(), cost="2000.00")
        one, two = (MembershipFactory(tenant=acme.tenant, role=Role.FINANCE) for _ in range(2))
    outcomes = race(
        {
            "one": lambda: mdf_claim_clawback(actor=one, request=request, reason="Invalid invoice."),
            "two": lambda: mdf_claim_clawback(actor=two, request=request, reason="Not the planned event."),
        },
        tenant=acme.tenant,
    )
    assert sorted(map(str, outcomes.values())).count("done") == 1
    loser = next(outcome for outcome in outcomes.values() if outcome != "done")
    assert isinstance(loser, InvalidTransition) and "already clawed back" in str(loser)
    with tenant_scope(acme.tenant):
        clawbacks = LedgerTransaction.objects.filter(
            kind=TransactionKind.CLAWBACK, source=f"incentives.mdfrequest:{request.pk}"
        )
        assert clawbacks.count() == 1
        approved = LedgerEntry.objects.filter(partner=acme.partner, account=Account.APPROVED)
        assert sum(e.amount for e in approved) == D(0)  # 1,000 owed, 1,000 taken back


def test_a_reimbursement_reversed_on_the_ledger_is_not_clawed_back_again(acme):
    from incentives.services.ledger import ledger_reverse

    with tenant_scope(acme.tenant):
        allocation = mdf_allocate(actor=acme.marketing, budget=_budget(acme), partner=acme.partner, amount=D("3000"))
        request = _reimbursed(acme, allocation, _activity_type(), cost="2000.00")
        finance = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
        ledger_reverse(actor=finance, posting=request.reimbursement, reason="Paid by mistake")
        with pytest.raises(InvalidTransition, match="already reversed"):
            mdf_claim_clawback(actor=finance, request=request, reason="The event never took place.")
        assert clawback_of(request) is None
