"""Payout runs: prepare (``payout_run_prepare``: set-based, what is approved and out of its hold,
per payee and currency, clawbacks netted), approve (``payout_run_approve``: four eyes, the
preparer may not approve; the statements are then made in a worker), pay (``payout_run_mark_paid``:
the payment's reference, and a payment posting per payout: approved -> cash), or discard a draft.

**Which amounts.** Every line on a payee's *approved* account that no payout holds yet: the
amounts earned at least ``hold_days`` before the run's period end, and every negative one (a
clawback is netted at once, whatever its date). Per payee (the company, or one of its people) and
currency the lines are added up; a total that is not positive, or worth less than the minimum
payout in the reporting currency, is not paid: its lines wait for a later run (so a clawback
larger than what is owed is netted against later earnings). A line is in one payout at most (a
unique index), and runs are prepared one at a time per tenant (the settings row's lock)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from prm.accounts.models import Membership
from prm.errors import InvalidTransition, PolicyViolation, assert_same_tenant
from prm.events.services import event_record, outbox_enqueue
from prm.tenancy.scope import current_tenant_id
from prm.tenancy.time import tenant_today

from .. import events, notifications
from ..models import (
    Account,
    IncentiveSettings,
    Payout,
    PayoutHold,
    PayoutItem,
    PayoutRun,
    PayoutSchedule,
    RunStatus,
    TransactionKind,
)
from ..permissions import finance_require
from .ledger import Line, ledger_post, rate_on, reporting_currency
from .rebates import quarter_of

STATEMENTS_TASK = "incentives.payout_statements"


def incentive_settings(*, lock: bool = False) -> IncentiveSettings:
    settings = IncentiveSettings.objects.select_for_update().first() if lock else IncentiveSettings.objects.first()
    if settings is None:
        IncentiveSettings.objects.get_or_create(tenant_id=current_tenant_id())
        settings = IncentiveSettings.objects.select_for_update().first() if lock else IncentiveSettings.objects.first()
    return settings


def _require_finance(actor) -> None:
    finance_require(actor, gettext("Only the vendor's finance team runs payouts."))


_PAYABLE_SQL = """
SELECT e.id, e.partner_id, e.member_id, e.currency, -e.amount
FROM incentives_ledgerentry e
JOIN incentives_ledgertransaction t ON t.id = e.transaction_id AND t.tenant_id = e.tenant_id
WHERE e.tenant_id = %(tenant)s AND e.account = 'approved' AND t.kind <> 'payment'
    AND (t.earned_on <= %(cutoff)s OR e.amount > 0 OR t.kind = 'mdf_reimbursement')
    AND NOT EXISTS (SELECT 1 FROM incentives_payoutitem i WHERE i.tenant_id = e.tenant_id AND i.entry_id = e.id)
    AND NOT EXISTS (
        SELECT 1 FROM incentives_payouthold h
        WHERE h.tenant_id = e.tenant_id AND h.partner_id = e.partner_id AND h.released_at IS NULL
    )
