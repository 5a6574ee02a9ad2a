"""The course editor of the back office (see learning/urls.py): the course list, a course with its
versions, lessons and quiz, and the forms that change them.

Every staff member with ``LEARNING_VIEW`` reads; only authors (``LEARNING_AUTHOR``: vendor admins
and channel marketing) open the forms and post. Each write is a ``ServiceView`` over one service
of ``learning.services.authoring``; bad input or a refusal renders the form again with what was
typed and the reason. A version's pages name the version: an author whose draft was published
meanwhile by someone else is told so, instead of editing the next draft unknowingly.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from partners.selectors import partner_type_options
from prm.accounts.access import OFFICE, MemberRequiredMixin
from prm.events.selectors import events_for_object
from prm.web.files import document_response
from prm.web.views import ServiceView, paginate, query_without_page, shown_time, url_pattern
from programs.selectors.tiers import tier_choices

from ..forms_authoring import CourseFilterForm, CourseForm, LessonForm, MoveForm, QuestionForm, QuizSettingsForm
from ..models import PARTNER_ROLE_CHOICES, Course, CourseStatus, CourseVersion, LessonKind, VersionStatus
from ..permissions import LEARNING_AUTHOR, LEARNING_VIEW, course_may_author
from ..richtext import clean_html, video_embed_url
from ..selectors.authoring import (
    course_get_for_actor,
    course_options,
    course_rows_for_actor,
    course_versions,
    lesson_get_for_actor,
    prerequisites_of,
    question_get_for_actor,
    scorm_package_options,
    version_edited,
    version_get,
    version_lessons,
    version_questions,
)
from ..services.authoring import (
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
    publish_problems,
    question_add,
    question_delete,
    question_update,
    quiz_settings_update,
)

T = "learning/office/authoring/"

STATUS_BADGES = {
    CourseStatus.DRAFT: "secondary",
    CourseStatus.PUBLISHED: "success",
    CourseStatus.ARCHIVED: "dark",
    VersionStatus.RETIRED: "light",
}

# --- the list -----------------------------------------------------------------------------------


class CourseListView(MemberRequiredMixin, View):
    """Every course of the tenant by title, searched and filtered; htmx swaps the results."""

    area, capability = OFFICE, LEARNING_VIEW

    def get(self, request):
        filter_form = CourseFilterForm(request.GET)
        rows, courses = course_rows_for_actor(actor=self.actor, **filter_form.filters())
        page = paginate(request, rows, count_from=courses)
        detail_url = url_pattern("office:learning_course", "course_id")
        labels = dict(CourseStatus.choices)
        for row in page.object_list:
            row["url"] = detail_url(row["id"])
            row["status_label"] = labels.get(row["status"], row["status"])
            row["badge"] = STATUS_BADGES.get(row["status"], "secondary")
            row["updated"] = shown_time(row["updated_at"])
        context = {
            "filter_form": filter_form,
            "page": page,
            "query": query_without_page(request),
            "may_author": course_may_author(self.actor),
        }
        template = f"{T}course_list.html#results" if request.htmx else f"{T}course_list.html"
        return render(request, template, context)


# --- a course's details -------------------------------------------------------------------------


def _course_form(*args, course: Course | None = None, **kwargs) -> CourseForm:
    return CourseForm(
        *args,
        partner_types=partner_type_options(),
        tiers=list(tier_choices()),
        courses=course_options(exclude=course),
        **kwargs,
    )


def _course_values(data: dict, form: CourseForm) -> dict:
    return {
        "code": data["code"],
        "title": data["title"],
        "summary": data["summary"],
        "category": data["category"],
        "level": data["level"],
        "duration_minutes": data["duration_minutes"] or 0,
        "audience_partner_type_ids": data["audience_partner_type_ids"],
        "audience_tier_ids": data["audience_tier_ids"],
        "audience_roles": data["audience_roles"],
        "prerequisites": form.prerequisite_courses(),
    }


class CourseCreateView(ServiceView):
    """A new course (in draft, with an empty first version), then its page to add lessons."""

    area, capability = OFFICE, LEARNING_AUTHOR
    invalid_message = _("The course was not created: correct the fields marked below.")

    def get_form(self):
        return _course_form(self.request.POST)

    def get(self, request):
        return self.render_invalid(_course_form(initial={"duration_minutes": 0}))

    def perform(self, data):
        return course_create(actor=self.actor, **_course_values(data, self.form))

    def success_message(self, course) -> str:
        return gettext("%(title)s is created as a draft: add its lessons, then publish it.") % {"title": course.title}

    def success_url(self, course) -> str:
        return reverse("office:learning_course", args=[course.pk])

    def render_invalid(self, form):
        return render(self.request, f"{T}course_form.html", {"form": form, "course": None})


class CourseEditView(ServiceView):
    """A course's details, audience and prerequisites (not versioned: they change at once)."""

    area, capability = OFFICE, LEARNING_AUTHOR
    invalid_message = _("The course was not changed: correct the fields marked below.")

    def get_object(self):
        return course_get_for_actor(actor=self.actor, course_id=self.kwargs["course_id"])

    def get_form(self):
        return _course_form(self.request.POST, course=self.object)

    def get(self, request, course_id: int):
        self.object = course = self.get_object()
        initial = {
            "title": course.title,
            "code": course.code,
            "summary": course.summary,
            "category": course.category,
            "level": course.level,
            "duration_minutes": course.duration_minutes,
            "audience_partner_type_ids": course.audience_partner_type_ids,
            "audience_tier_ids": course.audience_tier_ids,
            "audience_roles": course.audience_roles,
            "prerequisites": [c.pk for c in prerequisites_of(course)],
        }
        return self.render_invalid(_course_form(course=course, initial=initial))

    def perform(self, data):
        return course_update(actor=self.actor, course=self.object, **_course_values(data, self.form))

    def success_message(self, course) -> str:
        return gettext("The details of %(title)s are saved.") % {"title": course.title}

    def success_url(self, course) -> str:
        return reverse("office:learning_course", args=[course.pk])

    def render_invalid(self, form):
        return render(self.request, f"{T}course_form.html", {"form": form, "course": self.object})


