"""Isolation cases of e-learning: authoring (tests/learning/isolation.py merges them).

Every staff member reads the course editor's pages; only authors (vendor admins and channel
marketing) open its forms and post. The set-ups here (a published course; the same with a draft
being edited) serve the authoring tests too."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learning.models import Course, CourseStatus, CourseVersion, Lesson, LessonKind, Question, VersionStatus
from learning.services.authoring import LessonContent, course_draft, lesson_add
from prm.tenancy.scope import tenant_scope
from prm.web.files import minimal_pdf

from ..isolation import Case, office_page, office_write
from .factories import learning_course

AUTHORS = ("admin", "marketing")  # LEARNING_AUTHOR: the channel manager reads only

COURSE = lambda ctx: [ctx.course.pk]  # noqa: E731  acme's course
DRAFT = lambda ctx: [ctx.course.pk, ctx.draft.pk]  # noqa: E731  its draft version
LESSON = lambda ctx: [ctx.course.pk, ctx.lesson.pk]  # noqa: E731  a lesson of the draft
QUESTION = lambda ctx: [ctx.course.pk, ctx.question.pk]  # noqa: E731  a question of the draft


def pdf_upload(name: str = "Price list.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf("Matrix price list"), content_type="application/pdf")


def published(ctx) -> None:
    """acme's published course "Matrix Course" (version 1: two text lessons, two questions)."""
    ctx.course = learning_course(ctx.side.tenant, title="Matrix Course")
    ctx.version = ctx.course.published_version


def drafted(ctx) -> None:
    """The same course with version 2 open as a draft (a copy of version 1)."""
    published(ctx)
    with tenant_scope(ctx.side.tenant):
        ctx.draft = course_draft(actor=ctx.side.admin, course=ctx.course)
        ctx.lesson = Lesson.objects.filter(version=ctx.draft).order_by("position").first()
        ctx.question = Question.objects.filter(version=ctx.draft).order_by("position").first()


def with_file(ctx) -> None:
    """The draft with a download lesson (a PDF) as ``ctx.lesson``."""
    drafted(ctx)
    with tenant_scope(ctx.side.tenant):
        ctx.lesson = lesson_add(
            actor=ctx.side.admin,
            version=ctx.draft,
            content=LessonContent(title="Matrix download", kind=LessonKind.FILE, file=pdf_upload()),
        )


def _in_acme(fn):
    def effect(ctx) -> bool:
        with tenant_scope(ctx.side.tenant):
            return fn(ctx)

    return effect


def _answers(**extra) -> dict:
    return {
        "text": "Matrix question?",
        "kind": "single",
        "explanation": "",
        "answer_0_text": "Right",
        "answer_0_correct": "on",
        "answer_1_text": "Wrong",
        **extra,
    }


def _lesson(title: str) -> dict:
    return {"title": title, "kind": "text", "body": "<p>Matrix text</p>", "video_url": "", "duration_minutes": "5"}


CASES: dict[str, Case] = {
    "office:learning_courses": office_page(setup=published, contains="Matrix Course"),
    "office:learning_course": office_page(setup=drafted, args=COURSE, contains="Matrix Course"),
    "office:learning_course_create": office_write(
        allowed=AUTHORS,
        data={"title": "Matrix New", "code": "matrix-new", "level": "intro", "duration_minutes": "30"},
        effect=_in_acme(lambda ctx: Course.objects.filter(code="matrix-new").exists()),
    ),
    "office:learning_course_edit": office_write(
        allowed=AUTHORS,
        setup=published,
        args=COURSE,
        data=lambda ctx: {
            "title": "Matrix Renamed",
            "code": ctx.course.code,
            "level": "advanced",
            "duration_minutes": "0",
        },
        effect=_in_acme(lambda ctx: Course.objects.get(pk=ctx.course.pk).title == "Matrix Renamed"),
    ),
    "office:learning_course_draft": office_write(
        allowed=AUTHORS,
        setup=published,
        args=COURSE,
        effect=_in_acme(
            lambda ctx: CourseVersion.objects.filter(course=ctx.course, status=VersionStatus.DRAFT).exists()
        ),
    ),
    "office:learning_course_publish": office_write(
        allowed=AUTHORS,
        setup=drafted,
        args=COURSE,
        data=lambda ctx: {"version": str(ctx.draft.pk)},
        effect=_in_acme(lambda ctx: Course.objects.get(pk=ctx.course.pk).published_version_id == ctx.draft.pk),
    ),
    "office:learning_course_archive": office_write(
        allowed=AUTHORS,
        setup=published,
        args=COURSE,
        effect=_in_acme(lambda ctx: Course.objects.get(pk=ctx.course.pk).status == CourseStatus.ARCHIVED),
    ),
    "office:learning_quiz_settings": office_write(
        allowed=AUTHORS,
        setup=drafted,
        args=DRAFT,
        data={
            "pass_mark_percent": "85",
            "questions_per_attempt": "0",
            "max_attempts": "2",
            "cooldown_minutes": "0",
            "time_limit_minutes": "0",
        },
        effect=_in_acme(lambda ctx: CourseVersion.objects.get(pk=ctx.draft.pk).pass_mark_percent == 85),
    ),
    "office:learning_lesson_add": office_write(
        allowed=AUTHORS,
        setup=drafted,
        args=DRAFT,
        data=_lesson("Matrix added lesson"),
        effect=_in_acme(lambda ctx: Lesson.objects.filter(version=ctx.draft, title="Matrix added lesson").exists()),
    ),
    "office:learning_lesson_edit": office_write(
        allowed=AUTHORS,
        setup=drafted,
        args=LESSON,
        data=_lesson("Matrix edited lesson"),
        effect=_in_acme(lambda ctx: Lesson.objects.get(pk=ctx.lesson.pk).title == "Matrix edited lesson"),
    ),
    "office:learning_lesson_delete": office_write(
        allowed=AUTHORS,
        setup=drafted,
        args=LESSON,
        effect=_in_acme(lambda ctx: not Lesson.objects.filter(pk=ctx.lesson.pk).exists()),
    ),
    "office:learning_lesson_move": office_write(
        allowed=AUTHORS,
        setup=drafted,
        args=LESSON,
        data={"direction": "down"},
        effect=_in_acme(lambda ctx: Lesson.objects.get(pk=ctx.lesson.pk).position == 1),
    ),
    "office:learning_lesson_file": office_page(setup=with_file, args=LESSON),
    "office:learning_question_add": office_write(
        allowed=AUTHORS,
        setup=drafted,
        args=DRAFT,
        data=_answers(),
        effect=_in_acme(lambda ctx: Question.objects.filter(version=ctx.draft, text="Matrix question?").exists()),
    ),
    "office:learning_question_edit": office_write(
        allowed=AUTHORS,
        setup=drafted,
        args=QUESTION,
        data=_answers(),
        effect=_in_acme(lambda ctx: Question.objects.get(pk=ctx.question.pk).text == "Matrix question?"),
    ),
    "office:learning_question_delete": office_write(
        allowed=AUTHORS,
        setup=drafted,
        args=QUESTION,
        effect=_in_acme(lambda ctx: not Question.objects.filter(pk=ctx.question.pk).exists()),
    ),
}


