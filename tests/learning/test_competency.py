"""Company competencies, the issue's "done when": "at least 3 people with an active Certified
Engineer" turns on when the third engineer certifies, and the partner's tier progress and product
authorization show it; a certificate that expires turns it off, and every reminder went out once;
a person who leaves stops counting the same day. The recompute is set-based."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learning.models import Certificate, CertificateReminder, CompetencyHolding, EnrollmentStatus
from learning.selectors.certificates import competency_codes_held
from learning.services.certification import certificate_code, learning_sweep
from learning.services.competency import competencies_recompute
from learning.tasks import certifications_check_task
from partners.models import Partner
from prm.accounts.roles import Role
from prm.accounts.services import membership_deactivate
from prm.events.models import OutboxMessage
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from programs import metrics
from programs.models import TierStanding
from programs.services.evaluation import tier_evaluate
from programs.services.policy import policy_decide

from ..factories import (
    AuthorizationRuleFactory,
    EnrollmentFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    ProductLineFactory,
    ProgramFactory,
    TierFactory,
    TierRequirementFactory,
)
from .factories import (
    CertificateFactory,
    CertificationFactory,
    CompetencyFactory,
    CompetencyRequirementFactory,
    LearnerEnrollmentFactory,
    learning_course,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def engineers(acme):
    """Acme's "Certified Engineer" (an exam course), the competency "at least 3 Certified
    Engineers", a program whose Gold tier asks for 3 certified engineers and that competency, and a
    product line whose authorization needs the competency. Partner 1 is enrolled in Registered."""
    exam = learning_course(acme.tenant, title="Engineer exam")
    certification = CertificationFactory(
        tenant=acme.tenant, code="engineer", name="Certified Engineer", exam_course=exam, renewal_window_days=60
    )
    competency = CompetencyFactory(tenant=acme.tenant, code="engineers", name="Engineering")
    CompetencyRequirementFactory(competency=competency, certification=certification, min_people=3)
    program = ProgramFactory(tenant=acme.tenant, name="Resell")
    registered = TierFactory(program=program, name="Registered", rank=1)
    gold = TierFactory(program=program, name="Gold", rank=2)
    TierRequirementFactory(tier=gold, metric="learning.certified_people", param="engineer", threshold=3)
    TierRequirementFactory(tier=gold, metric="learning.competencies", param="engineers", threshold=1)
    enrollment = EnrollmentFactory(partner=acme.partner, tier=registered)
    line = ProductLineFactory(tenant=acme.tenant, name="Cloud platform")
    AuthorizationRuleFactory(product_line=line, required_competency="engineers")
    people = [
        acme.sales_rep,
        acme.partner_admin,
        PartnerMembershipFactory(partner=acme.partner, role=Role.TECHNICAL, user__first_name="Third"),
    ]
    return type(
        "Engineers",
        (),
        dict(
            exam=exam,
            certification=certification,
            competency=competency,
            gold=gold,
            enrollment=enrollment,
            line=line,
            people=people,
        ),
    )


def deliver_pending(side, deliver, task_name: str) -> int:
    """Run the outbox messages of ``task_name`` still waiting, as a worker would."""
    with platform_scope():
        pending = list(OutboxMessage.objects.filter(tenant=side.tenant, task_name=task_name, delivered_at__isnull=True))
    for message in pending:
        deliver(message)
    return len(pending)


def certify(side, deliver, person, exam):
    """``person`` passes the exam course; the worker awards the certificate and recomputes."""
    LearnerEnrollmentFactory(
        learner=person, version=exam.published_version, status=EnrollmentStatus.COMPLETED, completed_at=timezone.now()
    )
    certifications_check_task.apply(
        kwargs={"tenant_id": side.tenant.pk, "membership_id": person.pk, "course_id": exam.pk}, throw=True
    ).get()
    deliver_pending(side, deliver, "learning.competencies_recompute")


def sells(side, line, on=None) -> tuple[bool, tuple]:
    with tenant_scope(side.tenant):
        decision = policy_decide(
            partner=Partner.objects.get(pk=side.partner.pk), action="sell", product_line=line, on=on
        )
    return decision.allowed, decision.codes


def gold_met(side, setup, today) -> bool:
    with tenant_scope(side.tenant):
        tier_evaluate(today=today)
    with platform_scope():
        standing = TierStanding.objects.get(enrollment=setup.enrollment)
    return standing.qualifying_tier_id == setup.gold.pk


def held(side, setup) -> bool:
    with platform_scope():
        return CompetencyHolding.objects.filter(
            partner=side.partner, competency=setup.competency, lost_at__isnull=True
        ).exists()


def measure(side, key, param, today) -> dict:
    sql, params = metrics.get(key).sql(side.tenant.pk, today, 0, param, None)
    with tenant_scope(side.tenant), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {partner_id: int(value) for partner_id, value in cursor.fetchall()}


def notes(kind, recipient) -> int:
    with platform_scope():
        return Notification.objects.filter(kind=kind, recipient=recipient).count()


def test_the_competency_turns_on_with_the_third_engineer_and_off_when_certificates_expire(acme, engineers, deliver):
    today = timezone.localdate()
    first, second, third = engineers.people
    # given two certified engineers: no competency, no Gold, no authorization
    certify(acme, deliver, first, engineers.exam)
    certify(acme, deliver, second, engineers.exam)
    assert not held(acme, engineers)
    assert sells(acme, engineers.line) == (False, ("competency",))
    assert not gold_met(acme, engineers, today)
    # when the third engineer certifies
    certify(acme, deliver, third, engineers.exam)
    # then the company holds it, its tier progress shows it and the product line is authorized
    assert held(acme, engineers)
    assert measure(acme, "learning.certified_people", "engineer", today) == {acme.partner.pk: 3}
    assert measure(acme, "learning.competencies", "engineers", today) == {acme.partner.pk: 1}
    assert sells(acme, engineers.line) == (True, ())
    assert gold_met(acme, engineers, today)
    # and the partner's admin and its channel account manager were told
    assert notes("competency.changed", acme.partner_admin) == 1
    assert notes("competency.changed", acme.manager) == 1
    assert notes("competency.changed", acme.partner_admins[1]) == 0

    # given the three certificates expire in 40 days
    expiry = today + timedelta(days=40)
    with platform_scope():
        Certificate.objects.filter(holder__in=engineers.people).update(expires_on=expiry)
    # when the sweep runs (twice on some days) through the window, 30, 7 and 1 days before, and after expiry
    for day in (0, 0, 10, 10, 33, 39, 41, 41):
        with tenant_scope(acme.tenant):
            learning_sweep(today=today + timedelta(days=day))
    # then every reminder went out once: four stages per certificate, four reminders per holder
    with platform_scope():
        stages = list(CertificateReminder.objects.filter(certificate__holder__in=engineers.people).values_list("stage"))
    assert len(stages) == 12
    first, admin, third = engineers.people
    assert notes("certificate.expiring", first) == notes("certificate.expiring", third) == 4
    # the company's admin (an engineer too) heard of their own and their two colleagues'; so did the manager
    assert notes("certificate.expiring", admin) == notes("certificate.expiring", acme.manager) == 12
    # the admin and the manager were warned that the competency was at risk, ahead of time
    assert notes("competency.at_risk", acme.partner_admin) >= 1
    assert notes("competency.at_risk", acme.manager) >= 1
    # and after the expiry the competency is lost, with the reason, and what depended on it follows
    assert not held(acme, engineers)
    with platform_scope():
        lost = CompetencyHolding.objects.get(partner=acme.partner, competency=engineers.competency)
    assert lost.lost_reason == "Certified Engineer 0/3"
    after = today + timedelta(days=41)
    assert sells(acme, engineers.line, on=after) == (False, ("competency",))
    assert not gold_met(acme, engineers, after)
    assert measure(acme, "learning.certified_people", "engineer", after) == {}
    # the history still says when it was held (the holding moved back: the test's days are simulated)
    with platform_scope():
        CompetencyHolding.objects.filter(pk=lost.pk).update(
            gained_at=lost.gained_at - timedelta(days=10), lost_at=lost.lost_at + timedelta(days=5)
        )
    with tenant_scope(acme.tenant):
        assert competency_codes_held(partner_id=acme.partner.pk, codes=None, on=today, today=after) == {"engineers"}
        assert (
            competency_codes_held(partner_id=acme.partner.pk, codes=None, on=today - timedelta(days=20), today=after)
            == set()
        )


def test_a_person_who_leaves_stops_counting_the_same_day(acme, engineers, deliver):
    today = timezone.localdate()
    for person in engineers.people:
        certify(acme, deliver, person, engineers.exam)
    assert held(acme, engineers)
    # when the third engineer's access is taken away
    with tenant_scope(acme.tenant):
        membership_deactivate(actor=acme.manager, membership=engineers.people[2], reason="Left the company")
    assert deliver_pending(acme, deliver, "learning.competencies_recompute") == 1
    # then the competency is lost at once, the metric counts two, and the certificate stays theirs
    assert not held(acme, engineers)
    assert measure(acme, "learning.certified_people", "engineer", today) == {acme.partner.pk: 2}
    assert sells(acme, engineers.line)[0] is False
    with platform_scope():
        assert Certificate.objects.get(holder=engineers.people[2]).status == "active"


def test_a_recompute_twice_changes_nothing_and_other_partners_are_left_alone(acme, engineers, deliver):
    for person in engineers.people:
        certify(acme, deliver, person, engineers.exam)
    with tenant_scope(acme.tenant):
        again = competencies_recompute()
        other = competencies_recompute(partner_ids=[acme.partners[1].pk])
    assert (again.gained, again.lost, other.gained, other.lost) == ([], [], [], [])
    with platform_scope():
        assert CompetencyHolding.objects.filter(partner=acme.partner).count() == 1


def test_the_recompute_is_set_based_whatever_the_number_of_partners(acme):
    certification = CertificationFactory(tenant=acme.tenant, code="engineer", name="Certified Engineer")
    competency = CompetencyFactory(tenant=acme.tenant, code="engineers")
    CompetencyRequirementFactory(competency=competency, certification=certification, min_people=2)

    def partners_with_engineers(count):
        for _ in range(count):
            partner = PartnerFactory(tenant=acme.tenant, partner_type=acme.partner_type, account_manager=acme.manager)
            for role in (Role.PARTNER_ADMIN, Role.TECHNICAL):
                person = PartnerMembershipFactory(partner=partner, role=role)
                CertificateFactory(certification=certification, holder=person, code=certificate_code())

    def recompute_queries() -> tuple[int, int]:
        with tenant_scope(acme.tenant), CaptureQueriesContext(connection) as captured:
            result = competencies_recompute()
        return len(captured), len(result.gained)

    # warm: reference data the recompute memoises (and what recording its events reads once per
    # process or tenant: content types, the webhook endpoints) is read once, whoever comes first
    partners_with_engineers(1)
    recompute_queries()
    partners_with_engineers(2)
    few = recompute_queries()
    partners_with_engineers(20)
    many = recompute_queries()
    # the same statements for 2 partners gaining it as for 20
    assert few[1] == 2 and many[1] == 20
    assert few[0] == many[0]


def test_the_partner_admins_home_names_the_certificate_to_renew_and_the_competency_at_risk(acme, engineers, deliver):
    from django.urls import reverse

    from ..conftest import make_client

    for person in engineers.people:
        certify(acme, deliver, person, engineers.exam)
    # given one engineer's certificate expiring in 20 days (inside the 60-day window)
    with platform_scope():
        Certificate.objects.filter(holder=engineers.people[0]).update(
            expires_on=timezone.localdate() + timedelta(days=20)
        )
    # when the partner admin opens the portal home and the certificates page
    home = make_client(acme.partner_admin).get(reverse("portal:home")).content.decode()
    page = make_client(acme.partner_admin).get(reverse("portal:learning_certificates")).content.decode()
    # then both say which certificate to renew and which competency it would cost
    assert "Certificates to renew" in home and "Engineering is at risk" in home
    assert "Engineering would have 2 of the 3 certified people" in page
    # the sales rep's home says nothing of it, nor does the other partner's admin's
    assert "Certificates to renew" not in make_client(acme.sales_rep).get(reverse("portal:home")).content.decode()
    assert (
        "Certificates to renew" not in make_client(acme.partner_admins[1]).get(reverse("portal:home")).content.decode()
    )
