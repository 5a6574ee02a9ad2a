"""Reads of the SCORM part: the back office's package list, and what a learner's player may open
(a 404 for any enrolment or lesson the learner may not take)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from ..models import Enrollment, Lesson, LessonKind, ScormPackage, ScormSession
from ..permissions import LearningAction, learning_filter

PACKAGE_LIST_FIELDS = (
    "id",
    "title",
    "launch_path",
    "file_count",
    "size_bytes",
    "created_at",
    "uploaded_by__user__email",
    "uploaded_by__user__first_name",
    "uploaded_by__user__last_name",
)


def scorm_package_rows(*, actor):
    """The tenant's packages, newest first (vendor staff see every package of their tenant: the
    view's capability decides who gets here); rows of ``PACKAGE_LIST_FIELDS``."""
    return ScormPackage.objects.order_by("-created_at", "-id").values(*PACKAGE_LIST_FIELDS)


def scorm_package_get_for_actor(*, actor, package_id: int) -> ScormPackage:
    package = ScormPackage.objects.filter(pk=package_id).first()
    if package is None:
        raise Http404
    return package


@dataclass(frozen=True)
class ScormLaunch:
    """What the player needs: the learner's enrolment, the lesson, its package, and the saved
    session (None before the first commit)."""

    enrollment: Enrollment
    lesson: Lesson
    package: ScormPackage
    session: ScormSession | None


def scorm_launch_for_actor(*, actor, enrollment_id: int, lesson_id: int, with_session: bool = True) -> ScormLaunch:
    """The SCORM lesson ``lesson_id`` of the actor's own enrolment ``enrollment_id``; a 404 when
    the enrolment is not the actor's (another learner, partner or tenant) or the lesson is not a
    SCORM lesson of the enrolment's version."""
    visible = learning_filter(actor, LearningAction.LEARN)
    if visible is None:
        raise Http404
    enrollment = Enrollment.objects.filter(visible, pk=enrollment_id).select_related("course", "learner__user").first()
    if enrollment is None:
        raise Http404
    lesson = (
        Lesson.objects.filter(
            pk=lesson_id, version_id=enrollment.version_id, kind=LessonKind.SCORM, scorm_package__isnull=False
        )
        .select_related("scorm_package")
        .first()
    )
    if lesson is None:
        raise Http404
    session = None
    if with_session:
        session = ScormSession.objects.filter(enrollment=enrollment, lesson=lesson).first()
    return ScormLaunch(enrollment=enrollment, lesson=lesson, package=lesson.scorm_package, session=session)


def scorm_resume_data(launch: ScormLaunch) -> dict:
    """The cmi tree the player loads before the package starts (``loadFromJSON``): who the learner
    is, and what the package saved last time (status, score, location, suspend data), with
    ``entry`` saying whether it resumes. Only what SCORM 1.2 lets an LMS set before launch: the
    write-only and computed elements of the saved tree stay on the server."""
    user = launch.enrollment.learner.user
    name = f"{user.last_name}, {user.first_name}".strip(", ") or user.email
    core = {"student_id": str(launch.enrollment.learner_id), "student_name": name[:255]}
    data: dict = {"core": core}
    session = launch.session
    if session is None or not session.cmi:
        core["entry"] = "ab-initio"
        return data
    saved = session.cmi
    saved_core = saved.get("core") or {}
    core["lesson_status"] = session.lesson_status or "not attempted"
    core["lesson_location"] = session.lesson_location
    core["entry"] = "resume" if saved_core.get("exit") == "suspend" or session.suspend_data else ""
    score = saved_core.get("score") or {}
    if isinstance(score, dict):
        core["score"] = {key: str(score[key]) for key in ("raw", "min", "max") if score.get(key) not in (None, "")}
    if isinstance(saved_core.get("total_time"), str) and saved_core["total_time"]:
        core["total_time"] = saved_core["total_time"]
    data["suspend_data"] = session.suspend_data
    return data