# --- a course's page ----------------------------------------------------------------------------


def _lesson_preview(lesson) -> dict:
    """What the editor shows of a lesson: the text as learners get it (cleaned again: a row
    written any other way cannot carry a script), the video's player, the file's link."""
    return {
        "lesson": lesson,
        # clean_html's output is the allow-listed HTML only: safe to render as markup.
        "html": mark_safe(clean_html(lesson.body)),  # noqa: S308
        "embed": video_embed_url(lesson.video_url) if lesson.kind == LessonKind.VIDEO else None,
    }


def _audience(course: Course) -> dict:
    types = {option.id: option.name for option in partner_type_options()}
    tiers = (
        {tier.pk: f"{tier.program.name}: {tier.name}" for tier in tier_choices()} if course.audience_tier_ids else {}
    )
    roles = dict(PARTNER_ROLE_CHOICES)
    return {
        "partner_types": [types.get(pk, f"#{pk}") for pk in course.audience_partner_type_ids],
        "tiers": [tiers.get(pk, f"#{pk}") for pk in course.audience_tier_ids],
        "roles": [roles.get(role, role) for role in course.audience_roles],
    }


def course_context(actor, course: Course, version: CourseVersion | None = None) -> dict:
    """The course page: the version shown (``version``, else the one being edited), its lessons
    and quiz, the other versions, the audience, the prerequisites, the history."""
    version = version or version_edited(course)
    editable = version is not None and version.status == VersionStatus.DRAFT
    may_author = course_may_author(actor)
    questions = version_questions(version)
    return {
        "area": OFFICE,
        "course": course,
        "status_badge": STATUS_BADGES.get(course.status, "secondary"),
        "version": version,
        "editable": editable and may_author,
        "may_author": may_author,
        "versions": course_versions(course),
        "lessons": [_lesson_preview(lesson) for lesson in version_lessons(version)],
        "questions": questions,
        "bank_short": version is not None and version.questions_per_attempt > len(questions),
        "problems": publish_problems(version) if editable and may_author else [],
        "prerequisites": prerequisites_of(course),
        "audience": _audience(course),
        "events": list(events_for_object(actor=actor, target=course)[:50]),
    }


