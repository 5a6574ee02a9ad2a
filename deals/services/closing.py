"""After approval: stage, win (and its confirmation), loss, withdrawal, expiry, extensions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from prm.accounts.models import Membership
from prm.errors import InvalidTransition, PolicyViolation, assert_same_tenant
from prm.events.texts import label, money
from prm.tenancy.time import tenant_today
from programs.services.evaluation import tier_evaluate_soon

from .. import events, notifications
from ..models import PROTECTED_STATUSES, Deal, DealExtension, DealStage, DealStatus, ExtensionStatus
from ..permissions import DealAction, deal_require
from .common import (
    EXPIRY_REMINDER_DAYS,
    check_transition,
    lock,
    partner_recipients,
    record,
    reviewer_recipients,
    set_status,
    tell,
)

S = DealStatus


@transaction.atomic
def deal_withdraw(*, actor: Membership, deal: Deal, reason: str) -> Deal:
    """The partner (or staff) withdraws the registration; its protections are released."""
    deal_require(actor, deal, DealAction.WITHDRAW)
    if not reason.strip():
        raise PolicyViolation(gettext("Say why the registration is withdrawn."))
    deal = lock(deal)
    check_transition(deal, S.WITHDRAWN, verb="withdrawn")
    before = set_status(
        deal, S.WITHDRAWN, actor=actor, fields={"closed_reason": reason.strip(), "decision_due_at": None}
    )
    event = record(actor=actor, deal=deal, verb=events.WITHDRAWN, before=before, note=reason)
    if actor.is_staff_member:
        tell(
            deal,
            event,
            to=partner_recipients(deal),
            kind=notifications.DECIDED,
            title=gettext_noop("withdrawn"),
            note=reason,
        )
    elif before != S.DRAFT:
        tell(
            deal,
            event,
            to=reviewer_recipients(deal),
            kind=notifications.DECIDED,
            title=gettext_noop("withdrawn by the partner"),
            note=reason,
        )
    return deal


@transaction.atomic
def deal_update_stage(*, actor: Membership, deal: Deal, stage: str) -> Deal:
    """Move an approved deal along the sales stages."""
    deal_require(actor, deal, DealAction.UPDATE_STAGE)
    if stage not in DealStage.values:
        raise PolicyViolation(gettext("Unknown stage %(stage)r.") % {"stage": stage})
    deal = lock(deal)
    if deal.status != S.APPROVED:
        raise InvalidTransition(
            gettext("%(reference)s is %(status)s: its stage is final.")
            % {"reference": deal.reference, "status": deal.get_status_display().lower()}
        )
    if deal.stage == stage:
        return deal
    before_stage = deal.stage
    deal.stage = stage
    deal.save(update_fields=["stage", "updated_at"])
    record(
        actor=actor,
        deal=deal,
        verb=events.STAGE_CHANGED,
        message=gettext_noop("Stage %(before)s -> %(after)s."),
        params={"before": label(DealStage(before_stage).label), "after": label(DealStage(stage).label)},
        data={"from": before_stage, "to": stage},
    )
    return deal


def _won(*, actor: Membership | None, deal: Deal, before: str):
    """The confirmed win: the event incentives consume, protections released (by set_status),
    the partner's tier re-evaluated after commit."""
    line_ids = sorted(set(deal.lines.values_list("product_line_id", flat=True)))
    event = record(
        actor=actor,
        deal=deal,
        verb=events.WON,
        before=before,
        message=gettext_noop("Won: %(amount)s on %(day)s."),
        params={"amount": money(deal.won_amount, deal.currency), "day": deal.won_on},
        data={
            "amount": str(deal.won_amount),
            "currency": deal.currency,
            "partner_id": deal.partner_id,
            "product_line_ids": line_ids,
        },
    )
    tier_evaluate_soon(partner_ids=[deal.partner_id])
    return event


@transaction.atomic
def deal_mark_won(*, actor: Membership, deal: Deal, amount: Decimal, won_on: date) -> Deal:
    """The partner reports the win (amount, close date). It waits for the vendor's confirmation
    when the program says so; otherwise it is won at once."""
    deal_require(actor, deal, DealAction.MARK_WON)
    if amount is None or Decimal(amount) < 0:
        raise PolicyViolation(gettext("Enter the amount won (zero or more)."))
    deal = lock(deal)
    if won_on > tenant_today():
        raise PolicyViolation(gettext("The close date cannot be in the future."))
    needs_confirmation = deal.program.deal_win_needs_confirmation if deal.program_id else True
    to_status = S.WON_PENDING if needs_confirmation else S.WON
    check_transition(deal, to_status, verb="marked won")
    before = set_status(deal, to_status, actor=actor, fields={"won_amount": Decimal(amount), "won_on": won_on})
    if to_status == S.WON:
        event = _won(actor=actor, deal=deal, before=before)
        tell(deal, event, to=partner_recipients(deal), kind=notifications.WON, title=gettext_noop("won"))
        return deal
    event = record(
        actor=actor,
        deal=deal,
        verb=events.WIN_REPORTED,
        before=before,
        message=gettext_noop("Reported won: %(amount)s on %(day)s; awaiting confirmation."),
        params={"amount": money(deal.won_amount, deal.currency), "day": won_on},
        data={"amount": str(deal.won_amount), "currency": deal.currency},
    )
    tell(
        deal,
        event,
        to=reviewer_recipients(deal),
        kind=notifications.WON,
        title=gettext_noop("reported won: please confirm"),
    )
    return deal


