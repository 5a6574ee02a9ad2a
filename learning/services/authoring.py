"""Writes of the course editor (back office) and the admin: courses, their versions, lessons and
quiz, publishing and archiving.

* A published version is never edited. Editing a published course opens a draft (``course_draft``):
  a new version that copies the published one's lessons, questions and choices. Learners in
  progress keep the version their enrolment names; new enrolments take the next published one.
* Every write locks the course's row first (``_lock_course``): two editors get one draft, a lesson
  added while someone publishes lands in the draft before or is refused after, never in a
  published version.
* Only authors write (``LEARNING_AUTHOR``: vendor admins and channel marketing); the platform
  (no membership: the demo, a command, a superuser in the admin) may too.
* Bad input is a ``PolicyViolation`` with a sentence the author can act on; a version that moved
  on meanwhile (published by someone else) is an ``InvalidTransition``. Nothing is half-written:
  each service is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerType
from prm.accounts.models import Membership
from prm.errors import InvalidTransition, PolicyViolation, assert_same_tenant
from prm.events.services import changes_apply, event_record
from prm.web.files import document_kind
from programs.models import Tier

from .. import events
from ..models import (
    PARTNER_ROLE_CHOICES,
    Choice,
    Course,
    CourseLevel,
    CoursePrerequisite,
    CourseStatus,
    CourseVersion,
    Lesson,
    LessonKind,
    Question,
    QuestionKind,
    ScormPackage,
    VersionStatus,
)
from ..permissions import course_require
from ..richtext import clean_html, video_embed_url

NOT_A_LESSON_FILE = _("Upload the lesson's file as a PDF, PNG or JPEG file.")
NOT_A_VIDEO = _("Only YouTube and Vimeo videos can be embedded: paste the address of the video on one of them.")

MIN_CHOICES = 2
MAX_CHOICES = 10
UP, DOWN = "up", "down"

# pg_advisory_xact_lock's first key: "prerequisite edits of one tenant take turns" (the second key
# is the tenant), so that two editors cannot close a cycle between them.
_PREREQUISITE_LOCK = 7_210_013


def _lock_course(course: Course) -> Course:
    """The course's row, locked for the rest of the transaction: every content write and every
    publication takes it first, so they take turns (one draft, nothing lands in a version being
    published)."""
    return Course.objects.select_for_update(of=("self",), no_key=True).get(pk=course.pk)


def _record(actor, course: Course, verb: str, message: str, params: dict, data: dict | None = None, **states):
    return event_record(
        actor=actor, target=course, verb=verb, message=message, params=params, data=data or {}, internal=True, **states
    )


# --- courses -------------------------------------------------------------------------------------


def _clean_audience(*, partner_type_ids: Iterable[int], tier_ids: Iterable[int], roles: Iterable[str]) -> dict:
    """The audience as stored (sorted ids, roles by value); an id that is not the tenant's or an
    unknown role is refused."""
    type_ids = sorted({int(pk) for pk in partner_type_ids or ()})
    if type_ids and PartnerType.objects.filter(pk__in=type_ids).count() != len(type_ids):
        raise PolicyViolation(gettext("Choose the partner types from the list."))
    tiers = sorted({int(pk) for pk in tier_ids or ()})
    if tiers and Tier.objects.filter(pk__in=tiers).count() != len(tiers):
        raise PolicyViolation(gettext("Choose the tiers from the list."))
    known = {value for value, _label in PARTNER_ROLE_CHOICES}
    chosen = sorted(set(roles or ()))
    if any(role not in known for role in chosen):
        raise PolicyViolation(gettext("Choose the partner roles from the list."))
    return {"audience_partner_type_ids": type_ids, "audience_tier_ids": tiers, "audience_roles": chosen}


def _clean_code(code: str, *, course: Course | None = None) -> str:
    code = (code or "").strip().lower()
    if not code:
        raise PolicyViolation(gettext("Give the course a code (letters, digits and hyphens)."))
    others = Course.objects.filter(code=code)
    if course is not None:
        others = others.exclude(pk=course.pk)
    if others.exists():
        raise PolicyViolation(gettext("Another course already has the code %(code)s.") % {"code": code})
    return code


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise PolicyViolation(gettext("Give the course a title."))
    return title


def _prerequisite_path(start: int, goal: int, edges: dict[int, set[int]]) -> list[int] | None:
    """The chain of course ids from ``start`` to ``goal`` along "requires" edges, or None."""
    stack, seen = [(start, [start])], {start}
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        for following in edges.get(node, ()):
            if following not in seen:
                seen.add(following)
                stack.append((following, [*path, following]))
    return None


def prerequisite_problem(*, course: Course, required_ids: Iterable[int]) -> str | None:
    """Why ``course`` may not require the courses ``required_ids`` (a sentence naming the cycle
    it would close: A needs B needs A), or None. The admin's form asks before saving; the
    services ask again under their lock."""
    wanted = sorted({int(pk) for pk in required_ids})
    if course.pk is None:  # a new course: nothing requires it yet, so no cycle
        return None
    if course.pk in wanted:
        return gettext("A course cannot require itself.")
    edges: dict[int, set[int]] = {}
    for course_id, required_id in CoursePrerequisite.objects.exclude(course_id=course.pk).values_list(
        "course_id", "required_id"
    ):
        edges.setdefault(course_id, set()).add(required_id)
    edges[course.pk] = set(wanted)
    for required_id in wanted:
        path = _prerequisite_path(required_id, course.pk, edges)
        if path is not None:
            titles = dict(Course.objects.filter(pk__in=path).values_list("pk", "title"))
            chain = " → ".join(titles[pk] for pk in [course.pk, *path])
            return gettext(
                "%(course)s cannot require %(required)s: %(required)s already needs %(course)s (%(chain)s). "
                "Remove one of the two."
            ) % {"course": titles[course.pk], "required": titles[required_id], "chain": chain}
    return None


def _set_prerequisites(actor, course: Course, required: Sequence[Course]) -> tuple[list[int], list[int]]:
    """Replace what ``course`` requires; a cycle is refused, naming it. Returns the ids (before,
    after)."""
    for other in required:
        assert_same_tenant(course, other)
    wanted = sorted({other.pk for other in required})
    with connection.cursor() as cursor:
        # Two editors adding A->B and B->A at once would each find no cycle: they take turns.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_PREREQUISITE_LOCK, course.tenant_id])
    problem = prerequisite_problem(course=course, required_ids=wanted)
    if problem:
        raise PolicyViolation(problem)
    before = sorted(CoursePrerequisite.objects.filter(course=course).values_list("required_id", flat=True))
    if before != wanted:
        CoursePrerequisite.objects.filter(course=course).exclude(required_id__in=wanted).delete()
        CoursePrerequisite.objects.bulk_create(
            [CoursePrerequisite(course=course, required_id=pk) for pk in wanted if pk not in before]
        )
    return before, wanted


@transaction.atomic
def course_create(
    *,
    actor: Membership | None,
    code: str,
    title: str,
    summary: str = "",
    category: str = "",
    level: str = CourseLevel.INTRODUCTORY,
    duration_minutes: int = 0,
    audience_partner_type_ids: Iterable[int] = (),
    audience_tier_ids: Iterable[int] = (),
    audience_roles: Iterable[str] = (),
    prerequisites: Sequence[Course] = (),
) -> Course:
    """A new course in draft, with its first version (a draft to fill with lessons)."""
    course_require(actor)
    if level not in CourseLevel.values:
        raise PolicyViolation(gettext("Choose the level from the list."))
    course = Course(
        code=_clean_code(code),
        title=_clean_title(title),
        summary=(summary or "").strip(),
        category=(category or "").strip(),
        level=level,
        duration_minutes=max(0, int(duration_minutes or 0)),
        status=CourseStatus.DRAFT,
        **_clean_audience(partner_type_ids=audience_partner_type_ids, tier_ids=audience_tier_ids, roles=audience_roles),
    )
    try:
        with transaction.atomic():
            course.save()
    except IntegrityError as error:  # the same code, created by someone else a moment ago
        raise PolicyViolation(
            gettext("Another course already has the code %(code)s.") % {"code": course.code}
        ) from error
    CourseVersion.objects.create(course=course, number=1, status=VersionStatus.DRAFT, created_by=actor)
    if prerequisites:
        _set_prerequisites(actor, course, prerequisites)
    _record(
        actor,
        course,
        events.COURSE_CREATED,
        gettext_noop("Created the course %(title)s."),
        {"title": course.title},
        to_state=CourseStatus.DRAFT,
    )
    return course


# What ``course_update`` changes (``prerequisites`` besides: a list of courses).
COURSE_FIELDS = (
    "code",
    "title",
    "summary",
    "category",
    "level",
    "duration_minutes",
    "audience_partner_type_ids",
    "audience_tier_ids",
    "audience_roles",
)


@transaction.atomic
def course_update(*, actor: Membership | None, course: Course, **fields) -> Course:
    """Change a course's details, audience and prerequisites (keyword arguments named as
    ``COURSE_FIELDS`` and ``prerequisites``; those not given stay). Details are not versioned:
    they change at once, for learners in progress too."""
    course_require(actor, course)
    unknown = set(fields) - {*COURSE_FIELDS, "prerequisites"}
    if unknown:
        raise TypeError(f"course_update() got unexpected fields: {sorted(unknown)}")
    course = _lock_course(course)
    changes: dict = {}
    if "code" in fields:
        changes["code"] = _clean_code(fields["code"], course=course)
    if "title" in fields:
        changes["title"] = _clean_title(fields["title"])
    for name in ("summary", "category"):
        if name in fields:
            changes[name] = (fields[name] or "").strip()
    if "level" in fields:
        if fields["level"] not in CourseLevel.values:
            raise PolicyViolation(gettext("Choose the level from the list."))
        changes["level"] = fields["level"]
    if "duration_minutes" in fields:
        changes["duration_minutes"] = max(0, int(fields["duration_minutes"] or 0))
    audience_fields = ("audience_partner_type_ids", "audience_tier_ids", "audience_roles")
    if any(name in fields for name in audience_fields):
        audience = _clean_audience(
            partner_type_ids=fields.get("audience_partner_type_ids", course.audience_partner_type_ids),
            tier_ids=fields.get("audience_tier_ids", course.audience_tier_ids),
            roles=fields.get("audience_roles", course.audience_roles),
        )
        changes.update(audience)
    diff = changes_apply(instance=course, changes=changes)
    if diff:
        try:
            with transaction.atomic():
                course.save(update_fields=[*diff, "updated_at"])
        except IntegrityError as error:
            raise PolicyViolation(
                gettext("Another course already has the code %(code)s.") % {"code": course.code}
            ) from error
    if "prerequisites" in fields:
        before, after = _set_prerequisites(actor, course, fields["prerequisites"] or ())
        if before != after:
            diff["prerequisites"] = {"from": before, "to": after}
            if "updated_at" not in diff:
                course.save(update_fields=["updated_at"])
    if diff:
        _record(
            actor,
            course,
            events.COURSE_EDITED,
            gettext_noop("Changed the details of %(title)s."),
            {"title": course.title},
            {"changes": diff},
        )
    return course


# --- versions ------------------------------------------------------------------------------------


def _draft_of(course: Course) -> CourseVersion | None:
    return CourseVersion.objects.filter(course=course, status=VersionStatus.DRAFT).first()


QUIZ_FIELDS = (
    "pass_mark_percent",
    "questions_per_attempt",
    "max_attempts",
    "cooldown_minutes",
    "time_limit_minutes",
    "show_answers",
)


def _copy_version(source: CourseVersion, draft: CourseVersion) -> None:
    """The source's lessons, questions and choices, copied into ``draft`` (in bulk: three inserts).
    A file lesson shares the stored file: files are never deleted with a version."""
    lessons = [
        Lesson(
            version=draft,
            position=lesson.position,
            title=lesson.title,
            kind=lesson.kind,
            body=lesson.body,
            video_url=lesson.video_url,
            file=lesson.file.name,
            file_name=lesson.file_name,
            scorm_package_id=lesson.scorm_package_id,
            duration_minutes=lesson.duration_minutes,
        )
        for lesson in Lesson.objects.filter(version=source).order_by("position", "id")
    ]
    Lesson.objects.bulk_create(lessons)
    questions = list(Question.objects.filter(version=source).order_by("position", "id"))
    copies = Question.objects.bulk_create(
        [
            Question(version=draft, position=q.position, text=q.text, kind=q.kind, explanation=q.explanation)
            for q in questions
        ]
    )
    new_id = {old.pk: new.pk for old, new in zip(questions, copies, strict=True)}
    Choice.objects.bulk_create(
        [
            Choice(question_id=new_id[c.question_id], position=c.position, text=c.text, is_correct=c.is_correct)
            for c in Choice.objects.filter(question__version=source).order_by("question_id", "position", "id")
        ]
    )


@transaction.atomic
def course_draft(*, actor: Membership | None, course: Course) -> CourseVersion:
    """The version authors edit: the course's draft, or a new one (number + 1) copying the
    published version (else the latest). Under the course's lock, so two editors get one draft."""
    course_require(actor, course)
    course = _lock_course(course)
    draft = _draft_of(course)
    if draft is not None:
        return draft
    source = course.published_version or CourseVersion.objects.filter(course=course).order_by("-number").first()
    number = (CourseVersion.objects.filter(course=course).aggregate(top=Max("number"))["top"] or 0) + 1
    settings = {name: getattr(source, name) for name in QUIZ_FIELDS} if source is not None else {}
    draft = CourseVersion.objects.create(
        course=course, number=number, status=VersionStatus.DRAFT, created_by=actor, **settings
    )
    if source is not None:
        _copy_version(source, draft)
    _record(
        actor,
        course,
        events.COURSE_EDITED,
        gettext_noop("Started version %(number)s of %(title)s."),
        {"number": number, "title": course.title},
        {"version_id": draft.pk, "number": number, "copied_from": source.number if source else None},
    )
    return draft


