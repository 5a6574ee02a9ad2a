"""What a partner user reads of e-learning: the catalogue of courses meant for them, learning
paths, a course with their enrolment, a lesson, a quiz attempt, and "my learning".

A course is for a person when each of its audience lists is empty or holds them: their partner's
type, their role, a tier their partner holds now in one of its programs. A course they may not
take is a 404, unless they are enrolled already (a course whose audience moved on still lets its
learners finish). Learner records (enrolments, attempts) come through the one guard's filter
(``learning_filter``): another person's or another partner's are a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.http import Http404

from prm.tenancy.search import contains_ignoring_case
from programs.models import Enrollment as ProgramEnrollment

from ..models import (
    AttemptStatus,
    Choice,
    Course,
    CourseLevel,
    CoursePrerequisite,
    CourseStatus,
    Enrollment,
    EnrollmentStatus,
    LearningPath,
    LearningPathStep,
    Lesson,
    LessonProgress,
    Question,
    QuizAttempt,
)
from ..permissions import LEARNING_VIEW, LearningAction, learning_filter

# A course's state for one learner (the catalogue's filter and badges).
NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"
STATES = (NOT_STARTED, IN_PROGRESS, COMPLETED)


# --- audience ---------------------------------------------------------------------------------


def audience_filter(actor, *, tiers: bool = True) -> Q:
    """The courses (or paths, ``tiers=False``) meant for ``actor``: each audience list empty or
    holding them. The partner's tiers are read in the same statement (an array of its program
    enrolments' tiers), so the catalogue stays one query."""
    partner_type_id = actor.partner.partner_type_id if actor.partner_id else None
    audience = Q(audience_roles=[]) | Q(audience_roles__contains=[actor.role])
    if partner_type_id is None:
        audience &= Q(audience_partner_type_ids=[])
    else:
        audience &= Q(audience_partner_type_ids=[]) | Q(audience_partner_type_ids__contains=[partner_type_id])
    if tiers:
        held = ArraySubquery(ProgramEnrollment.objects.filter(partner_id=actor.partner_id).values("tier_id"))
        audience &= Q(audience_tier_ids=[]) | Q(audience_tier_ids__overlap=held)
    return audience


def _published() -> QuerySet[Course]:
    return Course.objects.filter(status=CourseStatus.PUBLISHED, published_version__isnull=False)


def _with_mine(courses: QuerySet[Course], actor) -> QuerySet[Course]:
    """Courses joined to the actor's enrolment in each (at most one: unique per learner and
    course), as ``mine``."""
    return courses.annotate(mine=FilteredRelation("enrollments", condition=Q(enrollments__learner_id=actor.pk)))


def _state(status: str | None) -> str:
    if status is None:
        return NOT_STARTED
    return COMPLETED if status == EnrollmentStatus.COMPLETED else IN_PROGRESS


# --- the catalogue ----------------------------------------------------------------------------


@dataclass
class Prerequisite:
    course_id: int
    title: str
    met: bool


@dataclass
class CourseCard:
    """A course as the catalogue shows it, with the actor's enrolment."""

    id: int
    title: str
    summary: str
    category: str
    level: str
    duration_minutes: int
    enrollment_id: int | None
    status: str | None
    progress: int
    state: str
    prerequisites: list[Prerequisite] = field(default_factory=list)
    url: str = ""

    @property
    def level_label(self) -> str:
        return CourseLevel(self.level).label if self.level in CourseLevel.values else self.level

    @property
    def prerequisites_met(self) -> bool:
        return all(p.met for p in self.prerequisites)

    @property
    def missing_prerequisites(self) -> list[Prerequisite]:
        return [p for p in self.prerequisites if not p.met]


CARD_FIELDS = (
    "id",
    "title",
    "summary",
    "category",
    "level",
    "duration_minutes",
    "mine__id",
    "mine__status",
    "mine__progress_percent",
)


def catalogue_for_actor(*, actor, q: str = "", category: str = "", level: str = "", state: str = ""):
    """The published courses meant for ``actor``, by title, as rows for ``catalogue_cards``
    (a ``.values()`` queryset: one query per page with the actor's enrolment joined), and the
    same courses without the join, to count."""
    courses = _published().filter(audience_filter(actor))
    if q.strip():
        term = q.strip()
        courses = courses.filter(Q(contains_ignoring_case("title", term)) | Q(contains_ignoring_case("summary", term)))
    if category:
        courses = courses.filter(category=category)
    if level:
        courses = courses.filter(level=level)
    counted = courses
    courses = _with_mine(courses, actor)
    if state in STATES:
        if state == NOT_STARTED:
            courses = courses.filter(mine__id__isnull=True)
        else:
            status = EnrollmentStatus.COMPLETED if state == COMPLETED else EnrollmentStatus.IN_PROGRESS
            courses = courses.filter(mine__status=status)
        counted = courses
    return courses.order_by("title", "id").values(*CARD_FIELDS), counted