class CourseDetailView(MemberRequiredMixin, View):
    """A course: the draft being edited (or the published version), ``?version=`` another one."""

    area, capability = OFFICE, LEARNING_VIEW

    def get(self, request, course_id: int):
        course = course_get_for_actor(actor=self.actor, course_id=course_id)
        version = None
        wanted = request.GET.get("version", "")
        if wanted.isdigit() and len(wanted) < 19:
            version = version_get(course=course, version_id=int(wanted))
        return render(request, f"{T}course_detail.html", course_context(self.actor, course, version))


class CourseAction(ServiceView):
    """A button of the course page (no form): success and refusal both come back to the page,
    with the message."""

    area, capability = OFFICE, LEARNING_AUTHOR

    def get_object(self):
        return course_get_for_actor(actor=self.actor, course_id=self.kwargs["course_id"])

    def success_url(self, result) -> str:
        return reverse("office:learning_course", args=[self.object.pk])

    def render_invalid(self, form):
        course = course_get_for_actor(actor=self.actor, course_id=self.object.pk)
        return render(self.request, f"{T}course_detail.html", course_context(self.actor, course))


class CourseDraftView(CourseAction):
    """Edit the content: opens the draft (a new version copying the published one, if none)."""

    def perform(self, data):
        return course_draft(actor=self.actor, course=self.object)

    def success_message(self, version) -> str:
        return gettext(
            "You are editing version %(number)s (a draft). Learners see the published version until you publish it."
        ) % {"number": version.number}


class CoursePublishView(CourseAction):
    def perform(self, data):
        version = None
        posted = self.request.POST.get("version", "")
        if posted.isdigit() and len(posted) < 19:
            version = version_get(course=self.object, version_id=int(posted))
            if version is None:
                raise Http404
        return course_publish(actor=self.actor, course=self.object, version=version)

    def success_message(self, version) -> str:
        return gettext("Version %(number)s of %(title)s is published: new enrolments take it.") % {
            "number": version.number,
            "title": self.object.title,
        }


class CourseArchiveView(CourseAction):
    def perform(self, data):
        return course_archive(actor=self.actor, course=self.object)

    def success_message(self, course) -> str:
        return gettext("%(title)s is archived: it left the catalogue; learners in progress may finish it.") % {
            "title": course.title
        }


# --- a version's content ------------------------------------------------------------------------


def _version_of(actor, course_id: int, version_id: int) -> CourseVersion:
    course = course_get_for_actor(actor=actor, course_id=course_id)
    version = version_get(course=course, version_id=version_id)
    if version is None:
        raise Http404
    version.course = course
    return version


class VersionFormView(ServiceView):
    """A form page about one version of a course (its quiz rules, a new lesson or question)."""

    area, capability = OFFICE, LEARNING_AUTHOR
    template = ""

    def get_object(self):
        return _version_of(self.actor, self.kwargs["course_id"], self.kwargs["version_id"])

    def blank_form(self):
        raise NotImplementedError

    def get(self, request, **kwargs):
        self.object = self.get_object()
        return self.render_invalid(self.blank_form())

    def success_url(self, result) -> str:
        return reverse("office:learning_course", args=[self.object.course.pk])

    def page_context(self) -> dict:
        return {}

    def render_invalid(self, form):
        version = self.object
        context = {"form": form, "course": version.course, "version": version, **self.page_context()}
        return render(self.request, self.template, context)


class QuizSettingsView(VersionFormView):
    template = f"{T}quiz_form.html"
    form_class = QuizSettingsForm
    invalid_message = _("The quiz rules were not saved: correct the fields marked below.")

    def blank_form(self):
        version = self.object
        return QuizSettingsForm(
            initial={
                "pass_mark_percent": version.pass_mark_percent,
                "questions_per_attempt": version.questions_per_attempt,
                "max_attempts": version.max_attempts,
                "cooldown_minutes": version.cooldown_minutes,
                "time_limit_minutes": version.time_limit_minutes,
                "show_answers": version.show_answers,
            }
        )

    def perform(self, data):
        return quiz_settings_update(actor=self.actor, version=self.object, **data)

    def success_message(self, version) -> str:
        return gettext("The quiz rules of version %(number)s are saved.") % {"number": version.number}

    def success_url(self, result) -> str:
        return reverse("office:learning_course", args=[self.object.course.pk]) + "#quiz"


def _content(data: dict) -> LessonContent:
    return LessonContent(
        title=data["title"],
        kind=data["kind"],
        body=data["body"],
        video_url=data["video_url"],
        file=data.get("file") or None,
        scorm_package=data.get("scorm_package"),
        duration_minutes=data["duration_minutes"] or 0,
    )


