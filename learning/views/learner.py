"""Pages of e-learning: learner (the partner portal's catalogue, a course, its lessons, the quiz
and its result, my learning; see learning/urls.py).

Every page is a partner user's (``LEARNING_TAKE``); every object comes through a selector that
starts from what the guard lets the actor see, so another person's enrolment or attempt, or a
course not meant for them, is a 404. Every write is a service called through ``ServiceView`` or
``call_service``: a refusal comes back as a message on the page it came from.
"""

from __future__ import annotations

from functools import cached_property

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View

from prm.accounts.access import PORTAL, MemberRequiredMixin
from prm.web.files import document_response
from prm.web.views import ServiceView, call_service, paginate, query_without_page, url_pattern

from ..forms_learner import CatalogueFilterForm, MalformedAnswers, answers_from_post
from ..models import AttemptStatus, EnrollmentStatus, LessonKind
from ..permissions import LEARNING_TAKE, LearningAction
from ..richtext import clean_html, video_embed_url
from ..selectors.catalogue import (
    attempt_get_for_actor,
    attempt_questions,
    catalogue_cards,
    catalogue_categories,
    catalogue_for_actor,
    course_get_for_actor,
    enrollment_get_for_actor,
    learning_paths_for_actor,
    lesson_get_for_enrollment,
    lessons_with_progress,
    my_learning,
    prerequisites_for_actor,
    quiz_summary,
    version_has_quiz,
)
from ..services.learner import (
    AttemptExpired,
    enrollment_enroll,
    lesson_complete,
    quiz_attempt_start,
    quiz_attempt_submit,
)

CATALOGUE_PAGE_SIZE = 24  # a grid of three cards a row


def _course_url(course_id: int) -> str:
    return reverse("portal:learning_course", args=[course_id])


def _lesson_url(enrollment_id: int, lesson_id: int) -> str:
    return reverse("portal:learning_lesson", args=[enrollment_id, lesson_id])


# --- the catalogue --------------------------------------------------------------------------------


class CatalogueView(MemberRequiredMixin, View):
    """The courses meant for this person, with their learning paths; search and filters swap the
    results (htmx)."""

    area, capability = PORTAL, LEARNING_TAKE

    def get(self, request):
        form = CatalogueFilterForm(request.GET)
        rows, counted = catalogue_for_actor(actor=self.actor, **form.filters())
        page = paginate(request, rows, per_page=CATALOGUE_PAGE_SIZE, count_from=counted)
        page.object_list = catalogue_cards(actor=self.actor, rows=page.object_list)
        course_url = url_pattern("portal:learning_course", "course_id")
        for card in page.object_list:
            card.url = course_url(card.id)
        filtered = any(request.GET.get(name) for name in ("q", "category", "level", "state"))
        context = {"form": form, "page": page, "query": query_without_page(request), "filtered": filtered}
        if request.htmx:
            return render(request, "learning/portal/catalogue.html#results", context)
        context["paths"] = learning_paths_for_actor(actor=self.actor)
        context["categories"] = [("", _("Any category"))] + [(c, c) for c in catalogue_categories(actor=self.actor)]
        return render(request, "learning/portal/catalogue.html", context)


# --- a course ---------------------------------------------------------------------------------------


def course_context(actor, course) -> dict:
    """The course page: summary, prerequisites, lessons (done or not), progress, quiz block."""
    enrollment = course.enrollment
    version_id = enrollment.version_id if enrollment else course.published_version_id
    lessons = lessons_with_progress(enrollment=enrollment, version_id=version_id) if version_id else []
    prerequisites = prerequisites_for_actor(actor=actor, course=course)
    # The next lesson not done yet; none once they all are (then the quiz is what is left).
    resume = next((lesson for lesson in lessons if not lesson.done), None)
    return {
        "course": course,
        "enrollment": enrollment,
        "lessons": lessons,
        "prerequisites": prerequisites,
        "prerequisites_met": all(p.met for p in prerequisites),
        "resume": resume,
        "completed": enrollment is not None and enrollment.status == EnrollmentStatus.COMPLETED,
        "quiz": quiz_summary(enrollment=enrollment, now=timezone.now()) if enrollment else None,
        "has_quiz": enrollment is None and version_has_quiz(version_id=version_id),
    }


class CourseView(MemberRequiredMixin, View):
    area, capability = PORTAL, LEARNING_TAKE

    def get(self, request, course_id: int):
        course = course_get_for_actor(actor=self.actor, course_id=course_id)
        return render(request, "learning/portal/course.html", course_context(self.actor, course))


class _CourseAction(ServiceView):
    """A button of the course page: success goes where the service leads; a refusal comes back
    to the course page with the message."""

    area, capability = PORTAL, LEARNING_TAKE

    def render_invalid(self, form):
        return redirect(_course_url(self.course_id))


