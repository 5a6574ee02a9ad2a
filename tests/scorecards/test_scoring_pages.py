"""The scorecards' pages as people use them: the partner's own scorecard (only the KPIs it may see,
its trend, the biggest lever), the back office's ranked month with its filters and movers, a
partner's drill-down with its sources, the high-potential and at-risk lists, the investment mark
and "Measure again now" through the outbox."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import INVEST_TAG, Partner
from partners.services import partner_tag_set
from prm.accounts.roles import Role
from prm.errors import NotAllowed
from prm.events.models import Event, OutboxMessage
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import add_months
from programs.models import Enrollment
from scorecards import events
from scorecards.models import ScorecardKpi, ScorecardSnapshot
from scorecards.services.potential import partner_invest_set, scorecard_recompute_request
from scorecards.services.scoring import scorecard_measure
from scorecards.tasks import MEASURE_PARTNER

from ..conftest import body
from ..factories import EnrollmentFactory, PartnerFactory, PartnerTypeFactory, StaffMembershipFactory, TierFactory
from .factories import KpiFactory, ScorecardFactory
from .isolation_scoring import make_scorecard, result, scorecard_world, snapshot, this_month, two_results

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(world):
    ctx = SimpleNamespace(side=world.acme)
    scorecard_world(ctx)
    return ctx


def _page(client_for, member, name, *args, **query) -> str:
    response = client_for(member).get(reverse(name, args=args), query)
    assert response.status_code == 200
    return body(response)


def _json_blocks(html: str) -> list:
    return [json.loads(block) for block in re.findall(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', html)]


# --- the partner's own scorecard ------------------------------------------------------------------


def test_the_partner_sees_its_score_trend_and_visible_kpis_but_never_a_hidden_one(scored, client_for):
    # given acme partner 1 measured this month and the last, on a scorecard with a hidden KPI
    html = _page(client_for, scored.side.sales_rep, "portal:scorecard")
    # then its score, the change on last month, its percentile and the visible KPI are there
    assert "Matrix scorecard" in html and ">66<" in html
    assert "+16 points on last month" in html
    assert "Matrix revenue" in html
    # and the hidden KPI is nowhere: not its name, not its figures, not in the chart's data
    assert "Secret margin" not in html and "win_rate" not in html
    charts = _json_blocks(html)
    assert charts == [{"labels": charts[0]["labels"], "values": [50.0, 66.0], "label": "Score"}]
    # nor the vendor's reading of the relationship (signals, risks)
    assert "certified" not in html and "median" not in html
    # and the chart has its table for those who do not see it
    assert 'data-trend-source="scorecard-trend-' in html and "The score month by month" in html


def test_the_biggest_lever_is_the_visible_kpi_with_the_most_points_missing(scored, client_for):
    # given partner 1 has 24 of revenue's 60 points and full points on the hidden KPI
    html = _page(client_for, scored.side.partner_admin, "portal:scorecard")
    # then the lever names revenue, the target's value and the 36 points it would add
    lever = re.search(r'class="alert alert-primary lever">(.*?)</div>', html, re.S).group(1)
    assert "Matrix revenue: reach" in lever and "to meet the target, +36 points." in lever
    assert "100,000" in lever and "40,000" in lever


def test_a_hidden_kpi_with_more_missing_points_is_never_the_partners_lever(world, client_for):
    # given the hidden KPI misses 40 points and the visible one 10
    side = world.acme
    tier = TierFactory(tenant=side.tenant)
    EnrollmentFactory(partner=side.partner, tier=tier)
    scorecard = make_scorecard(side.tenant, program=tier.program)
    results = two_results(scorecard, revenue=80000, revenue_points=50, secret=0, secret_points=0)
    snapshot(scorecard, side.partner, this_month(side.tenant), score=Decimal("50"), results=results)
    # then the partner is told about the visible one
    html = _page(client_for, side.sales_rep, "portal:scorecard")
    assert "Matrix revenue: reach" in html and "+10 points" in html and "+40" not in html
    # while the vendor's drill-down names the hidden one, and what the partner is told
    office = _page(client_for, side.manager, "office:scorecard_partner", side.partner.pk)
    assert "Secret margin: reach" in office and "What the partner is told" in office


def test_a_stepped_kpi_names_its_next_step(world, client_for):
    # given a KPI scored in steps (50 people: half the points, 100: all) and 60 people now
    side = world.acme
    tier = TierFactory(tenant=side.tenant)
    EnrollmentFactory(partner=side.partner, tier=tier)
    kpis = [
        {
            "metric": "learning.certified_people",
            "label": "Certified staff",
            "target": Decimal("100"),
            "curve": "thresholds",
            "steps": [[50, 0.5], [80, 0.8], [100, 1]],
        }
    ]
    scorecard = make_scorecard(side.tenant, program=tier.program, kpis=kpis)
    with platform_scope():
        kpi = ScorecardKpi.objects.get(scorecard=scorecard)
    row = result(kpi, value=60, points=50, max_points=100, unit="people", attainment=0.5)
    snapshot(scorecard, side.partner, this_month(side.tenant), score=Decimal("50"), results=[row])
    # then the lever is the next step (80 people, +30 points), not the target
    html = _page(client_for, side.sales_rep, "portal:scorecard")
    assert "Certified staff: reach 80 (now 60) for the next step, +30 points." in html


def test_not_measured_yet_new_this_month_and_empty_values_read_plainly(world, client_for):
    side = world.acme
    tier = TierFactory(tenant=side.tenant)
    EnrollmentFactory(partner=side.partner, tier=tier)
    scorecard = make_scorecard(side.tenant, program=tier.program)
    # given no snapshot yet: a clear "not measured yet"
    html = _page(client_for, side.sales_rep, "portal:scorecard")
    assert "Not measured yet" in html and "<canvas" not in html
    # given a partner new this month with nothing measurable (no score, no values, no percentile)
    with platform_scope():
        visible, hidden = ScorecardKpi.objects.filter(scorecard=scorecard).order_by("position")
    results = [
        result(visible, value=None, points=0, max_points=0, measured=False),
        result(hidden, value=None, points=0, max_points=0, measured=False),
    ]
    snapshot(scorecard, side.partner, this_month(side.tenant), score=None, is_new=True, results=results)
    html = _page(client_for, side.sales_rep, "portal:scorecard")
    # then it says so, with no trend and no lever, and nothing breaks on the empty figures
    assert "You joined this month: your trend starts next month." in html
    assert "<canvas" not in html and "Nothing could be measured yet." in html
    assert "What would raise your score most" not in html
    # and the home card shows the score without a change
    home = _page(client_for, side.sales_rep, "portal:home")
    assert 'id="score-card"' in home and "on last month" not in home


def test_a_partner_in_no_program_with_a_scorecard_is_told_so(world, client_for):
    html = _page(client_for, world.acme.sales_rep, "portal:scorecard")
    assert "Your company is in no program with a scorecard yet." in html
    # and its home has no score card
    assert 'id="score-card"' not in _page(client_for, world.acme.sales_rep, "portal:home")


def test_the_portal_home_card_shows_the_score_and_its_change(scored, client_for):
    home = _page(client_for, scored.side.sales_rep, "portal:home")
    card = home[home.index('id="score-card"') :]
    assert "Matrix scorecard" in card and ">66<" in card and "+16 on last month" in card


# --- the ranked month -----------------------------------------------------------------------------


def _ranked(html: str) -> list[str]:
    table = html[html.index('id="ranking"') :]
    return re.findall(r'<tr id="rank-\d+">.*?<a href="[^"]+">([^<]+)</a>', table, re.S)


def test_the_ranking_is_best_first_with_changes_percentiles_and_flags(scored, client_for):
    html = _page(client_for, scored.side.marketing, "office:scorecards")
    assert _ranked(html) == ["Acme Partner 2", "Acme Partner 1"]
    row = re.search(rf'<tr id="rank-{scored.side.partners[1].pk}">(.*?)</tr>', html, re.S).group(1)
    assert ">70<" in row and "\N{MINUS SIGN}10" in row and ">100<" in row and "At risk" in row
    row = re.search(rf'<tr id="rank-{scored.side.partner.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "+16" in row and "High potential" in row and "Matrix Gold" in row
    # and the drill-down's link keeps the scorecard
    assert f"/office/scorecards/partners/{scored.side.partner.pk}/?scorecard={scored.scorecard.pk}" in html


def test_movers_up_and_down_are_beside_the_ranking(scored, client_for):
    html = _page(client_for, scored.side.manager, "office:scorecards")
    up = html[html.index('id="movers-up"') : html.index('id="movers-down"')]
    down = html[html.index('id="movers-down"') :]
    assert "Acme Partner 1" in up and "+16" in up and "Acme Partner 2" not in up
    assert "Acme Partner 2" in down and "\N{MINUS SIGN}10" in down and "Acme Partner 1" not in down


def test_the_ranking_filters(scored, client_for):
    side = scored.side
    # given a third partner in another segment and tier, managed by someone else
    other_type = PartnerTypeFactory(tenant=side.tenant, name="Distributor", slug="distributor")
    colleague = StaffMembershipFactory(tenant=side.tenant, role=Role.CHANNEL_MANAGER)
    third = PartnerFactory(
        tenant=side.tenant, partner_type=other_type, display_name="Zeta Distribution", account_manager=colleague
    )
    silver = TierFactory(tenant=side.tenant, program=scored.scorecard.program, name="Matrix Silver")
    EnrollmentFactory(partner=third, tier=silver)
    snapshot(scored.scorecard, third, scored.period, tier=silver, score=Decimal("10"), rank=3, percentile=0)

    def ranked(**query):
        return _ranked(_page(client_for, side.manager, "office:scorecards", **query))

    assert ranked() == ["Acme Partner 2", "Acme Partner 1", "Zeta Distribution"]
    assert ranked(segment=other_type.pk) == ["Zeta Distribution"]
    assert ranked(tier=silver.pk) == ["Zeta Distribution"]
    assert ranked(mine="on") == ["Acme Partner 2", "Acme Partner 1"]
    assert ranked(q="zeta") == ["Zeta Distribution"]
    assert ranked(flag="high_potential") == ["Acme Partner 1"]
    assert ranked(flag="at_risk") == ["Acme Partner 2"]
    # an earlier month; and values that are no filter are ignored, never a server error
    last = add_months(scored.period, -1).strftime("%Y-%m")
    assert ranked(month=last) == ["Acme Partner 2", "Acme Partner 1"]
    assert ranked(segment="x", tier="-1", flag="nope", scorecard="abc", month="1999-01", page="zz") == [
        "Acme Partner 2",
        "Acme Partner 1",
        "Zeta Distribution",
    ]
    nothing = _page(client_for, side.manager, "office:scorecards", q="nobody at all")
    assert "No partner matches these filters." in nothing


def test_htmx_swaps_the_filters_and_results_only(scored, client_for):
    response = client_for(scored.side.manager).get(reverse("office:scorecards"), HTTP_HX_REQUEST="true")
    html = body(response)
    # (the filters with them: the months and tiers they offer are the chosen scorecard's)
    assert html.lstrip().startswith('<div id="results">')
    assert "Acme Partner 1" in html and 'id="ranking-filters"' in html and "<h1" not in html


def test_a_tenant_without_scorecards_or_snapshots_is_told_so(world, client_for):
    html = _page(client_for, world.acme.manager, "office:scorecards")
    assert "No scorecard is defined yet." in html
    make_scorecard(world.acme.tenant)
    html = _page(client_for, world.acme.manager, "office:scorecards")
    assert "has not been measured yet" in html
    assert "has not been measured yet" in _page(client_for, world.acme.manager, "office:scorecard_risks")
    assert "has not been measured yet" in _page(client_for, world.acme.manager, "office:scorecard_potential")


# --- one partner ----------------------------------------------------------------------------------


def test_the_drill_down_shows_every_kpi_with_its_source_records_and_history(scored, client_for):
    side = scored.side
    html = _page(client_for, side.manager, "office:scorecard_partner", side.partners[1].pk)
    # every KPI, the hidden one marked so
    assert "Matrix revenue" in html and "Secret margin" in html and "Hidden from the partner" in html
    # revenue's source: the deal list filtered to the partner's won deals
    deals = f"{reverse('office:deal_list')}?partner={side.partners[1].pk}&amp;status=won"
    assert f'<a href="{deals}">Won deals</a>' in html
    # why it is at risk, in sentences; the history of two months; the recompute button
    assert "The score fell 10 points since last month." in html
    assert "Nobody of the partner used the portal for 45 days." in html
    assert html.count('<th scope="row" class="fw-normal">', html.index("partner-trend-table")) == 2
    assert "Measure again now" in html
    # marketing reads it but gets no buttons
    html = _page(client_for, side.marketing, "office:scorecard_partner", side.partners[1].pk)
    assert "Secret margin" in html and "Measure again now" not in html and "Mark for investment" not in html


def test_the_drill_down_of_a_partner_nobody_measured_or_another_tenants_is_plain(scored, world, client_for):
    side = scored.side
    client = client_for(side.manager)
    # another tenant's partner, or a scorecard of another tenant: not found
    assert client.get(reverse("office:scorecard_partner", args=[world.globex.partner.pk])).status_code == 404
    other = make_scorecard(world.globex.tenant)
    path = reverse("office:scorecard_partner", args=[side.partner.pk])
    assert client.get(path, {"scorecard": other.pk}).status_code == 404
    # a garbled scorecard is no choice
    assert client.get(path, {"scorecard": "x\x00"}).status_code == 200
    # a partner in no program with a scorecard
    lone = PartnerFactory(tenant=side.tenant, partner_type=side.partner_type)
    assert "in no program with a scorecard" in _page(client_for, side.manager, "office:scorecard_partner", lone.pk)
    # and a partner user never opens it
    assert client_for(side.partner_admin).get(path).status_code == 404


# --- measure again now ----------------------------------------------------------------------------


def test_measure_again_queues_one_measurement_and_says_so(scored, client_for):
    side = scored.side
    path = reverse("office:scorecard_recompute", args=[side.partner.pk])
    # when the channel manager asks twice before the worker ran
    manager = client_for(side.manager)
    first = manager.post(f"{path}?scorecard={scored.scorecard.pk}")
    client_for(side.admin).post(path)
    # then one measurement of that partner waits in the outbox, and the page said so
    assert first.status_code == 302
    assert first["Location"].endswith(f"/office/scorecards/partners/{side.partner.pk}/?scorecard={scored.scorecard.pk}")
    with platform_scope():
        messages = list(OutboxMessage.objects.filter(task_name=MEASURE_PARTNER))
        assert [message.kwargs for message in messages] == [{"partner_id": side.partner.pk}]
        event = Event.objects.get(verb=events.MEASURE_ASKED, object_id=side.partner.pk)
    assert event.internal and event.actor_id == side.manager.pk
    page = manager.get(first["Location"])
    assert "is being measured again" in body(page)


def test_without_a_worker_the_outbox_measures_the_partner(world, django_capture_on_commit_callbacks):
    # given a scorecard partner 1 is enrolled for (since last month), never measured
    side = world.acme
    tier = TierFactory(tenant=side.tenant)
    enrollment = EnrollmentFactory(partner=side.partner, tier=tier)
    with platform_scope():
        Partner.objects.filter(pk=side.partner.pk).update(status="active")
        Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=timezone.now() - timedelta(days=60))
    scorecard = make_scorecard(side.tenant, program=tier.program)
    # when measuring again is asked for and the transaction commits (tasks run in process here)
    with tenant_scope(side.tenant), django_capture_on_commit_callbacks(execute=True):
        scorecard_recompute_request(actor=side.manager, partner=side.partner)
    # then the task ran the engine for that partner: its snapshot exists, the message delivered
    with platform_scope():
        assert ScorecardSnapshot.objects.filter(scorecard=scorecard, partner=side.partner).count() == 1
        assert not ScorecardSnapshot.objects.filter(scorecard=scorecard, partner=side.partners[1]).exists()
        assert OutboxMessage.objects.get(task_name=MEASURE_PARTNER).delivered_at is not None


def test_only_the_channel_people_ask_for_a_measurement(world):
    with tenant_scope(world.acme.tenant), pytest.raises(NotAllowed):
        scorecard_recompute_request(actor=world.acme.marketing, partner=world.acme.partner)


# --- investment -----------------------------------------------------------------------------------


def _tags(partner) -> list[str]:
    with platform_scope():
        return Partner.objects.get(pk=partner.pk).tags


def test_marking_for_investment_tags_the_partner_once_and_records_who(scored, client_for):
    side = scored.side
    path = reverse("office:partner_invest", args=[side.partner.pk])
    query = f"?scorecard={scored.scorecard.pk}"
    # when the channel manager marks partner 1 from the high-potential list, twice
    manager = client_for(side.manager)
    response = manager.post(path + query, {"invest": "1", "back": "potential"})
    again = manager.post(path, {"invest": "1"})
    # then it is tagged once, one event says who, and they are back on the list
    assert response.status_code == 302 and response["Location"] == reverse("office:scorecard_potential") + query
    assert again["Location"] == reverse("office:scorecard_partner", args=[side.partner.pk])
    assert _tags(side.partner).count(INVEST_TAG) == 1
    with platform_scope():
        marks = Event.objects.filter(verb=events.INVEST_MARKED, object_id=side.partner.pk)
        assert [(e.actor_id, e.internal) for e in marks] == [(side.manager.pk, True)]
    # and the list shows who is marked
    html = _page(client_for, side.marketing, "office:scorecard_potential")
    invested = html[html.index('id="invested"') :]
    assert "Acme Partner 1" in invested and "Mark for investment" not in html
    assert "Marked for investment" in html[html.index(f'id="potential-{side.partner.pk}"') :]
    assert "was already marked" in body(manager.get(again["Location"]))
    # when the mark is taken away
    client_for(side.admin).post(path, {"invest": "0"})
    assert INVEST_TAG not in _tags(side.partner)
    with platform_scope():
        assert Event.objects.filter(verb=events.INVEST_UNMARKED, object_id=side.partner.pk).count() == 1
    assert "No partner is marked for investment." in _page(client_for, side.manager, "office:scorecard_potential")


def test_a_channel_director_marks_other_tags_stay_and_others_may_not(world):
    side = world.acme
    director = StaffMembershipFactory(tenant=side.tenant, role=Role.CHANNEL_DIRECTOR)
    with platform_scope():
        Partner.objects.filter(pk=side.partner.pk).update(tags=["strategic"])
    with tenant_scope(side.tenant):
        assert partner_invest_set(actor=director, partner=side.partner, invest=True) is True
        assert _tags(side.partner) == ["strategic", INVEST_TAG]
        with pytest.raises(NotAllowed):
            partner_invest_set(actor=side.marketing, partner=side.partner, invest=False)
    with tenant_scope(side.tenant, partner=side.partner), pytest.raises(NotAllowed):
        partner_tag_set(actor=side.partner_admin, partner=side.partner, tag=INVEST_TAG, present=False)
    assert INVEST_TAG in _tags(side.partner)


def test_a_bad_invest_value_changes_nothing(scored, client_for):
    side = scored.side
    response = client_for(side.manager).post(reverse("office:partner_invest", args=[side.partner.pk]), {"invest": "x"})
    assert response.status_code == 302 and INVEST_TAG not in _tags(side.partner)


# --- high potential and at risk -------------------------------------------------------------------


def test_the_high_potential_list_gives_the_reasons(scored, client_for):
    html = _page(client_for, scored.side.manager, "office:scorecard_potential")
    row = html[html.index(f'id="potential-{scored.side.partner.pk}"') :]
    assert "3 more certified people than a year ago." in row
    assert "below the segment&#x27;s median" in row or "below the segment's median" in row
    assert f'id="potential-{scored.side.partners[1].pk}"' not in html


def test_the_risk_list_is_a_channel_managers_own_by_default(scored, client_for):
    side = scored.side
    # given partner 2 (at risk) is managed by a colleague, and a third at-risk partner by the manager
    colleague = StaffMembershipFactory(tenant=side.tenant, role=Role.CHANNEL_MANAGER)
    with platform_scope():
        Partner.objects.filter(pk=side.partners[1].pk).update(account_manager=colleague)
    mine = PartnerFactory(tenant=side.tenant, partner_type=side.partner_type, account_manager=side.manager)
    snapshot(
        scored.scorecard,
        mine,
        scored.period,
        score=Decimal("5"),
        at_risk=True,
        risks=[{"code": "plan_behind", "value": 2}],
    )
    # then the manager sees their own by default, everyone's on asking; the admin everyone's
    html = _page(client_for, side.manager, "office:scorecard_risks")
    assert f'id="risk-{mine.pk}"' in html and f'id="risk-{side.partners[1].pk}"' not in html
    assert "2 business plan objectives are behind." in html
    html = _page(client_for, side.manager, "office:scorecard_risks", manager="all")
    assert f'id="risk-{mine.pk}"' in html and f'id="risk-{side.partners[1].pk}"' in html
    html = _page(client_for, side.manager, "office:scorecard_risks", manager=colleague.pk)
    assert f'id="risk-{mine.pk}"' not in html and f'id="risk-{side.partners[1].pk}"' in html
    html = _page(client_for, side.admin, "office:scorecard_risks")
    assert f'id="risk-{mine.pk}"' in html and f'id="risk-{side.partners[1].pk}"' in html
    # the lowest score first
    assert html.index(f'id="risk-{mine.pk}"') < html.index(f'id="risk-{side.partners[1].pk}"')


def test_the_menus_lead_to_the_pages(scored, client_for):
    office = _page(client_for, scored.side.marketing, "office:scorecards")
    assert 'href="/office/scorecards/"' in office and "Performance" in office
    portal = _page(client_for, scored.side.sales_rep, "portal:scorecard")
    assert 'href="/portal/scorecard/"' in portal


def test_a_kpi_hidden_after_the_run_is_hidden_at_once(acme, client_for):
    with tenant_scope(acme.tenant):
        tier = TierFactory(tenant=acme.tenant)
        EnrollmentFactory(tenant=acme.tenant, partner=acme.partner, tier=tier)
        card = ScorecardFactory(tenant=acme.tenant, program=tier.program)
        kpi = KpiFactory(tenant=acme.tenant, scorecard=card, label="Secret sauce", weight=10, target=10)
        Enrollment.objects.update(enrolled_at=timezone.now() - timedelta(days=60))
        scorecard_measure(scorecard=card)
        ScorecardKpi.objects.filter(pk=kpi.pk).update(visible_to_partner=False)
    page = client_for(acme.partner_admin).get("/portal/scorecard/").content.decode()
    assert "Secret sauce" not in page
