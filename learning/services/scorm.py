"""SCORM 1.2 writes: a package uploaded (validated, unpacked per tenant), a course made from it in
one step, and a learner's runtime data committed from the player.

Completion and score count like a native quiz: a SCORM lesson reported ``passed`` or
``completed`` is a lesson done (``progress.lesson_mark_done``). When the course's version has no
native questions, the package is the course's assessment: ``passed`` (or ``completed`` with a
score) records a passed quiz with the package's score as the best score
(``progress.quiz_mark_passed``), so reports, certifications and the learner's page read a SCORM
course exactly as they read a quiz course. When the version has native questions, the package is
one lesson among others and its quiz still has to be passed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from prm.accounts.models import Membership
from prm.errors import PolicyViolation, assert_same_tenant
from prm.events.services import event_record

from .. import events
from ..models import (
    Course,
    CourseStatus,
    CourseVersion,
    Enrollment,
    Lesson,
    LessonKind,
    Question,
    ScormPackage,
    ScormSession,
    VersionStatus,
)
from ..permissions import AuthoringAction, LearningAction, course_require, learning_require
from ..scorm import inspect_package, remove_package_files, stale_package_dirs, store_package
from .progress import enrollment_refresh, lesson_mark_done, quiz_mark_passed

# SCORM 1.2's vocabulary of cmi.core.lesson_status.
LESSON_STATUSES = ("passed", "completed", "failed", "incomplete", "browsed", "not attempted")
DONE_STATUSES = ("passed", "completed")
SUSPEND_DATA_MAX = 4096  # SCORM 1.2: CMIString4096
LOCATION_MAX = 255  # SCORM 1.2: CMIString255
# A commit is the package's whole cmi tree: suspend data, interactions, objectives. Real ones are
# a few kilobytes; this bounds what one learner may store per lesson.
CMI_MAX_BYTES = 64 * 1024


@transaction.atomic
def scorm_package_upload(*, actor: Membership, upload, title: str = "") -> ScormPackage:
    """Validate a SCORM 1.2 zip, unpack it under the tenant's private folder and record it.

    Refused with a sentence naming the problem (``learning.scorm.inspect_package``), leaving no
    row and no file. The files are unpacked before the row is written; if anything after that
    fails, they are removed before the error goes on (the row rolls back with the transaction)."""
    course_require(actor, action=AuthoringAction.MANAGE_SCORM)
    if upload is None:
        raise PolicyViolation(gettext("Choose a SCORM package (a zip file) to upload."))
    info = inspect_package(upload)
    scorm_orphans_remove(tenant_id=actor.tenant_id)
    storage_path = store_package(upload=upload, info=info, tenant_id=actor.tenant_id)
    try:
        with transaction.atomic():
            package = ScormPackage.objects.create(
                title=(title or "").strip()[:200] or info.title,
                identifier=info.identifier,
                launch_path=info.launch_path,
                storage_path=storage_path,
                size_bytes=info.size_bytes,
                file_count=info.file_count,
                sha256=info.sha256,
                uploaded_by=actor,
            )
            event_record(
                actor=actor,
                target=package,
                verb=events.SCORM_UPLOADED,
                message=gettext_noop("Uploaded the SCORM package %(title)s."),
                params={"title": package.title},
                data={"files": info.file_count, "bytes": info.size_bytes, "sha256": info.sha256},
            )
    except BaseException:
        remove_package_files(storage_path)
        raise
    # An outer transaction that rolls back after this returns leaves a folder with no row: no page
    # serves it (files are reached through the row), and the tenant's next upload removes it.
    return package


def scorm_orphans_remove(*, tenant_id: int) -> int:
    """Remove the tenant's unpacked folders that no package row names (older than an hour, so an
    upload still in its transaction keeps its files). Returns how many were removed."""
    stale = stale_package_dirs(tenant_id)
    if not stale:
        return 0
    kept = set(ScormPackage.objects.filter(storage_path__in=list(stale)).values_list("storage_path", flat=True))
    orphans = [storage_path for storage_path in stale if storage_path not in kept]
    for storage_path in orphans:
        remove_package_files(storage_path)
    return len(orphans)


@transaction.atomic
def scorm_course_create(*, actor: Membership, package: ScormPackage, code: str, title: str) -> Course:
    """A published course with one SCORM lesson playing ``package``: from a zip to a course in two
    clicks. Version 1 is published at once (the course editor edits it into new versions)."""
    course_require(actor, action=AuthoringAction.MANAGE_SCORM)
    assert_same_tenant(actor, package)
    code, title = (code or "").strip().lower(), (title or "").strip() or package.title
    if not code:
        raise PolicyViolation(gettext("Give the course a code."))
    if Course.objects.filter(code=code).exists():
        raise PolicyViolation(gettext("A course with the code %(code)s exists already.") % {"code": code})
    now = timezone.now()
    try:
        with transaction.atomic():
            course = Course.objects.create(code=code, title=title[:200], status=CourseStatus.PUBLISHED)
    except IntegrityError as error:  # the same code, created a moment ago by someone else
        raise PolicyViolation(gettext("A course with the code %(code)s exists already.") % {"code": code}) from error
    version = CourseVersion.objects.create(
        course=course, number=1, status=VersionStatus.PUBLISHED, published_at=now, created_by=actor
    )
    Lesson.objects.create(
        version=version, position=0, title=package.title[:200], kind=LessonKind.SCORM, scorm_package=package
    )
    course.published_version = version
    course.save(update_fields=["published_version"])
    event_record(
        actor=actor,
        target=course,
        verb=events.COURSE_CREATED,
        message=gettext_noop("Created the course %(course)s from the SCORM package %(package)s."),
        params={"course": course.title, "package": package.title},
        data={"scorm_package_id": package.pk, "version_id": version.pk},
    )
    event_record(
        actor=actor,
        target=course,
        verb=events.COURSE_PUBLISHED,
        from_state=CourseStatus.DRAFT,
        to_state=CourseStatus.PUBLISHED,
        message=gettext_noop("Published version %(number)s of %(course)s."),
        params={"number": 1, "course": course.title},
        data={"version_id": version.pk},
    )
    return course


# --- the runtime --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CmiValues:
    """What the product reads from a commit, validated."""

    cmi: dict
    lesson_status: str
    score: Decimal | None  # as a percentage
    score_raw: Decimal | None
    suspend_data: str
    lesson_location: str


def _invalid(message: str) -> PolicyViolation:
    return PolicyViolation(message, code="scorm_cmi_invalid")


def _score_value(core: dict, name: str) -> Decimal | None:
    score = core.get("score") or {}
    if not isinstance(score, dict):
        raise _invalid(gettext("cmi.core.score must be an object."))
    value = score.get(name, "")
    if value in ("", None):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise _invalid(gettext("cmi.core.score.%(name)s must be a number.") % {"name": name}) from error
    if not number.is_finite() or number < 0 or number > 100:
        raise _invalid(gettext("cmi.core.score.%(name)s must be between 0 and 100.") % {"name": name})
    return number.quantize(Decimal("0.01"))


def cmi_clean(data) -> CmiValues:
    """The commit's cmi tree (``{"cmi": {...}}`` as scorm-again sends it, or the tree itself),
    checked where the product reads it; ``PolicyViolation`` naming the first bad value."""
    if isinstance(data, dict) and isinstance(data.get("cmi"), dict):
        data = data["cmi"]
    if not isinstance(data, dict):
        raise _invalid(gettext("The SCORM data must be a JSON object."))
    encoded = json.dumps(data, separators=(",", ":"))
    if len(encoded) > CMI_MAX_BYTES:
        raise _invalid(gettext("The SCORM data is too large to be saved."))
    # PostgreSQL stores no NUL character, in text or in JSON: refused here, with a sentence,
    # rather than by the database after half the work.
    if "\\u0000" in encoded:
        raise _invalid(gettext("The SCORM data contains a NUL character, which cannot be saved."))
    core = data.get("core") or {}
    if not isinstance(core, dict):
        raise _invalid(gettext("cmi.core must be an object."))
    status = core.get("lesson_status", "") or "not attempted"
    if status not in LESSON_STATUSES:
        raise _invalid(
            gettext("cmi.core.lesson_status %(value)s is not a SCORM 1.2 status.") % {"value": str(status)[:40]}
        )
    suspend_data = data.get("suspend_data", "") or ""
    if not isinstance(suspend_data, str) or len(suspend_data) > SUSPEND_DATA_MAX:
        raise _invalid(
            gettext("cmi.suspend_data is longer than %(count)s characters: it was not saved.")
            % {"count": SUSPEND_DATA_MAX}
        )
    location = core.get("lesson_location", "") or ""
    if not isinstance(location, str) or len(location) > LOCATION_MAX:
        raise _invalid(
            gettext("cmi.core.lesson_location is longer than %(count)s characters: it was not saved.")
            % {"count": LOCATION_MAX}
        )
    raw, low, high = (_score_value(core, name) for name in ("raw", "min", "max"))
    score = raw
    if raw is not None and low is not None and high is not None and high > low:
        score = ((raw - low) * 100 / (high - low)).quantize(Decimal("0.01"))
        score = min(max(score, Decimal(0)), Decimal(100))
    return CmiValues(
        cmi=data, lesson_status=status, score=score, score_raw=raw, suspend_data=suspend_data, lesson_location=location
    )


def _session_locked(*, enrollment: Enrollment, lesson: Lesson) -> ScormSession:
    """The learner's session of the lesson, locked; created once. Two first commits at once (two
    tabs): one inserts, the other meets the unique constraint and takes the row the first made."""
    session = ScormSession.objects.select_for_update().filter(enrollment=enrollment, lesson=lesson).first()
    if session is not None:
        return session
    try:
        with transaction.atomic():
            ScormSession.objects.create(
                enrollment=enrollment,
                lesson=lesson,
                learner_id=enrollment.learner_id,
                partner_id=enrollment.partner_id,
            )
    except IntegrityError:
        pass
    return ScormSession.objects.select_for_update().get(enrollment=enrollment, lesson=lesson)


def scorm_lesson_check(*, enrollment: Enrollment, lesson: Lesson) -> None:
    """A SCORM lesson of the enrolment's version, with its package; else a refusal."""
    assert_same_tenant(enrollment, lesson)
    if lesson.version_id != enrollment.version_id or lesson.kind != LessonKind.SCORM or not lesson.scorm_package_id:
        raise PolicyViolation(gettext("This lesson is not a SCORM lesson of your course."))