class EnrollView(_CourseAction):
    def get_object(self):
        course = course_get_for_actor(actor=self.actor, course_id=self.kwargs["course_id"])
        self.course_id = course.pk
        return course

    def perform(self, data):
        return enrollment_enroll(actor=self.actor, course=self.object)

    def success_message(self, enrollment):
        return _("You are enrolled in %(course)s.") % {"course": self.object.title}

    def success_url(self, enrollment):
        first = lessons_with_progress(enrollment=None, version_id=enrollment.version_id)[:1]
        return _lesson_url(enrollment.pk, first[0].pk) if first else _course_url(enrollment.course_id)


class QuizStartView(_CourseAction):
    def get_object(self):
        enrollment = enrollment_get_for_actor(actor=self.actor, enrollment_id=self.kwargs["enrollment_id"])
        self.course_id = enrollment.course_id
        return enrollment

    def perform(self, data):
        return quiz_attempt_start(actor=self.actor, enrollment=self.object)

    def success_url(self, attempt):
        return reverse("portal:learning_quiz", args=[attempt.pk])


# --- lessons ----------------------------------------------------------------------------------------


class _LessonMixin:
    @cached_property
    def enrollment(self):
        return enrollment_get_for_actor(actor=self.actor, enrollment_id=self.kwargs["enrollment_id"])

    @cached_property
    def lesson(self):
        return lesson_get_for_enrollment(enrollment=self.enrollment, lesson_id=self.kwargs["lesson_id"])


def lesson_context(enrollment, lesson) -> dict:
    lessons = lessons_with_progress(enrollment=enrollment, version_id=enrollment.version_id)
    index = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
    return {
        "enrollment": enrollment,
        "course": enrollment.course,
        "lesson": lesson,
        "lessons": lessons,
        "done": lessons[index].done,
        "previous": lessons[index - 1] if index > 0 else None,
        "next": lessons[index + 1] if index + 1 < len(lessons) else None,
        "position": index + 1,
        # Cleaned when saved and again here: a row written another way carries no script.
        "body": mark_safe(clean_html(lesson.body)) if lesson.kind == LessonKind.TEXT else "",  # noqa: S308
        "video_url": video_embed_url(lesson.video_url) if lesson.kind == LessonKind.VIDEO else None,
    }


class LessonView(_LessonMixin, MemberRequiredMixin, View):
    area, capability = PORTAL, LEARNING_TAKE

    def get(self, request, enrollment_id: int, lesson_id: int):
        return render(request, "learning/portal/lesson.html", lesson_context(self.enrollment, self.lesson))


class LessonDoneView(_LessonMixin, ServiceView):
    area, capability = PORTAL, LEARNING_TAKE

    def get_object(self):
        return self.lesson

    def perform(self, data):
        return lesson_complete(actor=self.actor, enrollment=self.enrollment, lesson=self.lesson)

    def success_message(self, enrollment):
        if enrollment.status == EnrollmentStatus.COMPLETED:
            return _("Well done: you completed %(course)s.") % {"course": enrollment.course.title}
        return None

    def success_url(self, enrollment):
        following = lesson_context(enrollment, self.lesson)["next"]
        if following is not None and enrollment.status != EnrollmentStatus.COMPLETED:
            return _lesson_url(enrollment.pk, following.pk)
        return _course_url(enrollment.course_id)

    def render_invalid(self, form):
        return redirect(_lesson_url(self.enrollment.pk, self.lesson.pk))


class LessonFileView(_LessonMixin, MemberRequiredMixin, View):
    """A file lesson's download, to its learner only."""

    area, capability = PORTAL, LEARNING_TAKE

    def get(self, request, enrollment_id: int, lesson_id: int):
        lesson = self.lesson
        if lesson.kind != LessonKind.FILE:
            raise Http404
        base = (lesson.file_name or lesson.title).rsplit(".", 1)[0]
        return document_response(lesson.file, name=slugify(base) or f"lesson-{lesson.pk}")


# --- the quiz ---------------------------------------------------------------------------------------


def quiz_context(attempt, *, chosen: dict | None = None) -> dict:
    questions = attempt_questions(attempt=attempt, with_answers=False)
    chosen = chosen or {}
    for question in questions:
        question.chosen = set(chosen.get(question.pk, []))
    return {
        "attempt": attempt,
        "course": attempt.enrollment.course,
        "questions": questions,
        "deadline": timezone.localtime(attempt.deadline_at) if attempt.deadline_at else None,
    }


class QuizView(MemberRequiredMixin, View):
    """An open attempt's questions (never a hint of the right answers: the page is built from
    rows read without them)."""

    area, capability = PORTAL, LEARNING_TAKE

    def get(self, request, attempt_id: int):
        attempt = attempt_get_for_actor(actor=self.actor, attempt_id=attempt_id)
        if attempt.status != AttemptStatus.OPEN:
            return redirect("portal:learning_quiz_result", attempt.pk)
        return render(request, "learning/portal/quiz.html", quiz_context(attempt))


