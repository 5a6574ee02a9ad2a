"""Factories of scorecards (tests/factories.py holds the shared ones)."""

from __future__ import annotations

from decimal import Decimal

import factory

from scorecards.models import Scorecard, ScorecardKpi

from ..factories import ProgramFactory, TenantOwnedFactory, _same_tenant


class ScorecardFactory(TenantOwnedFactory):
    class Meta:
        model = Scorecard

    program = factory.SubFactory(ProgramFactory, tenant=_same_tenant())
    name = factory.Sequence(lambda n: f"Scorecard {n}")


class KpiFactory(TenantOwnedFactory):
    class Meta:
        model = ScorecardKpi

    scorecard = factory.SubFactory(ScorecardFactory, tenant=_same_tenant())
    metric = "deals.trailing_revenue"
    weight = Decimal("10")
    target = Decimal("100")
    position = factory.Sequence(lambda n: n)
