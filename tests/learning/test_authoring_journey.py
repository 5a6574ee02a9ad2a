"""Journey: channel marketing builds a course in the browser (details, a lesson, a quiz question,
the quiz's rules), publishes it, and every page of the editor on the way passes axe-core (the
isolation walk's accessibility journey sees only GET pages; the editor's forms are checked here).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learning.models import Course, CourseStatus, VersionStatus
from prm.tenancy.scope import tenant_scope
from tests.conftest import build_side
from tests.journeys.conftest import (  # noqa: F401  (fixtures, used by name)
    BLOCKING,
    axe_violations,
    can_sign_in,
    journey_browser,
    open_page,
    sign_in,
    tenant_url,
)

pytestmark = pytest.mark.journey


@pytest.fixture
def acme(live_server):
    return build_side("acme", "Acme")


def test_marketing_builds_and_publishes_a_course_on_accessible_pages(acme, open_page, tenant_url):  # noqa: F811
    found: dict[str, list] = {}

    def check(label: str) -> None:
        found[label] = [v for v in axe_violations(page) if v["impact"] in BLOCKING]

    # Given channel marketing, signed in to the back office
    page = open_page(tenant_url(acme.tenant))
    sign_in(page, can_sign_in(acme.marketing).user.email)
    # When they open Learning and create a course
    main = page.get_by_role("navigation", name="Main")
    main.get_by_role("button", name="Learning").click()
    main.get_by_role("link", name="Courses").click()
    expect(page.get_by_role("heading", level=1, name="Courses")).to_be_visible()
    check("courses (empty)")
    page.get_by_role("link", name="New course").click()
    check("new course")
    page.get_by_label("Title").fill("Firewall basics")
    page.get_by_label("Code").fill("firewall-basics")
    page.get_by_label("Technical").check()
    page.get_by_role("button", name="Create the course").click()
    expect(page.get_by_text("Firewall basics is created as a draft")).to_be_visible()
    # and add a text lesson (the script in it is dropped)
    page.get_by_role("link", name="Add a lesson").click()
    check("new lesson")
    page.get_by_label("Title").fill("What a firewall does")
    page.get_by_role("textbox", name="Lesson text").fill(
        "<h2>Rules</h2><p>It filters traffic.</p><script>alert(1)</script>"
    )
    page.get_by_label("Duration in minutes").fill("10")
    page.get_by_role("button", name="Add the lesson").click()
    expect(page.get_by_role("heading", name="Rules")).to_be_visible()
    # and a question: two answers marked right is refused, then one is unmarked
    page.get_by_role("link", name="Add a question").click()
    check("new question")
    page.get_by_role("textbox", name="Question", exact=True).fill("What does a firewall filter?")
    page.get_by_label("Answer 1", exact=True).fill("Traffic")
    page.get_by_label("Correct (Answer 1)").check()
    page.get_by_label("Answer 2", exact=True).fill("Coffee")
    page.get_by_label("Correct (Answer 2)").check()
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("exactly one correct answer; this one has 2")).to_be_visible()
    check("new question (refused)")
    expect(page.get_by_label("Answer 2", exact=True)).to_have_value("Coffee")
    page.get_by_label("Correct (Answer 2)").uncheck()
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("The question is added to the bank.")).to_be_visible()
    # and sets the quiz's rules
    page.get_by_role("link", name="Quiz rules").click()
    check("quiz rules")
    page.get_by_label("Pass mark (%)").fill("100")
    page.get_by_role("button", name="Save the quiz rules").click()
    expect(page.get_by_text("The quiz rules of version 1 are saved.")).to_be_visible()
    check("course (draft)")
    # and publishes it
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_text("Version 1 of Firewall basics is published")).to_be_visible()
    check("course (published)")
    # Then the course is published with its lesson and question, and no page had a serious or
    # critical accessibility problem
    with tenant_scope(acme.tenant):
        course = Course.objects.select_related("published_version").get(code="firewall-basics")
        assert course.status == CourseStatus.PUBLISHED and course.audience_roles == ["technical"]
        assert course.published_version.status == VersionStatus.PUBLISHED
        assert course.published_version.pass_mark_percent == 100
        assert "<script" not in course.published_version.lessons.get().body
    assert {label: problems for label, problems in found.items() if problems} == {}
