"""The onboard part of the demo loads through the services, once."""

from __future__ import annotations

import pytest

from prm.tenancy.scope import tenant_scope
from prm.web.demo_kit import Demo
from recruitment import demo_onboard
from recruitment.models import AgreementVersion, Onboarding
from tests.learning.factories import learning_course

from ..factories import TierFactory

pytestmark = pytest.mark.django_db


def test_the_demo_loads_onboarding_through_the_services_once(acme):
    # given acme with a program and a published course
    TierFactory(tenant=acme.tenant, rank=1)
    learning_course(acme.tenant)
    demo = Demo(tenant=acme.tenant, seed=1, staff={"admin": acme.admin, "cam": acme.manager})
    # when the part loads twice
    with tenant_scope(acme.tenant):
        demo_onboard.load(demo)
        demo_onboard.load(demo)
        # then two partners onboard, one half-way; the first program's agreement has two versions
        assert Onboarding.objects.count() == 2
        assert sorted(Onboarding.objects.values_list("tasks_done", flat=True)) == [0, 1]
        assert AgreementVersion.objects.filter(published_at__isnull=False).count() == 2
