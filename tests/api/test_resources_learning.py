"""E-learning through the API: the published courses meant for the key's owner, certificates (a
partner key reads its people's, never another partner's), the competencies partners hold; list
pages cost a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from learning.models import CompetencyHolding, CourseStatus
from prm.accounts.roles import Role
from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today

from ..conftest import make_client
from ..learning.factories import (
    CertificateFactory,
    CertificationFactory,
    CompetencyFactory,
    CourseFactory,
    learning_course,
)
from .support import api_client, call, issue_key

pytestmark = pytest.mark.django_db

COURSES, CERTIFICATES, COMPETENCIES = "/api/v1/courses/", "/api/v1/certificates/", "/api/v1/competencies/"


def _client(member):
    """A key of ``member`` (staff, a partner admin); a sales rep makes no keys: its pages' own
    session calls the API."""
    if member.role == Role.SALES:
        return make_client(member)
    return api_client(issue_key(member, scopes=["learning:read"]), member.tenant)


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_courses_are_the_published_ones_meant_for_the_keys_owner(acme):
    for_all = learning_course(acme.tenant, title="For everyone")
    for_reps = learning_course(acme.tenant, title="For sales reps")
    with tenant_scope(acme.tenant):
        type(for_reps).objects.filter(pk=for_reps.pk).update(audience_roles=[Role.SALES])
    draft = CourseFactory(tenant=acme.tenant, title="Draft", status=CourseStatus.DRAFT)

    assert _ids(call(_client(acme.admin), "GET", COURSES)) == {for_all.pk, for_reps.pk}
    assert _ids(call(_client(acme.sales_rep), "GET", COURSES)) == {for_all.pk, for_reps.pk}
    admin_of_partner = _client(acme.partner_admin)
    assert _ids(call(admin_of_partner, "GET", COURSES)) == {for_all.pk}
    assert call(admin_of_partner, "GET", f"{COURSES}{for_reps.pk}/").status_code == 404
    assert call(_client(acme.admin), "GET", f"{COURSES}{draft.pk}/").status_code == 404
    course = call(admin_of_partner, "GET", f"{COURSES}{for_all.pk}/").json()
    assert (course["title"], course["version"]) == ("For everyone", 1)


@pytest.fixture
def certificates(acme):
    certification = CertificationFactory(tenant=acme.tenant, name="Storage Engineer", renewal_window_days=60)
    with tenant_scope(acme.tenant):
        today = tenant_today()
    return {
        "rep": CertificateFactory(
            certification=certification, holder=acme.sales_rep, expires_on=today + timedelta(days=10)
        ),
        "admin": CertificateFactory(certification=certification, holder=acme.partner_admin),
        "other": CertificateFactory(certification=certification, holder=acme.sales[1]),
    }


def test_a_partner_key_reads_its_peoples_certificates_and_never_another_partners(acme, certificates):
    mine = {certificates["rep"].pk, certificates["admin"].pk}

    assert _ids(call(_client(acme.partner_admin), "GET", CERTIFICATES)) == mine
    assert _ids(call(_client(acme.sales_rep), "GET", CERTIFICATES)) == {certificates["rep"].pk}
    assert _ids(call(_client(acme.partner_admins[1]), "GET", CERTIFICATES)) == {certificates["other"].pk}
    missing = call(_client(acme.partner_admins[1]), "GET", f"{CERTIFICATES}{certificates['rep'].pk}/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    assert _ids(call(_client(acme.admin), "GET", CERTIFICATES)) == {c.pk for c in certificates.values()}

    # the state people see: active inside its renewal window is "expiring"
    rep = call(_client(acme.partner_admin), "GET", f"{CERTIFICATES}{certificates['rep'].pk}/").json()
    assert (rep["status"], rep["days_left"], rep["certification_name"]) == ("expiring", 10, "Storage Engineer")
    expiring = call(_client(acme.admin), "GET", CERTIFICATES, {"status": "expiring"})
    assert _ids(expiring) == {certificates["rep"].pk}


def test_competencies_partners_hold(acme):
    competency = CompetencyFactory(tenant=acme.tenant, code="storage", name="Storage")
    with tenant_scope(acme.tenant):
        now = timezone.now()
        held = CompetencyHolding.objects.create(
            tenant=acme.tenant, competency=competency, partner=acme.partner, gained_at=now, gained_reason="3 engineers"
        )
        lost = CompetencyHolding.objects.create(
            tenant=acme.tenant,
            competency=competency,
            partner=acme.partners[1],
            gained_at=now - timedelta(days=30),
            lost_at=now,
            lost_reason="A certificate expired",
        )

    rows = call(_client(acme.partner_admin), "GET", COMPETENCIES).json()["results"]
    assert [(row["id"], row["code"], row["held"]) for row in rows] == [(held.pk, "storage", True)]
    assert _ids(call(_client(acme.partner_admins[1]), "GET", COMPETENCIES)) == {lost.pk}
    assert _ids(call(_client(acme.sales_rep), "GET", COMPETENCIES)) == set()  # the company's admin reads them
    staff = _client(acme.admin)
    assert _ids(call(staff, "GET", COMPETENCIES)) == {held.pk, lost.pk}
    assert _ids(call(staff, "GET", COMPETENCIES, {"current": "true"})) == {held.pk}
    assert _ids(call(staff, "GET", COMPETENCIES, {"partner": acme.partners[1].pk})) == {lost.pk}


# A list page: the request's transaction (a savepoint in a test) and its end, the tenant's settings
# with the key, the page's rows (one query, whatever their number); certificates read the tenant's
# time zone too (today's date: which ones are expiring).
PINNED = {COURSES: 4, CERTIFICATES: 5, COMPETENCIES: 4}


@pytest.mark.parametrize("who", ["admin", "partner_admin"])
def test_list_pages_cost_the_same_queries_for_one_row_as_for_many(acme, who, django_assert_num_queries):
    client = _client(getattr(acme, who))

    def add() -> None:
        learning_course(acme.tenant, lessons=0, questions=0)
        CertificateFactory(certification=CertificationFactory(tenant=acme.tenant), holder=acme.sales_rep)
        with tenant_scope(acme.tenant):
            CompetencyHolding.objects.create(
                tenant=acme.tenant,
                competency=CompetencyFactory(tenant=acme.tenant),
                partner=acme.partner,
                gained_at=timezone.now(),
            )

    add()
    for path in (COURSES, CERTIFICATES, COMPETENCIES):
        call(client, "GET", path)  # warm: content types, the key's last use
        with django_assert_num_queries(PINNED[path]):
            assert len(call(client, "GET", path).json()["results"]) == 1
    for _n in range(5):
        add()
    for path in (COURSES, CERTIFICATES, COMPETENCIES):
        with django_assert_num_queries(PINNED[path]):
            assert len(call(client, "GET", path).json()["results"]) == 6
