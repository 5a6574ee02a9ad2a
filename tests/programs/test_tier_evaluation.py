"""Tier evaluation: the set-based nightly run and what it decides.

Edge cases pinned: exactly at threshold, one below, optional requirements, grace periods,
overrides, automatic vs proposed promotions, idempotence, unavailable metrics.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import add_months
from programs import metrics
from programs.models import Enrollment, ProposalStatus, TierChangeProposal, TierStanding
from programs.services.evaluation import tier_evaluate

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

TODAY = date(2026, 6, 15)
# A metric declared for a module that is not installed (every declared metric is measured today).
UNMEASURED = metrics.Metric("partners.nps", "Net promoter score", provider="surveys")


@pytest.fixture
def ladder(acme):
    """Acme's "Resell" program: Registered (no requirements), Silver (revenue >= 100),
    Gold (revenue >= 500 and, optionally, plan >= 60 with one optional needed)."""
    program = ProgramFactory(
        tenant=acme.tenant, name="Resell", slug="resell", next_review_on=date(2026, 7, 1), grace_periods=1
    )
    revenue = ManualMetricFactory(tenant=acme.tenant, code="revenue", name="Annual revenue", unit="USD")
    plan = ManualMetricFactory(tenant=acme.tenant, code="plan", name="Business plan")
    registered = TierFactory(program=program, name="Registered", rank=1)
    silver = TierFactory(program=program, name="Silver", rank=2)
    gold = TierFactory(program=program, name="Gold", rank=3, optional_required=1)
    TierRequirementFactory(tier=silver, metric="manual:revenue", threshold=100)
    TierRequirementFactory(tier=gold, metric="manual:revenue", threshold=500)
    TierRequirementFactory(tier=gold, metric="manual:plan", threshold=60, mandatory=False)
    return type(
        "Ladder",
        (),
        dict(program=program, revenue=revenue, plan=plan, registered=registered, silver=silver, gold=gold),
    )


def _enrol(partner, tier, **fields):
    return EnrollmentFactory(partner=partner, tier=tier, **fields)


def _record(partner, metric, value, on=TODAY):
    return ManualMetricValueFactory(partner=partner, metric=metric, value=Decimal(value), effective_on=on)


def _evaluate(side, **kwargs):
    with tenant_scope(side.tenant):
        return tier_evaluate(today=kwargs.pop("today", TODAY), **kwargs)


def _standing(enrollment) -> TierStanding:
    with platform_scope():
        return TierStanding.objects.get(enrollment=enrollment)


def _pending(enrollment):
    with platform_scope():
        return list(TierChangeProposal.objects.filter(enrollment=enrollment, status=ProposalStatus.PENDING))


def test_exactly_at_the_threshold_qualifies_and_one_cent_below_does_not(acme, ladder):
    # given two registered partners, one exactly at Silver's 100, one at 99.99
    at = _enrol(acme.partners[0], ladder.registered)
    below = _enrol(acme.partners[1], ladder.registered)
    _record(acme.partners[0], ladder.revenue, "100")
    _record(acme.partners[1], ladder.revenue, "99.99")
    # when the nightly evaluation runs
    summary = _evaluate(acme)
    # then the first qualifies for Silver and gets a promotion proposed; the second is 0.01 short
    assert _standing(at).qualifying_tier_id == ladder.silver.pk
    assert [p.to_tier_id for p in _pending(at)] == [ladder.silver.pk]
    assert _standing(below).qualifying_tier_id == ladder.registered.pk
    assert _pending(below) == []
    gap = next(r for r in _standing(below).results if r["tier_id"] == ladder.silver.pk)
    assert (gap["met"], Decimal(gap["gap"]), Decimal(gap["value"])) == (False, Decimal("0.01"), Decimal("99.99"))
    assert summary.proposed_promotions == 1


def test_an_optional_requirement_counts_only_when_enough_are_met(acme, ladder):
    # given two silver partners above Gold's revenue; only one has the business plan score
    with_plan = _enrol(acme.partners[0], ladder.silver)
    without = _enrol(acme.partners[1], ladder.silver)
    for partner in acme.partners:
        _record(partner, ladder.revenue, "600")
    _record(acme.partners[0], ladder.plan, "60")
    _record(acme.partners[1], ladder.plan, "59")
    # when evaluated
    _evaluate(acme)
    # then only the one meeting the optional requirement qualifies for Gold
    assert _standing(with_plan).qualifying_tier_id == ladder.gold.pk
    assert _standing(without).qualifying_tier_id == ladder.silver.pk


def test_automatic_promotion_moves_the_partner_records_it_and_tells_its_admins(acme, ladder):
    # given a program that promotes automatically and a registered partner at Silver's revenue
    with platform_scope():
        ladder.program.promotion_mode = "automatic"
        ladder.program.save()
    enrollment = _enrol(acme.partner, ladder.registered)
    _record(acme.partner, ladder.revenue, "150")
    # when evaluated
    summary = _evaluate(acme)
    # then the partner is Silver, its timeline says so, its admin is told, and the standing
    # now measures it against Silver (met) and Gold (the next tier)
    with platform_scope():
        assert Enrollment.objects.get(pk=enrollment.pk).tier_id == ladder.silver.pk
        assert Event.objects.filter(partner=acme.partner, verb="tier.promoted", to_state="Silver").exists()
        assert Notification.objects.filter(recipient=acme.partner_admin, kind="tier.changed").exists()
    standing = _standing(enrollment)
    assert standing.meets_current and standing.next_tier_id == ladder.gold.pk
    assert {r["tier_id"] for r in standing.results} == {ladder.silver.pk, ladder.gold.pk}
    assert summary.promoted == 1 and _pending(enrollment) == []


def test_a_second_run_the_same_day_changes_nothing(acme, ladder):
    # given a run that proposed a promotion
    enrollment = _enrol(acme.partner, ladder.registered)
    _record(acme.partner, ladder.revenue, "150")
    _evaluate(acme)
    with platform_scope():
        events = Event.objects.count()
    # when the run happens again (a redelivered task)
    summary = _evaluate(acme)
    # then there is still one pending proposal and no new event
    assert len(_pending(enrollment)) == 1
    assert summary.proposed_promotions == 0
    with platform_scope():
        assert Event.objects.count() == events


def test_below_the_tier_at_a_review_spends_the_grace_period_then_gets_a_demotion_proposed(acme, ladder):
    # given a Gold partner whose revenue fell to Silver level, one grace review allowed
    enrollment = _enrol(acme.partner, ladder.gold)
    _record(acme.partner, ladder.revenue, "300")
    _record(acme.partner, ladder.plan, "80")
    # when nightly runs happen before the review date
    _evaluate(acme)
    # then it is below and at risk, but nothing is decided before the review
    standing = _standing(enrollment)
    assert (standing.meets_current, standing.at_risk) == (False, True)
    assert _pending(enrollment) == []
    # when the review date comes
    first = _evaluate(acme, today=date(2026, 7, 1))
    # then it spends its grace review: still Gold, told it is at risk, no demotion yet
    with platform_scope():
        assert Enrollment.objects.get(pk=enrollment.pk).grace_used == 1
        assert Notification.objects.filter(recipient=acme.partner_admin, kind="tier.at_risk").exists()
    assert first.entered_grace == 1 and _pending(enrollment) == []
    # when it is still below at the next quarterly review
    with platform_scope():
        assert ladder.program.__class__.objects.get(pk=ladder.program.pk).next_review_on == date(2026, 10, 1)
    second = _evaluate(acme, today=date(2026, 10, 1))
    # then a demotion to the tier it qualifies for (Silver) is proposed, never applied by itself
    assert [(p.direction, p.to_tier_id) for p in _pending(enrollment)] == [("demotion", ladder.silver.pk)]
    assert second.proposed_demotions == 1
    with platform_scope():
        assert Enrollment.objects.get(pk=enrollment.pk).tier_id == ladder.gold.pk


def test_meeting_the_tier_again_at_a_review_resets_the_grace(acme, ladder):
    # given a Silver partner that spent a grace review
    enrollment = _enrol(acme.partner, ladder.silver, grace_used=1)
    _record(acme.partner, ladder.revenue, "120")
    # when it meets Silver at the review
    _evaluate(acme, today=date(2026, 7, 1))
    # then its grace is reset
    with platform_scope():
        assert Enrollment.objects.get(pk=enrollment.pk).grace_used == 0


def test_an_override_holds_the_tier_until_its_date(acme, ladder):
    # given a Gold partner held there by hand until after the review, below Gold's requirements
    enrollment = _enrol(
        acme.partner, ladder.gold, override_reason="Strategic account", override_until=date(2026, 7, 31)
    )
    _record(acme.partner, ladder.revenue, "10")
    # when two reviews pass, one inside the hold and one after it
    _evaluate(acme, today=date(2026, 7, 1))
    held = _pending(enrollment)
    with platform_scope():
        grace = Enrollment.objects.get(pk=enrollment.pk).grace_used
    _evaluate(acme, today=date(2026, 10, 1))
    # then nothing is proposed (nor any grace spent) during the hold; afterwards the grace review starts
    assert held == [] and grace == 0
    with platform_scope():
        assert Enrollment.objects.get(pk=enrollment.pk).grace_used == 1


def test_a_pending_promotion_that_no_longer_applies_is_superseded(acme, ladder):
    # given a proposed promotion to Silver
    enrollment = _enrol(acme.partner, ladder.registered)
    _record(acme.partner, ladder.revenue, "150")
    _evaluate(acme)
    # when a correction brings the revenue below Silver again
    _record(acme.partner, ladder.revenue, "50", on=date(2026, 6, 15))
    summary = _evaluate(acme)
    # then the proposal is withdrawn
    assert _pending(enrollment) == [] and summary.superseded == 1


def test_the_projection_flags_a_partner_whose_trend_will_miss_the_next_review(acme, ladder):
    # given a Silver partner at 150 now and at 260 a quarter ago (falling by 110 a quarter)
    enrollment = _enrol(acme.partner, ladder.silver)
    _record(acme.partner, ladder.revenue, "260", on=date(2026, 3, 1))
    _record(acme.partner, ladder.revenue, "150", on=date(2026, 6, 1))
    # when evaluated
    _evaluate(acme)
    # then it meets Silver today but is at risk: the trend projects 40 at the next review
    standing = _standing(enrollment)
    assert standing.meets_current and standing.at_risk
    silver = next(r for r in standing.results if r["tier_id"] == ladder.silver.pk)
    assert (Decimal(silver["previous"]), Decimal(silver["projected"])) == (Decimal("260"), Decimal("40"))


def test_values_outside_the_look_back_window_do_not_count(acme, ladder):
    # given revenue recorded 400 days ago, with Silver's 365-day window
    enrollment = _enrol(acme.partner, ladder.registered)
    _record(acme.partner, ladder.revenue, "900", on=date(2025, 5, 11))
    # when evaluated
    _evaluate(acme)
    # then it counts for nothing
    assert _standing(enrollment).qualifying_tier_id == ladder.registered.pk


def test_a_metric_that_is_not_measured_yet_is_never_met_and_says_so(acme, ladder, monkeypatch):
    # given a Platinum tier that needs a metric declared by a module that is not installed
    monkeypatch.setitem(metrics._REGISTRY, UNMEASURED.key, UNMEASURED)
    platinum = TierFactory(program=ladder.program, name="Platinum", rank=4)
    TierRequirementFactory(tier=platinum, metric=UNMEASURED.key, threshold=1)
    enrollment = _enrol(acme.partner, ladder.gold)
    _record(acme.partner, ladder.revenue, "900")
    _record(acme.partner, ladder.plan, "90")
    # when evaluated
    _evaluate(acme)
    # then Gold is met, Platinum is not, and its requirement is marked unavailable
    standing = _standing(enrollment)
    assert standing.qualifying_tier_id == ladder.gold.pk
    deals = next(r for r in standing.results if r["tier_id"] == platinum.pk)
    assert deals["available"] is False and deals["met"] is False


def test_active_users_are_measured_from_memberships(acme, ladder):
    # given Silver needs two active portal users; acme partner 1 has two (admin and sales)
    silver_users = TierFactory(program=ProgramFactory(tenant=acme.tenant), name="Entry", rank=1)
    second = TierFactory(program=silver_users.program, name="Two users", rank=2)
    TierRequirementFactory(tier=second, metric="partners.active_users", threshold=2, window_days=0)
    enrollment = _enrol(acme.partner, silver_users)
    lonely = _enrol(PartnerFactory(tenant=acme.tenant, partner_type=acme.partner_type), silver_users)
    # when evaluated today (the users joined today: as of an earlier date they would not count)
    _evaluate(acme, today=date.today())
    # then the partner with two users qualifies, the one without any does not
    assert _standing(enrollment).qualifying_tier_id == second.pk
    assert _standing(lonely).qualifying_tier_id == silver_users.pk


def test_evaluation_sees_only_its_own_tenant(acme, globex, ladder):
    # given a globex partner with an enrollment in a globex program
    program = ProgramFactory(tenant=globex.tenant)
    entry = TierFactory(program=program, rank=1)
    theirs = _enrol(globex.partner, entry)
    _enrol(acme.partner, ladder.registered)
    # when acme is evaluated
    _evaluate(acme)
    # then globex has no standing
    with platform_scope():
        assert not TierStanding.objects.filter(enrollment=theirs).exists()


def test_a_review_moves_the_date_on_by_the_cadence_once(acme, ladder):
    # given a quarterly review on 1 July that was missed for two quarters
    _enrol(acme.partner, ladder.registered)
    # when the evaluation runs on 2 January
    _evaluate(acme, today=date(2027, 1, 2))
    # then one review happened and the next one is the first date after today
    with platform_scope():
        program = ladder.program.__class__.objects.get(pk=ladder.program.pk)
        assert program.next_review_on == date(2027, 4, 1)
        assert Event.objects.filter(verb="program.reviewed", object_id=program.pk).count() == 1


def test_add_months_keeps_the_day_or_the_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2026, 3, 1), -3) == date(2025, 12, 1)