def catalogue_categories(*, actor) -> list[str]:
    """The categories of the courses meant for ``actor`` (the filter's options)."""
    rows = _published().filter(audience_filter(actor)).exclude(category="").values_list("category", flat=True)
    return sorted(set(rows.order_by()))


def _prerequisites(*, actor, course_ids) -> dict[int, list[Prerequisite]]:
    """{course id: its prerequisites, each met when the actor completed it}, in one query."""
    completed = Enrollment.objects.filter(
        learner_id=actor.pk, course_id=OuterRef("required_id"), status=EnrollmentStatus.COMPLETED
    )
    rows = (
        CoursePrerequisite.objects.filter(course_id__in=list(course_ids))
        .annotate(met=Exists(completed))
        .values_list("course_id", "required_id", "required__title", "met")
        .order_by("required__title")
    )
    found: dict[int, list[Prerequisite]] = {}
    for course_id, required_id, title, met in rows:
        found.setdefault(course_id, []).append(Prerequisite(required_id, title, met))
    return found


def catalogue_cards(*, actor, rows: list[dict]) -> list[CourseCard]:
    """A page of ``catalogue_for_actor`` rows as cards with their prerequisites (one query)."""
    prerequisites = _prerequisites(actor=actor, course_ids=[row["id"] for row in rows]) if rows else {}
    return [
        CourseCard(
            id=row["id"],
            title=row["title"],
            summary=row["summary"],
            category=row["category"],
            level=row["level"],
            duration_minutes=row["duration_minutes"],
            enrollment_id=row["mine__id"],
            status=row["mine__status"],
            progress=row["mine__progress_percent"] or 0,
            state=_state(row["mine__status"]),
            prerequisites=prerequisites.get(row["id"], []),
        )
        for row in rows
    ]


# --- the published courses, for the REST API -------------------------------------------------------


def course_list_for_actor(*, actor, category: str = "", level: str = "") -> QuerySet[Course]:
    """The published courses ``actor`` may see, with ``version_number`` (the published
    version's): staff who read e-learning (``LEARNING_VIEW``) every one of the tenant; a partner
    user those meant for them (``audience_filter``, as the catalogue). Unordered: the caller
    pages it."""
    if actor.is_staff_member:
        if not actor.can(LEARNING_VIEW):
            return Course.objects.none()
        courses = _published()
    elif actor.is_partner_user and actor.partner_id is not None:
        courses = _published().filter(audience_filter(actor))
    else:
        return Course.objects.none()
    if category:
        courses = courses.filter(category=category)
    if level:
        courses = courses.filter(level=level)
    return courses.annotate(version_number=F("published_version__number"))


def course_published_get_for_actor(*, actor, course_id: int) -> Course:
    """One course of ``course_list_for_actor``; a 404 otherwise."""
    course = course_list_for_actor(actor=actor).filter(pk=course_id).first()
    if course is None:
        raise Http404
    return course


# --- learning paths ---------------------------------------------------------------------------


@dataclass
class PathStep:
    course_id: int
    title: str
    state: str
    progress: int
    available: bool  # published (or already started): the step links to its course


@dataclass
class Path:
    id: int
    title: str
    description: str
    steps: list[PathStep] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for step in self.steps if step.state == COMPLETED)

    @property
    def next_step(self) -> PathStep | None:
        return next((step for step in self.steps if step.state != COMPLETED), None)


def learning_paths_for_actor(*, actor) -> list[Path]:
    """The active paths for the actor's role and partner type, each step with its state, in one
    query (steps joined to their path, course and the actor's enrolment)."""
    paths = LearningPath.objects.filter(audience_filter(actor, tiers=False), is_active=True)
    steps = (
        LearningPathStep.objects.filter(path__in=paths)
        .annotate(mine=FilteredRelation("course__enrollments", condition=Q(course__enrollments__learner_id=actor.pk)))
        .values_list(
            "path_id",
            "path__title",
            "path__description",
            "course_id",
            "course__title",
            "course__status",
            "mine__status",
            "mine__progress_percent",
        )
        .order_by("path__title", "path_id", "position", "id")
    )
    found: dict[int, Path] = {}
    for path_id, title, description, course_id, course_title, course_status, status, progress in steps:
        path = found.setdefault(path_id, Path(path_id, title, description))
        path.steps.append(
            PathStep(
                course_id=course_id,
                title=course_title,
                state=_state(status),
                progress=progress or 0,
                available=course_status == CourseStatus.PUBLISHED or status is not None,
            )
        )
    return list(found.values())


