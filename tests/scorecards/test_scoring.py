"""The scoring arithmetic at its edges (zero target, missing data, weights that do not sum to 100,
a partner new this month, steps, lower is better, growth), trends, ranks, risks, and the
high-potential rule on a crafted population. Values come from manual metrics (the vendor's own
numbers, recorded per partner), so each figure below is chosen by the test."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from prm.tenancy.scope import tenant_scope
from programs.models import Enrollment
from scorecards.models import Curve, Missing, ScorecardRun, ScorecardSnapshot
from scorecards.services.scoring import scorecard_measure, scorecards_backfill

from ..factories import (
    DealFactory,
    EnrollmentFactory,
    ManualMetricFactory,
    ManualMetricValueFactory,
    PartnerFactory,
    PartnerTypeFactory,
    TierFactory,
)
from .factories import KpiFactory, ScorecardFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 15)
LONG_AGO = timezone.make_aware(timezone.datetime(2024, 1, 1))


@pytest.fixture
def card(acme):
    """Acme's scorecard on a program both of its partners are enrolled in (long ago: not new)."""
    with tenant_scope(acme.tenant):
        tier = TierFactory(tenant=acme.tenant)
        for partner in acme.partners:
            EnrollmentFactory(tenant=acme.tenant, partner=partner, tier=tier)
        Enrollment.objects.filter(tier=tier).update(enrolled_at=LONG_AGO)
        scorecard = ScorecardFactory(tenant=acme.tenant, program=tier.program)
    return scorecard


def manual(acme, code: str):
    return ManualMetricFactory(tenant=acme.tenant, code=code, name=code.title())


def value(acme, metric, partner, amount, on=AS_OF):
    ManualMetricValueFactory(tenant=acme.tenant, metric=metric, partner=partner, value=amount, effective_on=on)


def kpi(card, metric, **fields):
    return KpiFactory(tenant=card.tenant, scorecard=card, metric=metric.registry_key, **fields)


def measure(acme, card, as_of=AS_OF, **kwargs) -> dict[int, ScorecardSnapshot]:
    with tenant_scope(acme.tenant):
        scorecard_measure(scorecard=card, as_of=as_of, **kwargs)
        return {s.partner_id: s for s in ScorecardSnapshot.objects.filter(period=as_of.replace(day=1))}


def result(snapshot, kpi_row) -> dict:
    return next(r for r in snapshot.results if r["kpi"] == kpi_row.pk)


def test_weights_are_shares_when_they_do_not_sum_to_100(acme, card):
    with tenant_scope(acme.tenant):
        a, b = manual(acme, "a"), manual(acme, "b")
        half = kpi(card, a, weight=30, target=100)
        full = kpi(card, b, weight=10, target=10)
        value(acme, a, acme.partner, 50)
        value(acme, b, acme.partner, 12)
    snapshot = measure(acme, card)[acme.partner.pk]
    # 30/40 of 100 points at half the target + 10/40 at (more than) the target.
    assert snapshot.score == Decimal("62.50")
    assert (result(snapshot, half)["points"], result(snapshot, half)["max_points"]) == (37.5, 75)
    assert (result(snapshot, full)["points"], result(snapshot, full)["attainment"]) == (25, 1)


def test_a_zero_target_is_met_by_any_value_and_lower_is_better_only_by_zero(acme, card):
    with tenant_scope(acme.tenant):
        a, b = manual(acme, "a"), manual(acme, "b")
        kpi(card, a, weight=50, target=0)
        lower = kpi(card, b, weight=50, target=0, lower_is_better=True)
        value(acme, b, acme.partners[1], 5)
    snapshots = measure(acme, card)
    # Partner 1 has no values: 0 meets both zero targets. Partner 2 has 5 where 0 is best.
    assert snapshots[acme.partner.pk].score == Decimal("100.00")
    assert snapshots[acme.partners[1].pk].score == Decimal("50.00")
    assert result(snapshots[acme.partners[1].pk], lower)["attainment"] == 0


