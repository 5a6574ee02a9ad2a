"""MDF allocation by tier to the partners with one tag (e.g. those marked for investment): the
others are left for a later allocation; the budget page offers the tenant's tags."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from incentives.models import MdfAllocation
from incentives.services.mdf import mdf_allocate_by_tier, mdf_budget_create
from partners.models import INVEST_TAG, Partner
from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today
from tests.factories import DealFactory, EnrollmentFactory, TierFactory

from ..conftest import body

pytestmark = pytest.mark.django_db

D = Decimal


def _eligible_budget(side):
    """Both partners of ``side`` at a 5 % MDF tier with revenue last period, partner 2 marked for
    investment, and a budget that covers them."""
    tier = TierFactory(tenant=side.tenant, mdf_eligible=True, mdf_allocation_percent=D(5))
    starts_on = tenant_today() - timedelta(days=10)
    for partner in side.partners:
        EnrollmentFactory(tenant=side.tenant, partner=partner, tier=tier)
        DealFactory(
            tenant=side.tenant,
            partner=partner,
            status="won",
            won_on=starts_on - timedelta(days=20),
            won_amount=D("20000.00"),
            currency="USD",
        )
    Partner.objects.filter(pk=side.partners[1].pk).update(tags=[INVEST_TAG])
    return mdf_budget_create(
        actor=side.marketing,
        name="Invest funds",
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=89),
        amount=D("50000.00"),
        currency="USD",
    )


def _allocated(budget) -> dict[int, Decimal]:
    return dict(MdfAllocation.objects.filter(budget=budget).values_list("partner_id", "amount"))


def test_allocating_by_tier_to_a_tag_allocates_to_the_tagged_partners_only(acme):
    with tenant_scope(acme.tenant):
        # given two eligible partners, partner 2 marked for investment
        budget = _eligible_budget(acme)
        # when marketing allocates by tier to the partners marked for investment
        result = mdf_allocate_by_tier(actor=acme.marketing, budget=budget, tag=INVEST_TAG)
        # then only partner 2 gets its 5 %
        assert (result.partners, result.total) == (1, D("1000.00"))
        assert _allocated(budget) == {acme.partners[1].pk: D("1000.00")}
        # and a later allocation to every eligible partner gives partner 1 its own, and partner 2 nothing more
        assert mdf_allocate_by_tier(actor=acme.marketing, budget=budget).partners == 1
        assert _allocated(budget) == {acme.partners[0].pk: D("1000.00"), acme.partners[1].pk: D("1000.00")}


def test_the_budget_page_allocates_by_tier_to_a_chosen_tag(acme, client_for):
    with tenant_scope(acme.tenant):
        budget = _eligible_budget(acme)
    client = client_for(acme.marketing)
    # given the budget page, which offers the tags
    page = body(client.get(reverse("office:mdf_budget", args=[budget.pk])))
    assert '<option value="invest">Tagged: Investment</option>' in page
    # when a tag nobody has is posted, the page says so and nothing is allocated
    refused = client.post(reverse("office:mdf_allocate_tier", args=[budget.pk]), {"tag": "made-up"})
    assert refused.status_code == 200 and "made-up is not one of the available choices" in body(refused)
    # and with the investment tag, partner 2 alone is allocated
    done = client.post(reverse("office:mdf_allocate_tier", args=[budget.pk]), {"tag": INVEST_TAG})
    assert done.status_code == 302
    with tenant_scope(acme.tenant):
        assert _allocated(budget) == {acme.partners[1].pk: D("1000.00")}
