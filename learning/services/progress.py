"""A learner's progress through a course, shared by every way a lesson gets done (a text lesson
read, a quiz passed, a SCORM package completed): one place decides that a course is complete and
starts what follows (certification, in a worker after commit).

Callers are services that already hold the enrolment's row lock (``select_for_update``), so two
lessons finished at once cannot both miss, or both announce, the completion.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_noop

from prm.events.services import event_record, outbox_enqueue

from .. import events
from ..models import Enrollment, EnrollmentStatus, Lesson, LessonProgress, Question

# The task that awards certifications a completion may have earned (learning.tasks).
CERTIFICATIONS_CHECK = "learning.certifications_check"


def lesson_mark_done(*, enrollment: Enrollment, lesson: Lesson) -> bool:
    """Record that the learner finished ``lesson`` (of the enrolment's version); True when it is
    new. Idempotent: the unique (enrolment, lesson) row is inserted once."""
    if lesson.version_id != enrollment.version_id:
        raise ValueError("the lesson belongs to another version than the enrolment's")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO learning_lessonprogress (tenant_id, enrollment_id, lesson_id, partner_id, completed_at)"
            " VALUES (%s, %s, %s, %s, now()) ON CONFLICT DO NOTHING",
            [enrollment.tenant_id, enrollment.pk, lesson.pk, enrollment.partner_id],
        )
        return cursor.rowcount == 1


def quiz_mark_passed(*, enrollment: Enrollment, score: Decimal | None) -> None:
    """Record a passed quiz (a native one, or a SCORM package's assessment) and the best score."""
    if enrollment.quiz_passed_at is None:
        enrollment.quiz_passed_at = timezone.now()
    if score is not None and (enrollment.best_score is None or score > enrollment.best_score):
        enrollment.best_score = score


def enrollment_refresh(*, enrollment: Enrollment, actor=None) -> bool:
    """Recompute the enrolment's progress from its finished lessons and quiz, save it, and
    complete the course when everything is done. Returns True when this call completed it.

    The caller holds the enrolment's lock. A completion records ``learning.completed`` and asks a
    worker (through the outbox) to award the certifications it may have earned."""
    lessons = Lesson.objects.filter(version_id=enrollment.version_id).count()
    done = LessonProgress.objects.filter(enrollment=enrollment, lesson__version_id=enrollment.version_id).count()
    has_quiz = Question.objects.filter(version_id=enrollment.version_id).exists()
    steps = lessons + (1 if has_quiz else 0)
    finished = done + (1 if has_quiz and enrollment.quiz_passed_at else 0)
    enrollment.progress_percent = 100 if steps == 0 else min(100, finished * 100 // steps)
    enrollment.last_activity_at = timezone.now()
    completes = enrollment.status == EnrollmentStatus.IN_PROGRESS and steps > 0 and finished >= steps
    fields = ["progress_percent", "last_activity_at", "best_score", "quiz_passed_at"]
    if completes:
        enrollment.status = EnrollmentStatus.COMPLETED
        enrollment.completed_at = enrollment.last_activity_at
        fields += ["status", "completed_at"]
    enrollment.save(update_fields=fields)
    if completes:
        event_record(
            actor=actor,
            target=enrollment,
            verb=events.COURSE_COMPLETED,
            from_state=EnrollmentStatus.IN_PROGRESS,
            to_state=EnrollmentStatus.COMPLETED,
            message=gettext_noop("Completed %(course)s."),
            params={"course": enrollment.course.title},
            data={
                "course_id": enrollment.course_id,
                "version_id": enrollment.version_id,
                "score": str(enrollment.best_score) if enrollment.best_score is not None else None,
            },
        )
        outbox_enqueue(
            task_name=CERTIFICATIONS_CHECK, membership_id=enrollment.learner_id, course_id=enrollment.course_id
        )
    return completes
