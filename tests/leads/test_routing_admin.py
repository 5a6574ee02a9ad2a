"""Routing rules and named accounts in the Django admin, as a vendor admin configures them."""

from __future__ import annotations

import pytest

from leads.models import NamedAccount, RoutingRule
from prm.tenancy.scope import platform_scope
from tests.factories import ProductLineFactory, RegionFactory

from ..conftest import body
from .routing_setup import program_with_tiers

pytestmark = pytest.mark.django_db


def _rule(program, tier, **extra) -> dict:
    return {
        "program": str(program.pk),
        "name": "DACH direct",
        "priority": "10",
        "is_active": "on",
        "strategy": "round_robin",
        "max_distance_km": "",
        "countries": ["DE", "AT"],
        "region_codes": ["dach"],
        "postal_prefixes": "80, 8 1",
        "industries": ["Manufacturing"],
        "min_tier": str(tier.pk),
        "certification_codes": "",
        "competency_codes": "",
        **extra,
    }


def test_a_vendor_admin_adds_a_rule_whose_criteria_are_checked(world, client_for):
    acme = world.acme
    ladder = program_with_tiers(acme.tenant, weights=(1, 2))
    other = program_with_tiers(acme.tenant, weights=(1,), name="Other program")
    RegionFactory(tenant=acme.tenant, code="dach", name="DACH", countries=["DE", "AT", "CH"])
    line = ProductLineFactory(tenant=acme.tenant, name="Storage")
    client = client_for(acme.admin)
    # a tier of another program, a region that does not exist, a distance on a round robin: refused
    bad = client.post(
        "/admin/leads/routingrule/add/",
        _rule(ladder.program, other.tiers[0], region_codes=["nowhere"], max_distance_km="50"),
    )
    page = body(bad)
    assert bad.status_code == 200
    assert "Pick a tier of the rule" in page and "nowhere is not one of the choices" in page
    assert "nearest-first rules only" in page
    good = client.post(
        "/admin/leads/routingrule/add/", _rule(ladder.program, ladder.tiers[1], product_lines=[str(line.pk)])
    )
    assert good.status_code == 302
    with platform_scope():
        rule = RoutingRule.objects.get(name="DACH direct")
    assert (rule.tenant_id, rule.countries, rule.region_codes) == (acme.tenant.pk, ["DE", "AT"], ["dach"])
    assert (rule.postal_prefixes, rule.product_line_ids) == (["80", "81"], [line.pk])


def test_a_named_account_is_keyed_like_deal_conflicts(world, client_for):
    acme = world.acme
    response = client_for(acme.admin).post(
        "/admin/leads/namedaccount/add/",
        {
            "partner": str(acme.partner.pk),
            "name": "Initech GmbH",
            "domain": "https://www.initech.co.uk/about",
            "note": "",
        },
    )
    assert response.status_code == 302
    with platform_scope():
        account = NamedAccount.objects.get(name="Initech GmbH")
    assert (account.name_key, account.domain) == ("initech", "initech.co.uk")
