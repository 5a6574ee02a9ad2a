"""The metrics scorecards added to the registry, measured as the engine measures them: win rate,
registrations submitted, certificates about to expire, MDF activities, portal engagement (from the
days the middleware records) and review ratings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from prm.accounts.models import PortalActivity
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from programs import metrics
from scorecards.models import Criterion, RelationshipReview, ReviewRating, ReviewStatus

from ..conftest import make_client
from ..factories import DealFactory, PartnerMembershipFactory
from ..learning.factories import CertificateFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)


def measure(side, key, *, window=365, param="", as_of=AS_OF) -> dict:
    sql, params = metrics.get(key).sql(side.tenant.pk, as_of, window, param, None)
    with tenant_scope(side.tenant), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {partner_id: Decimal(value) for partner_id, value in cursor.fetchall()}


def aware(day: date):
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 12))


def test_win_rate_counts_the_deals_closed_in_the_window(acme):
    one, two = acme.partners
    with tenant_scope(acme.tenant):
        for won_on in (date(2026, 5, 1), date(2026, 6, 1), date(2026, 6, 2)):
            DealFactory(tenant=acme.tenant, partner=one, status="won", won_amount=100, won_on=won_on)
        DealFactory(tenant=acme.tenant, partner=one, status="won", won_amount=100, won_on=date(2024, 1, 1))  # too old
        lost = DealFactory(tenant=acme.tenant, partner=one, status="lost")
        DealFactory(tenant=acme.tenant, partner=two, status="submitted")  # open: not closed
        type(lost).objects.filter(pk=lost.pk).update(updated_at=aware(date(2026, 6, 10)))
    # 3 won of 4 closed; partner 2 closed nothing: no win rate at all (not zero).
    assert measure(acme, "deals.win_rate") == {one.pk: Decimal("75.00")}


def test_registrations_submitted_in_the_window(acme):
    one, two = acme.partners
    with tenant_scope(acme.tenant):
        DealFactory(tenant=acme.tenant, partner=one, status="submitted", submitted_at=aware(date(2026, 6, 20)))
        DealFactory(tenant=acme.tenant, partner=two, status="approved", submitted_at=aware(date(2026, 4, 1)))
    assert measure(acme, "deals.registrations", window=45) == {one.pk: 1}


def test_certificates_expiring_within_the_window_ahead(acme):
    with tenant_scope(acme.tenant):
        CertificateFactory(tenant=acme.tenant, holder=acme.sales_rep, expires_on=AS_OF + timedelta(days=20))
        CertificateFactory(tenant=acme.tenant, holder=acme.partner_admin, expires_on=AS_OF + timedelta(days=90))
        CertificateFactory(tenant=acme.tenant, holder=acme.partner_admin, expires_on=None)
    assert measure(acme, "learning.expiring_certificates", window=60) == {acme.partner.pk: 1}
    assert measure(acme, "learning.expiring_certificates", window=120) == {acme.partner.pk: 2}


def test_certified_people_without_a_code_counts_any_certification(acme):
    with tenant_scope(acme.tenant):
        CertificateFactory(tenant=acme.tenant, holder=acme.sales_rep)
        CertificateFactory(tenant=acme.tenant, holder=acme.partner_admin)
        today = tenant_today()
    assert measure(acme, "learning.certified_people", window=0, as_of=today) == {acme.partner.pk: 2}


def test_portal_engagement_is_the_share_of_people_who_used_the_portal(acme):
    one = acme.partner
    with tenant_scope(acme.tenant):
        today = tenant_today()
        PartnerMembershipFactory(tenant=acme.tenant, partner=one)  # a third person, never seen
        PortalActivity.objects.create(membership=acme.sales_rep, partner=one, day=today - timedelta(days=10))
        PortalActivity.objects.create(membership=acme.partner_admin, partner=one, day=today - timedelta(days=200))
    assert measure(acme, "partners.portal_engagement", window=90, as_of=today)[one.pk] == Decimal("33.33")
    assert measure(acme, "partners.portal_engagement", window=365, as_of=today)[one.pk] == Decimal("66.67")
    assert measure(acme, "partners.portal_engagement", window=90, as_of=today)[acme.partners[1].pk] == 0


def test_a_partner_users_first_page_of_the_day_records_the_day_once(acme):
    client = make_client(acme.sales_rep)
    for _ in range(3):
        assert client.get("/portal/").status_code == 200
    make_client(acme.manager).get("/office/")  # staff are not measured
    with platform_scope():
        days = list(PortalActivity.objects.values_list("membership_id", "partner_id", "day"))
    with tenant_scope(acme.tenant):
        today = tenant_today()
    assert days == [(acme.sales_rep.pk, acme.partner.pk, today)]


def test_review_ratings_average_in_the_window_per_criterion_or_all(acme):
    with tenant_scope(acme.tenant):
        review = RelationshipReview.objects.create(
            partner=acme.partner, title="Q2 review", status=ReviewStatus.HELD, due_on=date(2026, 6, 1)
        )
        for criterion, rating in ((Criterion.QUALITY, 5), (Criterion.DELIVERY, 2)):
            ReviewRating.objects.create(
                review=review,
                partner=acme.partner,
                criterion=criterion,
                rating=rating,
                rated_on=date(2026, 6, 1),
                rated_by=acme.manager,
            )
    assert measure(acme, "reviews.rating") == {acme.partner.pk: Decimal("3.50")}
    assert measure(acme, "reviews.rating", param="quality") == {acme.partner.pk: Decimal("5.00")}
    assert measure(acme, "reviews.rating", as_of=date(2027, 7, 1)) == {}


def test_a_registrations_day_is_the_vendors_day(acme):
    # 03:00 UTC on 1 June is still 31 May in New York: it counts in May's window, not June's
    acme.tenant.time_zone = "America/New_York"
    acme.tenant.save()
    with tenant_scope(acme.tenant):
        DealFactory(
            tenant=acme.tenant,
            partner=acme.partner,
            status="submitted",
            submitted_at=datetime(2026, 6, 1, 3, tzinfo=UTC),
        )
    assert measure(acme, "deals.registrations", window=31, as_of=date(2026, 5, 31)) == {acme.partner.pk: 1}
    assert measure(acme, "deals.registrations", window=30, as_of=date(2026, 6, 30)) == {}


def test_a_first_page_that_fails_does_not_lose_the_day(acme):
    client = make_client(acme.sales_rep)
    assert client.get("/portal/deals/999999/").status_code == 404  # rolled back with the page
    with platform_scope():
        assert not PortalActivity.objects.exists()
    assert client.get("/portal/").status_code == 200
    with platform_scope():
        assert PortalActivity.objects.count() == 1
