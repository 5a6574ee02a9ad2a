"""The audience every part of marketing shares (``selectors/audience.py``, ``services/audience.py``):
read three ways (the rows meant for a person, its Python twin, the people an object is for) that
agree person by person, and checked the same way by every part's service."""

from __future__ import annotations

import pytest

from marketing.models import Announcement
from marketing.selectors.announcements import announcement_get_for_office
from marketing.selectors.audience import audience_filter, audience_matches, audience_members
from marketing.services.announcements import announcement_create
from marketing.services.audience import AudienceChoice
from marketing.services.campaigns import campaign_create
from marketing.services.cobrand import cobrand_template_create
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.errors import PolicyViolation
from prm.tenancy.scope import platform_scope, tenant_scope

from ..factories import EnrollmentFactory, PartnerMembershipFactory, PartnerTypeFactory, TierFactory
from .isolation_library import make_asset
from .world import pdf_bytes, upload

pytestmark = pytest.mark.django_db


def test_the_people_an_audience_holds_are_those_it_shows_to(acme):
    # given acme partner 1 Gold in EMEA, partner 2 Silver in APAC of its own type, and an
    # inactive user of partner 1
    with tenant_scope(acme.tenant):
        gold = TierFactory(tenant=acme.tenant, name="Gold", rank=3)
        silver = TierFactory(program=gold.program, name="Silver", rank=2)
        EnrollmentFactory(partner=acme.partners[0], tier=gold)
        EnrollmentFactory(partner=acme.partners[1], tier=silver)
    with platform_scope():
        distributor = PartnerTypeFactory(tenant=acme.tenant, name="Distributor", slug="distributor")
        partner = acme.partners[1]
        partner.partner_type, partner.regions_served = distributor, ["APAC"]
        partner.save()
        acme.partners[0].regions_served = ["EMEA"]
        acme.partners[0].save()
        PartnerMembershipFactory(partner=acme.partners[0], role=Role.TECHNICAL, is_active=False)
    audiences = [
        AudienceChoice(),
        AudienceChoice(roles=(Role.SALES,)),
        AudienceChoice(regions=("APAC",)),
        AudienceChoice(regions=("NA",)),
        AudienceChoice(partner_type_ids=(acme.partner_type.pk,)),
        AudienceChoice(program_ids=(gold.program_id,), roles=(Role.PARTNER_ADMIN,)),
        AudienceChoice(tier_ids=(silver.pk, gold.pk), regions=("EMEA",)),
        AudienceChoice(regions=("EMEA",), roles=(Role.SALES,)),
    ]
    with tenant_scope(acme.tenant):
        news = [
            announcement_create(actor=acme.admin, title=f"N{i}", body="x", audience=a) for i, a in enumerate(audiences)
        ]
        people = list(Membership.objects.filter(partner__isnull=False).select_related("partner"))
        for announcement in news:
            # when each person's audience is asked the three ways
            members = set(audience_members(announcement))
            # then they agree, person by person (inactive people are in no audience)
            for person in people:
                shown = Announcement.objects.filter(audience_filter(person), pk=announcement.pk).exists()
                expected = person.is_active and audience_matches(announcement, person)
                assert (person in members) is expected, (announcement.title, person.role, person.partner_id)
                assert shown is audience_matches(announcement, person), (announcement.title, person.role)
            # ... and the office list's audience size (the correlated subquery) counts the same people
            office = announcement_get_for_office(actor=acme.admin, announcement_id=announcement.pk)
            assert office.audience_size == len(members)
        # staff are in no audience
        assert not any(m.partner_id is None for a in news for m in audience_members(a))


def _asset(side, audience):
    return make_asset(side, "Leak", audience=audience)


def _template(side, audience):
    return cobrand_template_create(actor=side.marketing, name="Leak", file=upload(pdf_bytes()), audience=audience)


def _campaign(side, audience):
    return campaign_create(actor=side.marketing, name="Leak", code="leak", audience=audience)


def _announcement(side, audience):
    return announcement_create(actor=side.marketing, title="Leak", body="Leak", audience=audience)


@pytest.mark.parametrize("make", [_asset, _template, _campaign, _announcement])
def test_every_part_refuses_an_audience_the_tenant_does_not_have(acme, globex, make):
    with tenant_scope(globex.tenant):
        foreign = TierFactory(tenant=globex.tenant)
    with tenant_scope(acme.tenant):
        for audience in (
            AudienceChoice(tier_ids=(foreign.pk,)),
            AudienceChoice(program_ids=(foreign.program_id,)),
            AudienceChoice(partner_type_ids=(globex.partner_type.pk,)),
            AudienceChoice(regions=("MARS",)),
            AudienceChoice(roles=(Role.ADMIN,)),
        ):
            with pytest.raises(PolicyViolation, match="audience"):
                make(acme, audience)
        # ... and takes one it has
        tier = TierFactory(tenant=acme.tenant)
        made = make(acme, AudienceChoice(tier_ids=(tier.pk,), roles=(Role.SALES, Role.SALES)))
        assert (made.audience_tier_ids, made.audience_roles) == ([tier.pk], [Role.SALES])
