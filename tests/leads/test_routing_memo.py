"""The partner side of routing (the partner record, its tier, the policy) is judged once per rule
and kind of lead and memoised; any change to a row it read, committed by anyone or made by the
routing transaction itself, ends the memo, so the routing log's counts stay exact."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from leads.services import routing
from leads.services.routing import PARTNER_SIDE_TABLES, lead_route
from partners.models import Partner, PartnerStatus
from prm.tenancy.scope import platform_scope, tenant_scope
from programs.models import Enrollment
from programs.services.policy import policy_screen
from tests.factories import (
    AuthorizationRuleFactory,
    LicenceTypeFactory,
    PartnerTypeFactory,
    ProductLineFactory,
    TenantFactory,
    TerritoryGrantFactory,
)

from .factories import LeadFactory
from .routing_setup import enrolled, program_with_tiers, rule

PARTNER_SIDE = "WITH enrolled AS MATERIALIZED"


@pytest.fixture
def memo():
    routing._PARTNER_SIDES.clear()
    routing._HOLDERS.clear()
    yield routing._PARTNER_SIDES
    routing._PARTNER_SIDES.clear()
    routing._HOLDERS.clear()


def _route(tenant, **lead_fields):
    """Route a new lead; the decision, and how many partner-side statements it sent."""
    with tenant_scope(tenant), CaptureQueriesContext(connection) as captured:
        decision = lead_route(lead=LeadFactory(tenant=tenant, **lead_fields), trigger="new")
    return decision, sum(PARTNER_SIDE in query["sql"] for query in captured.captured_queries)


def _two_partners(slug: str):
    tenant = TenantFactory(slug=slug, name=slug.title())
    ladder = program_with_tiers(tenant, weights=(1, 2))
    light = enrolled(tenant, ladder.tiers[0], name="Light")
    heavy = enrolled(tenant, ladder.tiers[1], name="Heavy")
    rule(tenant, ladder.program, name="Everyone")
    return tenant, ladder, light, heavy


@pytest.mark.django_db
def test_every_table_the_partner_side_reads_moves_the_stamp(world):
    # given a product line whose policy makes every check it can (tier, partner type, licence,
    # territory, a country held exclusively)
    tenant = world.acme.tenant
    ladder = program_with_tiers(tenant, weights=(1, 2))
    line = ProductLineFactory(tenant=tenant, requires_territory=True)
    AuthorizationRuleFactory(
        tenant=tenant,
        product_line=line,
        min_tier=ladder.tiers[1],
        allowed_partner_type_ids=[PartnerTypeFactory(tenant=tenant).pk],
        required_licence_type=LicenceTypeFactory(tenant=tenant),
    )
    TerritoryGrantFactory(tenant=tenant, partner=world.acme.partner, product_line=line, exclusive=True)
    with tenant_scope(tenant):
        screen = policy_screen(action="receive_lead", product_line_id=line.pk, country="DE")
    # when the partner side's statement is put together with all its parts
    sql = routing._PARTNER_SIDE_SQL.format(
        territory=routing._TERRITORY_SQL,
        industry=routing._INDUSTRY_SQL,
        tags=routing._TAGS_SQL,
        policy=screen.case_when(routing.POLICY),
        only_holder=routing._ONLY_HOLDER_SQL,
        exclusive=routing._EXCLUSIVE_SQL,
    )
    # then every table it reads is one whose changes move the stamp
    tables = set(re.findall(r"\b(?:FROM|JOIN)\s+([a-z_]+)", sql)) - {"enrolled", "grouped", "unnest"}
    assert {"partners_partner", "programs_partnerlicence", "programs_territorygrant", "programs_region"} <= tables
    assert tables <= set(PARTNER_SIDE_TABLES)
    # and each of those tables carries the stamp's triggers (a change at commit, a TRUNCATE at once)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE 'leads_routing_%%'"
        )
        triggers = set(cursor.fetchall())
    for table in PARTNER_SIDE_TABLES:
        assert {(table, name) for name in ("leads_routing_stamp", "leads_routing_stamp_truncate")} <= triggers, table
        assert (table, "leads_routing_changed") in triggers, table


@pytest.mark.django_db(transaction=True)
def test_a_lead_of_the_same_kind_reuses_the_partner_side_until_a_partner_changes(memo):
    # given two partners under one rule, and a first lead routed (the partner side judged)
    tenant, ladder, light, heavy = _two_partners("memo")
    first, judged = _route(tenant)
    assert judged == 1 and first.log["rules"][0]["candidates"] == 2
    # when a second lead of the same kind is routed
    second, judged = _route(tenant)
    # then the partner side is not judged again, and the log counts the same partners
    assert judged == 0
    assert second.log["rules"][0]["candidates"] == 2 and second.log["rules"][0]["eligible"] == 2
    # when one partner is suspended (committed; as SQL, no service or signal involved)
    with platform_scope():
        Partner.objects.filter(pk=heavy.pk).update(status=PartnerStatus.SUSPENDED)
    third, judged = _route(tenant)
    # then the next lead is judged afresh: the suspended partner is excluded, and said so
    assert judged == 1
    section = third.log["rules"][0]
    assert section["eligible"] == 1 and section["excluded"]["inactive"]["count"] == 1
    assert third.partner_id == light.pk
    # and so is a change of tier (an enrollment) the next time
    with platform_scope():
        Enrollment.objects.filter(partner=light).update(tier=ladder.tiers[1])
    _fourth, judged = _route(tenant)
    assert judged == 1


@pytest.mark.django_db(transaction=True)
def test_a_change_the_routing_transaction_made_itself_is_seen_and_not_memoised(memo):
    # given a partner side memoised for a kind of lead
    tenant, _ladder, light, heavy = _two_partners("memo-own")
    _route(tenant)
    # when, in one transaction, a partner is suspended and then a lead routed (not committed)
    with tenant_scope(tenant), transaction.atomic():
        Partner.objects.filter(pk=heavy.pk).update(status=PartnerStatus.SUSPENDED)
        decision = lead_route(lead=LeadFactory(tenant=tenant), trigger="new")
        # then that routing sees the change
        assert decision.log["rules"][0]["excluded"]["inactive"]["count"] == 1
        assert decision.partner_id == light.pk
        transaction.set_rollback(True)
    # and, the change rolled back, the memo (not replaced by what that transaction saw) serves again
    after, judged = _route(tenant)
    assert judged == 0 and after.log["rules"][0]["eligible"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_country_granted_exclusively_counts_from_the_next_lead(memo):
    # given a lead of a product line routed (nobody holds Germany for it: memoised so)
    tenant, _ladder, light, _heavy = _two_partners("memo-grant")
    line = ProductLineFactory(tenant=tenant)
    _first, judged = _route(tenant, product_line=line)
    assert judged == 1
    # when the light partner is granted Germany for the line exclusively (committed)
    TerritoryGrantFactory(tenant=tenant, partner=light, product_line=line, country="DE", exclusive=True)
    second, judged = _route(tenant, product_line=line)
    # then the next German lead of the line is judged afresh and goes to the holder alone
    assert judged == 1 and second.partner_id == light.pk
    group = second.log["rules"][0]["excluded"]["policy"]
    assert group["count"] == 1 and group["examples"][0]["codes"] == ["territory_exclusive"]