# --- a course, with the actor's enrolment -------------------------------------------------------


def course_get_for_actor(*, actor, course_id: int) -> Course:
    """A published course meant for the actor, or one the actor is enrolled in; else a 404.
    ``course.enrollment``: the actor's enrolment, or None."""
    mine = Enrollment.objects.filter(learner_id=actor.pk, course_id=OuterRef("pk"))
    course = (
        Course.objects.filter(pk=course_id)
        .filter(
            (Q(status=CourseStatus.PUBLISHED, published_version__isnull=False) & audience_filter(actor)) | Exists(mine)
        )
        .select_related("published_version")
        .first()
    )
    if course is None:
        raise Http404
    course.enrollment = (
        Enrollment.objects.filter(learner_id=actor.pk, course_id=course.pk).select_related("version").first()
    )
    return course


def course_is_for_actor(*, actor, course: Course) -> bool:
    """Whether ``course`` is published and meant for ``actor`` (enrolment's check)."""
    return _published().filter(pk=course.pk).filter(audience_filter(actor)).exists()


def prerequisites_for_actor(*, actor, course: Course) -> list[Prerequisite]:
    """The course's prerequisites, each met or not by the actor."""
    return _prerequisites(actor=actor, course_ids=[course.pk]).get(course.pk, [])


@dataclass
class QuizSummary:
    """The quiz block of a course page (for the enrolment's version)."""

    questions: int
    attempts_used: int
    max_attempts: int
    best_score: Decimal | None
    passed: bool
    open_attempt_id: int | None
    last_attempt_id: int | None
    cooldown_until: datetime | None
    pass_mark: int
    time_limit_minutes: int

    @property
    def attempts_left(self) -> int | None:
        return None if self.max_attempts == 0 else max(0, self.max_attempts - self.attempts_used)


def quiz_summary(*, enrollment: Enrollment, now: datetime) -> QuizSummary | None:
    """The enrolment's quiz: attempts used, best score, the open attempt, the cool-down; None
    when the version has no questions."""
    version = enrollment.version
    questions = Question.objects.filter(version_id=version.pk).count()
    if not questions:
        return None
    attempts = list(
        QuizAttempt.objects.filter(enrollment_id=enrollment.pk)
        .only("id", "status", "passed", "score_percent", "submitted_at", "number")
        .order_by("number")
    )
    closed = [a for a in attempts if a.status != AttemptStatus.OPEN]
    scores = [a.score_percent for a in closed if a.score_percent is not None]
    cooldown_until = None
    if closed and closed[-1].passed is False and version.cooldown_minutes and closed[-1].submitted_at:
        until = closed[-1].submitted_at + timedelta(minutes=version.cooldown_minutes)
        cooldown_until = until if until > now else None
    return QuizSummary(
        questions=questions,
        attempts_used=len(closed),
        max_attempts=version.max_attempts,
        best_score=max(scores) if scores else None,
        passed=enrollment.quiz_passed_at is not None,
        open_attempt_id=next((a.pk for a in attempts if a.status == AttemptStatus.OPEN), None),
        last_attempt_id=closed[-1].pk if closed else None,
        cooldown_until=cooldown_until,
        pass_mark=version.pass_mark_percent,
        time_limit_minutes=version.time_limit_minutes,
    )


def version_has_quiz(*, version_id: int | None) -> bool:
    """Whether the version asks questions (the course page says a quiz ends the course)."""
    return version_id is not None and Question.objects.filter(version_id=version_id).exists()


def lessons_with_progress(*, enrollment: Enrollment | None, version_id: int) -> list[Lesson]:
    """The version's lessons in order, each with ``done`` (for the enrolment; False without)."""
    lessons = Lesson.objects.filter(version_id=version_id).order_by("position", "id")
    if enrollment is not None:
        done = LessonProgress.objects.filter(enrollment_id=enrollment.pk, lesson_id=OuterRef("pk"))
        lessons = lessons.annotate(done=Exists(done))
    lessons = list(lessons.defer("body"))
    if enrollment is None:
        for lesson in lessons:
            lesson.done = False
    return lessons


# --- learner records ----------------------------------------------------------------------------


def _records(model, actor, action: LearningAction):
    visible = learning_filter(actor, action)
    return model.objects.none() if visible is None else model.objects.filter(visible)


