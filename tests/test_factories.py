"""The factories keep every related object in one tenant, so no test builds a cross-tenant row
by accident."""

from __future__ import annotations

import pytest

from .factories import (
    ContactFactory,
    EnrollmentFactory,
    InvitationFactory,
    MembershipFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    PartnerTypeFactory,
    TenantFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db


def test_related_objects_are_created_in_the_given_tenant():
    tenant = TenantFactory()
    enrollment = EnrollmentFactory(tenant=tenant)
    assert {
        enrollment.tenant_id,
        enrollment.partner.tenant_id,
        enrollment.partner.partner_type.tenant_id,
        enrollment.tier.tenant_id,
        enrollment.program.tenant_id,
    } == {tenant.pk}
    assert enrollment.program == enrollment.tier.program


def test_the_tenant_comes_from_a_related_object_passed_in():
    partner_type = PartnerTypeFactory()
    partner = PartnerFactory(partner_type=partner_type)
    member = PartnerMembershipFactory(partner=partner)
    contact = ContactFactory(partner=partner)
    invitation = InvitationFactory(partner=partner)
    assert {partner.tenant_id, member.tenant_id, contact.tenant_id, invitation.tenant_id} == {partner_type.tenant_id}
    assert MembershipFactory(partner=partner).kind == "partner"
    assert MembershipFactory(tenant=partner.tenant).kind == "staff"


def test_mixing_tenants_is_refused():
    one, other = TenantFactory(), TenantFactory()
    with pytest.raises(ValueError, match="never mix tenants"):
        PartnerFactory(tenant=one, partner_type=PartnerTypeFactory(tenant=other))
    with pytest.raises(ValueError, match="never mix tenants"):
        EnrollmentFactory(partner=PartnerFactory(tenant=one), tier=TierFactory(tenant=other))