def test_missing_data_counts_as_zero_or_is_left_out(acme, card):
    with tenant_scope(acme.tenant):
        a, b = manual(acme, "a"), manual(acme, "b")
        zero = kpi(card, a, weight=50, target=10, missing=Missing.ZERO)
        skipped = kpi(card, b, weight=50, target=10, missing=Missing.SKIP)
        value(acme, a, acme.partner, 10)  # partner 1: a only; partner 2: nothing at all
    snapshots = measure(acme, card)
    one, two = snapshots[acme.partner.pk], snapshots[acme.partners[1].pk]
    # Partner 1: b is left out, so a is worth all 100 points.
    assert one.score == Decimal("100.00")
    assert result(one, skipped)["measured"] is False and result(one, skipped)["value"] is None
    assert result(one, zero)["max_points"] == 100
    # Partner 2: a counts as zero (measured), b left out: 0 of 100.
    assert two.score == Decimal("0.00") and result(two, zero)["value"] == 0


def test_nothing_measurable_is_no_score_and_no_rank(acme, card):
    with tenant_scope(acme.tenant):
        b = manual(acme, "b")
        kpi(card, b, weight=50, target=10, missing=Missing.SKIP)
        value(acme, b, acme.partner, 5)
    snapshots = measure(acme, card)
    assert snapshots[acme.partner.pk].score == Decimal("100.00") * Decimal("0.5")
    assert snapshots[acme.partners[1].pk].score is None
    assert snapshots[acme.partners[1].pk].rank is None
    assert snapshots[acme.partner.pk].rank == 1


def test_a_scorecard_without_kpis_still_lists_its_partners_unscored(acme, card):
    snapshots = measure(acme, card)
    assert {p.score for p in snapshots.values()} == {None}
    assert set(snapshots) == {p.pk for p in acme.partners}


def test_steps_and_lower_is_better(acme, card):
    with tenant_scope(acme.tenant):
        a, b = manual(acme, "a"), manual(acme, "b")
        steps = kpi(card, a, weight=50, target=100, curve=Curve.THRESHOLDS, steps=[[50, 0.5], [100, 1]])
        hours = kpi(card, b, weight=50, target=24, lower_is_better=True)
        value(acme, a, acme.partner, 60)
        value(acme, b, acme.partner, 48)
        value(acme, a, acme.partners[1], 49)
        value(acme, b, acme.partners[1], 12)
    snapshots = measure(acme, card)
    one, two = snapshots[acme.partner.pk], snapshots[acme.partners[1].pk]
    assert result(one, steps)["attainment"] == 0.5  # 60 reaches the 50 step, not the 100 one
    assert result(one, hours)["attainment"] == 0.5  # twice the 24 hours allowed
    assert one.score == Decimal("50.00")
    assert result(two, steps)["attainment"] == 0  # below the first step
    assert two.score == Decimal("50.00")  # 12 hours beats 24: full points


def test_a_partner_new_this_month_has_no_trend(acme, card):
    with tenant_scope(acme.tenant):
        a = manual(acme, "a")
        kpi(card, a, weight=10, target=10)
        newcomer = PartnerFactory(tenant=acme.tenant, partner_type=acme.partner_type)
        EnrollmentFactory(tenant=acme.tenant, partner=newcomer, tier=Enrollment.objects.first().tier)
        Enrollment.objects.filter(partner=newcomer).update(
            enrolled_at=timezone.make_aware(timezone.datetime(2026, 6, 3))
        )
        value(acme, a, newcomer, 4)
    measure(acme, card, as_of=date(2026, 5, 31))
    snapshots = measure(acme, card)
    assert snapshots[newcomer.pk].is_new and snapshots[newcomer.pk].previous_score is None
    assert snapshots[newcomer.pk].score == Decimal("40.00")
    assert not snapshots[acme.partner.pk].is_new
    assert snapshots[acme.partner.pk].previous_score == Decimal("0.00")


