"""What partners read of rebates: where the company stands in the open quarter of each plan."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..models import RebateAccrual


def band_reached(bands, measured: Decimal) -> tuple[Decimal, tuple[Decimal, Decimal] | None]:
    """The percent of the highest band ``measured`` reaches (a step: it applies to all of it), and
    the next band up as (threshold, percent), or None at the top."""
    rate, following = Decimal(0), None
    for threshold, percent in sorted((Decimal(str(t)), Decimal(str(p))) for t, p in bands or ()):
        if measured >= threshold:
            rate = percent
        elif following is None:
            following = (threshold, percent)
    return rate, following


@dataclass(frozen=True)
class RebateStanding:
    plan: str
    growth_only: bool
    period_start: object
    period_end: object
    currency: str
    actual: Decimal
    baseline: Decimal | None
    incremental: Decimal
    rate: Decimal
    amount: Decimal
    to_next: Decimal | None  # more revenue (or growth) to reach the next band
    next_rate: Decimal | None  # the rate then (the tier's and the accelerator's part kept)


def rebate_standings(*, partner_id: int) -> list[RebateStanding]:
    """The company's open quarters of the active plans, as last measured (nightly), each with how
    far the next rate band is (one query)."""
    rows = (
        RebateAccrual.objects.filter(partner_id=partner_id, closed=False, plan__is_active=True)
        .order_by("-period_start", "plan__name")
        .values_list(
            "plan__name",
            "plan__growth_only",
            "plan__bands",
            "period_start",
            "period_end",
            "currency",
            "actual",
            "baseline",
            "incremental",
            "rate",
            "amount",
        )
    )
    standings = []
    for name, growth_only, bands, start, end, currency, actual, baseline, incremental, rate, amount in rows:
        band, following = band_reached(bands, incremental)
        bonus = rate - band  # what the tier adds on top of the band
        standings.append(
            RebateStanding(
                plan=name,
                growth_only=growth_only,
                period_start=start,
                period_end=end,
                currency=currency,
                actual=actual,
                baseline=baseline,
                incremental=incremental,
                rate=rate,
                amount=amount,
                to_next=following[0] - incremental if following else None,
                next_rate=following[1] + bonus if following else None,
            )
        )
    return standings
