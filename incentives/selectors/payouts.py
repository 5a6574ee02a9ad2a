"""What people read of payouts: finance's runs, one run's payouts, a payee's statements."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.http import Http404

from ..models import IncentiveSettings, Payout, PayoutRun, PayoutSchedule, RunStatus
from ..permissions import EARNINGS_COMPANY, EARNINGS_OWN, INCENTIVES_VIEW

STATEMENTS_SHOWN = 24


def payout_runs_for_office():
    """Every run, newest first, with its number of payouts (a values queryset) and the rows to count."""
    runs = PayoutRun.objects.all()
    rows = (
        runs.order_by("-prepared_at", "-id")
        .annotate(payouts_count=Count("payouts"))
        .values(
            "id",
            "period_end",
            "status",
            "prepared_at",
            "prepared_by__user__email",
            "approved_by__user__email",
            "paid_at",
            "payment_reference",
            "payouts_count",
        )
    )
    return rows, runs


def payout_schedule_label() -> str:
    """The tenant's payout schedule, as the runs page says it (by hand where nothing is set)."""
    schedule = IncentiveSettings.objects.values_list("payout_schedule", flat=True).first()
    return PayoutSchedule(schedule or PayoutSchedule.BY_HAND).label


def payout_run_get_object(*, run_id: int) -> PayoutRun:
    """A run of the tenant's (404 otherwise), with who prepared and approved it."""
    run = PayoutRun.objects.filter(pk=run_id).select_related("prepared_by__user", "approved_by__user").first()
    if run is None:
        raise Http404
    return run


def payout_run_get(*, run_id: int) -> dict:
    """A run and its payouts (totals per currency), for staff."""
    run = payout_run_get_object(run_id=run_id)
    payouts = list(
        Payout.objects.filter(run=run)
        .order_by("partner__display_name", "member_id", "currency")
        .values("id", "currency", "amount", "statement", "partner__display_name", "member__user__email")
    )
    totals = list(Payout.objects.filter(run=run).values("currency").annotate(total=Sum("amount")).order_by("currency"))
    return {"run": run, "payouts": payouts, "totals": totals}


def payout_get_for_actor(*, actor, payout_id: int) -> Payout:
    """A payout whose statement the actor may read: staff who read incentives; the payee; the
    partner's admin and finance (the company's). Anything else is a 404."""
    payout = Payout.objects.filter(pk=payout_id).select_related("run").first()
    if payout is None or payout.run.status not in (RunStatus.APPROVED, RunStatus.PAID):
        raise Http404
    if actor.partner_id is None:
        if not actor.can(INCENTIVES_VIEW):
            raise Http404
        return payout
    if payout.partner_id != actor.partner_id:
        raise Http404
    if actor.can(EARNINGS_COMPANY) or (actor.can(EARNINGS_OWN) and payout.member_id == actor.pk):
        return payout
    raise Http404


def payout_list_for_actor(*, actor, run_id: int | None = None, partner_id: int | None = None):
    """The payouts of approved and paid runs ``actor`` may read, each with its run (what
    ``payout_get_for_actor`` lets it open): staff who read incentives every one (of ``run_id``,
    of ``partner_id``); a partner's admin and finance the company's and its people's; a sales
    rep its own; anyone else none. Unordered: the caller pages it."""
    payouts = Payout.objects.filter(run__status__in=[RunStatus.APPROVED, RunStatus.PAID]).select_related("run")
    if actor.partner_id is None:
        if not actor.can(INCENTIVES_VIEW):
            return Payout.objects.none()
        if partner_id is not None:
            payouts = payouts.filter(partner_id=partner_id)
    elif actor.can(EARNINGS_COMPANY):
        payouts = payouts.filter(partner_id=actor.partner_id)
    elif actor.can(EARNINGS_OWN):
        payouts = payouts.filter(partner_id=actor.partner_id, member_id=actor.pk)
    else:
        return Payout.objects.none()
    if run_id is not None:
        payouts = payouts.filter(run_id=run_id)
    return payouts


def statement_rows_for_actor(*, actor):
    """The payouts whose statements the actor may read (``payout_list_for_actor``), newest first:
    the rows (a values queryset) and the same payouts without the joins, to count."""
    payouts = payout_list_for_actor(actor=actor)
    rows = payouts.order_by("-run__period_end", "-id").values(
        "id", "currency", "amount", "statement", "run__period_end", "run__status", "member__user__email"
    )
    return rows, payouts


def statements_for_actor(*, actor) -> list[dict]:
    """The latest statements (Earnings lists these; the statements page has them all)."""
    return list(statement_rows_for_actor(actor=actor)[0][:STATEMENTS_SHOWN])


def paid_totals(*, actor=None, company: bool = True, partner_id: int | None = None) -> dict[str, object]:
    """What was paid so far per currency (the paid runs' payouts): to the actor's company (and its
    people) or to the actor alone; or to ``partner_id`` and its people."""
    payouts = Payout.objects.filter(
        partner_id=partner_id if partner_id is not None else actor.partner_id, run__status=RunStatus.PAID
    )
    if not company:
        payouts = payouts.filter(member_id=actor.pk)
    return {row["currency"]: row["total"] for row in payouts.values("currency").annotate(total=Sum("amount"))}


__all__ = [
    "paid_totals",
    "payout_get_for_actor",
    "payout_list_for_actor",
    "payout_run_get",
    "payout_run_get_object",
    "payout_runs_for_office",
    "statement_rows_for_actor",
    "statements_for_actor",
]
