"""Weighted round robin: stride scheduling exact to the lead, persisted, and the same when two
real Celery workers route at the same instant."""

from __future__ import annotations

from collections import Counter

import pytest

from leads.models import Lead, LeadOffer, LeadSource, LeadStatus, OfferStatus, RotationState, RoutingRule
from leads.services.routing import STRIDE, lead_route
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.factories import EnrollmentFactory, PartnerFactory, TenantFactory
from tests.faults.conftest import (  # noqa: F401  (the fault tests' fixtures: a private Redis, workers)
    celery_on_private_redis,
    mail_dir,
    private_redis,
    wait_for,
    workers,
)

from .routing_setup import enrolled, program_with_tiers, rule

pytestmark = pytest.mark.django_db


def three_two_one(tenant):
    """Partners a (weight 3), b (2), c (1) in one program, and one round-robin rule for all."""
    ladder = program_with_tiers(tenant, weights=(3, 2, 1))
    partners = {name: enrolled(tenant, tier, name=name) for name, tier in zip("abc", ladder.tiers, strict=True)}
    return partners, rule(tenant, ladder.program, name="Everyone")


def new_leads(tenant, count: int) -> list[int]:
    """``count`` new leads (located: no geocoding), inserted at once."""
    with platform_scope():
        start = Lead.objects.filter(tenant=tenant).count()
        leads = Lead.objects.bulk_create(
            Lead(
                tenant=tenant,
                reference=f"LD-R{start + n:06d}",
                source=LeadSource.IMPORT,
                company=f"Prospect {n}",
                company_key=f"prospect {n}",
                country="DE",
                latitude=52.5,
                longitude=13.4,
                region_code="-",
            )
            for n in range(count)
        )
    return [lead.pk for lead in leads]


def shares(tenant) -> dict[str, int]:
    with platform_scope():
        names = LeadOffer.objects.filter(tenant=tenant).values_list("partner__display_name", flat=True)
        return dict(Counter(names))


def test_a_thousand_leads_through_weights_3_2_1_split_exactly_500_333_167(world):
    tenant = world.acme.tenant
    partners, everyone = three_two_one(tenant)
    ids = new_leads(tenant, 1000)
    with tenant_scope(tenant):
        order = []
        for lead in Lead.objects.filter(pk__in=ids).order_by("pk"):
            lead_route(lead=lead, trigger="new")
            order.append(lead.pk)
        sequence = list(
            LeadOffer.objects.filter(lead_id__in=order[:12]).order_by("lead_id").values_list("partner_id", flat=True)
        )
    assert shares(tenant) == {"a": 500, "b": 333, "c": 167}
    a, b, c = (partners[name].pk for name in "abc")
    assert sequence == [a, b, c, a, b, a] * 2
    # the rotation is persisted: each partner's pass and count, the rule's clock
    with platform_scope():
        state = {r.partner_id: (r.pass_value, r.served) for r in RotationState.objects.filter(rule=everyone)}
        clock = RoutingRule.objects.get(pk=everyone.pk).clock
    assert state == {
        a: (500 * STRIDE // 3, 500),
        b: (333 * STRIDE // 2, 333),
        c: (167 * STRIDE, 167),
    }
    assert clock == 499 * STRIDE // 3  # the pass the last winner (a, its 500th) won at


def test_a_partner_joining_late_starts_at_the_clock_without_a_burst(world):
    # given a rotation that has run a while between a and b
    tenant = world.acme.tenant
    ladder = program_with_tiers(tenant, weights=(1, 1))
    a = enrolled(tenant, ladder.tiers[0], name="a")
    b = enrolled(tenant, ladder.tiers[1], name="b")
    rule(tenant, ladder.program, name="Everyone")
    with tenant_scope(tenant):
        for lead in Lead.objects.filter(pk__in=new_leads(tenant, 100)).order_by("pk"):
            lead_route(lead=lead, trigger="new")
    # when a new partner of the same weight joins
    late = PartnerFactory(tenant=tenant, display_name="late")
    EnrollmentFactory(tenant=tenant, partner=late, tier=ladder.tiers[0])
    with platform_scope():
        LeadOffer.objects.filter(tenant=tenant).delete()  # (only the counts below matter)
    with tenant_scope(tenant):
        for lead in Lead.objects.filter(pk__in=new_leads(tenant, 30)).order_by("pk"):
            lead_route(lead=lead, trigger="new")
    # then it gets its third, not the 50 leads it "missed"
    assert shares(tenant) == {"a": 10, "b": 10, "late": 10}
    with platform_scope():
        served = dict(RotationState.objects.filter(partner__in=[a, b, late]).values_list("partner_id", "served"))
    assert served == {a.pk: 60, b.pk: 60, late.pk: 10}


# --- two real workers ------------------------------------------------------------------------


@pytest.mark.worker
def test_two_workers_routing_in_parallel_give_the_same_totals(
    transactional_db,
    workers,  # noqa: F811
    celery_on_private_redis,  # noqa: F811
):
    # given weights 3:2:1, one rule, and 600 new leads
    from leads.tasks import lead_route_task

    tenant = TenantFactory(slug="rotation", name="Rotation")
    partners, everyone = three_two_one(tenant)
    ids = new_leads(tenant, 600)
    # when two Celery worker processes (two slots each) route them, all sent at once
    workers.start()
    workers.start()
    for lead_id in ids:
        lead_route_task.delay(tenant_id=tenant.pk, lead_id=lead_id)

    def routed() -> int:
        with platform_scope():
            return Lead.objects.filter(tenant=tenant, status=LeadStatus.OFFERED).count()

    wait_for(lambda: routed() == 600, timeout=240, what="the workers to route 600 leads")
    # then the totals are those of one worker routing them one by one
    assert shares(tenant) == {"a": 300, "b": 200, "c": 100}
    with platform_scope():
        state = {r.partner_id: (r.pass_value, r.served) for r in RotationState.objects.filter(rule=everyone)}
        pending = Counter(LeadOffer.objects.filter(tenant=tenant, status=OfferStatus.PENDING).values_list("lead_id"))
        logs = Lead.objects.filter(tenant=tenant, offer_count=1).count()
    a, b, c = (partners[name].pk for name in "abc")
    assert state == {a: (300 * STRIDE // 3, 300), b: (200 * STRIDE // 2, 200), c: (100 * STRIDE, 100)}
    # and no lead holds two open offers, each was offered once
    assert max(pending.values()) == 1 and len(pending) == 600 and logs == 600
    # both workers did part of it
    done = [worker.log_text().count("succeeded") for worker in workers.started]
    assert all(count > 0 for count in done), done