ORDER BY e.partner_id, e.member_id NULLS FIRST, e.currency, e.id
"""
# (An approved line's amount is a credit, negative: -amount is what it adds to the payee's payout;
# a clawback is a debit, positive, netted whatever its date; an MDF reimbursement is not held: the
# activity it pays for is done and proven, and no win behind it can be reversed. A partner whose
# payouts finance put on hold is left out, clawbacks included, until the hold is lifted.)


@transaction.atomic
def payout_run_prepare(*, actor: Membership, period_end: date) -> PayoutRun:
    """A draft run of everything payable on ``period_end`` (see the module's docstring)."""
    _require_finance(actor)
    settings = incentive_settings(lock=True)  # one run prepared at a time
    if PayoutRun.objects.filter(status__in=[RunStatus.DRAFT, RunStatus.APPROVED]).exists():
        raise InvalidTransition(gettext("Another payout run is open: approve and pay it, or discard it, first."))
    return _prepare(settings=settings, period_end=period_end, actor=actor)[0]


def _prepare(*, settings: IncentiveSettings, period_end: date, actor: Membership | None) -> tuple[PayoutRun, int]:
    """The run and how many payouts it makes."""
    cutoff = period_end - timedelta(days=settings.hold_days)
    with connection.cursor() as cursor:
        cursor.execute(_PAYABLE_SQL, {"tenant": current_tenant_id(), "cutoff": cutoff})
        lines = cursor.fetchall()
    groups: dict[tuple, list] = defaultdict(list)
    for entry_id, partner_id, member_id, currency, amount in lines:
        groups[(partner_id, member_id, currency)].append((entry_id, amount))
    reporting = reporting_currency()
    run = PayoutRun.objects.create(period_end=period_end, prepared_by=actor)
    payouts, items = [], []
    for (partner_id, member_id, currency), entries in groups.items():
        total = sum((amount for _entry, amount in entries), Decimal(0))
        if (
            total <= 0
            or total * rate_on(currency=currency, on=period_end, reporting=reporting) < settings.minimum_payout
        ):
            continue  # waits for a later run
        payouts.append(Payout(run=run, partner_id=partner_id, member_id=member_id, currency=currency, amount=total))
        items.append(entries)
    created = Payout.objects.bulk_create(payouts)
    PayoutItem.objects.bulk_create(
        [
            PayoutItem(payout=payout, entry_id=entry_id, partner_id=payout.partner_id, amount=amount)
            for payout, entries in zip(created, items, strict=True)
            for entry_id, amount in entries
        ],
        batch_size=5000,
    )
    event_record(
        actor=actor,
        target=run,
        verb=events.RUN_PREPARED,
        to_state=run.status,
        message=gettext_noop("Prepared for %(day)s: %(count)s payouts"),
        params={"day": period_end.isoformat(), "count": len(created)},
        internal=True,
    )
    return run, len(created)


def period_last_ended(*, schedule: str, today: date) -> date | None:
    """The last day of the last month or quarter that ended before ``today`` (None: by hand)."""
    if schedule == PayoutSchedule.MONTHLY:
        return today.replace(day=1) - timedelta(days=1)
    if schedule == PayoutSchedule.QUARTERLY:
        return quarter_of(today)[0] - timedelta(days=1)
    return None


@transaction.atomic
def payout_run_scheduled(*, today: date | None = None) -> PayoutRun | None:
    """The payout schedule's nightly step for one tenant: once a month or quarter has ended, a draft
    run for it (prepared by the system, so any finance user approves it), and finance is asked to
    approve it. Nothing when the schedule is by hand, when that period already has a run (a
    discarded one included: finance decided), or while another run is open (it is tried again the
    next night, once that run is paid or discarded)."""
    settings = incentive_settings(lock=True)
    # The tenant's calendar: its month ends at its midnight, not the server's.
    period_end = period_last_ended(schedule=settings.payout_schedule, today=today or tenant_today())
    if period_end is None:
        return None
    covered_or_open = Q(period_end__gte=period_end) | Q(status__in=[RunStatus.DRAFT, RunStatus.APPROVED])
    if PayoutRun.objects.filter(covered_or_open).exists():
        return None
    run, made = _prepare(settings=settings, period_end=period_end, actor=None)
    from prm.events import texts
    from prm.notifications.services import notify

    from .spiffs import finance_team

    notify(
        recipients=finance_team(),
        kind=notifications.RUN_READY,
        title=gettext_noop("The payout run for %(day)s is ready for approval"),
        body=gettext_noop("%(payouts)s, prepared by the payout schedule."),
        params={
            "day": texts.day(period_end),
            "payouts": texts.count_phrase("%(count)s payout", "%(count)s payouts", made),
        },
        url=reverse("office:payout_run", args=[run.pk]),
    )
    return run


@transaction.atomic
def payout_hold(*, actor: Membership, partner, reason: str) -> PayoutHold:
    """Finance holds a partner's payouts (and its people's) with a reason the partner reads: the
    runs leave them out until ``payout_hold_release``, and a run not paid yet (a draft, or approved
    and waiting for the bank) loses the partner's payouts at once, their lines free for a later run.
    The settings row's lock makes a hold and a run being prepared take turns. Two finance users at
    once: one hold (the partial unique index decides), the other is told."""
    _require_finance(actor)
    assert_same_tenant(actor, partner)
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation(gettext("Say why the payouts are held: the partner reads it."))
    incentive_settings(lock=True)  # not while a run is being prepared
    try:
        with transaction.atomic():
            hold = PayoutHold.objects.create(partner=partner, reason=reason, held_by=actor)
    except IntegrityError:
        raise InvalidTransition(gettext("This partner's payouts are already on hold.")) from None
    open_runs = PayoutRun.objects.filter(status__in=[RunStatus.DRAFT, RunStatus.APPROVED])
    taken = list(Payout.objects.filter(run__in=open_runs, partner=partner).values_list("pk", flat=True))
    PayoutItem.objects.filter(payout_id__in=taken).delete()
    Payout.objects.filter(pk__in=taken).delete()
    event = event_record(
        actor=actor, target=hold, verb=events.PAYOUTS_HELD, note=reason, data={"payouts_withdrawn": taken}
    )
    _tell_partner_admins(
        partner_id=partner.pk, title=gettext_noop("Your incentive payouts are on hold"), note=reason, event=event
    )
    return hold


@transaction.atomic
def payout_hold_release(*, actor: Membership, partner) -> PayoutHold:
    """Finance lifts the hold: the next run pays what the partner and its people are owed."""
    _require_finance(actor)
    assert_same_tenant(actor, partner)
    hold = PayoutHold.objects.select_for_update().filter(partner=partner, released_at__isnull=True).first()
    if hold is None:
        raise InvalidTransition(gettext("This partner's payouts are not on hold (someone may have resumed them)."))
    hold.released_by, hold.released_at = actor, timezone.now()
    hold.save(update_fields=["released_by", "released_at"])
    event = event_record(actor=actor, target=hold, verb=events.PAYOUTS_RESUMED)
    _tell_partner_admins(
        partner_id=partner.pk,
        title=gettext_noop("Your incentive payouts resume"),
        body=gettext_noop("What you are owed is paid with the next payout run."),
        event=event,
    )
    return hold


def _tell_partner_admins(*, partner_id: int, title: str, body: str = "", note: str = "", event=None) -> None:
    from prm.accounts.selectors import partner_admin_list
    from prm.notifications.services import notify

    notify(
        recipients=partner_admin_list(partner_id=partner_id),
        kind=notifications.PAYOUTS_HELD,
        title=title,
        body=body,
        note=note,
        url=reverse("portal:earnings"),
        event=event,
    )


def _lock(run: PayoutRun) -> PayoutRun:
    return PayoutRun.objects.select_for_update().get(pk=run.pk)


@transaction.atomic
def payout_run_approve(*, actor: Membership, run: PayoutRun) -> PayoutRun:
    """The second pair of eyes: someone other than the preparer approves; the statements follow."""
    _require_finance(actor)
    run = _lock(run)
    if run.status != RunStatus.DRAFT:
        raise InvalidTransition(gettext("This payout run was already approved or discarded by someone else."))
    if run.prepared_by_id == actor.pk:  # (a run the schedule prepared has no preparer)
        raise PolicyViolation(gettext("Someone other than who prepared the run approves it (four eyes)."))
    before = run.status
    run.status, run.approved_by, run.approved_at = RunStatus.APPROVED, actor, timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at"])
    event_record(
        actor=actor, target=run, verb=events.RUN_APPROVED, from_state=before, to_state=run.status, internal=True
    )
    outbox_enqueue(task_name=STATEMENTS_TASK, run_id=run.pk)
    return run


@transaction.atomic
def payout_run_discard(*, actor: Membership, run: PayoutRun) -> PayoutRun:
    """A draft that will not be paid: its lines are free for the next run."""
    _require_finance(actor)
    run = _lock(run)
    if run.status != RunStatus.DRAFT:
        raise InvalidTransition(gettext("Only a draft run is discarded; this one was already approved."))
    PayoutItem.objects.filter(payout__run=run).delete()
    Payout.objects.filter(run=run).delete()
    before = run.status
    run.status = RunStatus.DISCARDED
    run.save(update_fields=["status"])
    event_record(
        actor=actor, target=run, verb=events.RUN_DISCARDED, from_state=before, to_state=run.status, internal=True
    )
    return run


@transaction.atomic
def payout_run_mark_paid(*, actor: Membership, run: PayoutRun, reference: str) -> PayoutRun:
    """The bank has paid the run: each payout's amount leaves the payee's approved account for cash
    (at the payment day's rate), and the payees are told."""
    _require_finance(actor)
    reference = (reference or "").strip()
    if not reference:
        raise PolicyViolation(gettext("Enter the payment's reference (the bank's batch or transfer number)."))
    run = _lock(run)
    if run.status != RunStatus.APPROVED:
        raise InvalidTransition(gettext("Only an approved run is marked paid; this one is not (or already paid)."))
    paid_on = tenant_today()
    payouts = list(Payout.objects.filter(run=run).select_related("partner", "member"))
    for payout in payouts:
        payout.payment = ledger_post(
            kind=TransactionKind.PAYMENT,
            partner=payout.partner,
            earned_on=paid_on,
            lines=[
                Line(Account.APPROVED, payout.amount, payout.currency, payout.member),
                Line(Account.CASH, -payout.amount, payout.currency),
            ],
            actor=actor,
            memo=reference,
            source=f"incentives.payout:{payout.pk}",
        )
    Payout.objects.bulk_update(payouts, ["payment"])
    before = run.status
    run.status, run.paid_by, run.paid_at, run.payment_reference = RunStatus.PAID, actor, timezone.now(), reference
    run.save(update_fields=["status", "paid_by", "paid_at", "payment_reference"])
    event_record(
        actor=actor,
        target=run,
        verb=events.RUN_PAID,
        from_state=before,
        to_state=run.status,
        message=gettext_noop("Paid: %(reference)s"),
        params={"reference": reference},
        internal=True,
    )
    _tell_payees(payouts)
    return run


def _tell_payees(payouts: list[Payout]) -> None:
    from prm.accounts.selectors import partner_admins_by_partner
    from prm.events import texts
    from prm.notifications.services import Message, notify_many

    admins = partner_admins_by_partner(partner_ids={p.partner_id for p in payouts})
    notify_many(
        messages=[
            Message(
                recipients=[payout.member] if payout.member_id else admins.get(payout.partner_id, []),
                kind=notifications.PAID,
                title=gettext_noop("You are paid %(amount)s"),
                body=gettext_noop("Your statement is on your Earnings page."),
                params={"amount": texts.money(payout.amount, payout.currency)},
                url=reverse("portal:earnings"),
            )
            for payout in payouts
        ]
    )


def payout_statements(*, run_id: int) -> int:
    """Render the run's statements that are missing (the worker's task; safe to run twice)."""
    from django.core.files.base import ContentFile

    from ..pdf import render_statement_pdf

    made = 0
    for payout in Payout.objects.filter(run_id=run_id, statement="").select_related("run", "partner", "member__user"):
        payout.statement.save(f"statement-{payout.pk}.pdf", ContentFile(render_statement_pdf(payout)), save=False)
        Payout.objects.filter(pk=payout.pk).update(statement=payout.statement.name)
        made += 1
    return made


__all__ = [
    "STATEMENTS_TASK",
    "incentive_settings",
    "payout_hold",
    "payout_hold_release",
    "payout_run_approve",
    "payout_run_discard",
    "payout_run_mark_paid",
    "payout_run_prepare",
    "payout_run_scheduled",
    "payout_statements",
    "period_last_ended",
]