def _editable(version: CourseVersion) -> Course:
    """Lock the version's course and check, under the lock, that the version is still a draft."""
    course = _lock_course(version.course)
    status = CourseVersion.objects.filter(pk=version.pk).values_list("status", flat=True).first()
    if status != VersionStatus.DRAFT:
        raise InvalidTransition(
            gettext(
                "Version %(number)s of %(title)s is published: a published version is never changed. "
                "Edit the course's content to open a new draft."
            )
            % {"number": version.number, "title": course.title}
        )
    return course


@transaction.atomic
def quiz_settings_update(
    *,
    actor: Membership | None,
    version: CourseVersion,
    pass_mark_percent: int,
    questions_per_attempt: int = 0,
    max_attempts: int = 0,
    cooldown_minutes: int = 0,
    time_limit_minutes: int = 0,
    show_answers: bool = True,
) -> CourseVersion:
    """The quiz's rules of a draft version: pass mark, draw size, attempts, cool-down, time limit,
    whether the result page shows the answers."""
    course_require(actor, version)
    course = _editable(version)
    if not 1 <= int(pass_mark_percent) <= 100:
        raise PolicyViolation(gettext("The pass mark is a percentage between 1 and 100."))
    values = {
        "pass_mark_percent": int(pass_mark_percent),
        "questions_per_attempt": int(questions_per_attempt or 0),
        "max_attempts": int(max_attempts or 0),
        "cooldown_minutes": int(cooldown_minutes or 0),
        "time_limit_minutes": int(time_limit_minutes or 0),
        "show_answers": bool(show_answers),
    }
    if any(values[name] < 0 for name in values if name != "show_answers"):
        raise PolicyViolation(gettext("The numbers of the quiz's rules cannot be negative."))
    version = CourseVersion.objects.get(pk=version.pk)
    diff = changes_apply(instance=version, changes=values)
    if diff:
        version.save(update_fields=list(diff))
        _record(
            actor,
            course,
            events.COURSE_EDITED,
            gettext_noop("Changed the quiz rules of version %(number)s."),
            {"number": version.number},
            {"version_id": version.pk, "changes": diff},
        )
    return version


