"""Routing rules for tagged partners (``RoutingRule.partner_tags``): a rule that names tags offers
its leads only to partners carrying one of them (e.g. those marked for investment), the routing
log names the partners it skipped and why, and the admin offers the tags in use."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads.models import DecisionOutcome, RoutingRule
from leads.selectors.routing import EXCLUSION_LABELS
from partners.models import INVEST_TAG
from prm.tenancy.scope import platform_scope

from ..conftest import body
from .routing_setup import enrolled, excluded, offer_of, program_with_tiers, route, rule

pytestmark = pytest.mark.django_db


def test_a_tag_rule_routes_to_a_tagged_partner_and_logs_the_others_as_untagged(world):
    # given a program whose heaviest partners carry no tag or another one, one partner marked for
    # investment, and a rule (above a plain fall-back) for the partners marked for investment
    tenant = world.acme.tenant
    ladder = program_with_tiers(tenant, weights=(1, 2, 3))
    enrolled(tenant, ladder.tiers[2], name="Untagged Gold")
    enrolled(tenant, ladder.tiers[2], name="Other tag Gold", tags=["emea-focus"])
    invest = enrolled(tenant, ladder.tiers[0], name="Invest Bronze", tags=["emea-focus", INVEST_TAG])
    focus = rule(tenant, ladder.program, name="Invest partners first", partner_tags=[INVEST_TAG], priority=1)
    rule(tenant, ladder.program, name="Everyone", is_fallback=True, priority=1)
    # when a lead is routed
    lead, decision = route(tenant, country="DE")
    # then the rule offers it to the marked partner, whatever its weight
    offer = offer_of(lead)
    assert decision.outcome == DecisionOutcome.OFFERED
    assert (offer.partner_id, offer.rule_id) == (invest.pk, focus.pk)
    # and the log says which partners the rule skipped for want of the tag, in words
    assert excluded(decision) == {"tag": ["Other tag Gold", "Untagged Gold"]}
    assert str(EXCLUSION_LABELS["tag"]) == "Has none of the rule's partner tags"


def test_a_tag_rule_without_a_tagged_partner_falls_through_to_the_next_rule(world):
    # given the same rule when nobody is marked for investment, and a plain fall-back
    tenant = world.acme.tenant
    ladder = program_with_tiers(tenant, weights=(1,))
    plain = enrolled(tenant, ladder.tiers[0], name="Plain")
    rule(tenant, ladder.program, name="Invest partners", partner_tags=[INVEST_TAG], priority=1)
    fallback = rule(tenant, ladder.program, name="Everyone", is_fallback=True, priority=1)
    # when a lead is routed, then the tag rule finds nobody and the fall-back offers it
    lead, decision = route(tenant, country="DE")
    assert offer_of(lead).rule_id == fallback.pk and offer_of(lead).partner_id == plain.pk
    assert excluded(decision, 0) == {"tag": ["Plain"]}
    # and a fall-back with tags keeps to them too
    with platform_scope():
        RoutingRule.objects.filter(pk=fallback.pk).update(partner_tags=["emea-focus"])
    second, decision = route(tenant, country="DE")
    assert offer_of(second) is None and decision.outcome == DecisionOutcome.QUEUED
    assert excluded(decision, 1) == {"tag": ["Plain"]}


def test_the_routing_log_page_shows_why_a_partner_was_skipped(world, client_for):
    # given a lead routed by a tag rule that skipped an untagged partner
    tenant = world.acme.tenant
    ladder = program_with_tiers(tenant, weights=(1,))
    enrolled(tenant, ladder.tiers[0], name="Untagged One")
    enrolled(tenant, ladder.tiers[0], name="Marked One", tags=[INVEST_TAG])
    rule(tenant, ladder.program, name="Invest partners", partner_tags=[INVEST_TAG])
    lead, _decision = route(tenant, country="DE")
    # when the lead manager reads the routing log, then it names the reason and the partner
    page = body(client_for(world.acme.manager).get(reverse("office:lead_routing", args=[lead.pk])))
    assert "Has none of the rule&#x27;s partner tags" in page and "Untagged One" in page


def test_the_rule_admin_offers_the_tags_in_use(world, client_for):
    # given a partner carrying a tag, and acme's admin adding a rule
    acme = world.acme
    ladder = program_with_tiers(acme.tenant, weights=(1,))
    enrolled(acme.tenant, ladder.tiers[0], name="Tagged", tags=["emea-focus"])
    client = client_for(acme.admin)
    page = body(client.get("/admin/leads/routingrule/add/"))
    # then the investment tag and the tag in use are offered
    assert 'name="partner_tags" value="invest"' in page and 'name="partner_tags" value="emea-focus"' in page
    # and a rule for the partners marked for investment is saved with its tag
    data = {
        "program": str(ladder.program.pk),
        "name": "Invest",
        "priority": "10",
        "is_active": "on",
        "strategy": "round_robin",
        "partner_tags": [INVEST_TAG],
    }
    assert client.post("/admin/leads/routingrule/add/", data).status_code == 302
    with platform_scope():
        assert RoutingRule.objects.get(name="Invest").partner_tags == [INVEST_TAG]
    # but a tag nobody carries is refused
    refused = client.post("/admin/leads/routingrule/add/", data | {"name": "Made up", "partner_tags": ["made-up"]})
    assert refused.status_code == 200 and "made-up is not one of the choices" in body(refused)
