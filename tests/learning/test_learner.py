"""A partner user learning: who sees which course, enrolment and prerequisites, lessons and
progress, and quizzes scored on the server (the draw, single and multiple choice, the pass mark,
attempt limits and cool-downs, the time limit, tampered, replayed and concurrent submissions)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from learning import events
from learning.models import (
    AttemptStatus,
    Course,
    CoursePrerequisite,
    Enrollment,
    EnrollmentStatus,
    LearningPath,
    LearningPathStep,
    Lesson,
    LessonKind,
    QuestionKind,
    QuizAttempt,
)
from learning.selectors.catalogue import (
    catalogue_cards,
    catalogue_for_actor,
    course_get_for_actor,
    learning_paths_for_actor,
    my_learning,
)
from learning.services.learner import (
    AttemptExpired,
    enrollment_enroll,
    lesson_complete,
    quiz_attempt_start,
    quiz_attempt_submit,
)
from learning.services.progress import CERTIFICATIONS_CHECK
from prm.accounts.roles import Role
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event, OutboxMessage
from prm.tenancy.scope import platform_scope
from tests.concurrency import race

from ..factories import EnrollmentFactory, PartnerTypeFactory, TierFactory
from .factories import ChoiceFactory, QuestionFactory, learning_course
from .isolation_learner import as_partner, right_answers

pytestmark = pytest.mark.django_db


# --- helpers ----------------------------------------------------------------------------------------


def set_course(course, **fields) -> Course:
    with platform_scope():
        Course.objects.filter(pk=course.pk).update(**fields)
        course.refresh_from_db()
    return course


def set_version(course, **fields) -> None:
    with platform_scope():
        version = course.published_version
        for name, value in fields.items():
            setattr(version, name, value)
        version.save()


def titles(member, **filters) -> list[str]:
    with as_partner(member):
        rows, _ = catalogue_for_actor(actor=member, **filters)
        return [row["title"] for row in rows]


def enrol(member, course) -> Enrollment:
    with as_partner(member):
        return enrollment_enroll(actor=member, course=course)


def finish_lessons(member, enrollment) -> Enrollment:
    with as_partner(member):
        for lesson in Lesson.objects.filter(version_id=enrollment.version_id).order_by("position"):
            enrollment = lesson_complete(actor=member, enrollment=enrollment, lesson=lesson)
    return enrollment


def start(member, enrollment) -> QuizAttempt:
    with as_partner(member):
        return quiz_attempt_start(actor=member, enrollment=enrollment)


def submit(member, attempt, answers) -> QuizAttempt:
    with as_partner(member):
        return quiz_attempt_submit(actor=member, attempt=attempt, answers=answers)


def wrong_answers(attempt) -> dict[int, list[int]]:
    from learning.models import Choice

    with platform_scope():
        rows = Choice.objects.filter(question_id__in=attempt.question_ids, is_correct=False)
        return {question_id: [choice_id] for question_id, choice_id in rows.values_list("question_id", "pk")}


def stored(model, pk):
    with platform_scope():
        return model.objects.get(pk=pk)


def ready_for_quiz(member, course) -> Enrollment:
    return finish_lessons(member, enrol(member, course))


# --- who sees which course ------------------------------------------------------------------------


def test_the_catalogue_shows_a_person_the_courses_meant_for_their_type_role_and_tier(acme):
    # given courses for everyone, for sales, for partner admins, for another partner type, and for
    # a tier only partner 1 holds
    tenant = acme.tenant
    learning_course(tenant, title="For everyone")
    set_course(learning_course(tenant, title="For sales"), audience_roles=[Role.SALES.value])
    set_course(learning_course(tenant, title="For admins"), audience_roles=[Role.PARTNER_ADMIN.value])
    other_type = PartnerTypeFactory(tenant=tenant, name="Distributor", slug="distributor")
    set_course(learning_course(tenant, title="For distributors"), audience_partner_type_ids=[other_type.pk])
    set_course(learning_course(tenant, title="For resellers"), audience_partner_type_ids=[acme.partner_type.pk])
    gold = TierFactory(tenant=tenant, name="Gold")
    EnrollmentFactory(tenant=tenant, partner=acme.partner, tier=gold)
    set_course(learning_course(tenant, title="For gold partners"), audience_tier_ids=[gold.pk])
    draft = learning_course(tenant, title="A draft")
    set_course(draft, status="draft")
    # when partner 1's rep, partner 1's admin and partner 2's rep look at the catalogue
    # then each sees what is meant for them, drafts for nobody
    assert titles(acme.sales_rep) == ["For everyone", "For gold partners", "For resellers", "For sales"]
    assert titles(acme.partner_admin) == ["For admins", "For everyone", "For gold partners", "For resellers"]
    assert titles(acme.sales[1]) == ["For everyone", "For resellers", "For sales"]


def test_a_course_not_meant_for_the_person_is_not_found_unless_they_are_enrolled(acme):
    from django.http import Http404

    course = learning_course(acme.tenant, title="Sales only")
    enrollment = enrol(acme.partner_admin, course)
    set_course(course, audience_roles=[Role.SALES.value])
    # the rep sees it; the admin, already enrolled, still does; partner 2's admin does not
    with as_partner(acme.sales_rep):
        assert course_get_for_actor(actor=acme.sales_rep, course_id=course.pk).enrollment is None
    with as_partner(acme.partner_admin):
        assert course_get_for_actor(actor=acme.partner_admin, course_id=course.pk).enrollment == enrollment
    with as_partner(acme.partner_admins[1]), pytest.raises(Http404):
        course_get_for_actor(actor=acme.partner_admins[1], course_id=course.pk)
    with pytest.raises(NotAllowed):
        enrol(acme.partner_admins[1], course)


def test_search_and_filters_narrow_the_catalogue(acme):
    learning_course(acme.tenant, title="Firewall basics")
    set_course(learning_course(acme.tenant, title="Cloud selling"), category="Sales", level="advanced")
    done = learning_course(acme.tenant, title="Done already", lessons=1, questions=0)
    finish_lessons(acme.sales_rep, enrol(acme.sales_rep, done))
    rep = acme.sales_rep
    assert titles(rep, q="FIREWALL") == ["Firewall basics"]
    assert titles(rep, category="Sales") == ["Cloud selling"]
    assert titles(rep, level="advanced") == ["Cloud selling"]
    assert titles(rep, state="completed") == ["Done already"]
    assert titles(rep, state="not_started") == ["Cloud selling", "Firewall basics"]
    assert titles(rep, state="in_progress") == []


def test_cards_carry_the_persons_state_progress_and_missing_prerequisites(acme):
    basics = learning_course(acme.tenant, title="Basics", lessons=2, questions=0)
    advanced = learning_course(acme.tenant, title="Advanced")
    with platform_scope():
        CoursePrerequisite.objects.create(tenant=acme.tenant, course=advanced, required=basics)
    enrollment = enrol(acme.sales_rep, basics)
    with as_partner(acme.sales_rep):
        lesson_complete(
            actor=acme.sales_rep,
            enrollment=enrollment,
            lesson=Lesson.objects.filter(version_id=enrollment.version_id).order_by("position").first(),
        )
        rows, _ = catalogue_for_actor(actor=acme.sales_rep)
        cards = {card.title: card for card in catalogue_cards(actor=acme.sales_rep, rows=list(rows))}
    assert (cards["Basics"].state, cards["Basics"].progress) == ("in_progress", 50)
    assert cards["Advanced"].state == "not_started"
    assert [p.title for p in cards["Advanced"].missing_prerequisites] == ["Basics"]


def test_learning_paths_list_their_steps_in_order_with_the_persons_state(acme):
    first = learning_course(acme.tenant, title="Step one", lessons=1, questions=0)
    second = learning_course(acme.tenant, title="Step two")
    with platform_scope():
        path = LearningPath.objects.create(tenant=acme.tenant, code="sales", title="Sales track")
        LearningPathStep.objects.create(tenant=acme.tenant, path=path, course=second, position=2)
        LearningPathStep.objects.create(tenant=acme.tenant, path=path, course=first, position=1)
        LearningPath.objects.create(
            tenant=acme.tenant, code="admins", title="Admin track", audience_roles=[Role.PARTNER_ADMIN.value]
        )
    finish_lessons(acme.sales_rep, enrol(acme.sales_rep, first))
    with as_partner(acme.sales_rep):
        (found,) = learning_paths_for_actor(actor=acme.sales_rep)
    assert found.title == "Sales track"
    assert [(s.title, s.state) for s in found.steps] == [("Step one", "completed"), ("Step two", "not_started")]
    assert found.next_step.title == "Step two"


# --- enrolment ------------------------------------------------------------------------------------


def test_enrolling_twice_returns_the_same_enrolment_and_records_it_once(acme):
    course = learning_course(acme.tenant)
    first = enrol(acme.sales_rep, course)
    second = enrol(acme.sales_rep, course)
    assert first.pk == second.pk
    assert first.version_id == course.published_version_id
    with platform_scope():
        assert Event.objects.filter(verb=events.ENROLLED, object_id=first.pk).count() == 1


def test_prerequisites_must_be_completed_first_and_the_message_names_them(acme):
    basics = learning_course(acme.tenant, title="Basics", lessons=1, questions=0)
    advanced = learning_course(acme.tenant, title="Advanced")
    with platform_scope():
        CoursePrerequisite.objects.create(tenant=acme.tenant, course=advanced, required=basics)
    with pytest.raises(PolicyViolation, match="Complete this course first: Basics"):
        enrol(acme.sales_rep, advanced)
    finish_lessons(acme.sales_rep, enrol(acme.sales_rep, basics))
    assert enrol(acme.sales_rep, advanced).course_id == advanced.pk


def test_staff_do_not_enrol(acme):
    course = learning_course(acme.tenant)
    from prm.tenancy.scope import tenant_scope

    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        enrollment_enroll(actor=acme.manager, course=course)


# --- lessons and progress -------------------------------------------------------------------------


def test_each_lesson_done_moves_the_progress_and_the_last_completes_a_course_without_quiz(acme):
    course = learning_course(acme.tenant, lessons=2, questions=0)
    enrollment = enrol(acme.sales_rep, course)
    with as_partner(acme.sales_rep):
        lessons = list(Lesson.objects.filter(version_id=enrollment.version_id).order_by("position"))
        enrollment = lesson_complete(actor=acme.sales_rep, enrollment=enrollment, lesson=lessons[0])
        assert (enrollment.progress_percent, enrollment.last_lesson_id) == (50, lessons[0].pk)
        again = lesson_complete(actor=acme.sales_rep, enrollment=enrollment, lesson=lessons[0])
        assert again.progress_percent == 50
        enrollment = lesson_complete(actor=acme.sales_rep, enrollment=enrollment, lesson=lessons[1])
    assert (enrollment.progress_percent, enrollment.status) == (100, EnrollmentStatus.COMPLETED)
    with platform_scope():
        assert OutboxMessage.objects.filter(task_name=CERTIFICATIONS_CHECK).count() == 1


def test_only_the_learner_completes_their_lessons(acme):
    course = learning_course(acme.tenant)
    enrollment = enrol(acme.sales_rep, course)
    with as_partner(acme.partner_admin):
        lesson = Lesson.objects.filter(version_id=enrollment.version_id).first()
        with pytest.raises(NotAllowed):
            lesson_complete(actor=acme.partner_admin, enrollment=enrollment, lesson=lesson)


def test_a_scorm_lesson_is_not_marked_done_by_hand(acme):
    course = learning_course(acme.tenant)
    enrollment = enrol(acme.sales_rep, course)
    with platform_scope():
        lesson = Lesson.objects.filter(version_id=enrollment.version_id).first()
        Lesson.objects.filter(pk=lesson.pk).update(kind=LessonKind.SCORM)
        lesson.refresh_from_db()
    with pytest.raises(PolicyViolation, match="finish its package"), as_partner(acme.sales_rep):
        lesson_complete(actor=acme.sales_rep, enrollment=enrollment, lesson=lesson)


# --- the quiz: starting -------------------------------------------------------------------------------


def test_the_quiz_waits_for_the_lessons(acme):
    enrollment = enrol(acme.sales_rep, learning_course(acme.tenant, lessons=2))
    with pytest.raises(PolicyViolation, match="2 lessons are left"):
        start(acme.sales_rep, enrollment)


def test_a_draw_takes_the_configured_number_of_distinct_questions_and_the_deadline(acme):
    course = learning_course(acme.tenant, lessons=0, questions=5, questions_per_attempt=3, time_limit_minutes=20)
    enrollment = enrol(acme.sales_rep, course)
    before = timezone.now()
    attempt = start(acme.sales_rep, enrollment)
    assert len(attempt.question_ids) == len(set(attempt.question_ids)) == 3
    with platform_scope():
        bank = set(course.published_version.questions.values_list("pk", flat=True))
    assert set(attempt.question_ids) <= bank
    assert before + timedelta(minutes=20) <= attempt.deadline_at <= timezone.now() + timedelta(minutes=20)


def test_an_open_attempt_is_resumed_not_duplicated(acme):
    enrollment = ready_for_quiz(acme.sales_rep, learning_course(acme.tenant))
    first = start(acme.sales_rep, enrollment)
    again = start(acme.sales_rep, enrollment)
    assert again.pk == first.pk
    with platform_scope():
        assert QuizAttempt.objects.filter(enrollment_id=enrollment.pk).count() == 1


# --- the quiz: scoring ------------------------------------------------------------------------------


def test_a_pass_scores_completes_the_course_and_asks_for_certification(acme):
    enrollment = ready_for_quiz(acme.sales_rep, learning_course(acme.tenant, lessons=1, questions=2))
    attempt = start(acme.sales_rep, enrollment)
    result = submit(acme.sales_rep, attempt, right_answers(attempt))
    assert (result.status, result.score_percent, result.passed) == (AttemptStatus.SUBMITTED, Decimal("100.00"), True)
    enrollment = stored(Enrollment, enrollment.pk)
    assert (enrollment.status, enrollment.progress_percent, enrollment.best_score) == (
        EnrollmentStatus.COMPLETED,
        100,
        Decimal("100.00"),
    )
    with platform_scope():
        assert Event.objects.filter(verb=events.QUIZ_PASSED, object_id=enrollment.pk).get().data["score"] == "100.00"
        assert OutboxMessage.objects.filter(task_name=CERTIFICATIONS_CHECK).count() == 1
    with pytest.raises(InvalidTransition, match="already passed"):
        start(acme.sales_rep, enrollment)


def test_single_and_multiple_choice_are_right_only_when_exactly_the_right_choices_are_chosen(acme):
    course = learning_course(acme.tenant, lessons=0, questions=0, pass_mark_percent=60)
    version = course.published_version
    single = QuestionFactory(tenant=acme.tenant, version=version, position=1, kind=QuestionKind.SINGLE)
    s_right = ChoiceFactory(tenant=acme.tenant, question=single, is_correct=True)
    ChoiceFactory(tenant=acme.tenant, question=single, is_correct=False)
    multiple = QuestionFactory(tenant=acme.tenant, version=version, position=2, kind=QuestionKind.MULTIPLE)
    m_one = ChoiceFactory(tenant=acme.tenant, question=multiple, is_correct=True)
    m_two = ChoiceFactory(tenant=acme.tenant, question=multiple, is_correct=True)
    m_wrong = ChoiceFactory(tenant=acme.tenant, question=multiple, is_correct=False)
    enrollment = enrol(acme.sales_rep, course)
    # when the single is right and the multiple has one of its two right answers: 50 %, failed
    attempt = submit(
        acme.sales_rep, start(acme.sales_rep, enrollment), {single.pk: [s_right.pk], multiple.pk: [m_one.pk]}
    )
    assert (attempt.score_percent, attempt.passed, attempt.missed_question_ids) == (
        Decimal("50.00"),
        False,
        [multiple.pk],
    )
    with platform_scope():
        assert Event.objects.get(verb=events.QUIZ_FAILED, object_id=enrollment.pk).data["score"] == "50.00"
    # a right one plus a wrong one is still wrong; both right ones, nothing else, is right
    attempt = submit(
        acme.sales_rep,
        start(acme.sales_rep, enrollment),
        {single.pk: [s_right.pk], multiple.pk: [m_one.pk, m_two.pk, m_wrong.pk]},
    )
    assert attempt.score_percent == Decimal("50.00")
    attempt = submit(
        acme.sales_rep, start(acme.sales_rep, enrollment), {single.pk: [s_right.pk], multiple.pk: [m_two.pk, m_one.pk]}
    )
    assert (attempt.score_percent, attempt.passed) == (Decimal("100.00"), True)


def test_unanswered_questions_count_as_wrong(acme):
    enrollment = ready_for_quiz(acme.sales_rep, learning_course(acme.tenant, lessons=0, questions=3))
    attempt = start(acme.sales_rep, enrollment)
    first = attempt.question_ids[0]
    result = submit(acme.sales_rep, attempt, {first: right_answers(attempt)[first]})
    assert result.score_percent == Decimal("33.33")


# --- the quiz: limits ------------------------------------------------------------------------------------


def test_a_failed_attempt_waits_out_the_cool_down_then_may_try_again(acme):
    course = learning_course(acme.tenant, lessons=0, cooldown_minutes=10)
    enrollment = enrol(acme.sales_rep, course)
    attempt = start(acme.sales_rep, enrollment)
    attempt = submit(acme.sales_rep, attempt, wrong_answers(attempt))
    assert attempt.passed is False
    # when the rep tries again at once: refused, told when
    with pytest.raises(PolicyViolation, match="You can try again in 10 minutes"):
        start(acme.sales_rep, enrollment)
    # when the cool-down has passed (the failed attempt moved 11 minutes back)
    with platform_scope():
        QuizAttempt.objects.filter(pk=attempt.pk).update(submitted_at=timezone.now() - timedelta(minutes=11))
    second = start(acme.sales_rep, enrollment)
    assert (second.number, second.status) == (2, AttemptStatus.OPEN)


def test_a_long_cool_down_says_the_time_of_day(acme):
    course = learning_course(acme.tenant, lessons=0, cooldown_minutes=120)
    enrollment = enrol(acme.sales_rep, course)
    attempt = start(acme.sales_rep, enrollment)
    submit(acme.sales_rep, attempt, wrong_answers(attempt))
    with pytest.raises(PolicyViolation, match=r"You can try again (at \d{1,2}:\d\d|on )"):
        start(acme.sales_rep, enrollment)


def test_the_attempt_limit_stops_further_attempts(acme):
    course = learning_course(acme.tenant, lessons=0, max_attempts=1)
    enrollment = enrol(acme.sales_rep, course)
    attempt = start(acme.sales_rep, enrollment)
    submit(acme.sales_rep, attempt, wrong_answers(attempt))
    with pytest.raises(PolicyViolation, match="used your 1 attempt"):
        start(acme.sales_rep, enrollment)


# --- the quiz: bad submissions ------------------------------------------------------------------------


def test_a_late_submission_is_refused_and_the_attempt_closes_as_failed(acme):
    course = learning_course(acme.tenant, lessons=0, time_limit_minutes=5)
    enrollment = enrol(acme.sales_rep, course)
    attempt = start(acme.sales_rep, enrollment)
    with platform_scope():
        QuizAttempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=31))
    # (the request's transaction goes on after the refusal, as it does for the view)
    with as_partner(acme.sales_rep), pytest.raises(AttemptExpired, match="Time ran out"):
        quiz_attempt_submit(actor=acme.sales_rep, attempt=attempt, answers=right_answers(attempt))
    closed = stored(QuizAttempt, attempt.pk)
    assert (closed.status, closed.score_percent, closed.passed, closed.answers) == (
        AttemptStatus.EXPIRED,
        Decimal("0.00"),
        False,
        {},
    )
    assert stored(Enrollment, enrollment.pk).quiz_passed_at is None


def test_a_submission_within_the_grace_still_counts(acme):
    course = learning_course(acme.tenant, lessons=0, time_limit_minutes=5)
    enrollment = enrol(acme.sales_rep, course)
    attempt = start(acme.sales_rep, enrollment)
    with platform_scope():
        QuizAttempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=10))
    assert submit(acme.sales_rep, attempt, right_answers(attempt)).passed is True


@pytest.mark.parametrize("tamper", ["foreign_question", "foreign_choice", "two_singles"])
def test_a_tampered_submission_is_refused_and_nothing_is_recorded(acme, tamper):
    course = learning_course(acme.tenant, lessons=0, questions=2)
    other = learning_course(acme.tenant, title="Other", lessons=0, questions=1)
    enrollment = enrol(acme.sales_rep, course)
    attempt = start(acme.sales_rep, enrollment)
    answers = right_answers(attempt)
    first, second = attempt.question_ids
    with platform_scope():
        other_question = other.published_version.questions.get()
        other_choice = other_question.choices.first()
        all_of_first = list(course.published_version.questions.get(pk=first).choices.values_list("pk", flat=True))
    if tamper == "foreign_question":
        answers[other_question.pk] = [other_choice.pk]
        message = "not in this attempt"
    elif tamper == "foreign_choice":
        answers[first] = [other_choice.pk]
        message = "choice of another question"
    else:
        answers[first] = all_of_first
        message = "takes one answer"
    with pytest.raises(PolicyViolation, match=message):
        submit(acme.sales_rep, attempt, answers)
    still = stored(QuizAttempt, attempt.pk)
    assert (still.status, still.answers, still.score_percent) == (AttemptStatus.OPEN, {}, None)
    assert second in still.question_ids
    with platform_scope():
        assert not Event.objects.filter(verb__in=[events.QUIZ_PASSED, events.QUIZ_FAILED]).exists()


def test_a_replayed_submission_is_refused_and_changes_nothing(acme):
    enrollment = enrol(acme.sales_rep, learning_course(acme.tenant, lessons=0))
    attempt = start(acme.sales_rep, enrollment)
    submit(acme.sales_rep, attempt, wrong_answers(attempt))
    with pytest.raises(InvalidTransition, match="already submitted"):
        submit(acme.sales_rep, attempt, right_answers(attempt))
    replayed = stored(QuizAttempt, attempt.pk)
    assert (replayed.passed, replayed.score_percent) == (False, Decimal("0.00"))
    with platform_scope():
        assert Event.objects.filter(verb__in=[events.QUIZ_PASSED, events.QUIZ_FAILED]).count() == 1


def test_another_person_cannot_submit_an_attempt(acme):
    enrollment = enrol(acme.sales_rep, learning_course(acme.tenant, lessons=0))
    attempt = start(acme.sales_rep, enrollment)
    with pytest.raises(NotAllowed):
        submit(acme.partner_admin, attempt, right_answers(attempt))


@pytest.mark.django_db(transaction=True)
def test_two_submissions_of_one_attempt_at_once_one_wins_the_other_is_told(acme):
    enrollment = enrol(acme.sales_rep, learning_course(acme.tenant, lessons=0))
    attempt = start(acme.sales_rep, enrollment)
    rep = acme.sales_rep
    outcomes = race(
        {
            "right": lambda: submit(rep, attempt, right_answers(attempt)),
            "wrong": lambda: submit(rep, attempt, wrong_answers(attempt)),
        }
    )
    assert list(outcomes.values()).count("done") == 1
    loser = next(outcome for outcome in outcomes.values() if outcome != "done")
    assert isinstance(loser, InvalidTransition) and "already submitted" in str(loser)
    with platform_scope():
        assert Event.objects.filter(verb__in=[events.QUIZ_PASSED, events.QUIZ_FAILED]).count() == 1
        assert QuizAttempt.objects.get(pk=attempt.pk).status == AttemptStatus.SUBMITTED


# --- my learning ------------------------------------------------------------------------------------------


def test_my_learning_lists_courses_in_progress_with_the_lesson_to_resume_and_completed_ones(acme):
    going = learning_course(acme.tenant, title="Going", lessons=2, questions=0)
    done = learning_course(acme.tenant, title="Done", lessons=1, questions=0)
    enrollment = enrol(acme.sales_rep, going)
    with as_partner(acme.sales_rep):
        first, second = Lesson.objects.filter(version_id=enrollment.version_id).order_by("position")
        lesson_complete(actor=acme.sales_rep, enrollment=enrollment, lesson=first)
    finish_lessons(acme.sales_rep, enrol(acme.sales_rep, done))
    enrol(acme.sales[1], going)  # partner 2's rep: not in partner 1's rep's list
    with as_partner(acme.sales_rep):
        mine = my_learning(actor=acme.sales_rep)
    assert [(c.title, c.progress, c.resume_lesson_id) for c in mine.in_progress] == [("Going", 50, second.pk)]
    assert [c.title for c in mine.completed] == ["Done"]


def test_starting_again_after_the_time_ran_out_closes_the_late_attempt_even_when_refused(acme):
    course = learning_course(acme.tenant, lessons=0, time_limit_minutes=5, cooldown_minutes=10)
    enrollment = enrol(acme.sales_rep, course)
    attempt = start(acme.sales_rep, enrollment)
    with platform_scope():
        QuizAttempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    # when the rep comes back to the quiz: the late attempt counts as failed, and its cool-down runs
    with as_partner(acme.sales_rep), pytest.raises(PolicyViolation, match="try again in 10 minutes"):
        quiz_attempt_start(actor=acme.sales_rep, enrollment=enrollment)
    assert stored(QuizAttempt, attempt.pk).status == AttemptStatus.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_two_enrolments_at_once_make_one(acme):
    course = learning_course(acme.tenant)
    rep = acme.sales_rep
    outcomes = race({"tab1": lambda: enrol(rep, course), "tab2": lambda: enrol(rep, course)})
    assert list(outcomes.values()) == ["done", "done"]
    with platform_scope():
        assert Enrollment.objects.filter(course_id=course.pk, learner=rep).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_starts_at_once_open_one_attempt(acme):
    enrollment = enrol(acme.sales_rep, learning_course(acme.tenant, lessons=0))
    rep = acme.sales_rep
    outcomes = race({"tab1": lambda: start(rep, enrollment), "tab2": lambda: start(rep, enrollment)})
    assert list(outcomes.values()) == ["done", "done"]
    with platform_scope():
        assert QuizAttempt.objects.filter(enrollment_id=enrollment.pk).count() == 1