@transaction.atomic
def scorm_session_commit(*, actor: Membership, enrollment: Enrollment, lesson: Lesson, cmi) -> ScormSession:
    """Save what the package committed (the whole cmi tree, and the columns the product reads) and
    count a completion once.

    The session row is locked first, then (on a completion) the enrolment: every caller takes them
    in that order, so two commits of the same lesson take turns and only one of them completes
    it. A commit of a lesson already completed saves the data and changes nothing else, except a
    better score of a package that is the course's assessment."""
    learning_require(actor, enrollment, LearningAction.LEARN)
    scorm_lesson_check(enrollment=enrollment, lesson=lesson)
    values = cmi_clean(cmi)
    session = _session_locked(enrollment=enrollment, lesson=lesson)
    session.cmi = values.cmi
    session.lesson_status = values.lesson_status
    session.score_raw = values.score_raw
    session.suspend_data = values.suspend_data
    session.lesson_location = values.lesson_location
    session.commits += 1
    done = values.lesson_status in DONE_STATUSES
    completes = done and session.completed_at is None
    if completes:
        session.completed_at = timezone.now()
    session.save()
    assessed = done and (values.lesson_status == "passed" or values.score is not None)
    if completes or (assessed and _improves(enrollment, values.score)):
        _count(actor=actor, enrollment=enrollment, lesson=lesson, values=values, assessed=assessed)
    else:
        Enrollment.objects.filter(pk=enrollment.pk).update(last_lesson=lesson, last_activity_at=timezone.now())
    return session


