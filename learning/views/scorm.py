"""Pages of e-learning: SCORM (see learning/urls.py).

* Back office: the package list with its upload form (``office:learning_scorm_packages``,
  ``office:learning_scorm_upload``) and "make a course of it" (``office:learning_scorm_course_create``).
* Portal: the player (``portal:learning_scorm_player``), the package's files it frames
  (``portal:learning_scorm_file``) and the runtime's commits (``portal:learning_scorm_commit``).
"""

from __future__ import annotations

import json
import mimetypes

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.errors import DomainError
from prm.web.security import policy_header
from prm.web.views import ServiceView, paginate, shown_time

from ..forms_scorm import ScormCourseForm, ScormUploadForm
from ..permissions import LEARNING_AUTHOR, LEARNING_TAKE, LEARNING_VIEW
from ..scorm import package_file
from ..selectors.scorm import (
    scorm_launch_for_actor,
    scorm_package_get_for_actor,
    scorm_package_rows,
    scorm_resume_data,
)
from ..services.scorm import scorm_course_create, scorm_package_upload, scorm_session_commit

# --- the back office --------------------------------------------------------------------------


def _package_rows(rows: list[dict]) -> list[dict]:
    for row in rows:
        name = f"{row['uploaded_by__user__first_name']} {row['uploaded_by__user__last_name']}".strip()
        row["uploaded_by"] = name or row["uploaded_by__user__email"] or ""
        row["uploaded"] = shown_time(row["created_at"])
    return rows


def _packages_page(request, actor, *, upload_form=None, course_form=None, course_package_id=None, status=200):
    page = paginate(request, scorm_package_rows(actor=actor))
    page.object_list = _package_rows(page.object_list)
    context = {
        "page": page,
        "may_author": actor.can(LEARNING_AUTHOR),
        "upload_form": upload_form or ScormUploadForm(),
        "course_form": course_form,
        "course_package_id": course_package_id,
    }
    return render(request, "learning/scorm/office_packages.html", context, status=status)


class ScormPackageListView(MemberRequiredMixin, View):
    """The tenant's SCORM packages; authors upload one and make a course of it here."""

    area, capability = OFFICE, LEARNING_VIEW

    def get(self, request):
        return _packages_page(request, self.actor)


def _packages_url() -> str:
    return reverse("office:learning_scorm_packages")


class ScormUploadView(ServiceView):
    """Upload a package: validated and unpacked, or the page again saying what is wrong with it."""

    area, capability = OFFICE, LEARNING_AUTHOR
    form_class = ScormUploadForm

    def perform(self, data):
        return scorm_package_upload(actor=self.actor, upload=data["package"], title=data["title"])

    def success_message(self, package) -> str:
        return gettext("%(title)s was uploaded: %(count)s files. Make a course of it below.") % {
            "title": package.title,
            "count": package.file_count,
        }

    def success_url(self, package) -> str:
        return _packages_url()

    def render_invalid(self, form):
        # A refused package: its file is not kept, the title typed is.
        return _packages_page(self.request, self.actor, upload_form=form)


class ScormCourseCreateView(ServiceView):
    """Make a published course of a package (one SCORM lesson)."""

    area, capability = OFFICE, LEARNING_AUTHOR
    form_class = ScormCourseForm

    def get_object(self):
        return scorm_package_get_for_actor(actor=self.actor, package_id=self.kwargs["package_id"])

    def perform(self, data):
        return scorm_course_create(actor=self.actor, package=self.object, code=data["code"], title=data["title"])

    def success_message(self, course) -> str:
        return gettext("The course %(title)s (%(code)s) is published: partners can enrol in it now.") % {
            "title": course.title,
            "code": course.code,
        }

    def success_url(self, course) -> str:
        # The course's page in the editor: its lesson, audience and quiz are there to refine.
        return reverse("office:learning_course", args=[course.pk])

    def render_invalid(self, form):
        return _packages_page(self.request, self.actor, course_form=form, course_package_id=self.object.pk)


# --- the portal: player, files, commits ---------------------------------------------------------

STATUS_LABELS = {
    "passed": _("Passed"),
    "completed": _("Completed"),
    "failed": _("Not passed yet"),
    "incomplete": _("In progress"),
    "browsed": _("In progress"),
    "not attempted": _("Not started"),
}


def _state(launch) -> dict:
    """What the player says of the learner's progress in this lesson."""
    session, enrollment = launch.session, launch.enrollment
    status = session.lesson_status if session else "not attempted"
    done = bool(session and session.completed_at)
    score = session.score_raw if session else None
    # A lesson once completed stays completed, whatever a later visit reports.
    label = _("Completed") if done and status not in ("passed", "completed") else STATUS_LABELS.get(status, status)
    return {
        "status": status,
        "status_label": str(label),
        "completed": done,
        "score": None if score is None else f"{score.normalize():f}",
        "course_completed": enrollment.status == "completed",
        "progress": enrollment.progress_percent,
    }