@transaction.atomic
def deal_confirm_win(*, actor: Membership, deal: Deal) -> Deal:
    """The vendor confirms a reported win: it now counts (incentives, tiers)."""
    deal_require(actor, deal, DealAction.CONFIRM_WIN)
    deal = lock(deal)
    check_transition(deal, S.WON, verb="confirmed won")
    before = set_status(deal, S.WON, actor=actor)
    event = _won(actor=actor, deal=deal, before=before)
    tell(deal, event, to=partner_recipients(deal), kind=notifications.WON, title=gettext_noop("win confirmed"))
    return deal


@transaction.atomic
def deal_refuse_win(*, actor: Membership, deal: Deal, reason: str) -> Deal:
    """The vendor does not confirm a reported win: the deal is approved (protected) again."""
    deal_require(actor, deal, DealAction.REFUSE_WIN)
    if not reason.strip():
        raise PolicyViolation(gettext("Tell the partner why the win is not confirmed."))
    deal = lock(deal)
    if deal.status != S.WON_PENDING:
        raise InvalidTransition(
            gettext("%(reference)s is not awaiting a win confirmation; nothing was changed.")
            % {"reference": deal.reference}
        )
    before = set_status(deal, S.APPROVED, actor=actor, fields={"won_amount": None, "won_on": None})
    event = record(actor=actor, deal=deal, verb=events.WIN_REFUSED, before=before, note=reason)
    tell(
        deal,
        event,
        to=partner_recipients(deal),
        kind=notifications.WON,
        title=gettext_noop("win not confirmed"),
        note=reason,
    )
    return deal


@transaction.atomic
def deal_mark_lost(*, actor: Membership, deal: Deal, reason: str) -> Deal:
    """The deal is lost; its protections are released."""
    deal_require(actor, deal, DealAction.MARK_LOST)
    if not reason.strip():
        raise PolicyViolation(gettext("Say why the deal was lost."))
    deal = lock(deal)
    if deal.status == S.WON:  # a confirmed win is lost only by reversing it (deal_reverse_win)
        raise InvalidTransition(
            gettext("%(reference)s is won: the vendor reverses a win that did not stand.")
            % {"reference": deal.reference}
        )
    check_transition(deal, S.LOST, verb="marked lost")
    before = set_status(deal, S.LOST, actor=actor, fields={"closed_reason": reason.strip()})
    event = record(actor=actor, deal=deal, verb=events.LOST, before=before, note=reason)
    if not actor.is_staff_member:
        tell(
            deal,
            event,
            to=reviewer_recipients(deal),
            kind=notifications.DECIDED,
            title=gettext_noop("lost"),
            note=reason,
        )
    return deal


@transaction.atomic
def deal_reverse_win(*, actor: Membership, deal: Deal, reason: str) -> Deal:
    """The vendor reverses a confirmed win that did not stand (the order was cancelled, returned or
    never paid): the deal is lost with the reason, the partner is told, its tier is measured again,
    and what the win earned is clawed back by incentives (they read ``deal.win_reversed``)."""
    deal_require(actor, deal, DealAction.REVERSE_WIN)
    if not reason.strip():
        raise PolicyViolation(gettext("Say why the win is reversed: the partner reads it."))
    deal = lock(deal)
    if deal.status != S.WON:
        raise InvalidTransition(
            gettext("%(reference)s is not a confirmed win; nothing was changed.") % {"reference": deal.reference}
        )
    before = set_status(deal, S.LOST, actor=actor, fields={"closed_reason": reason.strip()})
    event = record(
        actor=actor,
        deal=deal,
        verb=events.WIN_REVERSED,
        before=before,
        note=reason,
        data={"amount": str(deal.won_amount), "currency": deal.currency, "partner_id": deal.partner_id},
    )
    tell(deal, event, to=partner_recipients(deal), kind=notifications.DECIDED, title=gettext_noop("win reversed"))
    tier_evaluate_soon(partner_ids=[deal.partner_id])
    return deal


