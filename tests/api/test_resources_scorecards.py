"""Scorecards, business plans and relationship reviews through the API: a partner key reads the
scorecards of its programs with the KPIs partners see, its own snapshots only (never another
partner's, never a hidden KPI, never the vendor's flags, signals or risks), its plans with their
progress, and its reviews once scheduled; a staff key reads everything with the flags and why.
List pages cost a fixed number of queries."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from prm.accounts.credentials import scopes_for
from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import add_months
from programs.models import Enrollment
from scorecards.models import ObjectiveKind, PlanStatus, ScorecardKpi
from scorecards.services.reviews import review_create, review_hold
from scorecards.services.scoring import scorecard_measure

from ..factories import (
    EnrollmentFactory,
    ManualMetricFactory,
    ManualMetricValueFactory,
    PartnerFactory,
    TierFactory,
)
from ..scorecards.factories import KpiFactory, ScorecardFactory
from ..scorecards.isolation_plans import draft, plans
from ..scorecards.isolation_reviews import reviews
from ..scorecards.isolation_scoring import make_scorecard, scorecard_world, snapshot, this_month
from .support import api_client, call, issue_key

pytestmark = pytest.mark.django_db

SCORECARDS, PLANS, REVIEWS = "/api/v1/scorecards/", "/api/v1/business-plans/", "/api/v1/reviews/"
VENDOR_ONLY = ("high_potential", "at_risk", "signals", "risks", "revenue", "computed_at", "rank")


def _client(member):
    return api_client(issue_key(member, scopes=["scorecards:read"]), member.tenant)


def _ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def _ids(response) -> set[int]:
    return {row["id"] for row in _ok(response)["results"]}


def _snapshots(client, scorecard, **params) -> list[dict]:
    return _ok(call(client, "GET", f"{SCORECARDS}{scorecard.pk}/snapshots/", params))["results"]


@pytest.fixture
def measured(acme):
    """Acme's "Matrix scorecard" measured this month and last (tests/scorecards/isolation_scoring.py):
    partner 1 high potential, partner 2 at risk; a KPI partners see and a hidden "Secret margin"."""
    ctx = SimpleNamespace(side=acme)
    scorecard_world(ctx)
    return ctx


# --- scorecards ------------------------------------------------------------------------------------


def test_a_partner_key_reads_its_programs_scorecards_with_the_kpis_partners_see(acme, measured):
    # given an inactive scorecard and one of a program acme's partners are not enrolled in
    inactive = make_scorecard(acme.tenant, name="Retired scorecard", is_active=False)
    elsewhere = make_scorecard(acme.tenant, name="Other program's scorecard")

    # when partner 1's key and a staff key list the scorecards
    own = _ok(call(_client(acme.partner_admin), "GET", SCORECARDS))["results"]
    staff = _ok(call(_client(acme.admin), "GET", SCORECARDS))["results"]

    # then the partner reads only its program's, with the visible KPI and none of the vendor's rules
    assert [card["name"] for card in own] == ["Matrix scorecard"]
    [card] = own
    assert card["program"] == measured.scorecard.program_id
    assert [kpi["label"] for kpi in card["kpis"]] == ["Matrix revenue"]
    assert "visible_to_partner" not in card["kpis"][0] and "missing" not in card["kpis"][0]
    assert "score_drop" not in card and "is_active" not in card
    assert "Secret margin" not in json.dumps(own)
    # and staff every active one, each KPI with whether partners see it
    assert {card["name"] for card in staff} == {"Matrix scorecard", "Other program's scorecard"}
    matrix = next(card for card in staff if card["id"] == measured.scorecard.pk)
    assert [(kpi["label"], kpi["visible_to_partner"]) for kpi in matrix["kpis"]] == [
        ("Matrix revenue", True),
        ("Secret margin", False),
    ]
    assert (matrix["kpis"][0]["weight"], matrix["kpis"][0]["curve"]) == ("60.00", "linear")
    assert matrix["score_drop"] == "10.00"
    # one by one: the partner gets a 404 for a scorecard of another program or an inactive one
    partner = _client(acme.partner_admin)
    for card in (elsewhere, inactive):
        missing = call(partner, "GET", f"{SCORECARDS}{card.pk}/")
        assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
        assert call(partner, "GET", f"{SCORECARDS}{card.pk}/snapshots/").status_code == 404
    assert _ok(call(_client(acme.admin), "GET", f"{SCORECARDS}{inactive.pk}/"))["is_active"] is False


def test_a_partner_key_reads_only_its_own_snapshot_and_never_a_hidden_kpi(acme, measured):
    one, two = acme.partners

    # when each partner's key reads the month's snapshots (and asks for the other's)
    first = _snapshots(_client(acme.partner_admin), measured.scorecard)
    second = _snapshots(_client(acme.partner_admins[1]), measured.scorecard)
    asked_for_other = _snapshots(_client(acme.partner_admin), measured.scorecard, partner=two.pk)

    # then each reads its own row only, with the visible KPI only and none of the vendor's reading
    assert [(row["partner"], row["score"], row["period"]) for row in first] == [
        (one.pk, "66.00", measured.period.isoformat())
    ]
    assert [(row["partner"], row["score"]) for row in second] == [(two.pk, "70.00")]
    assert asked_for_other == []
    for row in first + second:
        assert [result["label"] for result in row["results"]] == ["Matrix revenue"]
        assert not set(VENDOR_ONLY) & set(row)
    text = json.dumps(first + second)
    assert "Secret margin" not in text and "deals.win_rate" not in text
    assert "score_drop" not in text and "certified_up" not in text and "below_median" not in text


def test_a_kpi_hidden_since_is_not_shown_in_older_months_either(acme, measured):
    # given the vendor hides the revenue KPI after the month was measured (its results say visible)
    with tenant_scope(acme.tenant):
        ScorecardKpi.objects.filter(scorecard=measured.scorecard).update(visible_to_partner=False)

    # then the partner's snapshot has no KPI left, and its scorecard lists none
    [row] = _snapshots(_client(acme.partner_admin), measured.scorecard)
    assert row["results"] == [] and row["score"] == "66.00"
    assert _ok(call(_client(acme.partner_admin), "GET", f"{SCORECARDS}{measured.scorecard.pk}/"))["kpis"] == []


def test_a_staff_key_reads_every_partners_snapshot_with_the_flags_and_why(acme, measured):
    one, two = acme.partners
    staff = _client(acme.admin)

    rows = {row["partner"]: row for row in _snapshots(staff, measured.scorecard)}

    assert set(rows) == {one.pk, two.pk}
    assert (rows[one.pk]["high_potential"], rows[one.pk]["at_risk"]) == (True, False)
    assert {signal["code"] for signal in rows[one.pk]["signals"]} == {"certified_up", "below_median"}
    assert (rows[two.pk]["at_risk"], rows[two.pk]["rank"]) == (True, 1)
    assert rows[two.pk]["risks"] == [{"code": "score_drop", "value": 10.0}, {"code": "no_portal_use", "days": 45}]
    assert [result["label"] for result in rows[one.pk]["results"]] == ["Matrix revenue", "Secret margin"]
    assert rows[one.pk]["revenue"] == "40000.00"
    # one partner, and an earlier month (any day of it names the month)
    assert [row["partner"] for row in _snapshots(staff, measured.scorecard, partner=two.pk)] == [two.pk]
    last = add_months(measured.period, -1)
    earlier = _snapshots(staff, measured.scorecard, period=(last + timedelta(days=9)).isoformat())
    assert {(row["partner"], row["period"], row["score"]) for row in earlier} == {
        (one.pk, last.isoformat(), "50.00"),
        (two.pk, last.isoformat(), "80.00"),
    }
    assert _snapshots(staff, measured.scorecard, period="2001-01-01") == []
    bad = call(staff, "GET", f"{SCORECARDS}{measured.scorecard.pk}/snapshots/", {"period": "March"})
    assert bad.status_code == 400 and "period" in bad.json()["errors"]


def test_the_default_month_is_the_latest_the_reader_was_measured_in(acme, measured):
    # given partner 2 measured once more, next month (partner 1 not)
    following = add_months(measured.period, 1)
    snapshot(measured.scorecard, acme.partners[1], following, score=Decimal("75"), rank=1)

    # then staff read next month by default, partner 1 still its own latest (this month)
    assert [row["period"] for row in _snapshots(_client(acme.admin), measured.scorecard)] == [following.isoformat()]
    [own] = _snapshots(_client(acme.partner_admin), measured.scorecard)
    assert own["period"] == measured.period.isoformat()


def test_snapshots_written_by_the_scoring_engine_read_as_the_schema_says(acme):
    # given a scorecard of two manual KPIs (one hidden), measured by the engine
    as_of = date(2026, 6, 15)
    with tenant_scope(acme.tenant):
        tier = TierFactory(tenant=acme.tenant)
        for partner in acme.partners:
            EnrollmentFactory(tenant=acme.tenant, partner=partner, tier=tier)
        Enrollment.objects.filter(tier=tier).update(enrolled_at=timezone.make_aware(timezone.datetime(2024, 1, 1)))
        card = ScorecardFactory(tenant=acme.tenant, program=tier.program)
        shown, hidden = (ManualMetricFactory(tenant=acme.tenant, code=code, name=code.title()) for code in "ab")
        KpiFactory(tenant=acme.tenant, scorecard=card, metric=shown.registry_key, weight=50, target=100)
        KpiFactory(
            tenant=acme.tenant,
            scorecard=card,
            metric=hidden.registry_key,
            weight=50,
            target=10,
            visible_to_partner=False,
        )
        ManualMetricValueFactory(tenant=acme.tenant, metric=shown, partner=acme.partner, value=50, effective_on=as_of)
        ManualMetricValueFactory(tenant=acme.tenant, metric=hidden, partner=acme.partner, value=10, effective_on=as_of)
        scorecard_measure(scorecard=card, as_of=as_of)

    # then the staff key reads both partners (partner 2 measured nothing: score zero), every KPI
    rows = {row["partner"]: row for row in _snapshots(_client(acme.admin), card)}
    assert rows[acme.partner.pk]["score"] == "75.00"
    assert [(r["metric"], r["points"], r["max_points"]) for r in rows[acme.partner.pk]["results"]] == [
        (shown.registry_key, 25.0, 50.0),
        (hidden.registry_key, 50.0, 50.0),
    ]
    # and the partner only its own, with the KPI it sees
    [own] = _snapshots(_client(acme.partner_admin), card)
    assert [r["metric"] for r in own["results"]] == [shown.registry_key]
    assert (own["period"], own["score"]) == ("2026-06-01", "75.00")


# --- business plans --------------------------------------------------------------------------------


def test_a_partner_key_reads_its_plans_with_progress_and_never_another_partners(acme):
    ctx = SimpleNamespace(side=acme)
    with tenant_scope(acme.tenant):
        plans(ctx)
    partner, other = _client(acme.partner_admin), _client(acme.partner_admins[1])

    assert _ids(call(partner, "GET", PLANS)) == {ctx.plan.pk, ctx.agreed.pk}
    assert _ids(call(other, "GET", PLANS)) == set()
    missing = call(other, "GET", f"{PLANS}{ctx.plan.pk}/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"

    plan = _ok(call(partner, "GET", f"{PLANS}{ctx.plan.pk}/"))
    assert (plan["title"], plan["status"], plan["partner"]) == ("Matrix plan", PlanStatus.DRAFT, acme.partner.pk)
    kinds = {objective["kind"]: objective for objective in plan["objectives"]}
    assert set(kinds) == {ObjectiveKind.REVENUE, ObjectiveKind.CUSTOM}
    # revenue measured from the deals (none won: 0, behind the pace a third into the period)
    assert (kinds[ObjectiveKind.REVENUE]["value"], kinds[ObjectiveKind.REVENUE]["status"]) == ("0.00", "behind")
    assert (kinds[ObjectiveKind.CUSTOM]["value"], kinds[ObjectiveKind.CUSTOM]["status"]) == (None, "not_recorded")
    assert plan["progress"]["behind"] == 1 and plan["progress"]["as_of"] is not None

    staff = _client(acme.admin)
    assert _ids(call(staff, "GET", PLANS, {"status": PlanStatus.AGREED})) == {ctx.agreed.pk}
    assert _ids(call(staff, "GET", PLANS, {"partner": acme.partners[1].pk})) == set()
    assert _ok(call(staff, "GET", f"{PLANS}{ctx.agreed.pk}/"))["locked_at"] is not None


# --- relationship reviews --------------------------------------------------------------------------


def test_a_partner_key_reads_its_reviews_once_scheduled_with_ratings_and_actions(acme):
    ctx = SimpleNamespace(side=acme)
    reviews(ctx)  # partner 1: one held, one scheduled
    with tenant_scope(acme.tenant):
        due = review_create(actor=acme.manager, partner=acme.partners[1], title="Matrix due review")
    partner, other, staff = _client(acme.partner_admin), _client(acme.partner_admins[1]), _client(acme.admin)

    # a review only due is the vendor's to-do: partner 2 does not see it
    assert _ids(call(partner, "GET", REVIEWS)) == {ctx.held.pk, ctx.review.pk}
    assert _ids(call(other, "GET", REVIEWS)) == set()
    assert call(other, "GET", f"{REVIEWS}{due.pk}/").status_code == 404
    assert call(other, "GET", f"{REVIEWS}{ctx.held.pk}/").status_code == 404
    assert _ids(call(staff, "GET", REVIEWS)) == {ctx.held.pk, ctx.review.pk, due.pk}
    assert _ids(call(staff, "GET", REVIEWS, {"status": "due"})) == {due.pk}
    assert _ids(call(partner, "GET", REVIEWS, {"status": "held"})) == {ctx.held.pk}

    held = _ok(call(partner, "GET", f"{REVIEWS}{ctx.held.pk}/"))
    assert (held["status"], held["notes"], held["has_summary"]) == ("held", "Matrix notes", True)
    assert [(r["criterion"], r["rating"], r["comment"]) for r in held["ratings"]] == [
        ("quality", 4, "good"),
        ("delivery", 3, ""),
    ]
    assert [(a["title"], a["owner_side"], a["status"]) for a in held["actions"]] == [
        ("Matrix held action", "partner", "open")
    ]
    scheduled = _ok(call(partner, "GET", f"{REVIEWS}{ctx.review.pk}/"))
    assert (scheduled["status"], scheduled["location"], scheduled["ratings"]) == ("scheduled", "Room 1", [])
    assert scheduled["organizer"] == acme.manager.pk and scheduled["organizer_name"]
    assert _ok(call(staff, "GET", f"{REVIEWS}{due.pk}/"))["status"] == "due"


# --- the schema ---------------------------------------------------------------------------------


@pytest.fixture
def live_schema(acme):
    """The schema read from the app itself (as tests/api/test_schema_fuzz.py reads it)."""
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from prm.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application, headers={"Host": acme.host})
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("who", ["admin", "partner_admin"])
def test_filled_responses_keep_the_schema(acme, measured, live_schema, who):
    """The fuzz (test_schema_fuzz.py) meets empty lists here; these responses carry every field."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    ctx = SimpleNamespace(side=acme)
    with tenant_scope(acme.tenant):
        plans(ctx)
    reviews(ctx)
    key = issue_key(getattr(acme, who), scopes=["scorecards:read"])
    requests = [
        ("/api/v1/scorecards/", {}),
        ("/api/v1/scorecards/{id}/", {"id": measured.scorecard.pk}),
        ("/api/v1/scorecards/{id}/snapshots/", {"id": measured.scorecard.pk}),
        ("/api/v1/business-plans/", {}),
        ("/api/v1/business-plans/{id}/", {"id": ctx.plan.pk}),
        ("/api/v1/reviews/", {}),
        ("/api/v1/reviews/{id}/", {"id": ctx.held.pk}),
    ]
    for path, ids in requests:
        case = live_schema[path]["GET"].Case(path_parameters=ids)
        response = case.call(headers={"Authorization": f"Bearer {key}", "Host": acme.host})
        assert response.status_code == 200, (path, response.text[:300])
        assert response.json(), path
        case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))