def _improves(enrollment: Enrollment, score: Decimal | None) -> bool:
    """Whether a passing commit could change the enrolment (read without the lock: a hint that
    ``_count`` checks again under it)."""
    if enrollment.quiz_passed_at is None:
        return True
    return score is not None and (enrollment.best_score is None or score > enrollment.best_score)


def _count(*, actor, enrollment: Enrollment, lesson: Lesson, values: CmiValues, assessed: bool) -> None:
    # Only the enrolment is locked (not its course: every learner of the course completes it).
    locked = Enrollment.objects.select_for_update(of=("self",)).select_related("course").get(pk=enrollment.pk)
    locked.last_lesson = lesson
    changed = lesson_mark_done(enrollment=locked, lesson=lesson)
    is_assessment = assessed and not Question.objects.filter(version_id=locked.version_id).exists()
    if is_assessment:
        first_pass = locked.quiz_passed_at is None
        before = locked.best_score
        quiz_mark_passed(enrollment=locked, score=values.score)
        changed = changed or first_pass or locked.best_score != before
        if first_pass:
            event_record(
                actor=actor,
                target=locked,
                verb=events.QUIZ_PASSED,
                message=gettext_noop("Passed the SCORM lesson %(lesson)s of %(course)s."),
                params={"lesson": lesson.title, "course": locked.course.title},
                data={"lesson_id": lesson.pk, "score": str(values.score) if values.score is not None else None},
            )
    if changed:
        enrollment_refresh(enrollment=locked, actor=actor)
    locked.save(update_fields=["last_lesson"])
    # The caller's copy follows the row (the view shows the new state).
    for name in ("status", "progress_percent", "best_score", "quiz_passed_at", "completed_at", "last_lesson_id"):
        setattr(enrollment, name, getattr(locked, name))