class QuizSubmitView(MemberRequiredMixin, View):
    area, capability = PORTAL, LEARNING_TAKE

    def post(self, request, attempt_id: int):
        attempt = attempt_get_for_actor(actor=self.actor, attempt_id=attempt_id)
        result_url = reverse("portal:learning_quiz_result", args=[attempt.pk])
        try:
            answers = answers_from_post(request.POST)
        except MalformedAnswers:
            messages.error(request, _("These answers could not be read: nothing was recorded. Answer again."))
            return render(request, "learning/portal/quiz.html", quiz_context(attempt))
        outcome = call_service(request, quiz_attempt_submit, actor=self.actor, attempt=attempt, answers=answers)
        if outcome.ok:
            if outcome.value.passed:
                messages.success(request, _("You passed the quiz."))
            else:
                messages.warning(request, _("You did not reach the pass mark this time."))
            return redirect(result_url)
        if (
            isinstance(outcome.error, AttemptExpired)
            or attempt_get_for_actor(actor=self.actor, attempt_id=attempt.pk).status != AttemptStatus.OPEN
        ):
            return redirect(result_url)
        # Refused answers: the page again, with what was chosen.
        return render(request, "learning/portal/quiz.html", quiz_context(attempt, chosen=answers), status=200)


class QuizResultView(MemberRequiredMixin, View):
    """A submitted (or expired) attempt: the score against the pass mark, each question right or
    wrong, and the right answers with their explanations when the course shows them. A partner
    admin reads their people's results too (``LearningAction.VIEW``)."""

    area, capability = PORTAL, LEARNING_TAKE

    def get(self, request, attempt_id: int):
        attempt = attempt_get_for_actor(actor=self.actor, attempt_id=attempt_id, action=LearningAction.VIEW)
        if attempt.status == AttemptStatus.OPEN:
            if attempt.learner_id == self.actor.pk:
                return redirect("portal:learning_quiz", attempt.pk)
            raise Http404
        version = attempt.version
        show = version.show_answers
        questions = attempt_questions(attempt=attempt, with_answers=show)
        missed = set(attempt.missed_question_ids)
        answered = {int(k): set(v) for k, v in (attempt.answers or {}).items()}
        for question in questions:
            question.right = attempt.status == AttemptStatus.SUBMITTED and question.pk not in missed
            question.chosen = answered.get(question.pk, set())
        own = attempt.learner_id == self.actor.pk
        summary = quiz_summary(enrollment=attempt.enrollment, now=timezone.now()) if own else None
        context = {
            "attempt": attempt,
            "course": attempt.enrollment.course,
            "enrollment": attempt.enrollment,
            "version": version,
            "questions": questions,
            "show_answers": show,
            "quiz": summary,
            "own": own,
        }
        return render(request, "learning/portal/quiz_result.html", context)


# --- my learning ------------------------------------------------------------------------------------


class MyLearningView(MemberRequiredMixin, View):
    area, capability = PORTAL, LEARNING_TAKE

    def get(self, request):
        mine = my_learning(actor=self.actor)
        context = {"mine": mine, "certificates_url": reverse("portal:learning_certificates")}
        return render(request, "learning/portal/mine.html", context)


office_urls: list = []
portal_urls: list = [
    path("learning/", CatalogueView.as_view(), name="learning_catalogue"),
    path("learning/mine/", MyLearningView.as_view(), name="learning_mine"),
    path("learning/courses/<int:course_id>/", CourseView.as_view(), name="learning_course"),
    path("learning/courses/<int:course_id>/enrol/", EnrollView.as_view(), name="learning_enroll"),
    path(
        "learning/enrolments/<int:enrollment_id>/lessons/<int:lesson_id>/",
        LessonView.as_view(),
        name="learning_lesson",
    ),
    path(
        "learning/enrolments/<int:enrollment_id>/lessons/<int:lesson_id>/done/",
        LessonDoneView.as_view(),
        name="learning_lesson_done",
    ),
    path(
        "learning/enrolments/<int:enrollment_id>/lessons/<int:lesson_id>/file/",
        LessonFileView.as_view(),
        name="learning_lesson_file",
    ),
    path("learning/enrolments/<int:enrollment_id>/quiz/", QuizStartView.as_view(), name="learning_quiz_start"),
    path("learning/attempts/<int:attempt_id>/", QuizView.as_view(), name="learning_quiz"),
    path("learning/attempts/<int:attempt_id>/submit/", QuizSubmitView.as_view(), name="learning_quiz_submit"),
    path("learning/attempts/<int:attempt_id>/result/", QuizResultView.as_view(), name="learning_quiz_result"),
]
public_urls: list = []