# --- the scope -------------------------------------------------------------------------------------


def test_keys_are_offered_the_scope_and_a_key_without_it_is_refused(acme, client_for, measured):
    assert "scorecards:read" in scopes_for(acme.partner_admin)
    assert "scorecards:read" in scopes_for(acme.admin)
    page = client_for(acme.partner_admin).get(reverse("portal:integrations")).content.decode()
    assert 'value="scorecards:read"' in page

    without = api_client(issue_key(acme.admin, scopes=["partners:read"]), acme.tenant)
    for path in (SCORECARDS, f"{SCORECARDS}{measured.scorecard.pk}/snapshots/", PLANS, REVIEWS):
        refused = call(without, "GET", path)
        assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"


# --- query counts ----------------------------------------------------------------------------------

# A list page: the request's transaction and its end, the tenant's settings with the key, the page's
# rows; scorecards also their KPIs (one query), snapshots the scorecard with its KPIs and the month
# measured last; reviews their organizers in the same query as the rows.
PINNED = {"scorecards": 5, "snapshots": 7, "plans": 4, "reviews": 4}


def _more(acme, n: int, first=None):
    """Another scorecard on another program of acme partner 1 (with its snapshot this month), another
    partner measured on ``first``, another plan and another held review of partner 1."""
    period = this_month(acme.tenant)
    with tenant_scope(acme.tenant):
        tier = TierFactory(tenant=acme.tenant)
        EnrollmentFactory(tenant=acme.tenant, partner=acme.partner, tier=tier)
    card = make_scorecard(acme.tenant, program=tier.program, name=f"More {n}")
    snapshot(card, acme.partner, period, score=Decimal("10"), rank=1)
    if first is not None:
        snapshot(first, PartnerFactory(partner_type=acme.partner_type), period, score=Decimal("5"), rank=2)
    with tenant_scope(acme.tenant):
        draft(acme, f"Plan {n}")
        review = review_create(actor=acme.manager, partner=acme.partner, title=f"Review {n}")
        review_hold(actor=acme.manager, review=review, notes="", ratings={})
    return card


@pytest.mark.parametrize("who", ["admin", "partner_admin"])
def test_list_pages_cost_the_same_queries_for_one_row_as_for_many(acme, who, django_assert_num_queries):
    first = _more(acme, 0)
    paths = {
        "scorecards": SCORECARDS,
        "snapshots": f"{SCORECARDS}{first.pk}/snapshots/",
        "plans": PLANS,
        "reviews": REVIEWS,
    }
    client = _client(getattr(acme, who))

    for path in paths.values():
        call(client, "GET", path)  # warm: content types, the key's last use, the memoised membership
    for name, path in paths.items():
        with django_assert_num_queries(PINNED[name], info=name):
            assert len(call(client, "GET", path).json()["results"]) == 1, name
    for n in range(1, 4):
        _more(acme, n, first=first)
    call(client, "GET", PLANS)  # a new partner changed the tenant's memoised reference data
    for name, path in paths.items():
        with django_assert_num_queries(PINNED[name], info=name):
            rows = call(client, "GET", path).json()["results"]
        assert len(rows) == (1 if name == "snapshots" and who == "partner_admin" else 4), name
