"""Reads of the course editor (back office): the course list, one course with the version being
edited, its lessons and quiz bank. Staff with ``LEARNING_VIEW`` read every course of their tenant;
anyone else gets a 404."""

from __future__ import annotations

from django.db.models import F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from prm.tenancy.search import contains_ignoring_case

from ..models import (
    Choice,
    Course,
    CoursePrerequisite,
    CourseStatus,
    CourseVersion,
    Enrollment,
    Lesson,
    Question,
    ScormPackage,
    VersionStatus,
)
from ..permissions import LEARNING_VIEW

COURSE_ROW_FIELDS = ("id", "title", "code", "status", "updated_at", "category", "published_number")


def _require_viewer(actor) -> None:
    if actor is None or not actor.is_staff_member or not actor.can(LEARNING_VIEW):
        raise Http404


def _count(queryset: QuerySet) -> Coalesce:
    """``SELECT COUNT(*)`` of a correlated subquery, as an annotation (one row, no GROUP BY)."""
    counted = queryset.order_by().annotate(n=Func(F("id"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def course_rows_for_actor(*, actor, q: str = "", status: str = "") -> tuple[QuerySet, QuerySet]:
    """The course list: (rows as dicts with the published and draft version numbers, the lessons
    of the version being edited and the enrolments, by title; the same courses without the
    annotations, for the count). One query for a page of rows: the counts are correlated
    subqueries (``learning_enroll_course_idx``, ``lesson_version_idx``)."""
    _require_viewer(actor)
    courses = Course.objects.all()
    term = (q or "").strip()
    if term:
        courses = courses.filter(Q(contains_ignoring_case("title", term)) | Q(contains_ignoring_case("code", term)))
    if status in CourseStatus.values:
        courses = courses.filter(status=status)
    draft = CourseVersion.objects.filter(course=OuterRef("pk"), status=VersionStatus.DRAFT)
    rows = (
        courses.annotate(
            published_number=F("published_version__number"),
            draft_number=Subquery(draft.values("number")[:1]),
            draft_id=Subquery(draft.values("id")[:1]),
        )
        .annotate(
            lessons=_count(
                Lesson.objects.filter(version_id=Coalesce(OuterRef("draft_id"), OuterRef("published_version_id")))
            ),
            enrolments=_count(Enrollment.objects.filter(course_id=OuterRef("pk"))),
        )
        .order_by("title", "id")
        .values(*COURSE_ROW_FIELDS, "draft_number", "lessons", "enrolments")
    )
    return rows, courses


def course_get_for_actor(*, actor, course_id: int) -> Course:
    """One course of the tenant, with its published version; else a 404."""
    _require_viewer(actor)
    course = Course.objects.select_related("published_version").filter(pk=course_id).first()
    if course is None:
        raise Http404
    return course


def version_edited(course: Course) -> CourseVersion | None:
    """The version the editor shows: the draft if there is one, else the published version,
    else the latest."""
    versions = list(CourseVersion.objects.filter(course=course).order_by("-number"))
    for version in versions:
        if version.status == VersionStatus.DRAFT:
            return version
    if course.published_version_id is not None:
        return next((v for v in versions if v.pk == course.published_version_id), course.published_version)
    return versions[0] if versions else None


def course_versions(course: Course) -> list[dict]:
    """Every version of the course, newest first, with how many learners are on it."""
    return list(
        CourseVersion.objects.filter(course=course)
        .annotate(learners=_count(Enrollment.objects.filter(version_id=OuterRef("pk"))))
        .order_by("-number")
        .values("id", "number", "status", "created_at", "published_at", "learners")
    )


def version_lessons(version: CourseVersion | None) -> list[Lesson]:
    if version is None:
        return []
    return list(Lesson.objects.filter(version=version).select_related("scorm_package").order_by("position", "id"))


def version_questions(version: CourseVersion | None) -> list[Question]:
    """The version's bank, with each question's answers."""
    if version is None:
        return []
    answers = Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
    return list(Question.objects.filter(version=version).prefetch_related(answers).order_by("position", "id"))


def prerequisites_of(course: Course) -> list[Course]:
    ids = CoursePrerequisite.objects.filter(course=course).values("required_id")
    return list(Course.objects.filter(pk__in=ids).order_by("title"))


def course_options(*, exclude: Course | None = None) -> list[Course]:
    """The courses another course may require (by title)."""
    courses = Course.objects.order_by("title", "id").only("id", "title", "code")
    if exclude is not None:
        courses = courses.exclude(pk=exclude.pk)
    return list(courses)


def scorm_package_options() -> list[ScormPackage]:
    """The tenant's SCORM packages, newest first (a SCORM lesson launches one)."""
    return list(ScormPackage.objects.order_by("-created_at", "-id").only("id", "title", "created_at"))


def lesson_get_for_actor(*, actor, course_id: int, lesson_id: int) -> Lesson:
    """A lesson of a version of the course; else a 404."""
    _require_viewer(actor)
    lesson = Lesson.objects.select_related("version__course").filter(pk=lesson_id, version__course_id=course_id).first()
    if lesson is None:
        raise Http404
    return lesson


def question_get_for_actor(*, actor, course_id: int, question_id: int) -> Question:
    """A question of a version of the course, with its answers; else a 404."""
    _require_viewer(actor)
    answers = Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
    question = (
        Question.objects.select_related("version__course")
        .prefetch_related(answers)
        .filter(pk=question_id, version__course_id=course_id)
        .first()
    )
    if question is None:
        raise Http404
    return question


def version_get(*, course: Course, version_id: int) -> CourseVersion | None:
    """A version of ``course`` (a course the actor was allowed to read), or None."""
    if not 0 < version_id < 2**63:
        return None
    return CourseVersion.objects.filter(course=course, pk=version_id).first()
