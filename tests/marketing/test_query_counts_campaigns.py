"""Campaigns' pages cost the same with many campaigns, participants, assets, leads and deals as
with few (pinned): the office list's attribution is one statement per app for the page, the
portal's list one, a campaign's page the same whatever it bundles and brought; no template runs
a query."""

from __future__ import annotations

import pytest
from django.urls import reverse

from prm.tenancy.scope import tenant_scope
from tests.factories import DealFactory, PartnerFactory, PartnerMembershipFactory
from tests.leads.factories import LeadFactory
from tests.query_budget import assert_list_page, assert_pinned, cost

from .isolation_campaigns import asset, campaign, join, mdf_funds

pytestmark = pytest.mark.django_db

PINNED_OFFICE_LIST = 8
PINNED_PORTAL_LIST = 5
PINNED_OFFICE_DETAIL = 11
PINNED_PORTAL_DETAIL = 12
PINNED_JOIN = 10


def _campaigns(side, n: int, *, start: int = 0) -> list:
    made = []
    for i in range(start, start + n):
        code = f"campaign-{i}"
        made.append(campaign(side, f"Campaign {i}", code))
        LeadFactory(tenant=side.tenant, campaign=code)
        DealFactory(tenant=side.tenant, partner=side.partner, source_campaign=code, status="won", won_amount=100)
    return made


def test_the_campaign_lists_cost_the_same_with_many_campaigns(acme, no_queries_from_templates):
    with tenant_scope(acme.tenant):
        join(acme.partner_admin, _campaigns(acme, 1)[0])
    pages = {
        "office": (acme.marketing, reverse("office:campaigns")),
        "portal": (acme.partner_admin, reverse("portal:campaigns")),
    }
    few = {name: cost(member, path) for name, (member, path) in pages.items()}
    with tenant_scope(acme.tenant):
        for made in _campaigns(acme, 30, start=1)[:10]:
            join(acme.partner_admin, made)
    many = {name: cost(member, path) for name, (member, path) in pages.items()}
    row = r'id="campaign-\d+"'
    assert_list_page(few["office"], many["office"], pinned=PINNED_OFFICE_LIST, row=row, rows=(1, 25), what="office")
    assert_list_page(few["portal"], many["portal"], pinned=PINNED_PORTAL_LIST, row=row, rows=(1, 25), what="portal")


def _bundle(side, name: str, code: str, *, n: int, fund_type=None, allocation=None):
    """A campaign with ``n`` assets, ``n`` partners joined (the first with MDF), leads and deals."""
    assets = [asset(side, f"{name} asset {i}") for i in range(n)]
    made = campaign(side, name, code, assets=assets, fund_type=fund_type)
    for i in range(n):
        partner = side.partner if i == 0 else PartnerFactory(tenant=side.tenant, partner_type=side.partner_type)
        member = side.partner_admin if i == 0 else PartnerMembershipFactory(tenant=side.tenant, partner=partner)
        join(member, made)
        LeadFactory(tenant=side.tenant, campaign=code, partner=partner, status="accepted", accepted_at=made.created_at)
        DealFactory(tenant=side.tenant, partner=partner, source_campaign=code, registered_by=member)
    return made


def test_a_campaigns_pages_cost_the_same_whatever_it_bundles_and_brought(acme, no_queries_from_templates):
    with tenant_scope(acme.tenant):
        fund_type, _allocation = mdf_funds(acme)
        few = _bundle(acme, "Few", "few", n=1, fund_type=fund_type)
        many = _bundle(acme, "Many", "many", n=12, fund_type=fund_type)
        open_few = campaign(acme, "Open few", "open-few", fund_type=fund_type)
    office_few = cost(acme.marketing, reverse("office:campaign", args=[few.pk]))
    office_many = cost(acme.marketing, reverse("office:campaign", args=[many.pk]))
    assert_pinned(office_few, office_many, PINNED_OFFICE_DETAIL, "office detail")
    portal_few = cost(acme.partner_admin, reverse("portal:campaign", args=[few.pk]))
    portal_many = cost(acme.partner_admin, reverse("portal:campaign", args=[many.pk]))
    assert_pinned(portal_few, portal_many, PINNED_PORTAL_DETAIL, "portal detail")
    assert portal_many.rows(r'class="list-group-item campaign-asset"') == 12
    join_page = cost(acme.partner_admin, reverse("portal:campaign_join", args=[open_few.pk]))
    assert join_page.queries == PINNED_JOIN, join_page.sql