class LessonAddView(VersionFormView):
    template = f"{T}lesson_form.html"
    invalid_message = _("The lesson was not added: correct the fields marked below.")

    def get_form(self):
        return LessonForm(self.request.POST, self.request.FILES or None, packages=scorm_package_options())

    def blank_form(self):
        return LessonForm(packages=scorm_package_options(), initial={"kind": LessonKind.TEXT, "duration_minutes": 0})

    def perform(self, data):
        return lesson_add(actor=self.actor, version=self.object, content=_content(data))

    def success_message(self, lesson) -> str:
        return gettext("The lesson %(title)s is added.") % {"title": lesson.title}

    def success_url(self, lesson) -> str:
        return reverse("office:learning_course", args=[self.object.course.pk]) + f"#lesson-{lesson.pk}"


class LessonEditView(ServiceView):
    area, capability = OFFICE, LEARNING_AUTHOR
    invalid_message = _("The lesson was not changed: correct the fields marked below.")

    def get_object(self):
        return lesson_get_for_actor(
            actor=self.actor, course_id=self.kwargs["course_id"], lesson_id=self.kwargs["lesson_id"]
        )

    def get_form(self):
        return LessonForm(self.request.POST, self.request.FILES or None, packages=scorm_package_options())

    def get(self, request, course_id: int, lesson_id: int):
        self.object = lesson = self.get_object()
        initial = {
            "title": lesson.title,
            "kind": lesson.kind,
            "body": lesson.body,
            "video_url": lesson.video_url,
            "scorm_package": lesson.scorm_package_id,
            "duration_minutes": lesson.duration_minutes,
        }
        return self.render_invalid(LessonForm(packages=scorm_package_options(), initial=initial))

    def perform(self, data):
        return lesson_update(actor=self.actor, lesson=self.object, content=_content(data))

    def success_message(self, lesson) -> str:
        return gettext("The lesson %(title)s is saved.") % {"title": lesson.title}

    def success_url(self, lesson) -> str:
        return reverse("office:learning_course", args=[lesson.version.course_id]) + f"#lesson-{lesson.pk}"

    def render_invalid(self, form):
        lesson = self.object
        context = {"form": form, "course": lesson.version.course, "version": lesson.version, "lesson": lesson}
        return render(self.request, f"{T}lesson_form.html", context)


class LessonAction(ServiceView):
    """A button on a lesson of the course page (remove, move): back to the page either way."""

    area, capability = OFFICE, LEARNING_AUTHOR

    def get_object(self):
        return lesson_get_for_actor(
            actor=self.actor, course_id=self.kwargs["course_id"], lesson_id=self.kwargs["lesson_id"]
        )

    def success_url(self, result) -> str:
        return reverse("office:learning_course", args=[self.object.version.course_id]) + "#lessons"

    def render_invalid(self, form):
        return redirect(self.success_url(None))


class LessonDeleteView(LessonAction):
    def perform(self, data):
        return lesson_delete(actor=self.actor, lesson=self.object)

    def success_message(self, result) -> str:
        return gettext("The lesson %(title)s is removed from this draft.") % {"title": self.object.title}


class LessonMoveView(LessonAction):
    form_class = MoveForm

    def perform(self, data):
        return lesson_move(actor=self.actor, lesson=self.object, direction=data["direction"])

    def success_url(self, result) -> str:
        return reverse("office:learning_course", args=[self.object.version.course_id]) + f"#lesson-{self.object.pk}"


class LessonFileView(MemberRequiredMixin, View):
    """A file lesson's document, as a download (never rendered inline), for the tenant's staff."""

    area, capability = OFFICE, LEARNING_VIEW

    def get(self, request, course_id: int, lesson_id: int):
        lesson = lesson_get_for_actor(actor=self.actor, course_id=course_id, lesson_id=lesson_id)
        stem = (lesson.file_name or "").rsplit(".", 1)[0]
        return document_response(lesson.file, name=slugify(stem)[:80] or f"lesson-{lesson.pk}")


# --- the quiz bank ------------------------------------------------------------------------------


