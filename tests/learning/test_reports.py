"""The learning reports (back office) and the partner admin's team page: the figures on a small
world with known answers, the CSV export, isolation of the team page, and pinned query counts."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from learning.models import QuizAttempt
from learning.selectors import reports as reports_selectors
from prm.tenancy.scope import platform_scope

from ..conftest import body, csv_rows, make_client
from ..query_budget import cost
from .factories import CourseFactory
from .reports_setup import attempt, enrol, learning_world

REPORTS = "/office/learning/reports/"
EXPORT = "/office/learning/reports/export/"
TEAM = "/portal/learning/team/"


@pytest.fixture
def lw(world):
    ctx = SimpleNamespace(side=world.acme, world=world)
    learning_world(ctx)
    # Globex has its own learners: nothing of theirs may show on acme's pages.
    other = SimpleNamespace(side=world.globex, world=world)
    learning_world(other)
    ctx.globex = other
    return ctx


def _table(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


def _export(client, report: str, query: str = "") -> list[list[str]]:
    return csv_rows(client.get(f"{EXPORT}?report={report}{'&' + query if query else ''}"))


# --- the back office's figures --------------------------------------------------------------------


def test_completion_and_pass_rates_by_course(lw):
    client = make_client(lw.side.manager)
    rows = {row[0]: row[1:] for row in _export(client, "courses")[1:]}
    # Selling: 3 enrolled, 2 completed; 4 finished attempts (the open one does not count); of the
    # 3 who took the quiz, 1 passed at the first attempt and 2 passed; best scores 100, 100, 0.
    assert rows["Selling the platform"] == ["3", "2", "66.7", "4", "3", "33.3", "66.7", "66.7"]
    # Engineering: Bo alone, half-way, no quiz taken: no pass rate, no score.
    assert rows["Engineering the platform"] == ["1", "0", "0.0", "0", "0", "", "", ""]
    page = body(client.get(REPORTS))
    table = _table(page, "by-course")
    assert "Selling the platform" in table and "66.7" in table
    assert "Globex" not in page


def test_rates_by_partner_and_region(lw):
    client = make_client(lw.side.manager)
    partners = {row[0]: row[1:4] for row in _export(client, "partners")[1:]}
    assert partners == {"Acme Partner 1": ["3", "2", "66.7"], "Acme Partner 2": ["1", "0", "0.0"]}
    regions = {row[0]: row[1:4] for row in _export(client, "regions")[1:]}
    assert regions == {"Europe, Middle East and Africa": ["3", "2", "66.7"], "North America": ["1", "0", "0.0"]}


def test_the_filters_narrow_the_figures(lw):
    client = make_client(lw.side.manager)
    course = lw.learning.selling.pk
    rows = _export(client, "partners", f"course={course}&region=NA")
    assert [row[:3] for row in rows[1:]] == [["Acme Partner 2", "1", "0"]]
    rows = _export(client, "courses", "partner_name=partner 1")
    assert {row[0]: row[1] for row in rows[1:]} == {"Selling the platform": "2", "Engineering the platform": "1"}
    # A course of another tenant is no filter (and no error): the figures are the whole tenant's.
    globex_course = lw.globex.learning.selling.pk
    response = client.get(f"{REPORTS}?course={globex_course}&period=nonsense")
    assert response.status_code == 200
    assert "Engineering the platform" in _table(body(response), "by-course")


def test_certified_people_and_competencies_by_partner(lw):
    client = make_client(lw.side.manager)
    rows = {row[0]: row[1:] for row in _export(client, "certified")[1:]}
    # Partner 1: its admin, its sales rep and Ana are certified; it holds the networking competency.
    assert rows["Acme Partner 1"] == ["3", "3", "1", "Networking competency"]
    assert rows["Acme Partner 2"] == ["1", "1", "0", ""]
    page = body(client.get(REPORTS))
    assert "4 certified people holding 4 active certificates" in " ".join(page.split())


def test_a_person_who_left_stops_counting_for_the_company(lw):
    with platform_scope():
        lw.side.sales[1].is_active = False
        lw.side.sales[1].save(update_fields=["is_active"])
    rows = {row[0]: row[1:] for row in _export(make_client(lw.side.manager), "certified")[1:]}
    assert "Acme Partner 2" not in rows


def test_certificates_expiring_in_30_60_90_days(lw):
    client = make_client(lw.side.manager)
    page = " ".join(body(client.get(REPORTS)).split())
    assert "Next 30 days: <strong>1</strong>" in page
    assert "Next 60 days: <strong>2</strong>" in page
    assert "Next 90 days: <strong>3</strong>" in page
    listed = _table(body(client.get(f"{REPORTS}?horizon=60")), "expiring")
    assert listed.count("<tr>") == 3  # the header and two certificates
    holders = [row[0] for row in _export(client, "expiring", "horizon=90")[1:]]
    soon, mid, late = (lw.learning.certificates[name] for name in ("soon", "mid", "late"))
    assert holders == [soon.holder_name, mid.holder_name, late.holder_name]
    assert [row[0] for row in _export(client, "expiring", "horizon=90&region=NA")[1:]] == [late.holder_name]


def test_quiz_item_analysis_counts_misses_over_submitted_attempts(lw):
    client = make_client(lw.side.manager)
    rows = _export(client, "items")
    assert rows[0] == ["Course", "Version", "Question", "Times asked", "Times missed", "Miss rate (%)"]
    # Selling's question 1 was asked in 4 submitted attempts and missed in 2; question 2 missed once.
    assert rows[1] == ["Selling the platform", "1", "Selling the platform: question 1?", "4", "2", "50.0"]
    assert rows[2] == ["Selling the platform", "1", "Selling the platform: question 2?", "4", "1", "25.0"]
    assert len(rows) == 3
    assert "Selling the platform: question 1?" in _table(body(client.get(REPORTS)), "items")


def test_the_page_and_its_export_show_the_same_rows(lw):
    client = make_client(lw.side.manager)
    table = _table(body(client.get(REPORTS)), "by-partner")
    for partner, enrolled, *_ in _export(client, "partners")[1:]:
        assert partner in table
        assert f'<td class="text-end">{enrolled}</td>' in table


def test_the_export_escapes_formulas(lw):
    with platform_scope():
        course = lw.learning.selling
        course.title = '=HYPERLINK("http://evil")'
        course.save(update_fields=["title"])
    rows = _export(make_client(lw.side.manager), "courses")
    assert ['\'=HYPERLINK("http://evil")', "3"] in [row[:2] for row in rows]


def test_an_unknown_report_is_not_found(lw):
    assert make_client(lw.side.manager).get(f"{EXPORT}?report=everything").status_code == 404


def test_an_empty_tenant_shows_empty_states(world):
    page = body(make_client(world.acme.manager).get(REPORTS))
    assert "No quiz attempt has been submitted yet." in page
    assert "No certificate expires in this period." in page


# --- the partner admin's team page ----------------------------------------------------------------


def test_the_team_page_shows_the_companys_people_and_their_certificates(lw):
    page = body(make_client(lw.side.partner_admin).get(TEAM))
    people = _table(page, "team-people")
    for name in ("Ana Engineer", "Bo Builder", "Cy Newcomer", lw.side.sales[0].user.email):
        assert name in people
    # Partner 2's people, and globex's, are never on it.
    assert lw.side.sales[1].user.email not in page
    assert lw.globex.side.sales[0].user.email not in page
    assert "Globex" not in page
    # Ana: no course in progress, one completed, a certificate outside its renewal window.
    start = people.index("Ana Engineer")
    ana = people[start : people.index("</tr>", start)]
    assert re.findall(r'<td class="text-end">(\d+)</td>', ana) == ["0", "1", "1", "0", "0"]
    # Her sales colleague's certificate expires in 10 days: inside the 60-day window.
    start = people.index(lw.side.sales[0].user.email)
    sales = people[start : people.index("</tr>", start)]
    assert 'badge text-bg-warning">1<' in sales


def test_the_team_page_says_whom_to_certify_next(lw):
    page = " ".join(body(make_client(lw.side.partner_admin).get(TEAM)).split())
    needs = page[page.index('id="tier-needs"') : page.index('id="people-title"')]
    assert "To reach Gold in Partner Program" in needs
    assert "People certified in <strong>engineer</strong>: 3 of 5." in needs
    assert "2 more people needed." in needs
    # Bo is half-way through the required course, Cy has not started: Bo first. The certified are not candidates.
    assert needs.index("Bo Builder") < needs.index("Cy Newcomer")
    assert "Ana Engineer" not in needs
    assert "Competencies held: 1 of 2." in needs
    competencies = page[page.index('id="team-competencies"') :]
    assert "Networking competency" in competencies and "Held since" in competencies
    assert "Certified Engineer: 3 of 3 people certified" in competencies


def test_the_team_page_of_a_company_with_nothing_yet(world):
    page = body(make_client(world.acme.partner_admins[1]).get(TEAM))
    assert "Your tiers ask for no certified people or competencies that you are missing." in page
    assert "No competency is defined yet." in page


def test_only_partner_admins_open_the_team_page(lw):
    assert make_client(lw.side.sales[0]).get(TEAM).status_code == 403
    assert make_client(lw.side.manager).get(TEAM).status_code == 404
    assert make_client(lw.side.partner_admin).get(REPORTS).status_code == 404


# --- query counts ---------------------------------------------------------------------------------


def _more_learners(ctx, count: int) -> None:
    """``count`` more enrolments with attempts, a course and a certificate each: more rows, same queries."""
    for n in range(count):
        course = CourseFactory(tenant=ctx.side.tenant, title=f"Extra course {n}", status="published")
        del course
    selling = ctx.learning.selling
    questions = list(ctx.learning.questions.values())[:2]
    for member in (ctx.learning.cy, ctx.side.partner_admin):
        enrolment = enrol(member, selling, progress=10)
        attempt(enrolment, number=1, asked=questions, missed=questions[:1], passed=False)


def test_the_report_page_costs_a_fixed_number_of_queries(lw, no_queries_from_templates, monkeypatch):
    # Computed on every request (no figures kept): the same statements for few rows as for many.
    monkeypatch.setattr(reports_selectors, "REPORT_TTL", 0)
    few = cost(lw.side.manager, REPORTS)
    _more_learners(lw, 12)
    many = cost(lw.side.manager, REPORTS)
    assert few.queries == many.queries, many.sql
    assert many.queries == 10, many.sql


def test_the_report_page_keeps_its_figures_a_few_minutes(lw, no_queries_from_templates):
    client = make_client(lw.side.manager)
    first = _table(body(client.get(REPORTS)), "by-course")
    warm = cost(lw.side.manager, REPORTS)
    # the user, the course options, the live list of certificates expiring (count and page)
    assert warm.queries == 6, warm.sql
    _more_learners(lw, 0)
    assert _table(body(client.get(REPORTS)), "by-course") == first
    assert "Figures as of" in warm.html
    # The export is computed afresh: Cy and the partner admin enrolled since.
    assert {row[0]: row[1] for row in _export(client, "courses")[1:]}["Selling the platform"] == "5"


def test_the_team_page_costs_a_fixed_number_of_queries(lw, no_queries_from_templates):
    few = cost(lw.side.partner_admin, TEAM)
    _more_learners(lw, 3)
    with platform_scope():
        assert QuizAttempt.objects.count() > 0
    many = cost(lw.side.partner_admin, TEAM)
    assert few.queries == many.queries, many.sql
    assert many.queries == 10, many.sql


def test_the_menu_links_the_pages(lw):
    assert reverse("office:learning_reports") in body(make_client(lw.side.manager).get(REPORTS))
    assert reverse("portal:learning_team") in body(make_client(lw.side.partner_admin).get("/portal/"))


def test_another_partners_admin_sees_none_of_partner_1s_people(lw):
    page = body(make_client(lw.side.partner_admins[1]).get(TEAM))
    for name in ("Ana Engineer", "Bo Builder", "Cy Newcomer", lw.side.sales[0].user.email, "To reach Gold"):
        assert name not in page
    assert lw.side.sales[1].user.email in page


def test_a_requirement_not_measured_yet_asks_nobody_to_train(lw):
    from programs.models import TierStanding

    with platform_scope():
        standing = TierStanding.objects.get(partner=lw.side.partner)
        standing.results = [{**result, "available": False, "met": False} for result in standing.results]
        standing.save(update_fields=["results"])
    page = body(make_client(lw.side.partner_admin).get(TEAM))
    assert "To reach Gold" not in page
    assert "Your tiers ask for no certified people or competencies that you are missing." in page
