"""Isolation cases of e-learning: learner (tests/learning/isolation.py merges them).

The course is open to acme partner 1 only (its audience is a tier partner 1 holds), so partner
2's admin gets a 404 for it as for any of partner 1's records; the enrolment and its attempts are
partner 1's sales rep's: the rep's own pages (lessons, the quiz) are a 404 to its partner admin
too, who reads the rep's results only (``LearningAction.VIEW``, the company's people).
The set-ups are also the learner tests' (tests/learning/test_learner*.py).
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.urls import reverse

from learning.models import AttemptStatus, Course, Enrollment, Lesson, LessonKind, LessonProgress, QuizAttempt
from learning.services.learner import enrollment_enroll, lesson_complete, quiz_attempt_start, quiz_attempt_submit
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.files import minimal_pdf

from ..factories import EnrollmentFactory, TierFactory
from ..isolation import Case, portal_page, portal_write
from .factories import LessonFactory, learning_course

TITLE = "Matrix Course"
LEARNER_ONLY = {"allowed": ("sales",), "expect": {"partner_admin": 404}}


def as_partner(member):
    """The scope a partner user's request runs in (row-level security of its partner)."""
    return tenant_scope(member.tenant_id, partner=member.partner_id)


def course(ctx, **version_fields) -> None:
    """A published course with two text lessons, a file lesson and a two-question quiz, open to
    the holders of a tier only acme partner 1 holds: ``ctx.course``."""
    side = ctx.side
    tier = TierFactory(tenant=side.tenant, name="Matrix Gold")
    EnrollmentFactory(tenant=side.tenant, partner=side.partner, tier=tier)
    ctx.course = learning_course(side.tenant, title=TITLE, lessons=2, questions=2, **version_fields)
    with platform_scope():
        Course.objects.filter(pk=ctx.course.pk).update(audience_tier_ids=[tier.pk])
        ctx.course.refresh_from_db()
        ctx.version = ctx.course.published_version
    ctx.file_lesson = LessonFactory(
        tenant=side.tenant,
        version=ctx.version,
        position=9,
        title="Matrix handout",
        kind=LessonKind.FILE,
        body="",
        file=ContentFile(minimal_pdf("Matrix handout"), name="handout.pdf"),
        file_name="handout.pdf",
    )


def enrolled(ctx) -> None:
    """``course`` and partner 1's sales rep enrolled in it: ``ctx.enrollment``, ``ctx.lesson``."""
    course(ctx)
    rep = ctx.side.sales_rep
    with as_partner(rep):
        ctx.enrollment = enrollment_enroll(actor=rep, course=ctx.course)
        ctx.lesson = Lesson.objects.filter(version_id=ctx.version.pk).order_by("position", "id").first()


def lessons_done(ctx) -> None:
    """``enrolled``, with every lesson done: the quiz may start."""
    enrolled(ctx)
    rep = ctx.side.sales_rep
    with as_partner(rep):
        for lesson in Lesson.objects.filter(version_id=ctx.version.pk):
            ctx.enrollment = lesson_complete(actor=rep, enrollment=ctx.enrollment, lesson=lesson)


def right_answers(attempt) -> dict[int, list[int]]:
    """The right choices of each drawn question (read as the test's author, not the page)."""
    from learning.models import Choice

    with platform_scope():
        rows = Choice.objects.filter(question_id__in=attempt.question_ids, is_correct=True)
        answers: dict[int, list[int]] = {}
        for question_id, choice_id in rows.values_list("question_id", "pk"):
            answers.setdefault(question_id, []).append(choice_id)
    return answers


def attempt_open(ctx) -> None:
    """``lessons_done`` and an attempt started: ``ctx.attempt``."""
    lessons_done(ctx)
    rep = ctx.side.sales_rep
    with as_partner(rep):
        ctx.attempt = quiz_attempt_start(actor=rep, enrollment=ctx.enrollment)


