"""The course editor's services: versions (a published version is never edited; learners stay on
theirs), lessons of each kind judged on save, the quiz bank's rules, publishing, prerequisites,
and who may author."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from learning import events
from learning.models import (
    Choice,
    Course,
    CoursePrerequisite,
    CourseStatus,
    CourseVersion,
    Enrollment,
    Lesson,
    LessonKind,
    Question,
    QuestionKind,
    VersionStatus,
)
from learning.services.authoring import (
    DOWN,
    UP,
    LessonContent,
    course_archive,
    course_create,
    course_draft,
    course_publish,
    course_update,
    lesson_add,
    lesson_delete,
    lesson_move,
    lesson_update,
    question_add,
    question_update,
    quiz_settings_update,
)
from prm.errors import CrossTenantReference, InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.concurrency import race

from .factories import LearnerEnrollmentFactory, learning_course
from .isolation_authoring import pdf_upload

pytestmark = pytest.mark.django_db

RIGHT_WRONG = [("Right", True), ("Wrong", False)]


@pytest.fixture
def scope(acme):
    with tenant_scope(acme.tenant):
        yield


def _new_course(actor, code="partner-basics", title="Partner basics"):
    return course_create(actor=actor, code=code, title=title, summary="The basics.")


def _text(title="Welcome", body="<p>Hello</p>"):
    return LessonContent(title=title, kind=LessonKind.TEXT, body=body)


# --- versions ----------------------------------------------------------------------------------------


def test_a_new_course_is_a_draft_with_an_empty_first_version(acme, scope):
    # when channel marketing creates a course
    course = _new_course(acme.marketing)
    # then it is a draft with version 1 (a draft to fill), and the creation is on its history
    assert course.status == CourseStatus.DRAFT and course.published_version is None
    assert list(CourseVersion.objects.filter(course=course).values_list("number", "status")) == [(1, "draft")]
    assert Event.objects.filter(verb=events.COURSE_CREATED, object_id=course.pk).count() == 1


def test_editing_a_published_course_makes_a_draft_copy_and_learners_stay_on_their_version(acme, scope):
    # given a published course (v1: two lessons, two questions) and a learner in progress on v1
    course = learning_course(acme.tenant, title="Selling")
    v1 = course.published_version
    enrolment = LearnerEnrollmentFactory(tenant=acme.tenant, course=course, version=v1, learner=acme.sales_rep)
    v1_lessons = list(Lesson.objects.filter(version=v1).order_by("position").values_list("pk", "title", "body"))
    # when marketing edits the content
    draft = course_draft(actor=acme.marketing, course=course)
    # then version 2 is a draft with copies of v1's lessons, questions and answers (new rows)
    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    copied = list(Lesson.objects.filter(version=draft).order_by("position"))
    assert [lesson.title for lesson in copied] == [title for _pk, title, _body in v1_lessons]
    assert not {lesson.pk for lesson in copied} & {pk for pk, _t, _b in v1_lessons}
    assert Question.objects.filter(version=draft).count() == 2
    assert Choice.objects.filter(question__version=draft, is_correct=True).count() == 2
    # and opening the editor again (another editor) continues the same draft
    assert course_draft(actor=acme.admin, course=course).pk == draft.pk
    # when the draft's first lesson is rewritten and the draft published
    lesson_update(actor=acme.marketing, lesson=copied[0], content=_text("Selling, new", "<p>New text</p>"))
    published = course_publish(actor=acme.marketing, course=course)
    # then v2 is what new enrolments take, v1 is retired and unchanged, and the learner stays on v1
    course.refresh_from_db()
    v1.refresh_from_db()
    assert course.published_version_id == published.pk == draft.pk and course.status == CourseStatus.PUBLISHED
    assert v1.status == VersionStatus.RETIRED
    assert list(Lesson.objects.filter(version=v1).order_by("position").values_list("pk", "title", "body")) == v1_lessons
    assert Enrollment.objects.get(pk=enrolment.pk).version_id == v1.pk
    [event] = Event.objects.filter(verb=events.COURSE_PUBLISHED, object_id=course.pk)
    assert (event.from_state, event.to_state, event.data["number"]) == ("published", "published", 2)


def test_a_published_version_is_never_edited(acme, scope):
    # given a published course
    course = learning_course(acme.tenant)
    v1 = course.published_version
    lesson = Lesson.objects.filter(version=v1).first()
    # when an author tries to change its version directly
    # then each change is refused, saying how to edit it
    with pytest.raises(InvalidTransition, match="never changed"):
        lesson_add(actor=acme.admin, version=v1, content=_text())
    with pytest.raises(InvalidTransition, match="Edit the course's content"):
        lesson_update(actor=acme.admin, lesson=lesson, content=_text("Changed"))
    with pytest.raises(InvalidTransition):
        question_add(actor=acme.admin, version=v1, text="New?", choices=RIGHT_WRONG)
    with pytest.raises(InvalidTransition):
        quiz_settings_update(actor=acme.admin, version=v1, pass_mark_percent=10)
    assert Lesson.objects.get(pk=lesson.pk).title == lesson.title
    assert Lesson.objects.filter(version=v1).count() == 2


# --- lessons -----------------------------------------------------------------------------------------


def test_a_lesson_text_loses_its_scripts_when_saved(acme, scope):
    # given a course's draft
    course = _new_course(acme.marketing)
    draft = course_draft(actor=acme.marketing, course=course)
    # when a lesson is written with a script, an event handler and a javascript: link
    body = (
        '<h2>Intro</h2><p onclick="steal()">Read <a href="javascript:alert(1)">this</a></p>'
        "<script>alert(document.cookie)</script><img src=x onerror=alert(1)><iframe src='https://evil.example'></iframe>"
    )
    lesson = lesson_add(actor=acme.marketing, version=draft, content=_text("Intro", body))
    # then what is stored keeps the text and none of the active content
    stored = Lesson.objects.get(pk=lesson.pk).body
    assert "<h2>Intro</h2>" in stored and "Read" in stored
    for bad in ("<script", "onclick", "onerror", "javascript:", "<iframe", "alert(document.cookie)"):
        assert bad not in stored


def test_a_video_from_another_host_is_refused_and_youtube_is_kept(acme, scope):
    course = _new_course(acme.marketing)
    draft = course_draft(actor=acme.marketing, course=course)
    # when a video lesson points at a host that is not allowed
    with pytest.raises(PolicyViolation, match="Only YouTube and Vimeo videos can be embedded"):
        lesson_add(
            actor=acme.marketing,
            version=draft,
            content=LessonContent(title="Demo", kind=LessonKind.VIDEO, video_url="https://evil.example/watch?v=abc"),
        )
    # then nothing is saved; a YouTube link is accepted as typed
    assert not Lesson.objects.filter(version=draft).exists()
    lesson = lesson_add(
        actor=acme.marketing,
        version=draft,
        content=LessonContent(title="Demo", kind=LessonKind.VIDEO, video_url="https://youtu.be/dQw4w9WgXcQ"),
    )
    assert lesson.video_url == "https://youtu.be/dQw4w9WgXcQ"


def test_a_download_lesson_is_judged_by_its_content_and_keeps_its_name(acme, scope):
    course = _new_course(acme.marketing)
    draft = course_draft(actor=acme.marketing, course=course)
    # when a "PDF" that is a page is uploaded, it is refused
    fake = SimpleUploadedFile("prices.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    with pytest.raises(PolicyViolation, match="PDF, PNG or JPEG"):
        lesson_add(actor=acme.marketing, version=draft, content=LessonContent(title="Prices", kind="file", file=fake))
    # a file lesson needs a file
    with pytest.raises(PolicyViolation, match="Choose the file"):
        lesson_add(actor=acme.marketing, version=draft, content=LessonContent(title="Prices", kind="file"))
    # and a real PDF is stored under a random name, its original name kept to show
    lesson = lesson_add(
        actor=acme.marketing, version=draft, content=LessonContent(title="Prices", kind="file", file=pdf_upload())
    )
    assert lesson.file_name == "Price list.pdf"
    assert lesson.file.name.startswith("private/lesson/") and lesson.file.name.endswith(".pdf")
    # and editing it without a new file keeps the file
    kept = lesson_update(actor=acme.marketing, lesson=lesson, content=LessonContent(title="Price list", kind="file"))
    assert kept.file.name == lesson.file.name and kept.title == "Price list"


def test_lessons_move_and_close_ranks_when_one_is_removed(acme, scope):
    course = _new_course(acme.marketing)
    draft = course_draft(actor=acme.marketing, course=course)
    first, second, third = (lesson_add(actor=acme.admin, version=draft, content=_text(t)) for t in "ABC")

    def order():
        return list(Lesson.objects.filter(version=draft).order_by("position").values_list("title", flat=True))

    lesson_move(actor=acme.admin, lesson=third, direction=UP)
    assert order() == ["A", "C", "B"]
    lesson_move(actor=acme.admin, lesson=first, direction=UP)  # already first: stays
    assert order() == ["A", "C", "B"]
    lesson_move(actor=acme.admin, lesson=first, direction=DOWN)
    assert order() == ["C", "A", "B"]
    lesson_delete(actor=acme.admin, lesson=third)
    assert list(Lesson.objects.filter(version=draft).order_by("position").values_list("title", "position")) == [
        ("A", 0),
        ("B", 1),
    ]
    with pytest.raises(InvalidTransition, match="already removed"):
        lesson_delete(actor=acme.admin, lesson=third)
    assert second.pk


# --- the quiz ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "choices", "message"),
    [
        (QuestionKind.SINGLE, [("A", True), ("B", True), ("C", False)], "exactly one correct answer; this one has 2"),
        (QuestionKind.SINGLE, [("A", False), ("B", False)], "exactly one correct answer; this one has 0"),
        (QuestionKind.MULTIPLE, [("A", False), ("B", False)], "at least one answer as correct"),
        (QuestionKind.SINGLE, [("A", True), ("", False), ("  ", False)], "at least two answers"),
    ],
)
def test_a_question_breaking_the_rules_is_refused_and_nothing_is_saved(acme, scope, kind, choices, message):
    course = _new_course(acme.marketing)
    draft = course_draft(actor=acme.marketing, course=course)
    with pytest.raises(PolicyViolation, match=message):
        question_add(actor=acme.marketing, version=draft, text="Which?", kind=kind, choices=choices)
    assert not Question.objects.filter(version=draft).exists() and not Choice.objects.exists()


def test_a_question_is_saved_with_its_answers_and_replaced_on_edit(acme, scope):
    course = _new_course(acme.marketing)
    draft = course_draft(actor=acme.marketing, course=course)
    question = question_add(
        actor=acme.marketing,
        version=draft,
        text="Which are ours?",
        kind=QuestionKind.MULTIPLE,
        choices=[("Firewall", True), ("", False), ("Router", True), ("Toaster", False)],
    )
    assert list(question.choices.order_by("position").values_list("text", "is_correct")) == [
        ("Firewall", True),
        ("Router", True),
        ("Toaster", False),
    ]
    # an edit that breaks the rules keeps the question as it was
    with pytest.raises(PolicyViolation):
        question_update(
            actor=acme.marketing,
            question=question,
            text="Which one?",
            kind=QuestionKind.SINGLE,
            choices=RIGHT_WRONG * 2,
        )
    assert Question.objects.get(pk=question.pk).text == "Which are ours?" and question.choices.count() == 3
    question_update(actor=acme.marketing, question=question, text="Which one?", kind="single", choices=RIGHT_WRONG)
    assert list(question.choices.values_list("text", flat=True)) == ["Right", "Wrong"]


def test_publishing_needs_a_lesson_and_a_bank_as_large_as_the_draw(acme, scope):
    # given a new course whose first version is empty
    course = _new_course(acme.marketing)
    draft = course_draft(actor=acme.marketing, course=course)
    # when it is published, then it is refused: nothing to learn
    with pytest.raises(PolicyViolation, match="Add at least one lesson before publishing"):
        course_publish(actor=acme.marketing, course=course)
    # given a lesson and one question, but a quiz that draws three
    lesson_add(actor=acme.marketing, version=draft, content=_text())
    question_add(actor=acme.marketing, version=draft, text="Q?", choices=RIGHT_WRONG)
    quiz_settings_update(actor=acme.marketing, version=draft, pass_mark_percent=80, questions_per_attempt=3)
    with pytest.raises(PolicyViolation, match="draws 3 questions per attempt but the bank has 1"):
        course_publish(actor=acme.marketing, course=course)
    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT and course.published_version is None
    # when the draw fits the bank, it is published
    quiz_settings_update(actor=acme.marketing, version=draft, pass_mark_percent=80, questions_per_attempt=1)
    assert course_publish(actor=acme.marketing, course=course).status == VersionStatus.PUBLISHED
    # and a second publish has nothing to publish
    with pytest.raises(InvalidTransition, match="no draft to publish"):
        course_publish(actor=acme.marketing, course=course)


def test_a_quiz_pass_mark_outside_1_to_100_is_refused(acme, scope):
    course = _new_course(acme.marketing)
    draft = course_draft(actor=acme.marketing, course=course)
    with pytest.raises(PolicyViolation, match="between 1 and 100"):
        quiz_settings_update(actor=acme.marketing, version=draft, pass_mark_percent=0)
    assert CourseVersion.objects.get(pk=draft.pk).pass_mark_percent == 70


def test_archiving_takes_a_course_out_once(acme, scope):
    course = learning_course(acme.tenant)
    archived = course_archive(actor=acme.marketing, course=course)
    assert archived.status == CourseStatus.ARCHIVED and archived.published_version_id == course.published_version_id
    with pytest.raises(InvalidTransition, match="already archived"):
        course_archive(actor=acme.admin, course=course)


# --- details, audience, prerequisites ----------------------------------------------------------------


def test_a_prerequisite_cycle_is_refused_with_the_chain(acme, scope):
    # given A requires B, and B requires C
    a, b, c = (_new_course(acme.marketing, code=code, title=code.upper()) for code in ("a", "b", "c"))
    course_update(actor=acme.marketing, course=a, prerequisites=[b])
    course_update(actor=acme.marketing, course=b, prerequisites=[c])
    # when C is made to require A
    with pytest.raises(PolicyViolation, match=r"C cannot require A: A already needs C \(C → A → B → C\)"):
        course_update(actor=acme.marketing, course=c, prerequisites=[a])
    # then nothing changed
    assert not CoursePrerequisite.objects.filter(course=c).exists()
    with pytest.raises(PolicyViolation, match="cannot require itself"):
        course_update(actor=acme.marketing, course=a, prerequisites=[a])


def test_details_and_audience_change_with_an_event(acme, scope):
    course = _new_course(acme.marketing)
    other = _new_course(acme.marketing, code="other", title="Other")
    course_update(
        actor=acme.marketing,
        course=course,
        title="Partner basics 2",
        audience_partner_type_ids=[acme.partner_type.pk],
        audience_roles=["sales"],
        prerequisites=[other],
    )
    course.refresh_from_db()
    assert course.title == "Partner basics 2" and course.audience_partner_type_ids == [acme.partner_type.pk]
    assert course.audience_roles == ["sales"]
    [event] = Event.objects.filter(verb=events.COURSE_EDITED, object_id=course.pk)
    assert set(event.data["changes"]) == {"title", "audience_partner_type_ids", "audience_roles", "prerequisites"}
    # a code another course has, an unknown role or another tenant's partner type are refused
    with pytest.raises(PolicyViolation, match="already has the code other"):
        course_update(actor=acme.marketing, course=course, code="other")
    with pytest.raises(PolicyViolation, match="roles from the list"):
        course_update(actor=acme.marketing, course=course, audience_roles=["admin"])
    with pytest.raises(PolicyViolation, match="partner types from the list"):
        course_update(actor=acme.marketing, course=course, audience_partner_type_ids=[10**12])


# --- who may author ---------------------------------------------------------------------------------


def test_staff_who_do_not_author_and_partner_users_are_refused(acme, scope):
    course = learning_course(acme.tenant)
    for who in (acme.manager, acme.partner_admin, acme.sales_rep):
        with pytest.raises(NotAllowed, match="Only channel marketing and vendor admins edit courses"):
            course_create(actor=who, code="x", title="X")
        with pytest.raises(NotAllowed):
            course_draft(actor=who, course=course)
        with pytest.raises(NotAllowed):
            course_archive(actor=who, course=course)
    assert CourseVersion.objects.filter(course=course).count() == 1
    assert not Course.objects.filter(code="x").exists()


def test_another_tenants_author_cannot_touch_the_course(acme, globex):
    with tenant_scope(acme.tenant):
        course = learning_course(acme.tenant)
    with platform_scope(), pytest.raises(CrossTenantReference, match="different portals"):
        course_draft(actor=globex.admin, course=course)


# --- two editors at once -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_editors_get_one_draft_and_one_of_two_publications_wins(acme):
    with tenant_scope(acme.tenant):
        course = learning_course(acme.tenant)
    # when two authors open the editor at the same moment
    drafts = {}
    outcomes = race(
        {
            "admin": lambda: drafts.setdefault("admin", course_draft(actor=acme.admin, course=course)),
            "marketing": lambda: drafts.setdefault("marketing", course_draft(actor=acme.marketing, course=course)),
        },
        tenant=acme.tenant,
    )
    # then both edit the same draft
    assert outcomes == {"admin": "done", "marketing": "done"}
    assert drafts["admin"].pk == drafts["marketing"].pk
    # when both publish it at once, one wins and the other is told
    outcomes = race(
        {
            "admin": lambda: course_publish(actor=acme.admin, course=course, version=drafts["admin"]),
            "marketing": lambda: course_publish(actor=acme.marketing, course=course, version=drafts["admin"]),
        },
        tenant=acme.tenant,
    )
    assert sorted(map(str, outcomes.values())).count("done") == 1
    loser = next(r for r in outcomes.values() if r != "done")
    assert isinstance(loser, InvalidTransition) and "published by someone else" in str(loser)
    with tenant_scope(acme.tenant):
        assert CourseVersion.objects.filter(course=course, status=VersionStatus.PUBLISHED).count() == 1
        assert Event.objects.filter(verb=events.COURSE_PUBLISHED, object_id=course.pk).count() == 1
