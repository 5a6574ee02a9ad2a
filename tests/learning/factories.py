"""Factories of e-learning rows; like tests/factories.py, they keep every related row in one
tenant (``learning_course`` builds a published course with lessons and a quiz in one call)."""

from __future__ import annotations

import secrets
from datetime import date

import factory

from learning.models import (
    Certificate,
    Certification,
    CertificationCourse,
    Choice,
    Competency,
    CompetencyRequirement,
    Course,
    CourseStatus,
    CourseVersion,
    Enrollment,
    Lesson,
    LessonKind,
    Question,
    VersionStatus,
)
from prm.tenancy.scope import platform_scope

from ..factories import PartnerMembershipFactory, TenantOwnedFactory, _same_tenant


class CourseFactory(TenantOwnedFactory):
    class Meta:
        model = Course

    code = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    summary = "What the course teaches."
    status = CourseStatus.DRAFT


class CourseVersionFactory(TenantOwnedFactory):
    class Meta:
        model = CourseVersion

    course = factory.SubFactory(CourseFactory, tenant=_same_tenant())
    number = 1
    status = VersionStatus.DRAFT
    max_attempts = 3
    cooldown_minutes = 0
    time_limit_minutes = 0


class LessonFactory(TenantOwnedFactory):
    class Meta:
        model = Lesson

    version = factory.SubFactory(CourseVersionFactory, tenant=_same_tenant())
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    kind = LessonKind.TEXT
    body = "<p>Read this.</p>"


class QuestionFactory(TenantOwnedFactory):
    class Meta:
        model = Question

    version = factory.SubFactory(CourseVersionFactory, tenant=_same_tenant())
    position = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"Question {n}?")


class ChoiceFactory(TenantOwnedFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory, tenant=_same_tenant())
    position = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"Answer {n}")
    is_correct = False


class LearnerEnrollmentFactory(TenantOwnedFactory):
    class Meta:
        model = Enrollment

    learner = factory.SubFactory(PartnerMembershipFactory, tenant=_same_tenant())
    partner = factory.SelfAttribute("learner.partner")
    version = factory.SubFactory(CourseVersionFactory, tenant=_same_tenant())
    course = factory.SelfAttribute("version.course")


class CertificationFactory(TenantOwnedFactory):
    class Meta:
        model = Certification

    code = factory.Sequence(lambda n: f"cert-{n}")
    name = factory.Sequence(lambda n: f"Certified Engineer {n}")
    validity_months = 24
    renewal_window_days = 60


class CertificationCourseFactory(TenantOwnedFactory):
    class Meta:
        model = CertificationCourse

    certification = factory.SubFactory(CertificationFactory, tenant=_same_tenant())
    course = factory.SubFactory(CourseFactory, tenant=_same_tenant())


class CertificateFactory(TenantOwnedFactory):
    class Meta:
        model = Certificate

    certification = factory.SubFactory(CertificationFactory, tenant=_same_tenant())
    holder = factory.SubFactory(PartnerMembershipFactory, tenant=_same_tenant())
    partner = factory.SelfAttribute("holder.partner")
    holder_name = factory.LazyAttribute(lambda o: o.holder.user.get_full_name() or o.holder.user.email)
    code = factory.LazyFunction(lambda: secrets.token_urlsafe(15))
    issued_on = factory.LazyFunction(date.today)
    expires_on = None


class CompetencyFactory(TenantOwnedFactory):
    class Meta:
        model = Competency

    code = factory.Sequence(lambda n: f"competency-{n}")
    name = factory.Sequence(lambda n: f"Competency {n}")


class CompetencyRequirementFactory(TenantOwnedFactory):
    class Meta:
        model = CompetencyRequirement

    competency = factory.SubFactory(CompetencyFactory, tenant=_same_tenant())
    certification = factory.SubFactory(CertificationFactory, tenant=_same_tenant())
    min_people = 1


def learning_course(
    tenant, *, title: str = "Selling the platform", lessons: int = 2, questions: int = 2, **version_fields
) -> Course:
    """A published course of ``tenant`` with ``lessons`` text lessons and a quiz of ``questions``
    single-choice questions (the first answer of each is right, the second wrong)."""
    course = CourseFactory(tenant=tenant, title=title, status=CourseStatus.PUBLISHED)
    version = CourseVersionFactory(course=course, status=VersionStatus.PUBLISHED, **version_fields)
    for n in range(lessons):
        LessonFactory(version=version, position=n, title=f"{title}: lesson {n + 1}")
    for n in range(questions):
        question = QuestionFactory(version=version, position=n, text=f"{title}: question {n + 1}?")
        ChoiceFactory(question=question, position=0, text="Right", is_correct=True)
        ChoiceFactory(question=question, position=1, text="Wrong", is_correct=False)
    with platform_scope():
        course.published_version = version
        course.save(update_fields=["published_version"])
    return course