class ScormPlayerView(MemberRequiredMixin, View):
    """The player: scorm-again's SCORM 1.2 runtime (``window.API``) loaded with the learner's
    saved data, the package in a same-origin frame, commits sent to the server."""

    area, capability = PORTAL, LEARNING_TAKE

    def get(self, request, enrollment_id: int, lesson_id: int):
        launch = scorm_launch_for_actor(actor=self.actor, enrollment_id=enrollment_id, lesson_id=lesson_id)
        args = [enrollment_id, lesson_id]
        context = {
            "launch": launch,
            "state": _state(launch),
            "resume": scorm_resume_data(launch),
            "commit_url": reverse("portal:learning_scorm_commit", args=args),
            "launch_url": reverse("portal:learning_scorm_file", args=[*args, launch.package.launch_path]),
            "player_url": reverse("portal:learning_scorm_player", args=args),
        }
        return render(request, "learning/scorm/player.html", context)


class ScormCommitView(MemberRequiredMixin, View):
    """The runtime's LMSCommit / LMSFinish: the cmi tree as JSON. Answers what scorm-again reads
    (``result``, ``errorCode``) and what the player shows (the lesson's state); a refused commit
    is a 400 with the sentence, and nothing is saved."""

    area, capability = PORTAL, LEARNING_TAKE

    def post(self, request, enrollment_id: int, lesson_id: int):
        launch = scorm_launch_for_actor(
            actor=self.actor, enrollment_id=enrollment_id, lesson_id=lesson_id, with_session=False
        )
        # scorm-again posts the tree as JSON; a form may post it as its "cmi" field.
        form = request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded")
        raw = request.POST.get("cmi", "") if form else request.body
        try:
            data = json.loads(raw or "null")
        except (ValueError, UnicodeDecodeError):
            return _refused(gettext("The SCORM data is not valid JSON."))
        try:
            session = scorm_session_commit(
                actor=self.actor, enrollment=launch.enrollment, lesson=launch.lesson, cmi=data
            )
        except DomainError as error:
            return _refused(error.message)
        state = _state(type(launch)(launch.enrollment, launch.lesson, launch.package, session))
        return JsonResponse({"ok": True, "result": True, "errorCode": 0, **state})


def _refused(message: str) -> JsonResponse:
    return JsonResponse({"ok": False, "result": False, "errorCode": 101, "message": message}, status=400)


# Types of what packages hold; anything else is served as bytes (and never sniffed).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".vtt": "text/vtt",
    ".pdf": "application/pdf",
}

# The package's own policy. SCORM content is authored by tools that write inline scripts and
# handlers (and some eval), so package files may run them, and only package files: the portal's
# pages keep their strict policy. What a package runs is the vendor's own content, uploaded by
# its authors, on the vendor's host (it must be same-origin to find ``window.parent.API``); it
# still may only be framed by our pages, load from our host, and send nowhere else.
PACKAGE_CSP = policy_header(
    {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
)


class ScormFileView(MemberRequiredMixin, View):
    """A file of the package, to a learner who may take the lesson (404 otherwise, and for any
    path outside the package's folder)."""

    area, capability = PORTAL, LEARNING_TAKE

    def get(self, request, enrollment_id: int, lesson_id: int, path: str):
        launch = scorm_launch_for_actor(
            actor=self.actor, enrollment_id=enrollment_id, lesson_id=lesson_id, with_session=False
        )
        found = package_file(launch.package.storage_path, path)
        if found is None:
            raise Http404
        suffix = found.suffix.lower()
        content_type = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        response = FileResponse(found.open("rb"), content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = PACKAGE_CSP
        response["Cache-Control"] = "private, max-age=300"
        return response


office_urls: list = [
    path("learning/scorm/", ScormPackageListView.as_view(), name="learning_scorm_packages"),
    path("learning/scorm/upload/", ScormUploadView.as_view(), name="learning_scorm_upload"),
    path(
        "learning/scorm/<int:package_id>/course/",
        ScormCourseCreateView.as_view(),
        name="learning_scorm_course_create",
    ),
]
portal_urls: list = [
    path(
        "learning/scorm/<int:enrollment_id>/<int:lesson_id>/",
        ScormPlayerView.as_view(),
        name="learning_scorm_player",
    ),
    path(
        "learning/scorm/<int:enrollment_id>/<int:lesson_id>/commit/",
        ScormCommitView.as_view(),
        name="learning_scorm_commit",
    ),
    path(
        "learning/scorm/<int:enrollment_id>/<int:lesson_id>/files/<path:path>",
        ScormFileView.as_view(),
        name="learning_scorm_file",
    ),
]
public_urls: list = []
