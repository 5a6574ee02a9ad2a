"""A vendor admin defines a weighted scorecard in the Django admin (metrics from the registry,
steps checked, weights as shares, "measure now" through the outbox), and the weekly digest tells
each channel account manager which of their partners are at risk and why."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from prm.events.models import OutboxMessage
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from programs.models import Enrollment
from scorecards.models import Scorecard, ScorecardKpi, ScorecardSnapshot
from scorecards.services.digest import at_risk_digest
from scorecards.services.scoring import scorecard_measure

from ..factories import EnrollmentFactory, StaffMembershipFactory, TierFactory
from ..test_admin import _formset
from .factories import ScorecardFactory

pytestmark = pytest.mark.django_db


def _kpi(position, metric, weight, target, **extra):
    return {
        "position": str(position),
        "metric": metric,
        "param": "",
        "label": "",
        "window_days": "365",
        "weight": str(weight),
        "target": str(target),
        "curve": "linear",
        "steps": "[]",
        "missing": "zero",
        "visible_to_partner": "on",
        **extra,
    }


def _scorecard(program, kpis):
    return {
        "program": str(program.pk),
        "name": "Partner scorecard",
        "description": "",
        "is_active": "on",
        "growth_percent": "20",
        "score_drop": "10",
        "inactive_days": "45",
        "expiring_days": "60",
    } | _formset("kpis", kpis)


@pytest.fixture
def program(acme):
    with tenant_scope(acme.tenant):
        return TierFactory(tenant=acme.tenant).program


def test_a_vendor_admin_defines_a_weighted_scorecard(acme, client_for, program):
    client = client_for(acme.admin)
    kpis = [
        _kpi(0, "deals.trailing_revenue", 30, 100000),
        _kpi(1, "deals.win_rate", 10, 40, missing="skip"),
        _kpi(2, "learning.certified_people", 20, 5, curve="thresholds", steps="[[3, 0.6], [1, 0.25], [5, 1]]"),
    ]
    response = client.post("/admin/scorecards/scorecard/add/", _scorecard(program, kpis), follow=True)
    assert response.status_code == 200
    # the weights add up to 60: the admin says what that means instead of refusing
    assert "add up to 60, not 100" in response.content.decode()
    with tenant_scope(acme.tenant):
        scorecard = Scorecard.objects.get(program=program)
        rows = list(ScorecardKpi.objects.filter(scorecard=scorecard).order_by("position"))
    assert [(k.metric, k.weight) for k in rows] == [
        ("deals.trailing_revenue", 30),
        ("deals.win_rate", 10),
        ("learning.certified_people", 20),
    ]
    assert rows[2].steps == [[1.0, 0.25], [3.0, 0.6], [5.0, 1.0]]  # sorted by value


def test_the_admin_refuses_bad_steps_unknown_metrics_and_all_zero_weights(acme, client_for, program):
    client = client_for(acme.admin)
    cases = [
        ([_kpi(0, "deals.trailing_revenue", 10, 5, curve="thresholds", steps="[]")], "needs at least one step"),
        ([_kpi(0, "deals.trailing_revenue", 10, 5, curve="thresholds", steps="[[5, 2]]")], "between 0 and 1"),
        ([_kpi(0, "no.such.metric", 10, 5)], "Select a valid choice"),
        ([_kpi(0, "deals.trailing_revenue", 0, 5)], "At least one KPI needs a weight above zero"),
    ]
    for kpis, message in cases:
        response = client.post("/admin/scorecards/scorecard/add/", _scorecard(program, kpis))
        assert response.status_code == 200 and message in response.content.decode(), message
    with tenant_scope(acme.tenant):
        assert not Scorecard.objects.exists()


def test_measure_now_goes_through_the_outbox(acme, client_for, program):
    with tenant_scope(acme.tenant):
        scorecard = ScorecardFactory(tenant=acme.tenant, program=program)
    client = client_for(acme.admin)
    response = client.post(
        "/admin/scorecards/scorecard/",
        {"action": "measure_now", "_selected_action": [str(scorecard.pk)]},
        follow=True,
    )
    assert "1 scorecard will be measured in a moment." in response.content.decode()
    with tenant_scope(acme.tenant):
        message = OutboxMessage.objects.get(task_name="scorecards.measure_cards")
    assert message.kwargs == {"scorecard_ids": [scorecard.pk]}


def test_the_weekly_digest_tells_each_manager_about_their_partners_at_risk(acme):
    with tenant_scope(acme.tenant):
        other_manager = StaffMembershipFactory(tenant=acme.tenant, role="channel_manager")
        tier = TierFactory(tenant=acme.tenant)
        for partner in acme.partners:
            EnrollmentFactory(tenant=acme.tenant, partner=partner, tier=tier)
        Enrollment.objects.update(enrolled_at=datetime(2024, 1, 1, tzinfo=UTC))
        acme.partners[1].account_manager = other_manager
        acme.partners[1].save()
        scorecard = ScorecardFactory(tenant=acme.tenant, program=tier.program, inactive_days=30)
        # Nobody registered a deal or used the portal: both partners are at risk.
        scorecard_measure(scorecard=scorecard, as_of=date(2026, 6, 30))
        assert ScorecardSnapshot.objects.filter(at_risk=True).count() == 2
        assert at_risk_digest() == 2
    with platform_scope():
        notes = {n.recipient_id: n for n in Notification.objects.filter(kind="scorecards.at_risk_digest")}
    assert set(notes) == {acme.manager.pk, other_manager.pk}
    mine = notes[acme.manager.pk]
    assert mine.title == "1 of your partners is at risk this week"
    # one line: the partner, the scorecard and the reasons, in the reader's language
    assert mine.body == (
        f"{acme.partner.display_name} ({scorecard.name}): no portal use for 30 days, no deal registrations for 30 days"
    )
    assert mine.url == "/office/scorecards/risks/"
