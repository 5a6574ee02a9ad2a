"""E-learning in the Django admin, as a vendor admin uses it: certifications with their courses,
competencies with their rules, paths with their steps, courses through the authoring services,
SCORM packages listed only."""

from __future__ import annotations

import pytest

from learning.models import (
    Certification,
    CertificationCourse,
    Competency,
    CompetencyRequirement,
    Course,
    CoursePrerequisite,
    CourseVersion,
    LearningPath,
    ScormPackage,
)
from learning.services.authoring import course_update
from prm.events.models import Event
from prm.tenancy.scope import tenant_scope

from .factories import CertificationFactory, learning_course

pytestmark = pytest.mark.django_db


def _formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data |= {f"{prefix}-{index}-{key}": value for key, value in row.items()}
    return data


COURSE = {"title": "Firewall basics", "code": "firewall-basics", "summary": "", "category": "", "level": "intro"}


def test_a_course_added_in_the_admin_gets_its_first_version_and_an_event(acme, client_for):
    client = client_for(acme.admin)
    data = COURSE | {"duration_minutes": "30", "audience_roles": ["technical"], "partner_types": [acme.partner_type.pk]}
    response = client.post("/admin/learning/course/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_scope(acme.tenant):
        course = Course.objects.get(code="firewall-basics")
        assert course.audience_roles == ["technical"] and course.audience_partner_type_ids == [acme.partner_type.pk]
        assert list(CourseVersion.objects.filter(course=course).values_list("number", "status")) == [(1, "draft")]
        assert Event.objects.filter(verb="course.created", object_id=course.pk).count() == 1
    with tenant_scope(acme.tenant):
        assert client.get(f"/admin/learning/course/{course.pk}/change/").status_code == 200


def test_a_prerequisite_cycle_is_refused_in_the_admin_too(acme, client_for):
    with tenant_scope(acme.tenant):
        first = learning_course(acme.tenant, title="First")
        second = learning_course(acme.tenant, title="Second")
        course_update(actor=acme.admin, course=second, prerequisites=[first])
    data = {
        "title": "First",
        "code": first.code,
        "summary": "",
        "category": "",
        "level": "intro",
        "duration_minutes": "0",
        "prerequisites": [second.pk],
    }
    response = client_for(acme.admin).post(f"/admin/learning/course/{first.pk}/change/", data)
    assert response.status_code == 200
    assert "First cannot require Second: Second already needs First" in response.content.decode()
    with tenant_scope(acme.tenant):
        assert not CoursePrerequisite.objects.filter(course=first).exists()


def test_a_certification_with_its_courses_and_a_competency_that_asks_for_three(acme, globex, client_for):
    with tenant_scope(acme.tenant):
        exam = learning_course(acme.tenant, title="Engineer exam")
        basics = learning_course(acme.tenant, title="Engineer basics")
    client = client_for(acme.admin)
    data = {
        "name": "Certified Engineer",
        "code": "certified-engineer",
        "description": "",
        "exam_course": str(exam.pk),
        "validity_months": "24",
        "renewal_window_days": "60",
        "renewal_course": "",
        "is_active": "on",
    } | _formset("required_courses", [{"course": str(basics.pk)}])
    response = client.post("/admin/learning/certification/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_scope(acme.tenant):
        certification = Certification.objects.get(code="certified-engineer")
        assert list(
            CertificationCourse.objects.filter(certification=certification).values_list("course_id", flat=True)
        ) == [basics.pk]
    data = {"name": "Security partner", "code": "security", "description": "", "is_active": "on"} | _formset(
        "requirements", [{"certification": str(certification.pk), "min_people": "3"}]
    )
    response = client.post("/admin/learning/competency/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_scope(acme.tenant):
        [requirement] = CompetencyRequirement.objects.filter(competency__code="security")
        assert (requirement.certification_id, requirement.min_people) == (certification.pk, 3)
    with tenant_scope(globex.tenant):
        assert not Certification.objects.exists() and not Competency.objects.exists()


def test_a_renewal_window_longer_than_the_validity_is_refused(acme, client_for):
    data = {
        "name": "Short",
        "code": "short",
        "description": "",
        "validity_months": "1",
        "renewal_window_days": "90",
        "is_active": "on",
    } | _formset("required_courses", [])
    response = client_for(acme.admin).post("/admin/learning/certification/add/", data)
    assert response.status_code == 200 and "cannot be longer than the certificate is valid" in response.content.decode()


def test_a_learning_path_with_ordered_courses(acme, client_for):
    with tenant_scope(acme.tenant):
        one, two = learning_course(acme.tenant, title="One"), learning_course(acme.tenant, title="Two")
    data = {
        "title": "Sales track",
        "code": "sales-track",
        "description": "",
        "is_active": "on",
        "audience_roles": ["sales"],
        "partner_types": [acme.partner_type.pk],
    } | _formset("steps", [{"position": "1", "course": str(one.pk)}, {"position": "2", "course": str(two.pk)}])
    response = client_for(acme.admin).post("/admin/learning/learningpath/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_scope(acme.tenant):
        path = LearningPath.objects.get(code="sales-track")
        assert path.audience_partner_type_ids == [acme.partner_type.pk] and path.audience_roles == ["sales"]
        assert list(path.steps.order_by("position").values_list("course__title", flat=True)) == ["One", "Two"]


def test_scorm_packages_are_listed_and_not_edited(acme, client_for):
    with tenant_scope(acme.tenant):
        package = ScormPackage.objects.create(title="Golf", launch_path="index.html", storage_path="x", sha256="0" * 64)
    client = client_for(acme.admin)
    listing = client.get("/admin/learning/scormpackage/")
    assert listing.status_code == 200 and "Golf" in listing.content.decode()
    assert client.get("/admin/learning/scormpackage/add/").status_code == 403
    page = client.get(f"/admin/learning/scormpackage/{package.pk}/change/")
    assert page.status_code == 200 and 'name="title"' not in page.content.decode()


def test_staff_who_do_not_configure_stay_out(acme, client_for):
    with tenant_scope(acme.tenant):
        CertificationFactory(tenant=acme.tenant)
    for who in (acme.manager, acme.marketing, acme.partner_admin):
        assert client_for(who).get("/admin/learning/certification/").status_code == 403
