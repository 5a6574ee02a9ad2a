"""The routing part of the demo loads through the services, once."""

from __future__ import annotations

import pytest

from leads import demo_routing
from leads.models import LeadCapacity, NamedAccount, RoutingRule
from partners.models import PartnerLocation
from prm.tenancy.scope import tenant_scope
from prm.web.demo_kit import Demo
from tests.factories import EnrollmentFactory, PartnerFactory, ProgramFactory, TierFactory

pytestmark = pytest.mark.django_db


def test_the_demo_loads_rules_locations_and_capacities_once(acme):
    program = ProgramFactory(tenant=acme.tenant, slug="resell", name="Resell")
    tier = TierFactory(tenant=acme.tenant, program=program)
    third = PartnerFactory(tenant=acme.tenant, country="US", city="Springfield", display_name="Third")
    for partner in (*acme.partners, third):
        EnrollmentFactory(tenant=acme.tenant, partner=partner, tier=tier)
    demo = Demo(tenant=acme.tenant, seed=1, staff={"admin": acme.admin, "cam": acme.manager})
    with tenant_scope(acme.tenant):
        demo_routing.load(demo)
        demo_routing.load(demo)
        rules = list(RoutingRule.objects.order_by("priority").values_list("name", "strategy", "is_fallback"))
        offices = PartnerLocation.objects.filter(label="Demo office").count()
        hqs = PartnerLocation.objects.filter(is_headquarters=True).count()
        assert NamedAccount.objects.count() == 1
        assert LeadCapacity.objects.filter(paused=True).count() == 1
        assert LeadCapacity.objects.filter(daily_quota=1).count() == 1
    assert rules == [
        ("DACH direct", "round_robin", False),
        ("Nearest in the US", "nearest", False),
        ("Everyone else", "round_robin", True),
    ]
    assert (hqs, offices) == (3, 3)
