"""Incentives' part of the demo loads through the services, once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from incentives import demo
from incentives.models import (
    ClaimStatus,
    ExchangeRate,
    LedgerTransaction,
    MdfBudget,
    MdfRequest,
    MdfStatus,
    PayoutRun,
    RebateAccrual,
    SpiffCampaign,
    SpiffClaim,
    TransactionKind,
)
from incentives.selectors import balances
from prm.accounts.roles import Role
from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today
from prm.web.demo_kit import Demo
from tests.factories import DealFactory, DealLineFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_demo_enters_rates_and_a_first_few_postings_once(acme):
    finance = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
    with tenant_scope(acme.tenant):
        for _ in range(3):  # the deals demo's wins of this quarter
            deal = DealFactory(
                tenant=acme.tenant, partner=acme.partner, status="won", won_on=tenant_today(), won_amount=1000
            )
            DealLineFactory(tenant=acme.tenant, deal=deal)
    loaded = Demo(tenant=acme.tenant, seed=1, staff={"admin": acme.admin, "finance": finance})
    with tenant_scope(acme.tenant):
        demo.load(loaded)
        demo.load(loaded)
        assert ExchangeRate.objects.count() == 16
        kinds = sorted(LedgerTransaction.objects.filter(source="").values_list("kind", flat=True))
        assert kinds == [TransactionKind.ADJUSTMENT, TransactionKind.ADJUSTMENT, TransactionKind.REVERSAL]
        owed = {(b.account, b.currency): b.amount for b in balances(partner_id=acme.partner.pk)}
        claims = sorted(SpiffClaim.objects.values_list("status", flat=True))
        run = PayoutRun.objects.get()
        # the growth rebate measured this quarter: no revenue last year, so all of it is growth
        [rebate] = RebateAccrual.objects.all()
        assert (rebate.actual, rebate.baseline, rebate.amount) == (
            Decimal("3000.00"),
            Decimal("0.00"),
            Decimal("30.00"),
        )
        # the launch bonus (60 days ago, out of its hold) is in an approved run; this quarter's wins are held
        assert run.status == "approved"
        # with the MDF reimbursement (no hold: the activity is done): 3,000 of the customer day
        assert sorted(run.payouts.values_list("currency", "amount")) == [
            ("EUR", Decimal("250.00")),
            ("USD", Decimal("3000.00")),
        ]
        mdf = dict(MdfRequest.objects.values_list("status", "reimbursed_amount"))
        assert mdf == {MdfStatus.APPROVED: Decimal("3000.00"), MdfStatus.SUBMITTED: None, MdfStatus.PRE_APPROVED: None}
        assert MdfBudget.objects.count() == 1
        assert SpiffCampaign.objects.count() == 2
    # three wins: one claim approved, one rejected, one waiting; the partner admin's displacement claim
    assert claims == [ClaimStatus.APPROVED, ClaimStatus.REJECTED, ClaimStatus.SUBMITTED, ClaimStatus.SUBMITTED]
    assert owed[("approved", "EUR")] == Decimal("250.00")
    # the launch bonus reversed; one 250 SPIFF approved; pending: a 250 SPIFF, 2 % of the first win's
    # 1,000 (the displacement claim) and the rebate's 1 % of 3,000
    # (and the MDF reimbursement's 3,000)
    assert (owed[("approved", "USD")], owed[("pending", "USD")]) == (Decimal("3250.00"), Decimal("300.00"))
