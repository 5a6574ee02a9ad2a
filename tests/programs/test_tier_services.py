"""Deciding tier changes, overriding tiers, recording manual metrics, enrolling partners."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from programs.models import Enrollment, ManualMetricValue, ProposalStatus, TierChangeProposal, TierStanding
from programs.services.decisions import (
    enrollment_create,
    manual_metric_record,
    proposal_approve,
    proposal_reject,
    tier_override,
)
from programs.services.evaluation import tier_evaluate

from ..concurrency import race
from ..factories import (
    EnrollmentFactory,
    ManualMetricFactory,
    ManualMetricValueFactory,
    PartnerFactory,
    ProgramFactory,
    TierFactory,
    TierRequirementFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(acme):
    """Acme partner 1, Registered, with a pending promotion to Silver (from a real evaluation)."""
    program = ProgramFactory(tenant=acme.tenant, name="Resell", slug="resell")
    registered = TierFactory(program=program, name="Registered", rank=1)
    silver = TierFactory(program=program, name="Silver", rank=2)
    revenue = ManualMetricFactory(tenant=acme.tenant, code="revenue", name="Annual revenue")
    TierRequirementFactory(tier=silver, metric="manual:revenue", threshold=100)
    enrollment = EnrollmentFactory(partner=acme.partner, tier=registered)
    ManualMetricValueFactory(partner=acme.partner, metric=revenue, value=150)
    with tenant_scope(acme.tenant):
        tier_evaluate()
        proposal = TierChangeProposal.objects.get(enrollment=enrollment, status=ProposalStatus.PENDING)
    return proposal


def test_approving_a_promotion_moves_the_partner_and_tells_both_sides(
    acme, proposed, django_capture_on_commit_callbacks
):
    # when the channel manager approves (and the transaction commits)
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(acme.tenant):
        proposal_approve(actor=acme.manager, proposal=proposed, note="Well earned")
    # then the partner is Silver, the decision is recorded, and the partner admin is told
    with platform_scope():
        enrollment = Enrollment.objects.get(pk=proposed.enrollment_id)
        assert enrollment.tier.name == "Silver"
        decided = TierChangeProposal.objects.get(pk=proposed.pk)
        assert (decided.status, decided.decided_by_id) == (ProposalStatus.APPROVED, acme.manager.pk)
        event = Event.objects.get(partner=acme.partner, verb="tier.promoted")
        assert (event.from_state, event.to_state, event.internal) == ("Registered", "Silver", False)
        assert Notification.objects.filter(recipient=acme.partner_admin, kind="tier.changed").exists()
        # and the standing was refreshed after commit: Silver is now its tier, the top one
        standing = TierStanding.objects.get(enrollment=enrollment)
        assert standing.meets_current and standing.next_tier_id is None
        assert {r["tier"] for r in standing.results} == {"Silver"}


def test_a_decided_proposal_cannot_be_decided_again(acme, proposed):
    # given a proposal one reviewer rejected
    with tenant_scope(acme.tenant):
        proposal_reject(actor=acme.manager, proposal=proposed, note="Revenue not verified")
        # when another reviewer, looking at the old page, approves it
        with pytest.raises(InvalidTransition, match="already rejected"):
            proposal_approve(actor=acme.admin, proposal=proposed)
    # then the partner keeps its tier
    with platform_scope():
        assert Enrollment.objects.get(pk=proposed.enrollment_id).tier.name == "Registered"


def test_rejecting_needs_a_reason(acme, proposed):
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation, match="Say why"):
        proposal_reject(actor=acme.manager, proposal=proposed, note="  ")


def test_marketing_may_not_decide(acme, proposed):
    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        proposal_approve(actor=acme.marketing, proposal=proposed)


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_one_wins_the_other_is_told(acme, proposed):
    # given two reviewers who open the same proposal
    # when both decide at the same moment
    outcomes = race(
        {
            "approve": lambda: proposal_approve(actor=acme.manager, proposal=proposed),
            "reject": lambda: proposal_reject(actor=acme.admin, proposal=proposed, note="No"),
        },
        tenant=acme.tenant,
    )
    # then exactly one decision holds and the other reviewer got a message saying so
    results = sorted(outcomes.values(), key=str)
    assert sum(1 for r in results if r == "done") == 1
    loser = next(r for r in results if r != "done")
    assert isinstance(loser, InvalidTransition) and "already" in str(loser)
    with platform_scope():
        decided = TierChangeProposal.objects.get(pk=proposed.pk)
        tier = Enrollment.objects.get(pk=proposed.enrollment_id).tier.name
    assert (decided.status, tier) in {(ProposalStatus.APPROVED, "Silver"), (ProposalStatus.REJECTED, "Registered")}


def test_an_override_sets_the_tier_supersedes_the_proposal_and_holds_until_the_review(acme, proposed):
    # given a program whose next review is in three months
    with platform_scope():
        proposed.program.next_review_on = date.today() + timedelta(days=90)
        proposed.program.save()
        registered = proposed.from_tier
    # when the manager holds the partner at Registered by hand
    with tenant_scope(acme.tenant):
        tier_override(
            actor=acme.manager,
            enrollment=Enrollment.objects.get(pk=proposed.enrollment_id),
            tier=registered,
            reason="Payment issues under review",
        )
        # and the nightly evaluation runs again
        tier_evaluate()
    # then the pending promotion is gone, no new one is proposed, and the hold lasts to the review
    with platform_scope():
        enrollment = Enrollment.objects.get(pk=proposed.enrollment_id)
        assert enrollment.override_until == date.today() + timedelta(days=90)
        assert enrollment.override_reason == "Payment issues under review"
        assert not TierChangeProposal.objects.filter(enrollment=enrollment, status=ProposalStatus.PENDING).exists()
        assert TierChangeProposal.objects.get(pk=proposed.pk).status == ProposalStatus.SUPERSEDED
        assert Event.objects.filter(partner=acme.partner, verb="tier.overridden").exists()


def test_an_override_needs_a_reason_and_a_tier_of_the_same_program(acme, proposed):
    other = TierFactory(program=ProgramFactory(tenant=acme.tenant), rank=1)
    with tenant_scope(acme.tenant):
        enrollment = Enrollment.objects.get(pk=proposed.enrollment_id)
        with pytest.raises(PolicyViolation, match="reason"):
            tier_override(actor=acme.manager, enrollment=enrollment, tier=proposed.to_tier, reason="")
        with pytest.raises(PolicyViolation, match="not a tier of"):
            tier_override(actor=acme.manager, enrollment=enrollment, tier=other, reason="Because")


def test_recording_a_manual_value_reevaluates_the_partner(acme, django_capture_on_commit_callbacks):
    # given a Silver tier that needs a business plan score of 60, and a registered partner
    program = ProgramFactory(tenant=acme.tenant)
    entry = TierFactory(program=program, name="Registered", rank=1)
    silver = TierFactory(program=program, name="Silver", rank=2)
    plan = ManualMetricFactory(tenant=acme.tenant, code="plan", name="Business plan", evidence_required=True)
    TierRequirementFactory(tier=silver, metric="manual:plan", threshold=60)
    enrollment = EnrollmentFactory(partner=acme.partner, tier=entry)
    evidence = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    # when the manager records 75 with the plan as evidence (and the transaction commits)
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(acme.tenant):
        manual_metric_record(
            actor=acme.manager,
            partner=acme.partner,
            metric=plan,
            value=Decimal(75),
            effective_on=date.today(),
            evidence=evidence,
        )
    # then the value is kept with its evidence, and the partner's standing (after commit) shows Silver met
    with platform_scope():
        recorded = ManualMetricValue.objects.get(partner=acme.partner, metric=plan)
        assert recorded.evidence.name.startswith("private/manualmetricvalue/") and recorded.evidence.name.endswith(
            ".pdf"
        )
        assert TierStanding.objects.get(enrollment=enrollment).qualifying_tier_id == silver.pk
        assert TierChangeProposal.objects.filter(enrollment=enrollment, to_tier=silver).exists()


def test_a_manual_value_without_required_evidence_is_refused(acme):
    plan = ManualMetricFactory(tenant=acme.tenant, evidence_required=True, name="Business plan")
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation, match="needs evidence"):
        manual_metric_record(
            actor=acme.manager, partner=acme.partner, metric=plan, value=Decimal(1), effective_on=date.today()
        )
    with platform_scope():
        assert not ManualMetricValue.objects.exists()


def test_enrolment_respects_the_programs_segment(acme):
    # given a program for managed service providers only
    msp = PartnerFactory(tenant=acme.tenant).partner_type
    program = ProgramFactory(tenant=acme.tenant, name="Managed services", target_partner_type_ids=[msp.pk])
    TierFactory(program=program, name="Entry", rank=1)
    # when a reseller is enrolled
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation, match="does not target"):
        enrollment_create(actor=acme.manager, partner=acme.partner, program=program)
    # then nothing was written; an MSP partner is enrolled in the entry tier
    other = PartnerFactory(tenant=acme.tenant, partner_type=msp)
    with tenant_scope(acme.tenant):
        enrollment = enrollment_create(actor=acme.manager, partner=other, program=program)
    with platform_scope():
        assert Enrollment.objects.get(pk=enrollment.pk).tier.name == "Entry"
        assert not Enrollment.objects.filter(partner=acme.partner, program=program).exists()


def test_auto_enrol_programs_enrol_their_segment_in_the_entry_tier(acme):
    # given an auto-enrol program for German partners
    program = ProgramFactory(tenant=acme.tenant, auto_enroll=True, target_countries=["DE"])
    entry = TierFactory(program=program, name="Entry", rank=1)
    french = PartnerFactory(tenant=acme.tenant, partner_type=acme.partner_type, country="FR")
    # when evaluated
    with tenant_scope(acme.tenant):
        summary = tier_evaluate()
    # then acme's two German partners are in, the French one is not
    with platform_scope():
        enrolled = set(Enrollment.objects.filter(program=program).values_list("partner_id", "tier_id"))
    assert enrolled == {(p.pk, entry.pk) for p in acme.partners}
    assert summary.enrolled == 2 and french.pk not in {p for p, _ in enrolled}


def test_an_event_driven_run_never_brings_a_review_forward(acme):
    # given a Silver partner below Silver, with a review due today
    program = ProgramFactory(tenant=acme.tenant, next_review_on=date.today(), grace_periods=0)
    entry = TierFactory(program=program, name="Registered", rank=1)
    silver = TierFactory(program=program, name="Silver", rank=2)
    TierRequirementFactory(tier=silver, metric="partners.active_users", threshold=99, window_days=0)
    enrollment = EnrollmentFactory(partner=acme.partner, tier=silver)
    # when only this partner is re-evaluated (after an event)
    with tenant_scope(acme.tenant):
        summary = tier_evaluate(partner_ids=[acme.partner.pk])
    # then no demotion is proposed and the review is still due; the nightly run does it
    assert summary.reviewed_programs == [] and summary.proposed_demotions == 0
    with tenant_scope(acme.tenant):
        nightly = tier_evaluate()
        proposal = TierChangeProposal.objects.get(enrollment=enrollment)
    assert nightly.reviewed_programs == [program.pk]
    assert (proposal.direction, proposal.to_tier_id) == ("demotion", entry.pk)


def test_deactivating_a_partner_user_re_measures_the_partner(acme, django_capture_on_commit_callbacks):
    # given a tier that needs two active portal users, held by acme partner 1 (admin + sales rep)
    from prm.accounts.services import membership_deactivate

    program = ProgramFactory(tenant=acme.tenant)
    entry = TierFactory(program=program, name="Registered", rank=1)
    duo = TierFactory(program=program, name="Duo", rank=2)
    TierRequirementFactory(tier=duo, metric="partners.active_users", threshold=2, window_days=0)
    enrollment = EnrollmentFactory(partner=acme.partner, tier=duo)
    with tenant_scope(acme.tenant):
        tier_evaluate()
    assert _standing_of(enrollment).meets_current
    # when the partner admin deactivates the sales rep (and the transaction commits)
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(acme.tenant, partner=acme.partner):
        membership_deactivate(actor=acme.partner_admin, membership=acme.sales_rep, reason="Left")
    # then the partner's standing shows it below its tier straight away
    standing = _standing_of(enrollment)
    assert not standing.meets_current and standing.qualifying_tier_id == entry.pk


def _standing_of(enrollment):
    with platform_scope():
        return TierStanding.objects.get(enrollment=enrollment)


def test_a_rejected_promotion_is_not_proposed_again_before_the_next_review(acme, proposed):
    # given a program reviewed quarterly, next on a date three months away, and a rejected promotion
    with platform_scope():
        program = proposed.program
        program.next_review_on = date.today() + timedelta(days=90)
        program.save()
    with tenant_scope(acme.tenant):
        proposal_reject(actor=acme.manager, proposal=proposed, note="Revenue not verified yet")
        # when the nightly evaluation runs again while the partner still qualifies
        tier_evaluate()
        # then nothing new is proposed: the reviewer's answer holds for this period
        assert not TierChangeProposal.objects.filter(status=ProposalStatus.PENDING).exists()
        # when the next review has passed
        tier_evaluate(today=date.today() + timedelta(days=91))
        # then the promotion is proposed again
        assert TierChangeProposal.objects.filter(status=ProposalStatus.PENDING, to_tier=proposed.to_tier).exists()