def test_trend_against_last_month_and_last_year(acme, card):
    with tenant_scope(acme.tenant):
        a = manual(acme, "a")
        row = kpi(card, a, weight=10, target=100)
        value(acme, a, acme.partner, 20, on=date(2025, 6, 1))
        value(acme, a, acme.partner, 40, on=date(2026, 5, 1))
        value(acme, a, acme.partner, 70, on=date(2026, 6, 1))
    with tenant_scope(acme.tenant):
        scorecards_backfill(months=13, as_of=AS_OF)
        assert ScorecardRun.objects.count() == 13
    snapshot = measure(acme, card)[acme.partner.pk]
    assert (snapshot.score, snapshot.previous_score, snapshot.last_year_score) == (
        Decimal("70.00"),
        Decimal("40.00"),
        Decimal("20.00"),
    )
    assert (result(snapshot, row)["previous"], result(snapshot, row)["last_year"]) == (40, 20)


def test_running_a_month_again_overwrites_it(acme, card):
    with tenant_scope(acme.tenant):
        a = manual(acme, "a")
        kpi(card, a, weight=10, target=10)
        value(acme, a, acme.partner, 5)
    measure(acme, card)
    with tenant_scope(acme.tenant):
        value(acme, a, acme.partner, 10, on=AS_OF - timedelta(days=1))
    # The newer value (effective later) wins only when it is the latest: record it on AS_OF.
    with tenant_scope(acme.tenant):
        value(acme, a, acme.partner, 10)
    snapshots = measure(acme, card)
    with tenant_scope(acme.tenant):
        assert ScorecardSnapshot.objects.filter(partner=acme.partner).count() == 1
    assert snapshots[acme.partner.pk].score == Decimal("100.00")


def test_measuring_one_partner_again_reranks_the_month(acme, card):
    with tenant_scope(acme.tenant):
        a = manual(acme, "a")
        kpi(card, a, weight=10, target=10)
        value(acme, a, acme.partner, 4)
        value(acme, a, acme.partners[1], 6)
    snapshots = measure(acme, card)
    assert (snapshots[acme.partner.pk].rank, snapshots[acme.partners[1].pk].rank) == (2, 1)
    # the share of the segment at or below each score: the best is 100
    assert (snapshots[acme.partner.pk].percentile, snapshots[acme.partners[1].pk].percentile) == (50, 100)
    with tenant_scope(acme.tenant):
        value(acme, a, acme.partner, 9, on=AS_OF + timedelta(days=1))
    snapshots = measure(acme, card, as_of=AS_OF + timedelta(days=1), partner_ids=[acme.partner.pk])
    assert (snapshots[acme.partner.pk].rank, snapshots[acme.partners[1].pk].rank) == (1, 2)
    assert snapshots[acme.partners[1].pk].score == Decimal("60.00")  # untouched


def test_growth_is_scored_against_the_same_window_a_year_earlier(acme, card):
    row = None
    with tenant_scope(acme.tenant):
        row = KpiFactory(
            tenant=acme.tenant, scorecard=card, metric="deals.trailing_revenue", growth=True, target=50, weight=10
        )
        for amount, won_on in ((1000, date(2025, 3, 1)), (1300, date(2026, 3, 1))):
            DealFactory(tenant=acme.tenant, partner=acme.partner, status="won", won_amount=amount, won_on=won_on)
        # Partner 2 sold nothing a year ago: growth from nothing is no data, counted as zero.
        DealFactory(tenant=acme.tenant, partner=acme.partners[1], status="won", won_amount=500, won_on=date(2026, 3, 1))
    snapshots = measure(acme, card)
    one = result(snapshots[acme.partner.pk], row)
    assert (one["value"], one["unit"], one["attainment"]) == (30, "percent", 0.6)
    assert result(snapshots[acme.partners[1].pk], row)["value"] == 0