class QuestionAddView(VersionFormView):
    template = f"{T}question_form.html"
    invalid_message = _("The question was not added: correct the fields marked below.")

    def get_form(self):
        return QuestionForm(self.request.POST)

    def blank_form(self):
        return QuestionForm(initial={"kind": "single"})

    def perform(self, data):
        return question_add(
            actor=self.actor,
            version=self.object,
            text=data["text"],
            kind=data["kind"],
            explanation=data["explanation"],
            choices=self.form.answers(),
        )

    def success_message(self, question) -> str:
        return gettext("The question is added to the bank.")

    def success_url(self, question) -> str:
        return reverse("office:learning_course", args=[self.object.course.pk]) + f"#question-{question.pk}"


class QuestionEditView(ServiceView):
    area, capability = OFFICE, LEARNING_AUTHOR
    invalid_message = _("The question was not changed: correct the fields marked below.")

    def get_object(self):
        return question_get_for_actor(
            actor=self.actor, course_id=self.kwargs["course_id"], question_id=self.kwargs["question_id"]
        )

    def get_form(self):
        return QuestionForm(self.request.POST)

    def get(self, request, course_id: int, question_id: int):
        self.object = question = self.get_object()
        initial, rows = QuestionForm.initial_for(question)
        return self.render_invalid(QuestionForm(initial=initial, rows=rows))

    def perform(self, data):
        return question_update(
            actor=self.actor,
            question=self.object,
            text=data["text"],
            kind=data["kind"],
            explanation=data["explanation"],
            choices=self.form.answers(),
        )

    def success_message(self, question) -> str:
        return gettext("The question is saved.")

    def success_url(self, question) -> str:
        return reverse("office:learning_course", args=[question.version.course_id]) + f"#question-{question.pk}"

    def render_invalid(self, form):
        question = self.object
        context = {"form": form, "course": question.version.course, "version": question.version, "question": question}
        return render(self.request, f"{T}question_form.html", context)


class QuestionDeleteView(ServiceView):
    area, capability = OFFICE, LEARNING_AUTHOR

    def get_object(self):
        return question_get_for_actor(
            actor=self.actor, course_id=self.kwargs["course_id"], question_id=self.kwargs["question_id"]
        )

    def perform(self, data):
        return question_delete(actor=self.actor, question=self.object)

    def success_message(self, result) -> str:
        return gettext("The question is removed from this draft's bank.")

    def success_url(self, result) -> str:
        return reverse("office:learning_course", args=[self.object.version.course_id]) + "#quiz"

    def render_invalid(self, form):
        return redirect(self.success_url(None))


C = "learning/courses/<int:course_id>/"
office_urls: list = [
    path("learning/courses/", CourseListView.as_view(), name="learning_courses"),
    path("learning/courses/new/", CourseCreateView.as_view(), name="learning_course_create"),
    path(C, CourseDetailView.as_view(), name="learning_course"),
    path(f"{C}edit/", CourseEditView.as_view(), name="learning_course_edit"),
    path(f"{C}draft/", CourseDraftView.as_view(), name="learning_course_draft"),
    path(f"{C}publish/", CoursePublishView.as_view(), name="learning_course_publish"),
    path(f"{C}archive/", CourseArchiveView.as_view(), name="learning_course_archive"),
    path(f"{C}versions/<int:version_id>/quiz/", QuizSettingsView.as_view(), name="learning_quiz_settings"),
    path(f"{C}versions/<int:version_id>/lessons/new/", LessonAddView.as_view(), name="learning_lesson_add"),
    path(f"{C}lessons/<int:lesson_id>/", LessonEditView.as_view(), name="learning_lesson_edit"),
    path(f"{C}lessons/<int:lesson_id>/delete/", LessonDeleteView.as_view(), name="learning_lesson_delete"),
    path(f"{C}lessons/<int:lesson_id>/move/", LessonMoveView.as_view(), name="learning_lesson_move"),
    path(f"{C}lessons/<int:lesson_id>/file/", LessonFileView.as_view(), name="learning_lesson_file"),
    path(f"{C}versions/<int:version_id>/questions/new/", QuestionAddView.as_view(), name="learning_question_add"),
    path(f"{C}questions/<int:question_id>/", QuestionEditView.as_view(), name="learning_question_edit"),
    path(f"{C}questions/<int:question_id>/delete/", QuestionDeleteView.as_view(), name="learning_question_delete"),
]
portal_urls: list = []
public_urls: list = []
