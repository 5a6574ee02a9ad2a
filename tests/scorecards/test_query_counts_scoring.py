"""The scorecards' pages cost the same number of queries for 5 partners as for 50 (the ranked
month, the high-potential and at-risk lists), and for one scorecard of two months as for three of
24 (the partner's own scorecard); those numbers are pinned, and no template runs a query. The
harness is tests/query_budget.py: on a failure, read the captured SQL before pinning anew."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope
from prm.tenancy.time import add_months
from scorecards.models import ScorecardKpi

from ..factories import (
    EnrollmentFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    PartnerTypeFactory,
    StaffMembershipFactory,
    TenantFactory,
    TierFactory,
)
from ..query_budget import assert_list_page, assert_pinned, cost
from .isolation_scoring import make_scorecard, result, snapshot, this_month

pytestmark = pytest.mark.django_db


def _results(scorecard, revenue: int) -> list[dict]:
    with platform_scope():
        visible, hidden = ScorecardKpi.objects.filter(scorecard=scorecard).order_by("position")
    return [
        result(visible, value=revenue, points=30, max_points=60, unit="EUR"),
        result(hidden, value=25, points=20, max_points=40, unit="percent"),
    ]


def _month(n: int):
    """A tenant whose scorecard measured ``n`` partners this month and the last, each managed by
    one of two channel managers, some rising, some falling, a third flagged each way."""
    tenant = TenantFactory()
    viewer = StaffMembershipFactory(tenant=tenant, role=Role.CHANNEL_MANAGER)
    other = StaffMembershipFactory(tenant=tenant, role=Role.CHANNEL_MANAGER)
    partner_type = PartnerTypeFactory(tenant=tenant)
    tier = TierFactory(tenant=tenant)
    scorecard = make_scorecard(tenant, program=tier.program)
    period = this_month(tenant)
    for i in range(n):
        partner = PartnerFactory(partner_type=partner_type, account_manager=viewer if i % 2 else other)
        EnrollmentFactory(partner=partner, tier=tier)
        score = Decimal(90 - i)
        snapshot(scorecard, partner, add_months(period, -1), tier=tier, score=score + (i % 5) - 2, rank=i + 1)
        snapshot(
            scorecard,
            partner,
            period,
            tier=tier,
            score=score,
            previous_score=score + (i % 5) - 2,
            last_year_score=score - 10,
            percentile=Decimal(100 - i),
            rank=i + 1,
            revenue=Decimal(1000 * i),
            high_potential=i % 3 == 0,
            at_risk=i % 3 == 1,
            results=_results(scorecard, 1000 * i),
            signals=[{"code": "score_up", "value": 6}, {"code": "below_median", "value": 10, "median": 20}],
            risks=[{"code": "score_drop", "value": 12}, {"code": "expiring_certificates", "value": 2}],
        )
    return viewer


PAGES = {
    # page: (pinned queries, a row on the page, rows shown of 5 / of 50). Each request also pays
    # for the user and the tenant scope's savepoint and release; then the scorecards, the latest
    # month, the page of rows and its count, and (the ranking) the movers up and down.
    "office:scorecards": (9, r'<tr id="rank-\d+">', (5, 25)),
    "office:scorecard_potential": (8, r'<tr id="potential-\d+">', (2, 17)),
    "office:scorecard_risks": (7, r'<tr id="risk-\d+">', (2, 17)),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_the_lists_cost_the_same_for_5_and_50_partners(name, no_queries_from_templates):
    pinned, row, rows = PAGES[name]
    path = reverse(name) + ("?manager=all" if name == "office:scorecard_risks" else "")
    few, many = cost(_month(5), path), cost(_month(50), path)
    assert_list_page(few, many, pinned=pinned, row=row, rows=rows, what=name)


def _own(scorecards: int, months: int):
    """A partner user whose company is on ``scorecards`` scorecards, measured ``months`` months."""
    tenant = TenantFactory()
    partner = PartnerFactory(tenant=tenant, partner_type=PartnerTypeFactory(tenant=tenant))
    viewer = PartnerMembershipFactory(partner=partner, role=Role.SALES)
    period = this_month(tenant)
    for n in range(scorecards):
        tier = TierFactory(tenant=tenant)
        EnrollmentFactory(partner=partner, tier=tier)
        scorecard = make_scorecard(tenant, program=tier.program, name=f"Scorecard {n}")
        for back in range(months - 1, -1, -1):
            score = Decimal(50 + back)
            snapshot(scorecard, partner, add_months(period, -back), score=score, results=_results(scorecard, 10 * back))
    return viewer


def test_the_partners_scorecard_costs_the_same_for_one_scorecard_as_for_three_of_24_months(no_queries_from_templates):
    few, many = cost(_own(1, 2), reverse("portal:scorecard")), cost(_own(3, 24), reverse("portal:scorecard"))
    # (the user, the scope's savepoint and release; the scorecards, their latest snapshots, the 24
    # months of scores, the visible KPIs' settings)
    assert few.rows(r'class="alert alert-primary lever"') == 1 and many.rows(r'class="alert alert-primary lever"') == 3
    assert many.rows(r'data-trend-source="scorecard-trend-\d+"') == 3
    assert_pinned(few, many, 7, "portal:scorecard")
