"""The course editor's pages: the list (and its query budget), the course page with its previews,
the forms that keep what was typed when refused, read-only pages for staff who do not author."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from learning.models import Course, CourseVersion, Lesson, LessonKind, Question, VersionStatus
from learning.services.authoring import LessonContent, lesson_add
from prm.accounts.roles import Role
from prm.tenancy.scope import tenant_scope
from tests.conftest import make_client
from tests.factories import StaffMembershipFactory, TenantFactory
from tests.query_budget import assert_list_page, cost

from .factories import LearnerEnrollmentFactory, learning_course
from .isolation_authoring import drafted, pdf_upload, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(acme):
    return SimpleNamespace(side=acme)


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the list ----------------------------------------------------------------------------------------


def test_the_navigation_leads_staff_to_the_courses(acme):
    # the "Learning" dropdown of the main navigation opens with the course list
    page = html(make_client(acme.manager).get(reverse("office:dashboard")))
    assert re.search(r'data-bs-toggle="dropdown" aria-expanded="false">Learning</a>', page)
    assert f'<a class="dropdown-item" href="{reverse("office:learning_courses")}">Courses</a>' in page


def test_the_list_shows_versions_lessons_and_enrolments_and_filters(acme, ctx):
    # given a published course with a learner and a draft v2 with one lesson more
    drafted(ctx)
    LearnerEnrollmentFactory(tenant=acme.tenant, course=ctx.course, version=ctx.version, learner=acme.sales_rep)
    with tenant_scope(acme.tenant):
        lesson_add(actor=acme.admin, version=ctx.draft, content=LessonContent(title="Extra", kind="text", body="x"))
    other = learning_course(acme.tenant, title="Onboarding partners")
    # when marketing opens the list
    page = html(make_client(acme.marketing).get(reverse("office:learning_courses")))
    # then the row says published v1, draft v2, the draft's 3 lessons and the one enrolment
    row = re.search(rf'<tr id="course-{ctx.course.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "v1 published" in row and "v2 draft" in row
    assert re.findall(r'<td class="text-end">(\d+)</td>', row) == ["3", "1"]
    assert "New course" in page
    # and a search by title narrows it
    found = html(make_client(acme.marketing).get(reverse("office:learning_courses"), {"q": "onboard"}))
    assert "Onboarding partners" in found and "Matrix Course" not in found
    archived = html(make_client(acme.marketing).get(reverse("office:learning_courses"), {"status": "archived"}))
    assert "No course matches these filters." in archived
    assert other.pk


def test_staff_who_do_not_author_see_no_editor_buttons(acme, ctx):
    drafted(ctx)
    listing = html(make_client(acme.manager).get(reverse("office:learning_courses")))
    assert "Matrix Course" in listing and "New course" not in listing
    page = html(make_client(acme.manager).get(reverse("office:learning_course", args=[ctx.course.pk])))
    assert "Version 2 is a draft" in page
    for button in ("Add a lesson", "Publish version", "Edit content", "Archive", "Add a question"):
        assert button not in page
    # and the forms are closed to them
    form = reverse("office:learning_lesson_add", args=[ctx.course.pk, ctx.draft.pk])
    assert make_client(acme.manager).get(form).status_code == 403


def _courses(n):
    tenant = TenantFactory()
    viewer = StaffMembershipFactory(tenant=tenant, role=Role.MARKETING)
    for i in range(n):
        course = learning_course(tenant, title=f"Course {i:03d}", lessons=1, questions=1)
        LearnerEnrollmentFactory(tenant=tenant, course=course, version=course.published_version)
    return viewer, reverse("office:learning_courses")


def test_the_list_costs_the_same_for_5_and_30_courses(no_queries_from_templates):
    # one query for the page's rows (the counts are subqueries), one for the count, and the
    # request's own (user, scope savepoint and release, the menu's capabilities)
    assert_list_page(
        cost(*_courses(5)), cost(*_courses(30)), pinned=5, row=r'<tr id="course-\d+">', rows=(5, 25), what="courses"
    )


# --- the course page ---------------------------------------------------------------------------------


def test_the_course_page_previews_lessons_safely(acme, ctx):
    # given a draft with a text lesson whose stored body carries a script (written around the
    # service: the page cleans it again), a YouTube lesson and a download
    drafted(ctx)
    with tenant_scope(acme.tenant):
        Lesson.objects.filter(pk=ctx.lesson.pk).update(body="<p>Kept</p><script>alert('x')</script>")
        lesson_add(
            actor=acme.admin,
            version=ctx.draft,
            content=LessonContent(
                title="Watch", kind=LessonKind.VIDEO, video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"
            ),
        )
        download = lesson_add(
            actor=acme.admin, version=ctx.draft, content=LessonContent(title="Prices", kind="file", file=pdf_upload())
        )
    # when an author opens the course
    page = html(make_client(acme.marketing).get(reverse("office:learning_course", args=[ctx.course.pk])))
    # then the text is shown without its script, the video in a sandboxed privacy player
    assert "<p>Kept</p>" in page and "alert('x')" not in page
    assert (
        '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" title="Watch" '
        'sandbox="allow-scripts allow-same-origin allow-presentation"'
    ) in page
    # and the download is offered to staff, as an attachment
    file_url = reverse("office:learning_lesson_file", args=[ctx.course.pk, download.pk])
    assert file_url in page and "Download Price list.pdf" in page
    response = make_client(acme.manager).get(file_url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith(
        'attachment; filename="price-list.pdf"'
    )
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_an_older_version_is_shown_read_only(acme, ctx):
    drafted(ctx)
    page = html(
        make_client(acme.admin).get(
            reverse("office:learning_course", args=[ctx.course.pk]), {"version": ctx.version.pk}
        )
    )
    assert "Version 1 is published: it is never changed" in page and "Add a lesson" not in page


def test_edit_content_then_publish_from_the_page(acme, ctx):
    published(ctx)
    client = make_client(acme.marketing)
    response = client.post(reverse("office:learning_course_draft", args=[ctx.course.pk]), follow=True)
    page = html(response)
    assert "You are editing version 2 (a draft)" in page and "Publish version 2" in page
    with tenant_scope(acme.tenant):
        draft = CourseVersion.objects.get(course=ctx.course, status=VersionStatus.DRAFT)
    response = client.post(
        reverse("office:learning_course_publish", args=[ctx.course.pk]), {"version": draft.pk}, follow=True
    )
    assert "Version 2 of Matrix Course is published" in html(response)
    # a second press (a stale page) is told, not published twice
    again = client.post(reverse("office:learning_course_publish", args=[ctx.course.pk]), {"version": draft.pk})
    assert again.status_code == 200 and "published by someone else" in again.content.decode()


# --- forms keep what was typed -----------------------------------------------------------------------


def test_a_refused_video_lesson_comes_back_with_what_was_typed(acme, ctx):
    drafted(ctx)
    url = reverse("office:learning_lesson_add", args=[ctx.course.pk, ctx.draft.pk])
    response = make_client(acme.marketing).post(
        url,
        {
            "title": "Our keynote",
            "kind": "video",
            "body": "<p>Watch the keynote</p>",
            "video_url": "https://videos.example.com/keynote",
            "duration_minutes": "12",
        },
    )
    page = html(response)
    assert "Only YouTube and Vimeo videos can be embedded" in page
    assert 'value="Our keynote"' in page and 'value="https://videos.example.com/keynote"' in page
    assert "&lt;p&gt;Watch the keynote&lt;/p&gt;" in page
    assert re.search(r'<input type="radio" name="kind" value="video"[^>]*checked', page)
    with tenant_scope(acme.tenant):
        assert not Lesson.objects.filter(title="Our keynote").exists()


def test_a_single_choice_question_with_two_right_answers_comes_back_as_typed(acme, ctx):
    drafted(ctx)
    url = reverse("office:learning_question_add", args=[ctx.course.pk, ctx.draft.pk])
    data = {
        "text": "What do we sell?",
        "kind": "single",
        "explanation": "",
        "answer_0_text": "Firewalls",
        "answer_0_correct": "on",
        "answer_1_text": "Routers",
        "answer_1_correct": "on",
        "answer_2_text": "Toasters",
    }
    page = html(make_client(acme.admin).post(url, data))
    assert "exactly one correct answer; this one has 2" in page
    assert "What do we sell?" in page and 'value="Toasters"' in page
    assert re.search(r'name="answer_1_correct"[^>]*checked', page)
    with tenant_scope(acme.tenant):
        assert not Question.objects.filter(text="What do we sell?").exists()
    # corrected, it is added to the bank
    response = make_client(acme.admin).post(url, {**data, "answer_1_correct": ""})
    assert response.status_code == 302
    with tenant_scope(acme.tenant):
        assert Question.objects.get(text="What do we sell?").choices.filter(is_correct=True).count() == 1


def test_a_taken_code_keeps_the_new_course_form_as_typed(acme, ctx):
    published(ctx)
    response = make_client(acme.marketing).post(
        reverse("office:learning_course_create"),
        {"title": "Another one", "code": ctx.course.code, "level": "intro", "duration_minutes": "15"},
    )
    page = html(response)
    assert f"Another course already has the code {ctx.course.code}." in page and 'value="Another one"' in page
    # and a new code creates it, with version 1 to fill
    response = make_client(acme.marketing).post(
        reverse("office:learning_course_create"),
        {"title": "Another one", "code": "another-one", "level": "intro", "duration_minutes": "15"},
    )
    with tenant_scope(acme.tenant):
        course = Course.objects.get(code="another-one")
    assert response["Location"] == reverse("office:learning_course", args=[course.pk])


def test_editing_a_lesson_of_a_version_published_meanwhile_is_refused_with_the_reason(acme, ctx):
    # given an author with the draft's lesson form open, and another author publishing the draft
    drafted(ctx)
    make_client(acme.admin).post(
        reverse("office:learning_course_publish", args=[ctx.course.pk]), {"version": ctx.draft.pk}
    )
    # when the first author saves the lesson
    response = make_client(acme.marketing).post(
        reverse("office:learning_lesson_edit", args=[ctx.course.pk, ctx.lesson.pk]),
        {"title": "Late change", "kind": "text", "body": "<p>Late</p>", "duration_minutes": "0"},
    )
    # then the form comes back with the reason and what was typed; the published version is intact
    page = html(response)
    assert "a published version is never changed" in page and 'value="Late change"' in page
    with tenant_scope(acme.tenant):
        assert Lesson.objects.get(pk=ctx.lesson.pk).title != "Late change"


def test_the_filters_swap_only_the_results_for_htmx(acme, ctx):
    published(ctx)
    response = make_client(acme.manager).get(
        reverse("office:learning_courses"), {"q": "matrix"}, HTTP_HX_REQUEST="true"
    )
    fragment = html(response)
    assert fragment.lstrip().startswith('<div id="results">') and "Matrix Course" in fragment
    assert "<html" not in fragment


def test_the_course_history_names_what_happened(acme, ctx):
    drafted(ctx)
    make_client(acme.marketing).post(
        reverse("office:learning_course_publish", args=[ctx.course.pk]), {"version": ctx.draft.pk}
    )
    page = html(make_client(acme.manager).get(reverse("office:learning_course", args=[ctx.course.pk])))
    assert "Published version 2 of Matrix Course." in page and "Started version 2 of Matrix Course." in page
