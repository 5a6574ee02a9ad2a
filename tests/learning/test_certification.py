"""Certificates: awarded once when a course completes, a PDF with the holder and the code, the public
verification page (HTML and JSON, nothing about the partner, rate limited), revocation with a
reason, renewal, expiry and the reminders (each stage once, even after a crash mid-run)."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from learning.models import (
    Certificate,
    CertificateReminder,
    CertificateStatus,
    Enrollment,
    EnrollmentStatus,
    LessonProgress,
)
from learning.services import certification as certification_services
from learning.services.certification import (
    certificate_code,
    certificate_reminders_send,
    certificate_revoke,
    learning_sweep,
)
from learning.services.progress import enrollment_refresh, lesson_mark_done, quiz_mark_passed
from learning.tasks import certificate_render_task, certifications_check_task, learning_sweep_all_task
from learning.views import certification as certification_views
from prm.errors import InvalidTransition, PolicyViolation
from prm.events.models import Event, OutboxMessage
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import add_months

from ..conftest import make_client
from ..factories import PartnerMembershipFactory
from .factories import (
    CertificateFactory,
    CertificationCourseFactory,
    CertificationFactory,
    LearnerEnrollmentFactory,
    learning_course,
)

pytestmark = pytest.mark.django_db


# --- helpers -------------------------------------------------------------------------------------


def completed(learner, course, *, when=None):
    """``learner`` completed ``course`` (at ``when``, default now)."""
    return LearnerEnrollmentFactory(
        learner=learner,
        version=course.published_version,
        status=EnrollmentStatus.COMPLETED,
        progress_percent=100,
        completed_at=when or timezone.now(),
    )


def check(side, learner, course) -> dict:
    return certifications_check_task.apply(
        kwargs={"tenant_id": side.tenant.pk, "membership_id": learner.pk, "course_id": course.pk}, throw=True
    ).get()


def certificates_of(learner) -> list[Certificate]:
    with platform_scope():
        return list(Certificate.objects.filter(holder=learner).order_by("pk"))


def notes(kind, recipient=None) -> int:
    with platform_scope():
        found = Notification.objects.filter(kind=kind)
        return (found.filter(recipient=recipient) if recipient else found).count()


def engineer(side, **fields):
    """A certification with a required course and an exam course, both published."""
    course = learning_course(side.tenant, title="Platform basics")
    exam = learning_course(side.tenant, title="Engineer exam")
    certification = CertificationFactory(
        tenant=side.tenant, name="Certified Engineer", code="engineer", exam_course=exam, **fields
    )
    CertificationCourseFactory(certification=certification, course=course)
    return certification, course, exam


def certificate_for(side, holder, certification=None, **fields) -> Certificate:
    certification = certification or CertificationFactory(tenant=side.tenant, name="Certified Engineer")
    return CertificateFactory(
        certification=certification,
        holder=holder,
        holder_name=fields.pop("holder_name", "Ada Lovelace"),
        code=certificate_code(),
        **fields,
    )


def set_certificate(certificate, **fields):
    with platform_scope():
        Certificate.objects.filter(pk=certificate.pk).update(**fields)


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- awarding ------------------------------------------------------------------------------------


def test_completing_the_courses_and_the_exam_awards_one_certificate_however_often_the_check_runs(acme):
    # given a certification that needs a course and an exam, and a sales rep who completed both
    _certification, course, exam = engineer(acme, validity_months=24)
    rep = acme.sales_rep
    completed(rep, course)
    # when only the course is done, nothing is awarded
    assert check(acme, rep, course)["awarded"] == []
    completed(rep, exam)
    # when the check runs twice after the exam
    first, second = check(acme, rep, exam), check(acme, rep, exam)
    # then one certificate: active, unguessable code, two years from the vendor's today
    assert len(first["awarded"]) == 1 and second["awarded"] == []
    (certificate,) = certificates_of(rep)
    assert certificate.status == CertificateStatus.ACTIVE
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){5}", certificate.code)
    assert certificate.expires_on == add_months(certificate.issued_on, 24)
    assert certificate.holder_name == (rep.user.get_full_name() or rep.user.email)
    # and the holder and the company's admin heard once; the PDF and the competencies wait in the outbox
    assert notes("certificate.awarded", rep) == 1
    assert notes("certificate.awarded", acme.partner_admin) == 1
    with platform_scope():
        assert Event.objects.filter(verb="certificate.awarded", object_id=certificate.pk).count() == 1
        tasks = set(OutboxMessage.objects.filter(tenant=acme.tenant).values_list("task_name", flat=True))
    assert {"learning.certificate_render", "learning.competencies_recompute"} <= tasks


def test_codes_are_unguessable_and_distinct():
    codes = {certificate_code() for _ in range(500)}
    assert len(codes) == 500
    # 24 base32 letters: 120 random bits
    assert all(len(code.replace("-", "")) == 24 for code in codes)


def test_a_completion_in_the_portal_awards_the_certificate_in_a_worker_after_commit(
    acme, django_capture_on_commit_callbacks
):
    # given a certification whose exam is a course with one lesson and a quiz, in progress
    exam = learning_course(acme.tenant, title="Engineer exam", lessons=1, questions=1)
    CertificationFactory(tenant=acme.tenant, name="Certified Engineer", exam_course=exam)
    rep = acme.sales_rep
    enrollment = LearnerEnrollmentFactory(learner=rep, version=exam.published_version)
    # when the learner finishes the lesson and passes the quiz (the services the learner part calls)
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(acme.tenant), transaction.atomic():
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        lesson = exam.published_version.lessons.first()
        lesson_mark_done(enrollment=locked, lesson=lesson)
        quiz_mark_passed(enrollment=locked, score=100)
        assert enrollment_refresh(enrollment=locked, actor=rep)
    # then the worker awarded the certificate and rendered its PDF
    (certificate,) = certificates_of(rep)
    assert certificate.status == CertificateStatus.ACTIVE
    assert certificate.pdf_rendered_at is not None
    with platform_scope():
        assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1


def test_the_pdf_names_the_holder_and_the_code_and_is_rendered_once(acme):
    # given an awarded certificate
    certificate = certificate_for(acme, acme.sales_rep, holder_name="Grace Hopper")
    # when the render task runs twice
    kwargs = {"tenant_id": acme.tenant.pk, "certificate_id": certificate.pk}
    first = certificate_render_task.apply(kwargs=kwargs, throw=True).get()
    second = certificate_render_task.apply(kwargs=kwargs, throw=True).get()
    # then the PDF is kept once, and it shows the holder, the certification and the code
    assert (first, second) == (True, False)
    with platform_scope():
        stored = Certificate.objects.get(pk=certificate.pk)
        data = stored.pdf.read()
    text = pdf_text(data)
    assert "Grace Hopper" in text
    assert certificate.code in text
    assert "Certified Engineer" in text


def test_the_holder_downloads_the_pdf_even_before_the_worker_rendered_it(acme):
    # given a certificate whose PDF is not rendered yet
    certificate = certificate_for(acme, acme.sales_rep, holder_name="Grace Hopper")
    url = reverse("portal:learning_certificate_pdf", args=[certificate.pk])
    # when the holder and their company's admin download it, and the other partner's admin tries
    mine = make_client(acme.sales_rep).get(url)
    admins = make_client(acme.partner_admin).get(url)
    other = make_client(acme.partner_admins[1]).get(url)
    # then the first two get the PDF (rendered on demand), the other a 404
    assert mine.status_code == admins.status_code == 200
    assert mine["Content-Type"] == "application/pdf"
    assert "attachment" in mine["Content-Disposition"]
    assert certificate.code in pdf_text(mine.content)
    assert other.status_code == 404
    # and nothing was stored by a GET
    with platform_scope():
        assert not Certificate.objects.get(pk=certificate.pk).pdf


# --- the public verification page -------------------------------------------------------------------


def verify(side, code, *, json=False, address=None):
    client = make_client(None, host=side.host)
    extra = {"REMOTE_ADDR": address or f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"}
    if json:
        extra["HTTP_ACCEPT"] = "application/json"
    return client.get(reverse("learning_verify", args=[code]), **extra)


def test_the_verification_page_shows_the_certificate_and_nothing_about_the_partner(acme):
    # given an active certificate of acme partner 1's sales rep
    certificate = certificate_for(acme, acme.sales_rep, holder_name="Grace Hopper")
    # when anyone opens its verification page, as a person and as a machine
    page = verify(acme, certificate.code)
    data = verify(acme, certificate.code, json=True)
    # then both say who holds what, from when to when, and that it is active
    assert page.status_code == 200
    html = page.content.decode()
    assert "Grace Hopper" in html and "Certified Engineer" in html and "Active" in html
    assert data.status_code == 200
    assert data.json() == {
        "code": certificate.code,
        "holder": "Grace Hopper",
        "certification": "Certified Engineer",
        "issued_on": certificate.issued_on.isoformat(),
        "expires_on": None,
        "status": "active",
    }
    # and nothing about the partner or the person's address
    for secret in (acme.partner.display_name, acme.partner.legal_name, acme.sales_rep.user.email):
        assert secret not in html and secret not in data.content.decode()
    # a code typed in lower case without dashes is the same code
    assert verify(acme, certificate.code.replace("-", "").lower(), json=True).json()["status"] == "active"


def test_unknown_expired_revoked_renewed_and_expiring_certificates_say_so(acme, globex):
    today = timezone.localdate()
    certification = CertificationFactory(tenant=acme.tenant, name="Certified Engineer", renewal_window_days=30)
    expired = certificate_for(acme, acme.sales_rep, certification, expires_on=today - timedelta(days=1))
    revoked = certificate_for(acme, acme.partner_admin, certification, status=CertificateStatus.REVOKED)
    renewed = certificate_for(acme, acme.sales[1], certification, status=CertificateStatus.RENEWED)
    expiring = certificate_for(acme, acme.partner_admins[1], certification, expires_on=today + timedelta(days=10))
    assert verify(acme, expired.code, json=True).json()["status"] == "expired"
    assert verify(acme, revoked.code, json=True).json()["status"] == "revoked"
    assert "was revoked" in verify(acme, revoked.code).content.decode()
    assert verify(acme, renewed.code, json=True).json()["status"] == "renewed"
    assert verify(acme, expiring.code, json=True).json()["status"] == "expiring"
    # an unknown code, or acme's code on globex's host: a 404 that says it is unknown
    unknown = verify(acme, certificate_code())
    assert unknown.status_code == 404 and "Unknown certificate" in unknown.content.decode()
    assert verify(acme, certificate_code(), json=True).json() == {"status": "unknown"}
    assert verify(globex, expired.code).status_code == 404


def test_the_verification_page_is_rate_limited_per_client_address(acme, monkeypatch):
    # given a limit of 3 a minute
    monkeypatch.setattr(certification_views, "VERIFY_RATE", "3/m/ip")
    certificate = certificate_for(acme, acme.sales_rep)
    address = f"192.0.2.{uuid.uuid4().int % 250}"
    # when one address asks four times
    statuses = [verify(acme, certificate.code, address=address).status_code for _ in range(4)]
    # then the fourth is refused (with JSON for machines too); another address still gets in
    assert statuses == [200, 200, 200, 429]
    assert verify(acme, certificate.code, json=True, address=address).status_code == 429
    assert verify(acme, certificate.code).status_code == 200


# --- revoking ----------------------------------------------------------------------------------------


def test_revoking_needs_a_reason_and_tells_the_holder(acme):
    certificate = certificate_for(acme, acme.sales_rep)
    with tenant_scope(acme.tenant):
        with pytest.raises(PolicyViolation):
            certificate_revoke(actor=acme.manager, certificate=certificate, reason="  ")
        revoked = certificate_revoke(actor=acme.manager, certificate=certificate, reason="Exam fraud")
        with pytest.raises(InvalidTransition):
            certificate_revoke(actor=acme.admin, certificate=certificate, reason="Again")
    assert revoked.status == CertificateStatus.REVOKED and revoked.revoked_reason == "Exam fraud"
    assert notes("certificate.expired", acme.sales_rep) == 1
    assert notes("certificate.expired", acme.partner_admin) == 1


def test_the_revoke_form_without_a_reason_shows_the_page_again_and_changes_nothing(acme):
    certificate = certificate_for(acme, acme.sales_rep, holder_name="Grace Hopper")
    client = make_client(acme.manager)
    url = reverse("office:learning_certificate_revoke", args=[certificate.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200
    assert "Say why the certificate is revoked" in refused.content.decode()
    assert certificates_of(acme.sales_rep)[0].status == CertificateStatus.ACTIVE
    # marketing may read but not revoke
    assert make_client(acme.marketing).post(url, {"reason": "No"}).status_code == 403
    done = client.post(url, {"reason": "Exam fraud"}, follow=True)
    assert "is revoked" in done.content.decode()
    assert certificates_of(acme.sales_rep)[0].status == CertificateStatus.REVOKED
    # the public page says so
    assert verify(acme, certificate.code, json=True).json()["status"] == "revoked"


# --- renewal -----------------------------------------------------------------------------------------


def test_the_renewal_course_inside_the_window_renews_from_the_old_expiry(acme):
    # given an active certificate expiring in 20 days (window 60) and a renewal course
    today = timezone.localdate()
    renewal = learning_course(acme.tenant, title="Engineer refresher")
    certification, _course, _exam = engineer(acme, validity_months=12, renewal_window_days=60)
    with platform_scope():
        certification.renewal_course = renewal
        certification.save(update_fields=["renewal_course"])
    old = certificate_for(acme, acme.sales_rep, certification, expires_on=today + timedelta(days=20))
    # when the holder completes the renewal course and the check runs twice
    completed(acme.sales_rep, renewal)
    first, second = check(acme, acme.sales_rep, renewal), check(acme, acme.sales_rep, renewal)
    # then one new certificate, a year after the old expiry; the old one is renewed
    assert len(first["renewed"]) == 1 and second["renewed"] == []
    old_now, new = certificates_of(acme.sales_rep)
    assert old_now.pk == old.pk and old_now.status == CertificateStatus.RENEWED
    assert new.status == CertificateStatus.ACTIVE and new.renews_id == old.pk
    assert new.expires_on == add_months(today + timedelta(days=20), 12)


def test_the_renewal_course_outside_the_window_renews_nothing(acme):
    today = timezone.localdate()
    renewal = learning_course(acme.tenant, title="Engineer refresher")
    certification = CertificationFactory(tenant=acme.tenant, renewal_course=renewal, renewal_window_days=30)
    certificate_for(acme, acme.sales_rep, certification, expires_on=today + timedelta(days=200))
    completed(acme.sales_rep, renewal)
    assert check(acme, acme.sales_rep, renewal) == {"awarded": [], "renewed": []}


# --- expiry and reminders --------------------------------------------------------------------------


def reminders(certificate) -> list[str]:
    with platform_scope():
        return sorted(CertificateReminder.objects.filter(certificate=certificate).values_list("stage", flat=True))


def sweep(side, today):
    with tenant_scope(side.tenant):
        return learning_sweep(today=today)


def test_each_reminder_stage_goes_out_once_to_the_holder_the_admins_and_the_manager(acme):
    # given a certificate expiring on day 60 (window 60)
    start = timezone.localdate()
    certification = CertificationFactory(tenant=acme.tenant, renewal_window_days=60)
    certificate = certificate_for(acme, acme.sales_rep, certification, expires_on=start + timedelta(days=60))
    # when the sweep runs twice on each day that matters (and on a day between)
    sent = []
    for day in (0, 0, 10, 30, 30, 53, 53, 59, 59):
        sent.append(sweep(acme, start + timedelta(days=day)).reminded)
    # then each stage went out once, on its day
    assert sent == [1, 0, 0, 1, 0, 1, 0, 1, 0]
    assert reminders(certificate) == ["d1", "d30", "d7", "window"]
    # to the holder, the company's admin and the channel account manager, four times each
    for person in (acme.sales_rep, acme.partner_admin, acme.manager):
        assert notes("certificate.expiring", person) == 4
    assert notes("certificate.expiring", acme.partner_admins[1]) == 0
    with platform_scope():
        assert Event.objects.filter(verb="certificate.reminded", object_id=certificate.pk).count() == 4


def test_a_certificate_first_seen_late_is_reminded_once_for_the_stages_it_passed(acme):
    start = timezone.localdate()
    certification = CertificationFactory(tenant=acme.tenant, renewal_window_days=60)
    certificate = certificate_for(acme, acme.sales_rep, certification, expires_on=start + timedelta(days=5))
    assert sweep(acme, start).reminded == 1
    assert reminders(certificate) == ["d30", "d7", "window"]
    assert notes("certificate.expiring", acme.sales_rep) == 1


def test_a_worker_that_dies_mid_run_sends_nothing_and_the_next_run_sends_each_once(acme, monkeypatch):
    # given a certificate inside its window, and a worker that dies right after the reminders are marked
    start = timezone.localdate()
    certification = CertificationFactory(tenant=acme.tenant, renewal_window_days=60)
    certificate = certificate_for(acme, acme.sales_rep, certification, expires_on=start + timedelta(days=40))
    real = certification_services._system_events

    def dies(rows):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(certification_services, "_system_events", dies)
    with tenant_scope(acme.tenant), pytest.raises(RuntimeError):
        certificate_reminders_send(today=start)
    # then nothing is marked and nobody was told
    assert reminders(certificate) == []
    assert notes("certificate.expiring") == 0
    # when the worker comes back and the task runs twice
    monkeypatch.setattr(certification_services, "_system_events", real)
    with tenant_scope(acme.tenant):
        assert certificate_reminders_send(today=start) == (1, 0)
        assert certificate_reminders_send(today=start) == (0, 0)
    # then the reminder went out once
    assert reminders(certificate) == ["window"]
    assert notes("certificate.expiring", acme.sales_rep) == 1


def test_a_certificate_past_its_date_expires_once_and_its_holder_is_told(acme):
    today = timezone.localdate()
    certificate = certificate_for(acme, acme.sales_rep, expires_on=today - timedelta(days=1))
    ends_today = certificate_for(acme, acme.partner_admin, expires_on=today)
    assert [sweep(acme, today).expired for _ in range(2)] == [1, 0]
    assert certificates_of(acme.sales_rep)[0].status == CertificateStatus.EXPIRED
    assert certificates_of(acme.partner_admin)[0].status == CertificateStatus.ACTIVE
    assert notes("certificate.expired", acme.sales_rep) == 1
    with platform_scope():
        assert Event.objects.filter(verb="certificate.expired", object_id=certificate.pk).count() == 1
    assert ends_today.pk


def test_the_beat_task_fans_out_one_sweep_per_active_tenant(world):
    assert learning_sweep_all_task() >= 2


# --- the pages -------------------------------------------------------------------------------------


def test_the_portal_lists_my_certificates_and_the_admin_sees_the_company(acme):
    today = timezone.localdate()
    certificate_for(acme, acme.sales_rep, holder_name="Grace Hopper", expires_on=today + timedelta(days=400))
    certificate_for(acme, acme.sales[1], holder_name="Other Company Person")
    rep_page = make_client(acme.sales_rep).get(reverse("portal:learning_certificates")).content.decode()
    admin_page = make_client(acme.partner_admin).get(reverse("portal:learning_certificates")).content.decode()
    assert "Certified Engineer" in rep_page and "Your company&#x27;s certificates" not in rep_page
    assert "Grace Hopper" in admin_page and "Your company" in admin_page
    assert "Other Company Person" not in admin_page and "Other Company Person" not in rep_page


def test_the_office_list_filters_by_status_and_expiry(acme):
    today = timezone.localdate()
    certificate_for(acme, acme.sales_rep, holder_name="Soon Expiring", expires_on=today + timedelta(days=20))
    certificate_for(acme, acme.partner_admin, holder_name="Long Valid", expires_on=today + timedelta(days=400))
    certificate_for(acme, acme.sales[1], holder_name="Was Revoked", status=CertificateStatus.REVOKED)
    client = make_client(acme.marketing)
    url = reverse("office:learning_certificates")
    everything = client.get(url).content.decode()
    assert all(name in everything for name in ("Soon Expiring", "Long Valid", "Was Revoked"))
    soon = client.get(url, {"expiring": "30"}).content.decode()
    assert "Soon Expiring" in soon and "Long Valid" not in soon and "Was Revoked" not in soon
    expiring = client.get(url, {"status": "expiring"}).content.decode()
    assert "Soon Expiring" in expiring and "Long Valid" not in expiring
    revoked = client.get(url, {"status": "revoked"}).content.decode()
    assert "Was Revoked" in revoked and "Soon Expiring" not in revoked


def test_the_office_list_costs_the_same_with_many_certificates(acme, no_queries_from_templates):
    from tests.query_budget import assert_list_page, cost

    certification = CertificationFactory(tenant=acme.tenant, name="Certified Engineer")
    certificate_for(acme, acme.sales_rep, certification)
    few = cost(acme.marketing, reverse("office:learning_certificates"))
    for person in (acme.partner_admin, *acme.partner_admins[1:], *acme.sales[1:]):
        certificate_for(acme, person, certification)
    for _ in range(30):
        certificate_for(acme, PartnerMembershipFactory(partner=acme.partner, role="sales"), certification)
    many = cost(acme.marketing, reverse("office:learning_certificates"))
    assert_list_page(few, many, pinned=PINNED_OFFICE_LIST, row=r'class="certificate-row"', rows=(1, 25))


# The office list's queries: the user, the request's savepoint and its release, the tenant's time
# zone (today), the certifications of the filter, the count, the page.
PINNED_OFFICE_LIST = 7


def test_the_portal_page_costs_the_same_with_many_certificates(acme, no_queries_from_templates):
    from tests.query_budget import assert_pinned, cost

    certification = CertificationFactory(tenant=acme.tenant, name="Certified Engineer")
    certificate_for(acme, acme.partner_admin, certification)
    few = cost(acme.partner_admin, reverse("portal:learning_certificates"))
    for _ in range(20):
        certificate_for(acme, PartnerMembershipFactory(partner=acme.partner, role="sales"), certification)
    many = cost(acme.partner_admin, reverse("portal:learning_certificates"))
    # the user, the savepoint and its release, today, mine, the company's, its competencies, what is at risk
    assert_pinned(few, many, pinned=PINNED_PORTAL_LIST, what="portal certificates")
    assert many.rows(r"<tr>") > few.rows(r"<tr>")


PINNED_PORTAL_LIST = 8


def test_an_expiring_certificate_offers_its_renewal_course(acme):
    today = timezone.localdate()
    renewal = learning_course(acme.tenant, title="Engineer refresher")
    certification = CertificationFactory(tenant=acme.tenant, renewal_course=renewal, renewal_window_days=60)
    certificate_for(acme, acme.sales_rep, certification, expires_on=today + timedelta(days=12))
    page = make_client(acme.sales_rep).get(reverse("portal:learning_certificates")).content.decode()
    assert "Expiring" in page and "Renew" in page and ">12<" in page
