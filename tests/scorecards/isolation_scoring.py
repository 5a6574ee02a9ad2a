"""Isolation cases of the scorecards' pages (merged by tests/scorecards/isolation.py), and the
set-ups the page tests share: a scorecard on a program acme's two partners are enrolled in, with
a KPI partners see ("Matrix revenue") and one they do not ("Secret margin"), and snapshots of
this month and the last written directly in the engine's shape (``scorecards.services.scoring``).

Every staff member reads the pages (``SCORECARDS_VIEW``); the admin and the channel manager mark
for investment and ask for a new measurement (``SCORECARDS_MANAGE``), marketing gets a 403; every
user of acme partner 1 reads its own scorecard (``SCORECARD_OWN``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from partners.models import INVEST_TAG, Partner
from prm.events.models import OutboxMessage
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import add_months, tenant_clock
from scorecards.models import Scorecard, ScorecardKpi, ScorecardSnapshot
from scorecards.tasks import MEASURE_PARTNER

from ..factories import EnrollmentFactory, TierFactory
from ..isolation import PARTNER_ID, Case, office_page, office_write, portal_page

# --- building scorecards and snapshots ------------------------------------------------------------


def this_month(tenant) -> date:
    today, _zone = tenant_clock(tenant)
    return today.replace(day=1)


def make_scorecard(tenant, *, program=None, name="Matrix scorecard", kpis=None, **fields) -> Scorecard:
    """A scorecard (on a new program unless given) with its KPIs: dicts of ``ScorecardKpi``
    fields; by default a visible revenue KPI and a hidden one."""
    if program is None:
        program = TierFactory(tenant=tenant).program
    kpis = kpis or [
        {"metric": "deals.trailing_revenue", "label": "Matrix revenue", "target": Decimal("100000"), "weight": 60},
        {"metric": "deals.win_rate", "label": "Secret margin", "target": Decimal("50"), "visible_to_partner": False},
    ]
    with tenant_scope(tenant):
        scorecard = Scorecard.objects.create(program=program, name=name, **fields)
        for position, kpi in enumerate(kpis):
            ScorecardKpi.objects.create(scorecard=scorecard, position=position, **kpi)
    return scorecard


def result(kpi: ScorecardKpi, *, value, points, max_points, unit="", previous=None, last_year=None, **extra) -> dict:
    """One KPI of a snapshot's ``results``, as the engine writes it."""
    target = float(kpi.target)
    attainment = 0 if value is None else min(float(value) / target, 1) if target else 1
    return {
        "kpi": kpi.pk,
        "metric": kpi.metric,
        "param": kpi.param,
        "label": kpi.label,
        "unit": unit,
        "growth": kpi.growth,
        "lower_is_better": kpi.lower_is_better,
        "visible": kpi.visible_to_partner,
        "value": value,
        "measured": extra.pop("measured", value is not None),
        "target": target,
        "points": points,
        "max_points": max_points,
        "attainment": round(attainment, 4),
        "previous": previous,
        "last_year": last_year,
        **extra,
    }


def snapshot(scorecard, partner, period: date, **fields) -> ScorecardSnapshot:
    """A snapshot of ``partner`` on ``scorecard`` for ``period`` (fields as the model's)."""
    fields.setdefault("as_of", period)
    fields.setdefault("computed_at", timezone.now())
    fields.setdefault("segment_id", partner.partner_type_id)
    with tenant_scope(scorecard.tenant_id):
        return ScorecardSnapshot.objects.create(scorecard=scorecard, partner=partner, period=period, **fields)


def two_results(scorecard, *, revenue, revenue_points, secret=40, secret_points=20, currency="EUR") -> list[dict]:
    """The default scorecard's results: revenue (visible, 60 points) and the hidden KPI (40)."""
    with platform_scope():
        visible, hidden = ScorecardKpi.objects.filter(scorecard=scorecard).order_by("position")
    return [
        result(visible, value=revenue, points=revenue_points, max_points=60, unit=currency, previous=revenue / 2),
        result(hidden, value=secret, points=secret_points, max_points=40, unit="percent"),
    ]


def scorecard_world(ctx) -> None:
    """Acme's two partners on "Matrix scorecard", measured this month and the last: partner 1
    rising and high potential (``ctx.scorecard``, ``ctx.period``), partner 2 falling and at risk."""
    side = ctx.side
    tier = TierFactory(tenant=side.tenant, name="Matrix Gold")
    for partner in side.partners:
        EnrollmentFactory(partner=partner, tier=tier)
    ctx.scorecard = scorecard = make_scorecard(side.tenant, program=tier.program)
    ctx.period = period = this_month(side.tenant)
    last = add_months(period, -1)
    one, two = side.partners
    currency = side.tenant.default_currency
    snapshot(scorecard, one, last, tier=tier, score=Decimal("50"), rank=2, percentile=0)
    snapshot(scorecard, two, last, tier=tier, score=Decimal("80"), rank=1, percentile=100)
    snapshot(
        scorecard,
        one,
        period,
        tier=tier,
        score=Decimal("66"),
        previous_score=Decimal("50"),
        rank=2,
        percentile=Decimal("0"),
        revenue=Decimal("40000"),
        high_potential=True,
        results=two_results(scorecard, revenue=40000, revenue_points=24, secret_points=40, currency=currency),
        signals=[{"code": "certified_up", "value": 3}, {"code": "below_median", "value": 40000, "median": 90000}],
    )
    snapshot(
        scorecard,
        two,
        period,
        tier=tier,
        score=Decimal("70"),
        previous_score=Decimal("80"),
        rank=1,
        percentile=Decimal("100"),
        revenue=Decimal("140000"),
        at_risk=True,
        results=two_results(scorecard, revenue=140000, revenue_points=60, secret_points=10, currency=currency),
        risks=[{"code": "score_drop", "value": 10}, {"code": "no_portal_use", "days": 45}],
    )


# --- the cases ------------------------------------------------------------------------------------


def _partner(ctx) -> Partner:
    with platform_scope():
        return Partner.objects.get(pk=ctx.side.partner.pk)


def invested(ctx) -> bool:
    return INVEST_TAG in _partner(ctx).tags


def queued(ctx) -> bool:
    with platform_scope():
        return OutboxMessage.objects.filter(task_name=MEASURE_PARTNER, kwargs__partner_id=ctx.side.partner.pk).exists()


CASES: dict[str, Case] = {
    "portal:scorecard": portal_page(setup=scorecard_world, contains="Matrix revenue"),
    "office:scorecards": office_page(setup=scorecard_world, contains="Acme Partner 2"),
    "office:scorecard_potential": office_page(setup=scorecard_world, contains="3 more certified people"),
    "office:scorecard_risks": office_page(setup=scorecard_world, contains="used the portal for 45 days"),
    "office:scorecard_partner": office_page(setup=scorecard_world, args=PARTNER_ID, contains="Secret margin"),
    "office:scorecard_recompute": office_write(setup=scorecard_world, args=PARTNER_ID, effect=queued),
    "office:partner_invest": office_write(args=PARTNER_ID, data={"invest": "1"}, effect=invested),
}

# --- for tests/hostile/test_fuzz_forms.py: name -> (who, path, valid data) ------------------------

FORM_VIEWS: dict = {
    "office:partner_invest": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:partner_invest", args=[w.acme.partner.pk]),
        lambda w: {"invest": "1", "back": "potential"},
    ),
}
NO_INPUT: set[str] = {"office:scorecard_recompute"}