def for_world(world) -> SimpleNamespace:
    """acme's course with a draft (``drafted``), made once per world (the hostile-input tests)."""
    if not hasattr(world, "authoring"):
        world.authoring = SimpleNamespace(side=world.acme)
        drafted(world.authoring)
    return world.authoring


def form_views() -> dict:
    """The course editor's forms for tests/hostile/test_fuzz_forms.py: name -> (who posts, the
    path, valid data)."""

    def author(world):
        return world.acme.marketing

    def at(name, args=None):
        return lambda world: reverse(name, args=args(for_world(world)) if args else None)

    quiz = {
        "pass_mark_percent": "80",
        "questions_per_attempt": "0",
        "max_attempts": "3",
        "cooldown_minutes": "10",
        "time_limit_minutes": "0",
        "show_answers": "on",
    }
    course = {
        "title": "Hostile course",
        "code": "hostile-course",
        "summary": "About",
        "category": "Sales",
        "level": "intro",
        "duration_minutes": "30",
        "audience_roles": ["sales"],
    }
    return {
        "office:learning_course_create": (author, at("office:learning_course_create"), lambda w: dict(course)),
        "office:learning_course_edit": (
            author,
            at("office:learning_course_edit", COURSE),
            lambda w: {**course, "code": for_world(w).course.code},
        ),
        "office:learning_course_publish": (
            author,
            at("office:learning_course_publish", COURSE),
            lambda w: {"version": str(for_world(w).draft.pk)},
        ),
        "office:learning_quiz_settings": (author, at("office:learning_quiz_settings", DRAFT), lambda w: dict(quiz)),
        "office:learning_lesson_add": (author, at("office:learning_lesson_add", DRAFT), lambda w: _lesson("Added")),
        "office:learning_lesson_edit": (author, at("office:learning_lesson_edit", LESSON), lambda w: _lesson("Edited")),
        "office:learning_lesson_move": (
            author,
            at("office:learning_lesson_move", LESSON),
            lambda w: {"direction": "up"},
        ),
        "office:learning_question_add": (author, at("office:learning_question_add", DRAFT), lambda w: _answers()),
        "office:learning_question_edit": (
            author,
            at("office:learning_question_edit", QUESTION),
            lambda w: _answers(),
        ),
    }


# The course editor's POSTs that carry no input (tests/hostile/test_fuzz_forms.py).
NO_INPUT = {
    "office:learning_course_draft",
    "office:learning_course_archive",
    "office:learning_lesson_delete",
    "office:learning_question_delete",
}


def every_form() -> dict:
    """The course editor's forms, unbound, built as its views build them (in the tenant's scope)."""
    from learning.forms_authoring import (
        CourseFilterForm,
        CourseForm,
        LessonForm,
        MoveForm,
        QuestionForm,
        QuizSettingsForm,
    )
    from partners.selectors import partner_type_options
    from programs.selectors.tiers import tier_choices

    def course_form(data):
        return CourseForm(data, partner_types=partner_type_options(), tiers=list(tier_choices()), courses=[])

    return {
        "CourseFilterForm": lambda data: CourseFilterForm(data),
        "CourseForm": course_form,
        "LessonForm": lambda data: LessonForm(data, packages=[]),
        "QuizSettingsForm": lambda data: QuizSettingsForm(data),
        "QuestionForm": lambda data: QuestionForm(data),
        "MoveForm": lambda data: MoveForm(data),
    }