def test_risks_a_score_drop_and_no_registrations(acme, card):
    with tenant_scope(acme.tenant):
        a = manual(acme, "a")
        kpi(card, a, weight=10, target=10)
        value(acme, a, acme.partner, 10, on=date(2026, 5, 1))
        value(acme, a, acme.partner, 5, on=date(2026, 6, 1))
        value(acme, a, acme.partners[1], 10, on=date(2026, 5, 1))
        card.score_drop = Decimal("30")
        card.save()
        DealFactory(
            tenant=acme.tenant,
            partner=acme.partners[1],
            status="submitted",
            submitted_at=timezone.make_aware(timezone.datetime(2026, 6, 1)),
        )
    measure(acme, card, as_of=date(2026, 5, 31))
    snapshots = measure(acme, card)
    one, two = snapshots[acme.partner.pk], snapshots[acme.partners[1].pk]
    codes = {r["code"]: r for r in one.risks}
    assert one.at_risk and codes["score_drop"]["value"] == 50
    assert codes["no_registrations"]["days"] == card.inactive_days
    assert "no_registrations" not in {r["code"] for r in two.risks}
    assert "score_drop" not in {r["code"] for r in two.risks}  # 100 -> 100


def test_high_potential_on_a_crafted_population(acme, card):
    """Six boutiques (a segment of their own): three large, three small. High potential is a small one (revenue under the
    segment's median) with two signals: strong revenue growth and a score up on last month. A
    small one with one signal is not, a large one with both is not, nor a newcomer with both."""
    with tenant_scope(acme.tenant):
        tier = Enrollment.objects.first().tier
        a = manual(acme, "a")
        kpi(card, a, weight=10, target=100)
        boutique = PartnerTypeFactory(tenant=acme.tenant, name="Boutique", slug="boutique")
        population = {}
        for name in ("large1", "large2", "large3", "grower", "one_signal", "newcomer"):
            population[name] = PartnerFactory(tenant=acme.tenant, partner_type=boutique, display_name=name)
            EnrollmentFactory(tenant=acme.tenant, partner=population[name], tier=tier)
        Enrollment.objects.exclude(partner=population["newcomer"]).update(enrolled_at=LONG_AGO)
        Enrollment.objects.filter(partner=population["newcomer"]).update(
            enrolled_at=timezone.make_aware(timezone.datetime(2026, 6, 2))
        )
        revenue = {  # (a year before, in the last 12 months)
            "large1": (90_000, 100_000),
            "large2": (90_000, 120_000),  # +33%: strong growth, but large
            "large3": (80_000, 80_000),
            "grower": (4_000, 6_000),  # +50%
            "one_signal": (4_000, 4_400),  # +10%: not strong
            "newcomer": (1_000, 5_000),
        }
        for name, (before, now) in revenue.items():
            partner = population[name]
            DealFactory(tenant=acme.tenant, partner=partner, status="won", won_amount=before, won_on=date(2025, 3, 1))
            DealFactory(tenant=acme.tenant, partner=partner, status="won", won_amount=now, won_on=date(2026, 3, 1))
            # Every one of them scores 20 points more than last month.
            value(acme, a, partner, 30, on=date(2026, 5, 1))
            value(acme, a, partner, 50, on=date(2026, 6, 1))
    measure(acme, card, as_of=date(2026, 5, 31))
    snapshots = measure(acme, card)
    flagged = {name for name, p in population.items() if snapshots[p.pk].high_potential}
    assert flagged == {"grower"}
    reasons = {s["code"]: s for s in snapshots[population["grower"].pk].signals}
    assert set(reasons) == {"below_median", "revenue_growth", "score_up"}
    assert reasons["revenue_growth"]["value"] == 50
    assert reasons["score_up"]["value"] == 20
    assert {s["code"] for s in snapshots[population["one_signal"].pk].signals} == {"below_median", "score_up"}
    assert snapshots[population["newcomer"].pk].is_new