def enrollment_get_for_actor(*, actor, enrollment_id: int, action: LearningAction = LearningAction.LEARN) -> Enrollment:
    """An enrolment the actor may take ``action`` on (by default: its own, to learn), with its
    course and version; else a 404."""
    enrollment = (
        _records(Enrollment, actor, action).filter(pk=enrollment_id).select_related("course", "version").first()
    )
    if enrollment is None:
        raise Http404
    return enrollment


def lesson_get_for_enrollment(*, enrollment: Enrollment, lesson_id: int) -> Lesson:
    """A lesson of the enrolment's version (the one the learner started on); else a 404."""
    lesson = Lesson.objects.filter(pk=lesson_id, version_id=enrollment.version_id).first()
    if lesson is None:
        raise Http404
    return lesson


def attempt_get_for_actor(*, actor, attempt_id: int, action: LearningAction = LearningAction.LEARN) -> QuizAttempt:
    """A quiz attempt the actor may take ``action`` on, with its enrolment, course and version;
    else a 404."""
    attempt = (
        _records(QuizAttempt, actor, action)
        .filter(pk=attempt_id)
        .select_related("enrollment__course", "version")
        .first()
    )
    if attempt is None:
        raise Http404
    return attempt


def attempt_questions(*, attempt: QuizAttempt, with_answers: bool) -> list[Question]:
    """The attempt's drawn questions in drawn order, each with ``options`` (its choices in
    order). Before a submission (``with_answers`` False) the rows are read without
    ``is_correct`` or the explanation: what the page cannot have, it cannot leak."""
    choices = Choice.objects.order_by("position", "id")
    questions = Question.objects.filter(pk__in=attempt.question_ids)
    if not with_answers:
        choices = choices.only("id", "question_id", "text", "position")
        questions = questions.only("id", "text", "kind", "position", "version_id")
    by_id = {
        question.pk: question
        for question in questions.prefetch_related(Prefetch("choices", queryset=choices, to_attr="options"))
    }
    return [by_id[pk] for pk in attempt.question_ids if pk in by_id]


# --- my learning --------------------------------------------------------------------------------


@dataclass
class MyCourse:
    enrollment_id: int
    course_id: int
    title: str
    progress: int
    status: str
    resume_lesson_id: int | None
    enrolled_at: datetime
    last_activity_at: datetime | None
    completed_at: datetime | None
    best_score: Decimal | None


@dataclass
class MyLearning:
    in_progress: list[MyCourse]
    completed: list[MyCourse]


def my_learning(*, actor) -> MyLearning:
    """The actor's enrolments: in progress (latest activity first, with the lesson to resume:
    the first of its version not done yet) and completed (latest first), in one query."""
    undone = (
        Lesson.objects.filter(version_id=OuterRef("version_id"))
        .exclude(
            Exists(LessonProgress.objects.filter(enrollment_id=OuterRef(OuterRef("pk")), lesson_id=OuterRef("pk")))
        )
        .order_by("position", "id")
        .values("pk")[:1]
    )
    rows = (
        _records(Enrollment, actor, LearningAction.LEARN)
        .annotate(resume_lesson_id=Subquery(undone))
        .values_list(
            "pk",
            "course_id",
            "course__title",
            "progress_percent",
            "status",
            "resume_lesson_id",
            "enrolled_at",
            "last_activity_at",
            "completed_at",
            "best_score",
        )
        .order_by("-completed_at", "-last_activity_at", "-enrolled_at", "-id")
    )
    courses = [MyCourse(*row) for row in rows]
    in_progress = [c for c in courses if c.status != EnrollmentStatus.COMPLETED]
    in_progress.sort(key=lambda c: c.last_activity_at or c.enrolled_at, reverse=True)
    return MyLearning(in_progress=in_progress, completed=[c for c in courses if c.status == EnrollmentStatus.COMPLETED])


def in_progress_for_home(*, actor, limit: int) -> tuple[list[dict], int]:
    """The actor's courses in progress, latest activity first (the home's "Continue your
    course"): up to ``limit`` rows and how many in all, in one query (a window count)."""
    rows = list(
        _records(Enrollment, actor, LearningAction.LEARN)
        .filter(status=EnrollmentStatus.IN_PROGRESS)
        .annotate(total=Window(Count("id")))
        .values("pk", "course_id", "course__title", "progress_percent", "last_activity_at", "enrolled_at", "total")
        .order_by(F("last_activity_at").desc(nulls_last=True), "-enrolled_at", "-id")[:limit]
    )
    return rows, (rows[0]["total"] if rows else 0)
