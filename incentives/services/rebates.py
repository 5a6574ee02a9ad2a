"""Rebates and volume bonuses (``RebatePlan``): ``rebate_accrue`` measures every eligible partner's
quarter in one statement and posts what changed; run nightly for the current quarter (accrued as
deals close, pending) and once more to close it (``close=True``: the true-up, then pending moves to
approved, and the quarter is not measured again).

**What is measured.** Revenue is the won amount of the partner's deals whose close date falls in the
quarter (the plan's program's deals, when it names one), converted to the reporting currency at the
rate in force the day each was won; a deal in a currency without a rate that day is left out (the
run returns how many). The baseline is the same quarter a year earlier, or the average of the four
quarters before (quarters without revenue count as zero). With ``growth_only`` the measured amount
is the growth, ``max(0, revenue - baseline)``; otherwise the revenue. The rate is the highest band
the measured amount reaches (plus the partner's tier's rebate percent, a benefit of the program's
tiers, when the plan adds it); the rebate is the measured amount at that rate. Partners: those
enrolled in the plan's program at its minimum tier or higher (any partner with revenue when the
plan names no program). A plan with an accelerator raises the rebate of a partner holding a
certification (one of the plan's, or any) on the quarter's last day by its percent.

**What is posted.** Each partner's rebate against what its earlier runs accrued: the difference,
as one accrual (expense against the company's pending account; negative when the figure fell,
e.g. a win reversed), all in two statements (``ledger_post_many``). Closing moves the whole accrued
amount to approved, so the payout run pays it; the statement shows revenue, baseline, growth and
rate (``RebateAccrual``).

**A win reversed after its quarter closed** (``rebates_clawback_for_deal``, after the
``deal.win_reversed`` event): the quarter's revenue is measured again without it and the rebate it
added is clawed back from the company's approved account (the next payout nets it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from deals.models import Deal, DealStatus
from prm.accounts.models import Membership
from prm.accounts.selectors import partner_admin_list
from prm.errors import InvalidTransition
from prm.events import texts
from prm.events.services import event_record
from prm.notifications.services import notify
from prm.tenancy.scope import current_tenant_id
from prm.tenancy.time import tenant_today

from .. import events, notifications
from ..models import Account, Baseline, RebateAccrual, RebatePlan, TransactionKind
from ..permissions import finance_require
from ..selectors.ledger import deal_rate_sql
from ..selectors.rebates import band_reached
from .ledger import CENT, Line, Posting, ledger_post, ledger_post_many, reporting_currency


def quarter_of(day: date) -> tuple[date, date]:
    start = date(day.year, 1 + 3 * ((day.month - 1) // 3), 1)
    following = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return start, following - timedelta(days=1)


def _years_back(day: date, years: int = 1) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


_MEASURE_SQL = f"""
WITH eligible AS (
    SELECT e.partner_id, t.rebate_percent FROM programs_enrollment e
    JOIN programs_tier t ON t.id = e.tier_id AND t.tenant_id = e.tenant_id
    WHERE e.tenant_id = %(tenant)s AND e.program_id = %(program)s AND t.rank >= %(min_rank)s
), won AS (
    SELECT d.partner_id, d.won_on,
        d.won_amount * {deal_rate_sql()} AS revenue
    FROM deals_deal d
    WHERE d.tenant_id = %(tenant)s AND d.status = 'won' AND d.won_on BETWEEN %(from)s AND %(end)s
        AND (%(program)s::bigint IS NULL OR d.program_id = %(program)s)
        AND (%(partner)s::bigint IS NULL OR d.partner_id = %(partner)s)
)
SELECT w.partner_id,
    COALESCE(sum(w.revenue) FILTER (WHERE w.won_on >= %(start)s), 0) AS actual,
    COALESCE(sum(w.revenue) FILTER (WHERE w.won_on BETWEEN %(base_start)s AND %(base_end)s), 0) AS base,
    count(*) FILTER (WHERE w.won_on >= %(start)s AND w.revenue IS NULL) AS unconverted,
    -- Certified on the quarter's last day (one of the plan's certifications, or any): the accelerator.
    %(accelerated)s AND EXISTS (
        SELECT 1 FROM learning_certificate c
        JOIN learning_certification k ON k.id = c.certification_id AND k.tenant_id = c.tenant_id
        WHERE c.tenant_id = %(tenant)s AND c.partner_id = w.partner_id AND c.status = 'active'
            AND c.issued_on <= %(end)s AND (c.expires_on IS NULL OR c.expires_on >= %(end)s)
            AND (cardinality(%(codes)s::varchar[]) = 0 OR k.code = ANY(%(codes)s::varchar[]))
    ) AS certified,
    el.rebate_percent AS tier_percent  -- the partner's tier's rebate percent (a tier benefit)
