"""A small learning world for the reports (tests/learning/test_reports.py and the isolation
cases): two courses of acme with known enrolments, attempts and misses, certificates expiring
in 10, 45 and 80 days, a competency, and a tier that asks for certified people.

Acme partner 1 ("Acme Partner 1", serves EMEA): its admin and sales rep plus two more people.
Acme partner 2 ("Acme Partner 2", serves NA): its admin and sales rep.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from learning.models import (
    AttemptStatus,
    CompetencyHolding,
    EnrollmentStatus,
    QuizAttempt,
)
from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today

from ..factories import (
    EnrollmentFactory,
    PartnerMembershipFactory,
    ProgramFactory,
    TierFactory,
    TierRequirementFactory,
    TierStandingFactory,
)
from .factories import (
    CertificateFactory,
    CertificationCourseFactory,
    CertificationFactory,
    CompetencyFactory,
    CompetencyRequirementFactory,
    LearnerEnrollmentFactory,
    learning_course,
)


def _questions(course) -> list[int]:
    with platform_scope():
        return list(course.published_version.questions.order_by("position").values_list("pk", flat=True))


def attempt(enrollment, *, number: int, asked: list[int], missed: list[int], passed: bool, status="submitted"):
    with platform_scope():
        score = Decimal(100 * (len(asked) - len(missed)) / len(asked)).quantize(Decimal("0.01"))
        return QuizAttempt.objects.create(
            tenant_id=enrollment.tenant_id,
            enrollment=enrollment,
            version_id=enrollment.version_id,
            learner_id=enrollment.learner_id,
            partner_id=enrollment.partner_id,
            number=number,
            status=status,
            question_ids=asked,
            missed_question_ids=missed,
            submitted_at=timezone.now(),
            score_percent=score,
            passed=passed,
        )


def enrol(learner, course, *, completed=False, progress=0, best=None):
    return LearnerEnrollmentFactory(
        learner=learner,
        version=course.published_version,
        status=EnrollmentStatus.COMPLETED if completed else EnrollmentStatus.IN_PROGRESS,
        completed_at=timezone.now() if completed else None,
        progress_percent=100 if completed else progress,
        best_score=best,
        last_activity_at=timezone.now(),
    )


def learning_world(ctx) -> None:
    """Adds ``ctx.learning`` (a SimpleNamespace) to an isolation or test context whose ``side`` is acme."""
    side = ctx.side
    # A walk sets up one world for each of its pages: the learning world is built once per side.
    built = getattr(side, "_learning_world", None)
    if built is not None:
        ctx.learning = built
        return
    tenant = side.tenant
    p1, p2 = side.partners
    with platform_scope():
        p1.regions_served = ["EMEA"]
        p1.save(update_fields=["regions_served"])
        p2.regions_served = ["NA"]
        p2.save(update_fields=["regions_served"])
    ana = PartnerMembershipFactory(
        partner=p1,
        role=Role.TECHNICAL,
        user__first_name="Ana",
        user__last_name="Engineer",
        user__email=f"ana@p1.{tenant.slug}.example",
    )
    bo = PartnerMembershipFactory(
        partner=p1,
        role=Role.TECHNICAL,
        user__first_name="Bo",
        user__last_name="Builder",
        user__email=f"bo@p1.{tenant.slug}.example",
    )
    cy = PartnerMembershipFactory(
        partner=p1,
        role=Role.SALES,
        user__first_name="Cy",
        user__last_name="Newcomer",
        user__email=f"cy@p1.{tenant.slug}.example",
    )
    sales1, sales2 = side.sales

    selling = learning_course(tenant, title="Selling the platform", questions=2)
    engineering = learning_course(tenant, title="Engineering the platform", questions=2)
    s_q1, s_q2 = _questions(selling)
    e_q1, e_q2 = _questions(engineering)

    # Selling: 3 enrolled (2 of partner 1, 1 of partner 2), 2 completed.
    e_sales1 = enrol(sales1, selling, completed=True, best=Decimal("100"))  # fails once, then passes
    attempt(e_sales1, number=1, asked=[s_q1, s_q2], missed=[s_q1], passed=False)
    attempt(e_sales1, number=2, asked=[s_q1, s_q2], missed=[], passed=True)
    e_ana = enrol(ana, selling, completed=True, best=Decimal("100"))  # passes at once
    attempt(e_ana, number=1, asked=[s_q1, s_q2], missed=[], passed=True)
    e_sales2 = enrol(sales2, selling, progress=50, best=Decimal("0"))  # fails, both missed
    attempt(e_sales2, number=1, asked=[s_q1, s_q2], missed=[s_q1, s_q2], passed=False)
    # An attempt still open counts nowhere.
    attempt(e_sales2, number=2, asked=[s_q1, s_q2], missed=[], passed=False, status=AttemptStatus.OPEN)

    # Engineering: Bo is half-way, Ana has not started it (partner 1 only).
    e_bo = enrol(bo, engineering, progress=50)

    certification = CertificationFactory(
        tenant=tenant, code="engineer", name="Certified Engineer", renewal_window_days=60
    )
    CertificationCourseFactory(certification=certification, course=engineering)
    with tenant_scope(tenant):
        today = tenant_today()
    soon = CertificateFactory(certification=certification, holder=sales1, expires_on=today + timedelta(days=10))
    mid = CertificateFactory(
        certification=certification, holder=side.partner_admins[0], expires_on=today + timedelta(days=45)
    )
    late = CertificateFactory(certification=certification, holder=sales2, expires_on=today + timedelta(days=80))
    lasting = CertificateFactory(certification=certification, holder=ana, expires_on=today + timedelta(days=400))
    competency = CompetencyFactory(tenant=tenant, code="engineering", name="Engineering competency")
    CompetencyRequirementFactory(competency=competency, certification=certification, min_people=3)
    other = CompetencyFactory(tenant=tenant, code="networking", name="Networking competency")
    CompetencyRequirementFactory(competency=other, certification=certification, min_people=1)
    with platform_scope():
        CompetencyHolding.objects.create(
            tenant=tenant, competency=other, partner=p1, gained_at=timezone.now(), gained_reason="test"
        )
    # Partner 1 is Silver; Gold asks for 5 people certified "engineer" (it has 3: 2 short) and 2
    # competencies (it holds 1), as the programs' evaluation would have written it.
    program = ProgramFactory(tenant=tenant, name="Partner Program")
    silver = TierFactory(program=program, name="Silver", rank=1)
    gold = TierFactory(program=program, name="Gold", rank=2)
    certified = TierRequirementFactory(tier=gold, metric="learning.certified_people", param="engineer", threshold=5)
    held = TierRequirementFactory(tier=gold, metric="learning.competencies", threshold=2)
    enrollment = EnrollmentFactory(partner=p1, tier=silver)

    def result(requirement, value, threshold):
        return {
            "requirement_id": requirement.pk,
            "tier_id": gold.pk,
            "tier": "Gold",
            "metric": requirement.metric,
            "label": "Certified people",
            "unit": "people",
            "operator": "gte",
            "threshold": str(threshold),
            "value": str(value),
            "gap": str(max(threshold - value, 0)),
            "met": value >= threshold,
            "mandatory": True,
            "available": True,
        }

    TierStandingFactory(
        enrollment=enrollment,
        next_tier=gold,
        results=[result(certified, 3, 5), result(held, 1, 2)],
    )
    ctx.learning = SimpleNamespace(
        selling=selling,
        engineering=engineering,
        questions={"s1": s_q1, "s2": s_q2, "e1": e_q1, "e2": e_q2},
        ana=ana,
        bo=bo,
        cy=cy,
        enrolments={"sales1": e_sales1, "ana": e_ana, "sales2": e_sales2, "bo": e_bo},
        certification=certification,
        certificates={"soon": soon, "mid": mid, "late": late, "lasting": lasting},
        competency=competency,
        other_competency=other,
    )
    side._learning_world = ctx.learning