def attempt_submitted(ctx) -> None:
    attempt_open(ctx)
    rep = ctx.side.sales_rep
    with as_partner(rep):
        ctx.attempt = quiz_attempt_submit(actor=rep, attempt=ctx.attempt, answers=right_answers(ctx.attempt))


# --- effects ------------------------------------------------------------------------------------


def enrolled_in_course(ctx) -> bool:
    with platform_scope():
        return Enrollment.objects.filter(course_id=ctx.course.pk).exists()


def lesson_is_done(ctx) -> bool:
    with platform_scope():
        return LessonProgress.objects.filter(enrollment_id=ctx.enrollment.pk, lesson_id=ctx.lesson.pk).exists()


def attempt_started(ctx) -> bool:
    with platform_scope():
        return QuizAttempt.objects.filter(enrollment_id=ctx.enrollment.pk).exists()


def attempt_is_submitted(ctx) -> bool:
    with platform_scope():
        return QuizAttempt.objects.get(pk=ctx.attempt.pk).status == AttemptStatus.SUBMITTED


def _answers_data(ctx) -> dict:
    return {f"q-{question}": choices for question, choices in right_answers(ctx.attempt).items()}


COURSE = lambda ctx: [ctx.course.pk]  # noqa: E731
LESSON = lambda ctx: [ctx.enrollment.pk, ctx.lesson.pk]  # noqa: E731
ATTEMPT = lambda ctx: [ctx.attempt.pk]  # noqa: E731

CASES: dict[str, Case] = {
    "portal:learning_catalogue": portal_page(setup=course, contains=TITLE),
    "portal:learning_mine": portal_page(setup=enrolled),
    "portal:learning_course": portal_page(setup=course, args=COURSE, contains=TITLE),
    "portal:learning_enroll": portal_write(setup=course, args=COURSE, effect=enrolled_in_course),
    "portal:learning_lesson": portal_page(setup=enrolled, args=LESSON, contains="Read this.", **LEARNER_ONLY),
    "portal:learning_lesson_done": portal_write(setup=enrolled, args=LESSON, effect=lesson_is_done, **LEARNER_ONLY),
    "portal:learning_lesson_file": portal_page(
        setup=enrolled, args=lambda ctx: [ctx.enrollment.pk, ctx.file_lesson.pk], **LEARNER_ONLY
    ),
    "portal:learning_quiz_start": portal_write(
        setup=lessons_done, args=lambda ctx: [ctx.enrollment.pk], effect=attempt_started, **LEARNER_ONLY
    ),
    "portal:learning_quiz": portal_page(setup=attempt_open, args=ATTEMPT, contains="question 1?", **LEARNER_ONLY),
    "portal:learning_quiz_submit": portal_write(
        setup=attempt_open, args=ATTEMPT, data=_answers_data, effect=attempt_is_submitted, **LEARNER_ONLY
    ),
    "portal:learning_quiz_result": portal_page(setup=attempt_submitted, args=ATTEMPT, contains="Passed"),
}


# --- for tests/hostile/test_fuzz_forms.py (the integrator merges these into its FORM_VIEWS) -----------


def _world_attempt(world):
    """acme partner 1's rep's open attempt, built once per world (path and data ask for it)."""
    ctx = getattr(world, "_learning_attempt", None)
    if ctx is None:
        from types import SimpleNamespace

        ctx = SimpleNamespace(side=world.acme)
        attempt_open(ctx)
        world._learning_attempt = ctx
    return ctx


FORM_VIEWS = {
    "portal:learning_quiz_submit": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:learning_quiz_submit", args=[_world_attempt(w).attempt.pk]),
        lambda w: _answers_data(_world_attempt(w)),
    ),
}
# POSTs without input (a button): enrol, mark a lesson done, start the quiz.
NO_INPUT = {"portal:learning_enroll", "portal:learning_lesson_done", "portal:learning_quiz_start"}