FROM won w
LEFT JOIN eligible el ON el.partner_id = w.partner_id
-- One partner's closed quarter measured again (a win reversed): it counted when the quarter closed,
-- whatever its tier now (the reversal itself may have lowered it).
WHERE %(program)s::bigint IS NULL OR %(partner)s::bigint IS NOT NULL OR el.partner_id IS NOT NULL
GROUP BY w.partner_id, el.rebate_percent
"""  # noqa: S608 (the only interpolation: deal_rate_sql(), written here)


@dataclass
class RunResult:
    partners: int = 0
    posted: int = 0
    unconverted: int = 0


def _rate(bands, measured: Decimal) -> Decimal:
    return band_reached(bands, measured)[0]


def _tier_bonus(plan: RebatePlan, tier_percent) -> Decimal:
    """What the partner's tier adds to the band's rate: its rebate percent, if the plan says so."""
    return Decimal(tier_percent or 0) if plan.add_tier_percent else Decimal(0)


def _measure(plan: RebatePlan, start: date, end: date, *, partner_id: int | None = None) -> tuple[list, int]:
    """The plan's quarter measured (``_MEASURE_SQL``): rows of (partner, revenue, baseline total,
    unconverted deals, certified, the tier's rebate percent), and the number of periods the
    baseline total averages. Every eligible partner, or only ``partner_id`` (its eligibility taken
    as established)."""
    if plan.baseline == Baseline.LAST_YEAR:
        base_start, base_end, periods = _years_back(start), _years_back(end), 1
    else:
        base_start, base_end, periods = _years_back(start), start - timedelta(days=1), 4
    params = {
        "tenant": current_tenant_id(),
        "program": plan.program_id,
        "partner": partner_id,
        "min_rank": plan.min_tier.rank if plan.min_tier_id else 0,
        "reporting": reporting_currency(),
        "from": min(base_start, start),
        "start": start,
        "end": end,
        "base_start": base_start,
        "base_end": base_end,
        "accelerated": plan.accelerator_percent > 0,
        "codes": list(plan.accelerator_certifications or []),
    }
    with connection.cursor() as cursor:
        cursor.execute(_MEASURE_SQL, params)
        return cursor.fetchall(), periods


def _earned(incremental: Decimal, rate: Decimal, accelerator: Decimal) -> Decimal:
    return (incremental * rate / 100 * (100 + accelerator) / 100).quantize(CENT, ROUND_HALF_EVEN)


@transaction.atomic
def rebate_accrue(*, plan: RebatePlan, on: date, close: bool = False, actor: Membership | None = None) -> RunResult:
    """Measure ``plan`` for the quarter holding ``on`` and post what changed (see the module)."""
    plan = (
        RebatePlan.objects.select_for_update(of=("self",)).select_related("min_tier").get(pk=plan.pk)
    )  # one at a time
    start, end = quarter_of(on)
    reporting = reporting_currency()
    measured, periods = _measure(plan, start, end)
    existing = {a.partner_id: a for a in RebateAccrual.objects.filter(plan=plan, period_start=start)}
    if any(accrual.closed for accrual in existing.values()):
        raise InvalidTransition(gettext("This quarter of the plan is closed: it is not measured again."))
    result, rows, postings = RunResult(), [], []
    seen = set()
    for partner_id, actual, base, unconverted, certified, tier_percent in measured:
        seen.add(partner_id)
        result.unconverted += unconverted
        actual = Decimal(actual).quantize(CENT, ROUND_HALF_EVEN)
        baseline = (Decimal(base) / periods).quantize(CENT, ROUND_HALF_EVEN)
        incremental = max(Decimal(0), actual - baseline) if plan.growth_only else actual
        rate = _rate(plan.bands, incremental) + _tier_bonus(plan, tier_percent)
        accelerator = plan.accelerator_percent if certified else Decimal(0)
        amount = _earned(incremental, rate, accelerator)
        rows.append((partner_id, actual, baseline, incremental, rate, accelerator, amount))
    # A partner measured before whose revenue is gone (wins reversed): its rebate falls to zero.
    for partner_id in set(existing) - seen:
        rows.append(
            (
                partner_id,
                Decimal(0),
                existing[partner_id].baseline or Decimal(0),
                Decimal(0),
                Decimal(0),
                Decimal(0),
                Decimal(0),
            )
        )
    to_create, to_update, postable = [], [], []
    for partner_id, actual, baseline, incremental, rate, accelerator, amount in rows:
        accrual = existing.get(partner_id)
        figures = (actual, baseline if plan.growth_only else None, incremental, rate, accelerator, amount)
        if accrual is None:
            accrual = RebateAccrual(
                plan=plan, partner_id=partner_id, period_start=start, period_end=end, currency=reporting
            )
            to_create.append(accrual)
        elif close or figures != (
            accrual.actual,
            accrual.baseline,
            accrual.incremental,
            accrual.rate,
            accrual.accelerator,
            accrual.amount,
        ):
            to_update.append(accrual)  # only what changed is written again
        else:
            continue
        delta = amount - accrual.accrued
        (accrual.actual, accrual.baseline, accrual.incremental, accrual.rate, accrual.accelerator, accrual.amount) = (
            figures
        )
        accrual.accrued, accrual.closed, accrual.computed_at = amount, close, timezone.now()
        if close:
            accrual.closed_bands = plan.bands
        postable.append((accrual, delta))
    RebateAccrual.objects.bulk_create(to_create, batch_size=2000)
    RebateAccrual.objects.bulk_update(
        to_update,
        [
            "actual",
            "baseline",
            "incremental",
            "rate",
            "accelerator",
            "closed_bands",
            "amount",
            "accrued",
            "closed",
            "computed_at",
        ],
        batch_size=500,
    )
    memo = f"{plan.name} {start:%Y-%m-%d}..{end:%Y-%m-%d}"
    for accrual, delta in postable:
        source = f"incentives.rebateaccrual:{accrual.pk}"
        if delta:
            postings.append(
                Posting(
                    TransactionKind.ACCRUAL,
                    accrual.partner_id,
                    end,
                    [Line(Account.EXPENSE, delta, reporting), Line(Account.PENDING, -delta, reporting)],
                    memo,
                    source,
                )
            )
        if close and accrual.amount:
            postings.append(
                Posting(
                    TransactionKind.APPROVAL,
                    accrual.partner_id,
                    end,
                    [
                        Line(Account.PENDING, accrual.amount, reporting),
                        Line(Account.APPROVED, -accrual.amount, reporting),
                    ],
                    memo,
                    source,
                )
            )
    ledger_post_many(postings=postings)
    result.partners, result.posted = len(rows), len(postings)
    event_record(
        actor=actor,
        target=plan,
        verb=events.REBATE_CLOSED if close else events.REBATE_ACCRUED,
        message=gettext_noop("%(start)s to %(end)s: %(partners)s partners measured, %(posted)s postings"),
        params={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "partners": result.partners,
            "posted": result.posted,
        },
        data={"period_start": start.isoformat(), "unconverted": result.unconverted},
        internal=True,
    )
    return result


def rebate_close(*, actor: Membership, plan: RebatePlan, on: date) -> RunResult:
    """Finance closes the quarter holding ``on``: the true-up, then pending moves to approved."""
    finance_require(actor, gettext("Only the vendor's finance team closes a rebate quarter."))
    return rebate_accrue(plan=plan, on=on, close=True, actor=actor)


def rebates_accrue_all(*, on: date | None = None) -> int:
    """The nightly run: every active plan, for the quarter holding ``on`` (today), unless closed."""
    on = on or tenant_today()
    start, _end = quarter_of(on)
    closed = set(RebateAccrual.objects.filter(period_start=start, closed=True).values_list("plan_id", flat=True))
    measured = 0
    for plan in RebatePlan.objects.filter(is_active=True).exclude(pk__in=closed).order_by("pk"):
        measured += rebate_accrue(plan=plan, on=on).partners
    return measured


@transaction.atomic
def rebates_clawback_for_deal(*, deal_id: int, reason: str) -> int:
    """A confirmed win reversed (``deal.win_reversed``) after its quarter was closed: each plan the
    win counted toward measures that partner's quarter again without it and takes back the
    difference (run after the event; a second run finds nothing more to take). Returns how many
    clawbacks were posted.

    Only the revenue is measured again (the plan's statement, for that partner, whatever its tier
    now); the baseline, the accelerator and the band stand as the quarter was closed (a plan's bands
    edited since, or a certificate expired, is no reason to take money back), so what is taken is
    what the win added. The difference is a debit on the company's approved account, below zero
    when the rebate was paid, netted by the next payout run whatever its date. A quarter measured
    higher than it was closed (a win dated into it later) is not raised here: finance adjusts it.
    An open quarter needs nothing: the nightly run, or its close, measures it without the win."""
    deal = Deal.objects.filter(pk=deal_id).only("partner_id", "program_id", "status", "won_on").first()
    if deal is None or deal.status == DealStatus.WON or deal.won_on is None:
        return 0
    start, end = quarter_of(deal.won_on)
    # The plans a win of its program counts toward (the others never measured it).
    plans = RebatePlan.objects.filter(Q(program__isnull=True) | Q(program_id=deal.program_id)).order_by("pk")
    taken = 0
    for plan_id in plans.values_list("pk", flat=True):
        # The plan's lock first, as its runs take it: a close under way is waited for, then seen.
        plan = RebatePlan.objects.select_for_update(of=("self",)).select_related("min_tier").get(pk=plan_id)
        accrual = (
            RebateAccrual.objects.select_for_update(of=("self",))
            .select_related("partner")
            .filter(plan=plan, partner_id=deal.partner_id, period_start=start, closed=True)
            .first()
        )
        if accrual is None:
            continue  # not closed (measured again nightly, or at its close), or the partner earned nothing
        measured, _periods = _measure(plan, start, end, partner_id=deal.partner_id)
        actual = Decimal(measured[0][1] if measured else 0).quantize(CENT, ROUND_HALF_EVEN)
        incremental = max(Decimal(0), actual - accrual.baseline) if accrual.baseline is not None else actual
        # The band the lower figure reaches by the bands the quarter closed with, plus what the
        # tier added then (the closed rate above its band): a plan edited or a tier lost since
        # takes back no more than the win added. (Quarters closed before the bands were kept:
        # today's bands.)
        bands = accrual.closed_bands if accrual.closed_bands is not None else plan.bands
        bonus = accrual.rate - _rate(bands, accrual.incremental)
        rate = min(accrual.rate, _rate(bands, incremental) + bonus)
        amount = _earned(incremental, rate, accrual.accelerator)
        delta = accrual.accrued - amount
        if delta <= 0:
            continue
        accrual.actual, accrual.incremental, accrual.rate, accrual.amount = actual, incremental, rate, amount
        accrual.accrued, accrual.computed_at = amount, timezone.now()
        accrual.save(update_fields=["actual", "incremental", "rate", "amount", "accrued", "computed_at"])
        ledger_post(
            kind=TransactionKind.CLAWBACK,
            partner=accrual.partner,
            earned_on=tenant_today(),
            lines=[Line(Account.APPROVED, delta, accrual.currency), Line(Account.EXPENSE, -delta, accrual.currency)],
            memo=reason[:300],
            source=f"incentives.rebateaccrual:{accrual.pk}",
        )
        params = {
            "plan": plan.name,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "amount": texts.money(delta, accrual.currency),
        }
        event_record(
            actor=None,
            target=plan,
            verb=events.REBATE_CLAWED_BACK,
            message=gettext_noop("%(partner)s, %(start)s to %(end)s: %(amount)s clawed back (a win reversed)"),
            params={**params, "partner": accrual.partner.display_name},
            note=reason,
            data={
                "period_start": start.isoformat(),
                "partner_id": accrual.partner_id,
                "deal_id": deal_id,
                "clawback": str(delta),
            },
            internal=True,
        )
        notify(
            recipients=partner_admin_list(partner_id=accrual.partner_id),
            kind=notifications.CLAWED_BACK,
            title=gettext_noop("A rebate is clawed back"),
            body=gettext_noop("%(plan)s, %(start)s to %(end)s: %(amount)s, taken from your next payout."),
            params=params,
            note=reason,
            url=reverse("portal:earnings"),
        )
        taken += 1
    return taken
