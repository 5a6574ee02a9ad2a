"""The tier metrics deal registration provides: trailing revenue of confirmed wins and approved
registrations, per partner, in the window ending on the evaluation day."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from prm.tenancy.scope import tenant_scope
from programs import metrics
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 6, 30)


def measure(side, key, *, window_days=90, partner_ids=None) -> dict[int, Decimal]:
    metric = metrics.get(key)
    assert metric is not None and metric.available
    sql, params = metric.sql(side.tenant.pk, AS_OF, window_days, "", partner_ids)
    with tenant_scope(side.tenant), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def won(side, partner, amount, on, currency="USD"):
    return DealFactory(
        tenant=side.tenant, partner=partner, status="won", won_amount=amount, won_on=on, currency=currency
    )


def test_trailing_revenue_sums_confirmed_wins_in_the_window_in_the_tenants_currency(world):
    acme, globex = world.acme, world.globex
    p1, p2 = acme.partners
    # given wins inside the window (its first and last day), before it, a pending one, another currency
    won(acme, p1, 1000, AS_OF)
    won(acme, p1, 500, AS_OF - timedelta(days=89))
    won(acme, p1, 700, AS_OF - timedelta(days=90))  # one day before the window
    won(acme, p1, 900, AS_OF + timedelta(days=1))  # after as_of
    won(acme, p1, 800, AS_OF, currency="EUR")
    DealFactory(tenant=acme.tenant, partner=p1, status="won_pending", won_amount=300, won_on=AS_OF)
    won(acme, p2, 250, AS_OF - timedelta(days=3))
    won(globex, globex.partner, 9999, AS_OF)
    # then each acme partner is measured on its confirmed wins in the window, in USD
    assert measure(acme, "deals.trailing_revenue") == {p1.pk: Decimal("1500.00"), p2.pk: Decimal("250.00")}
    assert measure(acme, "deals.trailing_revenue", partner_ids=[p2.pk]) == {p2.pk: Decimal("250.00")}
    assert measure(acme, "deals.trailing_revenue", window_days=365)[p1.pk] == Decimal("2200.00")


def approved_on(side, partner, day: date, status="approved", protected=True):
    decided = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    return DealFactory(
        tenant=side.tenant,
        partner=partner,
        status=status,
        decided_at=decided,
        protected_until=day + timedelta(days=90) if protected else None,
    )


def test_approved_registrations_count_approvals_in_the_window_whatever_became_of_them(world):
    acme = world.acme
    p1, p2 = acme.partners
    approved_on(acme, p1, AS_OF)
    approved_on(acme, p1, AS_OF - timedelta(days=10), status="won")
    approved_on(acme, p1, AS_OF - timedelta(days=20), status="expired")
    approved_on(acme, p1, AS_OF - timedelta(days=5), status="rejected", protected=False)  # decided, never approved
    approved_on(acme, p1, AS_OF - timedelta(days=200))  # before the window
    approved_on(acme, p2, AS_OF - timedelta(days=1), status="withdrawn")
    DealFactory(tenant=acme.tenant, partner=p2, status="submitted")
    assert measure(acme, "deals.approved_registrations") == {p1.pk: Decimal(3), p2.pk: Decimal(1)}


def test_both_declared_deal_metrics_are_available():
    assert {m.key for m in metrics.registered() if m.available} >= {
        "deals.trailing_revenue",
        "deals.approved_registrations",
    }