# --- lessons -------------------------------------------------------------------------------------


@dataclass
class LessonContent:
    """What a lesson holds, as typed (``file`` None: keep the lesson's file)."""

    title: str
    kind: str
    body: str = ""
    video_url: str = ""
    file: object = None
    scorm_package: ScormPackage | None = None
    duration_minutes: int = 0


def _apply_content(lesson: Lesson, content: LessonContent) -> None:
    """Set the lesson's fields from ``content``, judged by its kind: text cleaned with nh3,
    a video only from YouTube or Vimeo, a file judged by its content, a package of the tenant."""
    title = (content.title or "").strip()
    if not title:
        raise PolicyViolation(gettext("Give the lesson a title."))
    if content.kind not in LessonKind.values:
        raise PolicyViolation(gettext("Choose what kind of lesson this is."))
    body = clean_html(content.body).strip()
    lesson.title, lesson.kind, lesson.body = title[:200], content.kind, body
    lesson.duration_minutes = max(0, int(content.duration_minutes or 0))
    if content.kind == LessonKind.TEXT and not body:
        raise PolicyViolation(gettext("Write the lesson's text."))
    video_url = (content.video_url or "").strip()
    if content.kind == LessonKind.VIDEO:
        if video_embed_url(video_url) is None:
            raise PolicyViolation(str(NOT_A_VIDEO))
        lesson.video_url = video_url
    else:
        lesson.video_url = ""
    if content.kind == LessonKind.FILE:
        if content.file is not None:
            extension = document_kind(content.file, refusal=str(NOT_A_LESSON_FILE))
            original = (getattr(content.file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
            # Only the proven extension survives into the stored name (private_upload_path).
            content.file.name = f"lesson.{extension}"
            lesson.file = content.file
            lesson.file_name = (original or f"lesson.{extension}")[:200]
        elif not lesson.file:
            raise PolicyViolation(gettext("Choose the file learners download."))
    else:
        lesson.file, lesson.file_name = "", ""
    if content.kind == LessonKind.SCORM:
        package = content.scorm_package
        if package is None:
            raise PolicyViolation(gettext("Choose the SCORM package the lesson launches."))
        assert_same_tenant(lesson, package)
        lesson.scorm_package = package
    else:
        lesson.scorm_package = None


@transaction.atomic
def lesson_add(*, actor: Membership | None, version: CourseVersion, content: LessonContent) -> Lesson:
    """A lesson at the end of a draft version."""
    course_require(actor, version)
    course = _editable(version)
    lesson = Lesson(version=version, tenant_id=version.tenant_id)
    _apply_content(lesson, content)
    top = Lesson.objects.filter(version=version).aggregate(top=Max("position"))["top"]
    lesson.position = 0 if top is None else top + 1
    lesson.save()
    _record(
        actor,
        course,
        events.COURSE_EDITED,
        gettext_noop("Added the lesson %(lesson)s to version %(number)s."),
        {"lesson": lesson.title, "number": version.number},
        {"version_id": version.pk, "lesson_id": lesson.pk, "kind": lesson.kind},
    )
    return lesson


@transaction.atomic
def lesson_update(*, actor: Membership | None, lesson: Lesson, content: LessonContent) -> Lesson:
    """Change a lesson of a draft version (a new file replaces the old; none keeps it)."""
    course_require(actor, lesson)
    course = _editable(lesson.version)
    lesson = Lesson.objects.get(pk=lesson.pk)
    _apply_content(lesson, content)
    lesson.save()
    _record(
        actor,
        course,
        events.COURSE_EDITED,
        gettext_noop("Changed the lesson %(lesson)s of version %(number)s."),
        {"lesson": lesson.title, "number": lesson.version.number},
        {"version_id": lesson.version_id, "lesson_id": lesson.pk, "kind": lesson.kind},
    )
    return lesson


def _renumber(rows) -> None:
    """Positions 0, 1, 2... in the rows' order (a deletion or a move leaves no gaps)."""
    changed = []
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["position"])


@transaction.atomic
def lesson_delete(*, actor: Membership | None, lesson: Lesson) -> None:
    """Remove a lesson from a draft version (the published version keeps its own copy)."""
    course_require(actor, lesson)
    version = lesson.version
    course = _editable(version)
    title = lesson.title
    deleted, _rows = Lesson.objects.filter(pk=lesson.pk).delete()
    if not deleted:
        raise InvalidTransition(gettext("This lesson was already removed by someone else."))
    _renumber(list(Lesson.objects.filter(version=version).order_by("position", "id")))
    _record(
        actor,
        course,
        events.COURSE_EDITED,
        gettext_noop("Removed the lesson %(lesson)s from version %(number)s."),
        {"lesson": title, "number": version.number},
        {"version_id": version.pk, "lesson_id": lesson.pk},
    )


@transaction.atomic
def lesson_move(*, actor: Membership | None, lesson: Lesson, direction: str) -> Lesson:
    """Move a lesson of a draft one place up or down (at either end: it stays)."""
    course_require(actor, lesson)
    if direction not in (UP, DOWN):
        raise PolicyViolation(gettext("Move a lesson up or down."))
    version = lesson.version
    _editable(version)
    rows = list(Lesson.objects.filter(version=version).order_by("position", "id"))
    index = next((n for n, row in enumerate(rows) if row.pk == lesson.pk), None)
    if index is None:
        raise InvalidTransition(gettext("This lesson was removed by someone else."))
    other = index - 1 if direction == UP else index + 1
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    _renumber(rows)
    return next(row for row in rows if row.pk == lesson.pk)


# --- questions -----------------------------------------------------------------------------------


def _clean_question(text: str, kind: str, choices: Sequence[tuple[str, bool]]) -> tuple[str, list[tuple[str, bool]]]:
    text = (text or "").strip()
    if not text:
        raise PolicyViolation(gettext("Write the question."))
    if kind not in QuestionKind.values:
        raise PolicyViolation(gettext("Choose single or multiple choice."))
    kept = [((answer or "").strip(), bool(correct)) for answer, correct in choices if (answer or "").strip()]
    if len(kept) < MIN_CHOICES:
        raise PolicyViolation(gettext("A question needs at least two answers."))
    if len(kept) > MAX_CHOICES:
        raise PolicyViolation(gettext("A question has at most %(max)s answers.") % {"max": MAX_CHOICES})
    if any(len(answer) > 500 for answer, _correct in kept):
        raise PolicyViolation(gettext("Keep each answer under 500 characters."))
    correct = sum(1 for _answer, right in kept if right)
    if kind == QuestionKind.SINGLE and correct != 1:
        raise PolicyViolation(
            gettext("A single-choice question has exactly one correct answer; this one has %(count)s.")
            % {"count": correct}
        )
    if kind == QuestionKind.MULTIPLE and correct < 1:
        raise PolicyViolation(gettext("Mark at least one answer as correct."))
    return text, kept


def _save_choices(question: Question, choices: list[tuple[str, bool]]) -> None:
    Choice.objects.filter(question=question).delete()
    Choice.objects.bulk_create(
        [
            Choice(question=question, position=n, text=answer, is_correct=correct)
            for n, (answer, correct) in enumerate(choices)
        ]
    )


@transaction.atomic
def question_add(
    *,
    actor: Membership | None,
    version: CourseVersion,
    text: str,
    kind: str = QuestionKind.SINGLE,
    explanation: str = "",
    choices: Sequence[tuple[str, bool]],
) -> Question:
    """A question (with its answers: ``(text, correct)`` pairs, blanks ignored) in a draft's bank.
    Single choice: exactly one correct answer; multiple: at least one; two answers at least.
    Refused as a whole: nothing is saved."""
    course_require(actor, version)
    course = _editable(version)
    text, kept = _clean_question(text, kind, choices)
    top = Question.objects.filter(version=version).aggregate(top=Max("position"))["top"]
    question = Question.objects.create(
        version=version,
        position=0 if top is None else top + 1,
        text=text,
        kind=kind,
        explanation=(explanation or "").strip(),
    )
    _save_choices(question, kept)
    _record(
        actor,
        course,
        events.COURSE_EDITED,
        gettext_noop("Added a question to version %(number)s."),
        {"number": version.number},
        {"version_id": version.pk, "question_id": question.pk},
    )
    return question


@transaction.atomic
def question_update(
    *,
    actor: Membership | None,
    question: Question,
    text: str,
    kind: str,
    explanation: str = "",
    choices: Sequence[tuple[str, bool]],
) -> Question:
    """Change a question of a draft and replace its answers (the same rules as ``question_add``)."""
    course_require(actor, question)
    course = _editable(question.version)
    text, kept = _clean_question(text, kind, choices)
    question = Question.objects.get(pk=question.pk)
    question.text, question.kind, question.explanation = text, kind, (explanation or "").strip()
    question.save(update_fields=["text", "kind", "explanation"])
    _save_choices(question, kept)
    _record(
        actor,
        course,
        events.COURSE_EDITED,
        gettext_noop("Changed a question of version %(number)s."),
        {"number": question.version.number},
        {"version_id": question.version_id, "question_id": question.pk},
    )
    return question


@transaction.atomic
def question_delete(*, actor: Membership | None, question: Question) -> None:
    """Remove a question (and its answers) from a draft's bank."""
    course_require(actor, question)
    version = question.version
    course = _editable(version)
    deleted, _rows = Question.objects.filter(pk=question.pk).delete()
    if not deleted:
        raise InvalidTransition(gettext("This question was already removed by someone else."))
    _renumber(list(Question.objects.filter(version=version).order_by("position", "id")))
    _record(
        actor,
        course,
        events.COURSE_EDITED,
        gettext_noop("Removed a question from version %(number)s."),
        {"number": version.number},
        {"version_id": version.pk, "question_id": question.pk},
    )


# --- publishing ----------------------------------------------------------------------------------


def publish_problems(version: CourseVersion) -> list[str]:
    """Why ``version`` cannot be published yet (sentences; empty: it can). The course page lists
    them beside the button; ``course_publish`` refuses with the first."""
    problems = []
    lessons = list(Lesson.objects.filter(version=version).only("kind", "title", "file", "video_url", "scorm_package"))
    if not lessons:
        problems.append(gettext("Add at least one lesson before publishing."))
    for lesson in lessons:
        if lesson.kind == LessonKind.FILE and not lesson.file:
            problems.append(gettext("The lesson %(lesson)s has no file.") % {"lesson": lesson.title})
        if lesson.kind == LessonKind.VIDEO and video_embed_url(lesson.video_url) is None:
            problems.append(gettext("The lesson %(lesson)s has no video to embed.") % {"lesson": lesson.title})
        if lesson.kind == LessonKind.SCORM and lesson.scorm_package_id is None:
            problems.append(gettext("The lesson %(lesson)s has no SCORM package.") % {"lesson": lesson.title})
    bank = Question.objects.filter(version=version).count()
    if version.questions_per_attempt > bank:
        problems.append(
            gettext(
                "The quiz draws %(draw)s questions per attempt but the bank has %(bank)s: add questions or draw fewer."
            )
            % {"draw": version.questions_per_attempt, "bank": bank}
        )
    return problems


@transaction.atomic
def course_publish(*, actor: Membership | None, course: Course, version: CourseVersion | None = None) -> CourseVersion:
    """Publish the course's draft: it becomes the version new enrolments take; the previous
    published version is retired (its learners in progress finish on it). ``version``: the draft
    the author saw; another one (someone published it and started the next) is refused."""
    course_require(actor, course)
    course = _lock_course(course)
    draft = _draft_of(course)
    if draft is None or (version is not None and draft.pk != version.pk):
        raise InvalidTransition(
            gettext("%(title)s has no draft to publish: it was published by someone else, or not edited.")
            % {"title": course.title}
        )
    problems = publish_problems(draft)
    if problems:
        raise PolicyViolation(problems[0])
    previous = course.published_version
    now = timezone.now()
    if previous is not None:
        CourseVersion.objects.filter(pk=previous.pk).update(status=VersionStatus.RETIRED)
    draft.status, draft.published_at = VersionStatus.PUBLISHED, now
    draft.save(update_fields=["status", "published_at"])
    from_state = course.status
    course.published_version, course.status = draft, CourseStatus.PUBLISHED
    course.save(update_fields=["published_version", "status", "updated_at"])
    _record(
        actor,
        course,
        events.COURSE_PUBLISHED,
        gettext_noop("Published version %(number)s of %(title)s."),
        {"number": draft.number, "title": course.title},
        {"version_id": draft.pk, "number": draft.number, "retired_version_id": previous.pk if previous else None},
        from_state=from_state,
        to_state=CourseStatus.PUBLISHED,
    )
    return draft


@transaction.atomic
def course_archive(*, actor: Membership | None, course: Course) -> Course:
    """Take a course out of the catalogue: nobody new enrols; learners in progress may finish
    (their enrolment keeps its version). Publishing a draft brings it back."""
    course_require(actor, course)
    course = _lock_course(course)
    if course.status == CourseStatus.ARCHIVED:
        raise InvalidTransition(gettext("%(title)s was already archived by someone else.") % {"title": course.title})
    from_state = course.status
    course.status = CourseStatus.ARCHIVED
    course.save(update_fields=["status", "updated_at"])
    _record(
        actor,
        course,
        events.COURSE_ARCHIVED,
        gettext_noop("Archived %(title)s."),
        {"title": course.title},
        from_state=from_state,
        to_state=CourseStatus.ARCHIVED,
    )
    return course
