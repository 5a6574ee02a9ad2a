"""The MDF pages as people use them: a partner asks for funds (a mistake keeps what was typed), the
vendor pre-approves part of it with a reason, the partner claims with its proof and sees the
figures; finance claws back a reimbursement found invalid and the partner sees it; the lists cost
the same whatever their length."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from incentives.models import LedgerTransaction, MdfRequest, MdfStatus
from incentives.services.mdf import allocation_left, mdf_allocate, mdf_budget_create, mdf_request_submit
from prm.accounts.roles import Role
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from tests.conftest import body, make_client
from tests.factories import MembershipFactory
from tests.query_budget import assert_list_page, cost

from .isolation import mdf_reimbursed, mdf_submitted, proof

pytestmark = pytest.mark.django_db

PINNED_FUNDS = 8
PINNED_QUEUE = 8
PINNED_BUDGETS = 14
PINNED_BUDGET = 14
PINNED_RECORD_TAB = 16  # with the payout hold in force


class Ctx:
    def __init__(self, side):
        self.side = side


def test_a_partner_asks_the_vendor_pre_approves_part_and_the_partner_claims_with_proof(acme):
    ctx = Ctx(acme)
    mdf_submitted(ctx)
    partner = make_client(acme.partner_admin)
    with tenant_scope(acme.tenant):
        today = tenant_today()
    typed = {
        "allocation": str(ctx.allocation.pk),
        "activity_type": str(ctx.activity_type.pk),
        "title": "Partner summit booth",
        "description": "A booth for two days.",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=1)).isoformat(),
        "cost": "20000.00",  # 10,000 asked: more than the 5,000 allocated
        "expected_leads": "30",
        "expected_pipeline": "90000",
    }
    # when the partner asks for more than its allocation: the page says so and keeps what was typed
    response = partner.post(reverse("portal:mdf_request_new"), typed)
    assert response.status_code == 200
    assert "more than the" in body(response) and "Partner summit booth" in body(response)
    # then with a cost that fits
    response = partner.post(reverse("portal:mdf_request_new"), {**typed, "cost": "6000.00"})
    with tenant_scope(acme.tenant):
        request = MdfRequest.objects.get(title="Partner summit booth")
    assert response.status_code == 302 and response["Location"] == reverse("portal:mdf_request", args=[request.pk])

    # the vendor pre-approves part: without a reason it is refused and the amount typed stays
    vendor = make_client(acme.marketing)
    page = vendor.get(reverse("office:mdf_request", args=[request.pk]))
    assert "Pre-approve" in body(page) and "Partner summit booth" in body(page)
    response = vendor.post(reverse("office:mdf_pre_approve", args=[request.pk]), {"amount": "2000.00", "reason": ""})
    assert response.status_code == 200 and "why only part" in body(response) and 'value="2000.00"' in body(response)
    vendor.post(reverse("office:mdf_pre_approve", args=[request.pk]), {"amount": "2000.00", "reason": "Booth only"})
    with tenant_scope(acme.tenant):
        request.refresh_from_db()
        assert request.status == MdfStatus.PRE_APPROVED
        # 5,000 allocated: 1,000 asked by the first activity is not committed; 2,000 is
        assert allocation_left(ctx.allocation) == Decimal("3000.00")

    # the partner reads the reason and claims with the invoice
    page = partner.get(reverse("portal:mdf_request", args=[request.pk]))
    assert "Booth only" in body(page) and "Claim the reimbursement" in body(page)
    response = partner.post(
        reverse("portal:mdf_claim", args=[request.pk]), {"actual_cost": "5000.00", "proof_invoice": proof()}
    )
    assert response.status_code == 302
    funds = body(partner.get(reverse("portal:mdf")))
    assert "Claim waiting for approval" in funds and "$3,000.00" in funds


def _activities(side, allocation, activity_type, n):
    with tenant_scope(side.tenant, partner=side.partner):
        for i in range(n):
            mdf_request_submit(
                actor=side.partner_admin,
                allocation=allocation,
                activity_type=activity_type,
                title=f"Activity {i}",
                description="Plan",
                starts_on=tenant_today(),
                ends_on=tenant_today(),
                cost=Decimal("10.00"),
            )


def test_the_mdf_lists_cost_the_same_with_many_rows(acme, no_queries_from_templates):
    ctx = Ctx(acme)
    mdf_submitted(ctx)
    pages = {
        "funds": (acme.partner_admin, reverse("portal:mdf")),
        "queue": (acme.marketing, reverse("office:mdf_requests")),
        "budgets": (acme.marketing, reverse("office:mdf_budgets")),
        "budget": (acme.marketing, reverse("office:mdf_budget", args=[ctx.budget.pk])),
    }
    few = {name: cost(member, path) for name, (member, path) in pages.items()}
    _activities(acme, ctx.allocation, ctx.activity_type, 30)
    with tenant_scope(acme.tenant):
        today = tenant_today()
        for i in range(4):
            budget = mdf_budget_create(
                actor=acme.marketing,
                name=f"Budget {i}",
                starts_on=today,
                ends_on=today + timedelta(days=30),
                amount=Decimal(1000),
                currency="USD",
            )
            for partner in acme.partners:
                mdf_allocate(actor=acme.marketing, budget=budget, partner=partner, amount=Decimal(100))
        mdf_allocate(actor=acme.marketing, budget=ctx.budget, partner=acme.partners[1], amount=Decimal(100))
    many = {name: cost(member, path) for name, (member, path) in pages.items()}
    assert_list_page(
        few["funds"], many["funds"], pinned=PINNED_FUNDS, row=r'<tr id="activity-', rows=(1, 31), what="funds"
    )
    assert_list_page(
        few["queue"], many["queue"], pinned=PINNED_QUEUE, row=r'<tr id="activity-', rows=(1, 25), what="queue"
    )
    assert_list_page(
        few["budgets"], many["budgets"], pinned=PINNED_BUDGETS, row=r'<tr id="budget-', rows=(1, 5), what="budgets"
    )
    assert_list_page(
        few["budget"], many["budget"], pinned=PINNED_BUDGET, row=r'<tr id="allocation-', rows=(1, 2), what="budget"
    )


def test_the_partner_record_shows_what_is_owed_its_funds_and_activities(acme, no_queries_from_templates):
    from .isolation import mdf_claimed

    ctx = Ctx(acme)
    mdf_claimed(ctx)
    path = reverse("office:partner_incentives", args=[acme.partner.pk])
    few = cost(acme.manager, path)
    assert "Matrix funds" in few.html and "Matrix roadshow" in few.html and "$5,000.00" in few.html
    _activities(acme, ctx.allocation, ctx.activity_type, 15)
    many = cost(acme.manager, path)
    assert_list_page(few, many, pinned=PINNED_RECORD_TAB, row=r'<li id="activity-', rows=(1, 10), what="record tab")
    # another partner's record shows none of it
    other = cost(acme.manager, reverse("office:partner_incentives", args=[acme.partners[1].pk]))
    assert "Matrix roadshow" not in other.html and "No funds allocated." in other.html


def _told(member) -> int:
    with platform_scope():
        return Notification.objects.filter(recipient=member, kind="mdf.decided").count()


def test_finance_claws_back_a_reimbursement_and_the_partner_sees_it(acme):
    ctx = Ctx(acme)
    mdf_reimbursed(ctx)  # 1,000 reimbursed to partner 1
    page = reverse("office:mdf_request", args=[ctx.mdf.pk])
    path = reverse("office:mdf_clawback", args=[ctx.mdf.pk])
    # the vendor's marketing team decides claims but does not claw back: no form, and a post is refused
    marketing = make_client(acme.marketing)
    assert path not in body(marketing.get(page))
    assert marketing.post(path, {"reason": "Invalid", "confirm": "on"}).status_code == 403
    with tenant_scope(acme.tenant):
        finance_member = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
    finance = make_client(finance_member)
    assert path in body(finance.get(page))
    told = _told(acme.partner_admin)
    # without ticking the box: the page again, with the reason typed
    again = finance.post(path, {"reason": "The roadshow was cancelled"})
    assert again.status_code == 200 and "Tick the box" in body(again) and "The roadshow was cancelled" in body(again)
    with tenant_scope(acme.tenant):
        assert not LedgerTransaction.objects.filter(kind="clawback").exists()
    response = finance.post(path, {"reason": "The roadshow was cancelled", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == page
    shown = body(finance.get(page))
    assert "Clawed back" in shown and path not in shown  # once
    # the partner is told, and reads it on its funds and on the activity
    assert _told(acme.partner_admin) == told + 1
    partner = make_client(acme.partner_admin)
    funds = body(partner.get(reverse("portal:mdf")))
    assert "clawed back" in funds
    activity = body(partner.get(reverse("portal:mdf_request", args=[ctx.mdf.pk])))
    assert "The roadshow was cancelled" in activity and "taken from your next payout" in activity
