"""What a partner user does in e-learning: enrol, finish lessons, take a quiz.

Every service takes the acting membership, calls the one guard (``learning_require``; enrolment
checks the audience and the prerequisites as well), and locks the enrolment row before it reads
what it decides on: two tabs, a double click or two devices act on one enrolment in turn, so a
second start resumes the first attempt and a second submission is told it came too late.
Progress and completion are ``learning.services.progress``'s (the one place that decides a course
is complete), called under that lock.

Quizzes are scored here, on the server, from the drawn questions and their choices; what the
browser sends is only choice ids, checked against the draw before anything is recorded.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext, gettext_noop, ngettext

from prm.accounts.models import Membership
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation, assert_same_tenant
from prm.events.services import event_record

from .. import events
from ..models import (
    AttemptStatus,
    Choice,
    Course,
    CoursePrerequisite,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonKind,
    LessonProgress,
    Question,
    QuestionKind,
    QuizAttempt,
)
from ..permissions import LearningAction, learning_require
from ..selectors.catalogue import course_is_for_actor
from .progress import enrollment_refresh, lesson_mark_done, quiz_mark_passed

LEARN = LearningAction.LEARN
# A submission this late after the deadline still counts: the time the page took to post.
GRACE = timedelta(seconds=30)
# The draw is unpredictable to the learner (not that it matters much: answers are on the server).
_draw = random.SystemRandom()


class AttemptExpired(InvalidTransition):
    """A submission after the time limit: the attempt was closed as failed (and that is saved),
    and the answers were not scored. ``attempt`` is the closed attempt."""

    code = "attempt_expired"

    def __init__(self, message: str, *, attempt: QuizAttempt):
        super().__init__(message)
        self.attempt = attempt


def _lock(enrollment: Enrollment) -> Enrollment:
    """The enrolment row, locked for the rest of the transaction, with its course and version.

    FOR NO KEY UPDATE: rows that reference the enrolment (lesson progress, attempts, SCORM
    sessions) take a key-share lock on it when inserted; FOR UPDATE would make those inserts in
    other transactions wait on this one for nothing."""
    return (
        Enrollment.objects.select_for_update(of=("self",), no_key=True)
        .select_related("course", "version")
        .get(pk=enrollment.pk)
    )


# --- enrol ----------------------------------------------------------------------------------------


@transaction.atomic
def enrollment_enroll(*, actor: Membership, course: Course) -> Enrollment:
    """Enrol ``actor`` in ``course``, on its published version. The course must be meant for
    them and its prerequisites completed; enrolling twice returns the enrolment they have."""
    assert_same_tenant(actor, course)
    # The guard asks of the enrolment about to be: only a partner user enrols, themselves.
    learning_require(actor, Enrollment(tenant_id=actor.tenant_id, learner=actor, partner_id=actor.partner_id), LEARN)
    existing = Enrollment.objects.filter(learner=actor, course_id=course.pk).first()
    if existing is not None:
        return existing
    course = Course.objects.select_related("published_version").get(pk=course.pk)
    if not course_is_for_actor(actor=actor, course=course):
        raise NotAllowed(gettext("This course is not open to you."))
    completed = Enrollment.objects.filter(
        learner=actor, course_id=OuterRef("required_id"), status=EnrollmentStatus.COMPLETED
    )
    missing = list(
        CoursePrerequisite.objects.filter(course_id=course.pk)
        .filter(~Exists(completed))
        .values_list("required__title", flat=True)
        .order_by("required__title")
    )
    if missing:
        raise PolicyViolation(
            ngettext(
                "Complete this course first: %(courses)s.",
                "Complete these courses first: %(courses)s.",
                len(missing),
            )
            % {"courses": ", ".join(missing)}
        )
    try:
        # A savepoint: a double click's second insert fails on the unique (learner, course)
        # without spoiling the transaction, and returns the first one's enrolment.
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                tenant_id=actor.tenant_id,
                course=course,
                version=course.published_version,
                learner=actor,
                partner_id=actor.partner_id,
                last_activity_at=timezone.now(),
            )
    except IntegrityError:
        return Enrollment.objects.get(learner=actor, course_id=course.pk)
    event_record(
        actor=actor,
        target=enrollment,
        verb=events.ENROLLED,
        to_state=EnrollmentStatus.IN_PROGRESS,
        message=gettext_noop("Enrolled in %(course)s."),
        params={"course": course.title},
        data={"course_id": course.pk, "version_id": enrollment.version_id},
    )
    return enrollment


# --- lessons --------------------------------------------------------------------------------------


@transaction.atomic
def lesson_complete(*, actor: Membership, enrollment: Enrollment, lesson: Lesson) -> Enrollment:
    """Mark a text, video or file lesson done (a SCORM lesson completes from its package's own
    runtime) and recompute the enrolment's progress; the last lesson of a course without a quiz
    completes it. Marking a lesson done twice changes nothing."""
    learning_require(actor, enrollment, LEARN)
    assert_same_tenant(enrollment, lesson)
    if lesson.version_id != enrollment.version_id:
        raise PolicyViolation(gettext("This lesson is not part of your course."))
    if lesson.kind == LessonKind.SCORM:
        raise PolicyViolation(gettext("This lesson is done when you finish its package."))
    enrollment = _lock(enrollment)
    lesson_mark_done(enrollment=enrollment, lesson=lesson)
    if enrollment.last_lesson_id != lesson.pk:
        enrollment.last_lesson = lesson
        enrollment.save(update_fields=["last_lesson"])
    enrollment_refresh(enrollment=enrollment, actor=actor)
    return enrollment


# --- the quiz -------------------------------------------------------------------------------------


def _when(moment) -> str:
    """When the learner may try again, in their time zone and language."""
    now = timezone.now()
    minutes = math.ceil((moment - now).total_seconds() / 60)
    if minutes <= 60:
        return ngettext(
            "You can try again in %(minutes)s minute.", "You can try again in %(minutes)s minutes.", minutes
        ) % {"minutes": minutes}
    local = timezone.localtime(moment)
    if local.date() == timezone.localtime(now).date():
        return gettext("You can try again at %(time)s.") % {"time": time_format(local, "TIME_FORMAT")}
    return gettext("You can try again on %(when)s.") % {"when": date_format(local, "DATETIME_FORMAT")}


def attempt_expire(attempt: QuizAttempt, *, actor: Membership | None) -> QuizAttempt:
    """Close an open attempt whose time ran out: a failed attempt with score 0 (the caller holds
    the locks)."""
    attempt.status = AttemptStatus.EXPIRED
    attempt.submitted_at = timezone.now()
    attempt.score_percent = Decimal("0.00")
    attempt.passed = False
    attempt.save(update_fields=["status", "submitted_at", "score_percent", "passed"])
    _record_result(actor=actor, attempt=attempt, expired=True)
    return attempt


def _record_result(*, actor, attempt: QuizAttempt, expired: bool = False) -> None:
    enrollment = attempt.enrollment
    event_record(
        actor=actor,
        target=enrollment,
        verb=events.QUIZ_PASSED if attempt.passed else events.QUIZ_FAILED,
        message=gettext_noop("Time ran out on attempt %(number)s at the quiz of %(course)s.")
        if expired
        else gettext_noop("Attempt %(number)s at the quiz of %(course)s: %(score)s%%."),
        params={"number": attempt.number, "course": enrollment.course.title, "score": str(attempt.score_percent)},
        data={
            "attempt_id": attempt.pk,
            "number": attempt.number,
            "course_id": enrollment.course_id,
            "version_id": attempt.version_id,
            "score": str(attempt.score_percent),
            "passed": bool(attempt.passed),
            "expired": expired,
        },
    )


def _is_late(attempt: QuizAttempt, now) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + GRACE


def quiz_attempt_start(*, actor: Membership, enrollment: Enrollment) -> QuizAttempt:
    """Start an attempt at the enrolment's quiz (or resume the open one): after the lessons,
    within the attempt limit, past the cool-down of a failed attempt. Draws the questions at
    random and sets the deadline. An open attempt whose time ran out is closed as failed first,
    and stays closed even when the new start is refused (the cool-down it begins, say)."""
    _close_late_attempt(actor=actor, enrollment=enrollment)
    return _start(actor=actor, enrollment=enrollment)


@transaction.atomic
def _close_late_attempt(*, actor: Membership, enrollment: Enrollment) -> None:
    learning_require(actor, enrollment, LEARN)
    enrollment = _lock(enrollment)
    late = (
        QuizAttempt.objects.filter(enrollment_id=enrollment.pk, status=AttemptStatus.OPEN)
        .select_for_update(of=("self",))
        .first()
    )
    if late is not None and _is_late(late, timezone.now()):
        late.enrollment = enrollment
        attempt_expire(late, actor=actor)


@transaction.atomic
def _start(*, actor: Membership, enrollment: Enrollment) -> QuizAttempt:
    learning_require(actor, enrollment, LEARN)
    enrollment = _lock(enrollment)
    version = enrollment.version
    question_ids = list(
        Question.objects.filter(version_id=version.pk).order_by("position", "id").values_list("pk", flat=True)
    )
    if not question_ids:
        raise PolicyViolation(gettext("This course has no quiz."))
    if enrollment.quiz_passed_at is not None:
        raise InvalidTransition(gettext("You already passed this quiz: there is nothing more to do."))
    now = timezone.now()
    attempts = QuizAttempt.objects.filter(enrollment_id=enrollment.pk)
    open_attempt = attempts.filter(status=AttemptStatus.OPEN).first()
    if open_attempt is not None:
        return open_attempt
    lessons = Lesson.objects.filter(version_id=version.pk).count()
    done = LessonProgress.objects.filter(enrollment_id=enrollment.pk, lesson__version_id=version.pk).count()
    if done < lessons:
        left = lessons - done
        raise PolicyViolation(
            ngettext(
                "Finish the lessons first: %(count)s lesson is left.",
                "Finish the lessons first: %(count)s lessons are left.",
                left,
            )
            % {"count": left}
        )
    closed = list(attempts.exclude(status=AttemptStatus.OPEN).order_by("-number").only("passed", "submitted_at")[:1])
    used = attempts.exclude(status=AttemptStatus.OPEN).count()
    if version.max_attempts and used >= version.max_attempts:
        raise PolicyViolation(
            ngettext(
                "You have used your %(count)s attempt at this quiz.",
                "You have used all %(count)s attempts at this quiz.",
                version.max_attempts,
            )
            % {"count": version.max_attempts}
        )
    if closed and closed[0].passed is False and version.cooldown_minutes and closed[0].submitted_at:
        until = closed[0].submitted_at + timedelta(minutes=version.cooldown_minutes)
        if until > now:
            raise PolicyViolation(_when(until))
    size = version.questions_per_attempt
    drawn = _draw.sample(question_ids, size) if 0 < size < len(question_ids) else question_ids
    number = (attempts.aggregate(last=Max("number"))["last"] or 0) + 1
    try:
        with transaction.atomic():
            attempt = QuizAttempt.objects.create(
                tenant_id=enrollment.tenant_id,
                enrollment=enrollment,
                version=version,
                learner_id=enrollment.learner_id,
                partner_id=enrollment.partner_id,
                number=number,
                question_ids=drawn,
                deadline_at=now + timedelta(minutes=version.time_limit_minutes) if version.time_limit_minutes else None,
            )
    except IntegrityError:
        # Another start won (one open attempt per enrolment, a unique number): take its attempt.
        found = attempts.filter(status=AttemptStatus.OPEN).first()
        if found is None:
            raise
        return found
    enrollment.last_activity_at = now
    enrollment.save(update_fields=["last_activity_at"])
    return attempt


def _clean_answers(attempt: QuizAttempt, answers: dict) -> dict[int, set[int]]:
    """The answers as {question id: choice ids}, only for questions of the draw and only their
    choices, one choice for a single-choice question; anything else is refused (nothing is
    recorded: the attempt stays open to answer properly)."""
    drawn = set(attempt.question_ids)
    cleaned: dict[int, set[int]] = {}
    for question_id, choice_ids in answers.items():
        if question_id not in drawn:
            raise PolicyViolation(
                gettext("The answers name a question that is not in this attempt: nothing was recorded.")
            )
        cleaned[question_id] = set(choice_ids)
    wanted = {choice_id for choice_ids in cleaned.values() for choice_id in choice_ids}
    owner = dict(Choice.objects.filter(pk__in=wanted).values_list("pk", "question_id"))
    kinds = dict(Question.objects.filter(pk__in=list(cleaned)).values_list("pk", "kind"))
    for question_id, choice_ids in cleaned.items():
        if any(owner.get(choice_id) != question_id for choice_id in choice_ids):
            raise PolicyViolation(gettext("The answers name a choice of another question: nothing was recorded."))
        if kinds.get(question_id) == QuestionKind.SINGLE and len(choice_ids) > 1:
            raise PolicyViolation(
                gettext("A single-choice question takes one answer, not %(count)s: nothing was recorded.")
                % {"count": len(choice_ids)}
            )
    return cleaned


def _score(attempt: QuizAttempt, answers: dict[int, set[int]]) -> tuple[Decimal, list[int]]:
    """(score %, missed question ids): a question is right when exactly its correct choices are
    chosen."""
    correct: dict[int, set[int]] = {question_id: set() for question_id in attempt.question_ids}
    for choice_id, question_id in Choice.objects.filter(
        question_id__in=attempt.question_ids, is_correct=True
    ).values_list("pk", "question_id"):
        correct[question_id].add(choice_id)
    missed = [
        question_id for question_id in attempt.question_ids if answers.get(question_id, set()) != correct[question_id]
    ]
    total = len(attempt.question_ids)
    right = total - len(missed)
    score = (
        (Decimal(right * 100) / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP) if total else Decimal("0.00")
    )
    return score, missed


def quiz_attempt_submit(*, actor: Membership, attempt: QuizAttempt, answers: dict[int, list[int]]) -> QuizAttempt:
    """Score an open attempt once. A late submission (past the deadline and its grace) closes
    the attempt as failed, which is saved, and is refused (``AttemptExpired``); a replayed one
    is refused and changes nothing; answers outside the draw are refused and record nothing.
    A pass records the quiz on the enrolment, which may complete the course."""
    attempt = _submit(actor=actor, attempt=attempt, answers=answers)
    if getattr(attempt, "just_expired", False):
        # Outside the transaction above: the attempt's closing is kept, the submission refused.
        raise AttemptExpired(
            gettext("Time ran out: the attempt closed at its time limit and counts as failed. Nothing was scored."),
            attempt=attempt,
        )
    return attempt


@transaction.atomic
def _submit(*, actor: Membership, attempt: QuizAttempt, answers: dict[int, list[int]]) -> QuizAttempt:
    learning_require(actor, attempt, LEARN)
    # The enrolment first, then the attempt: the order every quiz service locks in, so two
    # submissions (or a submission and a start) take turns instead of deadlocking.
    enrollment = _lock(attempt.enrollment)
    attempt = QuizAttempt.objects.select_for_update(of=("self",)).select_related("version").get(pk=attempt.pk)
    attempt.enrollment = enrollment
    if attempt.status != AttemptStatus.OPEN:
        raise InvalidTransition(gettext("This attempt was already submitted; nothing was recorded again."))
    now = timezone.now()
    if _is_late(attempt, now):
        attempt_expire(attempt, actor=actor)
        attempt.just_expired = True
        return attempt
    cleaned = _clean_answers(attempt, answers)
    score, missed = _score(attempt, cleaned)
    attempt.answers = {str(question_id): sorted(choice_ids) for question_id, choice_ids in cleaned.items()}
    attempt.missed_question_ids = missed
    attempt.score_percent = score
    attempt.passed = score >= attempt.version.pass_mark_percent
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = now
    attempt.save(update_fields=["answers", "missed_question_ids", "score_percent", "passed", "status", "submitted_at"])
    _record_result(actor=actor, attempt=attempt)
    if attempt.passed:
        quiz_mark_passed(enrollment=enrollment, score=score)
    enrollment_refresh(enrollment=enrollment, actor=actor)
    return attempt
