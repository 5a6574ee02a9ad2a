"""The content library's metric, measured as the engine measures it: content engagement, the
distinct assets a partner's people viewed or downloaded on a day of the window (the vendor's
days), from the activity the library records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from marketing.metrics_library import CONTENT_ENGAGEMENT
from marketing.models import AssetActivity
from marketing.services.library import asset_download_record, asset_view_record
from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today
from programs import metrics

from .isolation_library import make_asset

pytestmark = pytest.mark.django_db


def measure(side, *, as_of: date, window: int = 30, partner_ids=None) -> dict:
    sql, params = metrics.get(CONTENT_ENGAGEMENT).sql(side.tenant.pk, as_of, window, "", partner_ids)
    with tenant_scope(side.tenant), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {partner_id: Decimal(value) for partner_id, value in cursor.fetchall()}


def test_the_metric_is_registered_and_available():
    metric = metrics.get(CONTENT_ENGAGEMENT)
    assert metric is not None and metric.available and metric.windowed


def test_engagement_counts_distinct_assets_a_partners_people_opened_in_the_window(acme):
    one, two = acme.partners
    with tenant_scope(acme.tenant):
        today = tenant_today()
        brochure, deck, old = make_asset(acme, "Brochure"), make_asset(acme, "Deck"), make_asset(acme, "Old")
        # two people of partner 1: the brochure viewed and downloaded by both (one asset), the deck viewed
        for person in (acme.sales_rep, acme.partner_admin):
            asset_view_record(actor=person, asset=brochure)
            asset_download_record(actor=person, asset=brochure)
        asset_view_record(actor=acme.sales_rep, asset=deck)
        # an asset opened 40 days ago is outside a 30-day window
        asset_view_record(actor=acme.sales_rep, asset=old)
        AssetActivity.objects.filter(asset=old).update(at=datetime.now(UTC) - timedelta(days=40))
        # partner 2 downloaded the deck
        asset_download_record(actor=acme.partner_admins[1], asset=deck)
    assert measure(acme, as_of=today) == {one.pk: 2, two.pk: 1}
    assert measure(acme, as_of=today, window=60) == {one.pk: 3, two.pk: 1}
    assert measure(acme, as_of=today, partner_ids=[two.pk]) == {two.pk: 1}
    # before anything was opened: no row (a count of zero)
    assert measure(acme, as_of=today - timedelta(days=45), window=3) == {}


def test_the_window_is_the_vendors_days(acme):
    # 03:00 UTC on 1 June is still 31 May in New York: it counts in May's window, not June's
    acme.tenant.time_zone = "America/New_York"
    acme.tenant.save()
    with tenant_scope(acme.tenant):
        asset = make_asset(acme, "Brochure")
        asset_view_record(actor=acme.sales_rep, asset=asset)
        AssetActivity.objects.update(at=datetime(2026, 6, 1, 3, tzinfo=UTC))
    assert measure(acme, as_of=date(2026, 5, 31), window=1) == {acme.partner.pk: 1}
    assert measure(acme, as_of=date(2026, 6, 1), window=1) == {}
