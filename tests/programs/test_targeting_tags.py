"""Programs that target partners by tag (``Targeting.target_tags``): a program for the partners
marked for investment enrols and admits only them, in the nightly run's SQL (``TARGETING_SQL``)
and in the enrolment service's check (``Targeting.targets``) alike."""

from __future__ import annotations

import pytest

from partners.models import INVEST_TAG, Partner
from partners.services import partner_update
from prm.errors import PolicyViolation
from prm.tenancy.scope import platform_scope, tenant_scope
from programs.admin import ProgramForm
from programs.models import Enrollment
from programs.services.decisions import enrollment_create
from programs.services.evaluation import tier_evaluate

from ..factories import PartnerFactory, ProgramFactory, TierFactory

pytestmark = pytest.mark.django_db


def _mark(side, partner, *tags):
    with tenant_scope(side.tenant):
        partner_update(actor=side.manager, partner=partner, changes={"tags": list(tags)})
        return Partner.objects.get(pk=partner.pk)


def test_an_auto_enrol_program_for_the_investment_tag_enrols_only_tagged_partners(acme):
    # given an auto-enrol program for partners marked for investment, acme partner 2 marked, and a
    # third partner tagged otherwise
    program = ProgramFactory(tenant=acme.tenant, auto_enroll=True, target_tags=[INVEST_TAG])
    entry = TierFactory(program=program, name="Invest", rank=1)
    _mark(acme, acme.partners[1], INVEST_TAG, "emea-focus")
    other = PartnerFactory(tenant=acme.tenant, partner_type=acme.partner_type, tags=["emea-focus"])
    assert not program.targets_everyone
    # when the nightly run evaluates the tenant
    with tenant_scope(acme.tenant):
        summary = tier_evaluate()
    # then only the marked partner is enrolled, in the entry tier
    with platform_scope():
        enrolled = set(Enrollment.objects.filter(program=program).values_list("partner_id", "tier_id"))
    assert enrolled == {(acme.partners[1].pk, entry.pk)}
    assert summary.enrolled == 1 and other.pk not in {p for p, _ in enrolled}
    # and once partner 1 is marked too, the next run enrols it
    _mark(acme, acme.partner, INVEST_TAG)
    with tenant_scope(acme.tenant):
        assert tier_evaluate().enrolled == 1
    with platform_scope():
        assert Enrollment.objects.filter(program=program, partner=acme.partner).exists()


def test_enrolling_by_hand_in_a_tag_program_needs_the_tag(acme):
    # given a program for partners marked for investment, and acme partner 2 marked
    program = ProgramFactory(tenant=acme.tenant, name="Invest", target_tags=[INVEST_TAG])
    TierFactory(program=program, name="Entry", rank=1)
    marked = _mark(acme, acme.partners[1], INVEST_TAG)
    with tenant_scope(acme.tenant):
        # when the manager enrols partner 1, unmarked, it is refused with the reason
        with pytest.raises(PolicyViolation, match="or tags"):
            enrollment_create(actor=acme.manager, partner=acme.partner, program=program)
        # and the marked partner is enrolled
        assert enrollment_create(actor=acme.manager, partner=marked, program=program).partner_id == marked.pk
    assert program.targets(marked) and not program.targets(acme.partner)


def test_the_program_admin_offers_the_tags_in_use(acme):
    # given a partner tagged "emea-focus" and a program that targets a tag nobody carries any more
    _mark(acme, acme.partner, "emea-focus")
    program = ProgramFactory(tenant=acme.tenant, target_tags=["retired-tag"])
    with tenant_scope(acme.tenant):
        # when the admin's program form is built
        form = ProgramForm(instance=program)
        choices = dict(form.fields["target_tags"].choices)
        # then it offers the investment tag by its name, the tags in use, and keeps the program's own
        assert choices["invest"] == "Investment" and choices["emea-focus"] == "emea-focus"
        assert choices["retired-tag"] == "retired-tag (not in the list)"
        # and a tag that is none of them is refused
        bound = ProgramForm({"target_tags": ["made-up"]}, instance=program)
        bound.is_valid()
        assert "target_tags" in bound.errors