@transaction.atomic
def deal_expire(*, deal: Deal, today: date | None = None) -> bool:
    """The system ends an approved registration whose protection has passed. Idempotent: a deal
    no longer approved, or protected until today or later, is left alone (returns False)."""
    today = today or tenant_today()
    deal = lock(deal)
    if deal.status != S.APPROVED or deal.protected_until is None or deal.protected_until >= today:
        return False
    before = set_status(deal, S.EXPIRED, actor=None)
    event = record(
        actor=None,
        deal=deal,
        verb=events.EXPIRED,
        before=before,
        message=gettext_noop("Protection ended on %(day)s."),
        params={"day": deal.protected_until},
    )
    tell(deal, event, to=partner_recipients(deal), kind=notifications.EXPIRED, title=gettext_noop("protection ended"))
    return True


@transaction.atomic
def extension_request(*, actor: Membership, deal: Deal, days: int, reason: str) -> DealExtension:
    """The partner asks to extend an approved registration's protection (one request at a time)."""
    deal_require(actor, deal, DealAction.REQUEST_EXTENSION)
    if not 1 <= int(days) <= 365:
        raise PolicyViolation(gettext("Ask for between 1 and 365 days."))
    if not reason.strip():
        raise PolicyViolation(gettext("Say why the protection should be extended."))
    deal = lock(deal)
    if deal.status != S.APPROVED:
        raise InvalidTransition(
            gettext("%(reference)s is %(status)s: it cannot be extended.")
            % {"reference": deal.reference, "status": deal.get_status_display().lower()}
        )
    try:
        with transaction.atomic():
            extension = DealExtension.objects.create(
                deal=deal, partner_id=deal.partner_id, days=int(days), reason=reason.strip(), requested_by=actor
            )
    except IntegrityError:
        raise PolicyViolation(
            gettext("An extension request for this registration is already waiting for an answer."),
            code="extension_pending",
        ) from None
    event = record(
        actor=actor,
        deal=deal,
        verb=events.EXTENSION_REQUESTED,
        message=gettext_noop("Extension of %(days)s days requested."),
        params={"days": int(days)},
        note=reason,
        data={"extension_id": extension.pk, "days": int(days)},
    )
    tell(
        deal,
        event,
        to=reviewer_recipients(deal),
        kind=notifications.EXTENSION,
        title=gettext_noop("%(days)s-day extension requested"),
        params={"days": int(days)},
        note=reason,
    )
    return extension


@transaction.atomic
def extension_decide(*, actor: Membership, extension: DealExtension, approve: bool, note: str = "") -> DealExtension:
    """Approve (the protection ends ``days`` later) or refuse (with a note) an extension."""
    assert_same_tenant(actor, extension)
    deal_require(actor, extension.deal, DealAction.DECIDE_EXTENSION)
    if not approve and not note.strip():
        raise PolicyViolation(gettext("Tell the partner why the extension is refused."))
    # Deal first, then the extension: the same order as every deal transition (no deadlock).
    deal = lock(Deal(pk=extension.deal_id))
    extension = DealExtension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != ExtensionStatus.PENDING:
        raise InvalidTransition(
            gettext("This extension was already %(status)s by someone else; nothing was changed.")
            % {"status": extension.get_status_display().lower()}
        )
    if approve and deal.status not in PROTECTED_STATUSES:
        raise InvalidTransition(
            gettext("%(reference)s is %(status)s: it cannot be extended.")
            % {"reference": deal.reference, "status": deal.get_status_display().lower()}
        )
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_note = note.strip()
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        before_until = deal.protected_until
        deal.protected_until = before_until + timedelta(days=extension.days)
        days_left = (deal.protected_until - tenant_today()).days
        # Reminders stay sent only for thresholds the new end date is still within.
        deal.expiry_reminders_sent = [
            d for d in deal.expiry_reminders_sent if d in EXPIRY_REMINDER_DAYS and days_left <= d
        ]
        deal.save(update_fields=["protected_until", "expiry_reminders_sent", "updated_at"])
    verb = events.EXTENSION_APPROVED if approve else events.EXTENSION_REFUSED
    event = record(
        actor=actor,
        deal=deal,
        verb=verb,
        message=gettext_noop("Extended by %(days)s days, to %(day)s.")
        if approve
        else gettext_noop("Extension refused."),
        params={"days": extension.days, "day": deal.protected_until},
        note=note,
        data={"extension_id": extension.pk, "days": extension.days},
    )
    tell(
        deal,
        event,
        to=partner_recipients(deal),
        kind=notifications.EXTENSION,
        title=gettext_noop("extension approved") if approve else gettext_noop("extension refused"),
        note=note,
    )
    return extension
