"""The tier metrics lead distribution measures: the acceptance rate and the response time of each
partner's offers in the window, measured from real offers, and tier requirements on them met or
not by the nightly evaluation; the admin takes them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from leads.models import OfferStatus
from prm.tenancy.scope import platform_scope, tenant_scope
from programs import metrics
from programs.models import Operator, Tier, TierRequirement, TierStanding
from programs.services.evaluation import tier_evaluate

from ..factories import EnrollmentFactory, PartnerFactory, ProgramFactory, TierFactory, TierRequirementFactory
from .factories import offer_with_outcome

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 15)
NOON = datetime(2026, 6, 10, 12, tzinfo=UTC)


def measure(side, key, *, window_days=90, partner_ids=None) -> dict[int, Decimal]:
    metric = metrics.get(key)
    assert metric is not None and metric.available
    sql, params = metric.sql(side.tenant.pk, AS_OF, window_days, "", partner_ids)
    with tenant_scope(side.tenant), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _offers(side):
    """Partner 1: accepted after 2 h, returned after 4 h (accepted first), declined after 6 h,
    timed out (48 h window), one pending and one withdrawn (neither counts); one accepted 200
    days ago (outside a 90-day window). Partner 2: declined after 1 h. Globex: accepted."""
    p1, p2 = side.partners
    for status, hours in (
        (OfferStatus.ACCEPTED, 2),
        (OfferStatus.RETURNED, 4),
        (OfferStatus.DECLINED, 6),
        (OfferStatus.EXPIRED, None),
        (OfferStatus.PENDING, None),
        (OfferStatus.WITHDRAWN, None),
    ):
        offer_with_outcome(partner=p1, status=status, offered_at=NOON, hours=hours)
    offer_with_outcome(partner=p1, status=OfferStatus.ACCEPTED, offered_at=NOON - timedelta(days=200), hours=1)
    offer_with_outcome(partner=p2, status=OfferStatus.DECLINED, offered_at=NOON, hours=1)


def test_acceptance_rate_counts_accepted_of_the_offers_the_partner_decided(world):
    acme, globex = world.acme, world.globex
    _offers(acme)
    offer_with_outcome(partner=globex.partner, status=OfferStatus.ACCEPTED, offered_at=NOON, hours=1)
    p1, p2 = acme.partners
    # 2 accepted (one returned later) of 4 decided (accepted, returned, declined, timed out)
    assert measure(acme, "leads.acceptance_rate") == {p1.pk: Decimal("50.00"), p2.pk: Decimal("0.00")}
    # the 200-day-old acceptance counts in a year's window: 3 of 5
    assert measure(acme, "leads.acceptance_rate", window_days=365)[p1.pk] == Decimal("60.00")
    assert measure(acme, "leads.acceptance_rate", partner_ids=[p2.pk]) == {p2.pk: Decimal("0.00")}


def test_response_time_is_the_median_with_a_timeout_counted_at_its_deadline(world):
    acme = world.acme
    _offers(acme)
    p1, p2 = acme.partners
    # answered after 2, 4 and 6 h, timed out after 48: median 5 h
    assert measure(acme, "leads.response_time") == {p1.pk: Decimal("5.00"), p2.pk: Decimal("1.00")}


def test_the_offers_day_is_the_vendors(world):
    acme = world.acme
    with platform_scope():
        acme.tenant.time_zone = "America/New_York"
        acme.tenant.save(update_fields=["time_zone"])
    # 02:00 UTC on 16 June is still 15 June in New York: inside a window ending on 15 June
    offer_with_outcome(
        partner=acme.partner, status=OfferStatus.ACCEPTED, offered_at=datetime(2026, 6, 16, 2, tzinfo=UTC), hours=1
    )
    assert measure(acme, "leads.acceptance_rate", window_days=1) == {acme.partner.pk: Decimal("100.00")}


def test_both_lead_metrics_are_available_and_response_time_says_lower_is_better():
    assert {m.key for m in metrics.registered() if m.available} >= {"leads.acceptance_rate", "leads.response_time"}
    assert metrics.get("leads.response_time").unit == "h"


def _ladder(side):
    program = ProgramFactory(tenant=side.tenant, name="Resell")
    entry = TierFactory(program=program, name="Registered", rank=1)
    fast = TierFactory(program=program, name="Responsive", rank=2)
    return program, entry, fast


def _evaluate(side, enrollment) -> TierStanding:
    with tenant_scope(side.tenant):
        tier_evaluate(today=AS_OF)
    with platform_scope():
        return TierStanding.objects.get(enrollment=enrollment)


def test_a_tier_asking_for_an_acceptance_rate_is_met_from_real_offers(world):
    acme = world.acme
    _, entry, fast = _ladder(acme)
    TierRequirementFactory(
        tier=fast, metric="leads.acceptance_rate", operator=Operator.GTE, threshold=50, window_days=90
    )
    p1, p2 = acme.partners
    _offers(acme)
    first, second = EnrollmentFactory(partner=p1, tier=entry), EnrollmentFactory(partner=p2, tier=entry)
    # partner 1 accepted 50%: met; partner 2 declined its only offer: 0%, not met
    standing = _evaluate(acme, first)
    assert standing.qualifying_tier_id == fast.pk
    [result] = [r for r in standing.results if r["tier_id"] == fast.pk]
    assert result["available"] is True and result["met"] is True and Decimal(result["value"]) == Decimal("50.00")
    other = _evaluate(acme, second)
    assert other.qualifying_tier_id == entry.pk
    [result] = [r for r in other.results if r["tier_id"] == fast.pk]
    assert result["met"] is False and Decimal(result["gap"]) == Decimal("50.00")


def test_a_tier_asking_for_a_response_time_at_most_is_met_by_the_faster(world):
    acme = world.acme
    _, entry, fast = _ladder(acme)
    TierRequirementFactory(tier=fast, metric="leads.response_time", operator=Operator.LTE, threshold=4, window_days=90)
    p1, p2 = acme.partners
    _offers(acme)
    slow, quick = EnrollmentFactory(partner=p1, tier=entry), EnrollmentFactory(partner=p2, tier=entry)
    # partner 1's median is 5 h (over 4: one hour to shed); partner 2 answered in 1 h
    standing = _evaluate(acme, slow)
    [result] = [r for r in standing.results if r["tier_id"] == fast.pk]
    assert (result["met"], Decimal(result["gap"]), result["unit"]) == (False, Decimal("1.00"), "h")
    assert _evaluate(acme, quick).qualifying_tier_id == fast.pk


def test_the_admin_takes_a_requirement_on_the_lead_acceptance_rate(world, client_for):
    acme = world.acme
    program = ProgramFactory(tenant=acme.tenant)
    gold = TierFactory(program=program, name="Gold", rank=1)
    PartnerFactory(tenant=acme.tenant)
    data = {
        "program": str(program.pk),
        "name": "Gold",
        "rank": "1",
        "color": "#aa8800",
        "discount_percent": "5",
        "protection_days": "90",
        "mdf_allocation_percent": "0",
        "lead_routing_weight": "1",
        "rebate_percent": "0",
        "content_access": "",
        "optional_required": "0",
        "description": "",
        "requirements-TOTAL_FORMS": "1",
        "requirements-INITIAL_FORMS": "0",
        "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000",
        "requirements-0-metric": "leads.acceptance_rate",
        "requirements-0-operator": "gte",
        "requirements-0-threshold": "60",
        "requirements-0-window_days": "90",
        "requirements-0-mandatory": "on",
    }
    response = client_for(acme.admin).post(f"/admin/programs/tier/{gold.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_scope(acme.tenant):
        assert TierRequirement.objects.get(tier=gold).metric == "leads.acceptance_rate"
        assert Tier.objects.filter(pk=gold.pk).exists()
