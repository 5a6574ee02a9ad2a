"""The nightly tier evaluation, run by a real Celery worker: every tenant is evaluated in its own
task, and running the night twice (a redelivered or repeated beat) proposes nothing twice."""

from __future__ import annotations

import pytest

from prm.tenancy.scope import platform_scope
from programs.models import ProposalStatus, TierChangeProposal, TierStanding
from programs.tasks import tier_evaluate_all_task
from tests.factories import (
    EnrollmentFactory,
    ManualMetricFactory,
    ManualMetricValueFactory,
    PartnerFactory,
    ProgramFactory,
    TenantFactory,
    TierFactory,
    TierRequirementFactory,
)

from .conftest import wait_for

pytestmark = pytest.mark.fault


def _tenant_with_a_promotion(slug: str):
    """A tenant whose one partner meets Silver while it is Registered."""
    tenant = TenantFactory(slug=slug)
    program = ProgramFactory(tenant=tenant)
    registered = TierFactory(program=program, name="Registered", rank=1)
    silver = TierFactory(program=program, name="Silver", rank=2)
    revenue = ManualMetricFactory(tenant=tenant, code="revenue")
    TierRequirementFactory(tier=silver, metric="manual:revenue", threshold=100)
    partner = PartnerFactory(tenant=tenant)
    ManualMetricValueFactory(partner=partner, metric=revenue, value=150)
    return EnrollmentFactory(partner=partner, tier=registered)


def _evaluated() -> int:
    with platform_scope():
        return TierStanding.objects.count()


def _evaluation_times() -> set:
    with platform_scope():
        return set(TierStanding.objects.values_list("id", "evaluated_at"))


def test_the_nightly_run_evaluates_every_tenant_in_a_worker_and_a_second_night_adds_nothing(
    workers, celery_on_private_redis
):
    # given two tenants, each with a partner that qualifies for a promotion, and a worker
    enrollments = [_tenant_with_a_promotion("north"), _tenant_with_a_promotion("south")]
    workers.start()
    # when beat fires the nightly task (it fans out one task per tenant to the worker)
    assert tier_evaluate_all_task() >= 2
    # then both tenants are evaluated and each partner has one proposal
    wait_for(lambda: _evaluated() == 2, timeout=60, what="both tenants' standings")
    with platform_scope():
        pending = sorted(
            TierChangeProposal.objects.filter(status=ProposalStatus.PENDING).values_list("enrollment_id", flat=True)
        )
    assert pending == sorted(e.pk for e in enrollments)
    # when the night runs again
    first = _evaluation_times()
    tier_evaluate_all_task()
    # then both tenants are evaluated again (every standing gets a new time)...
    wait_for(
        lambda: {i for i, _ in _evaluation_times() - first} == {i for i, _ in first},
        timeout=60,
        what="the second evaluation",
    )
    # ...and there is still exactly one proposal per partner
    with platform_scope():
        assert TierChangeProposal.objects.filter(status=ProposalStatus.PENDING).count() == 2
        assert TierChangeProposal.objects.count() == 2
