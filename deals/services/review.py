"""The vendor's decisions on a submitted registration: approve, reject, ask for more, duplicate."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from prm.accounts.models import Membership
from prm.errors import InvalidTransition, PolicyViolation, assert_same_tenant
from prm.events.texts import label
from prm.tenancy.time import tenant_today
from programs.services.policy import deal_parameters

from .. import conflicts, events, notifications
from ..models import AutoApprovalRule, CustomerAccount, Deal, DealConflict, DealStatus, RejectionReason
from ..permissions import DealAction, deal_require
from .common import (
    PARTNER_EDITABLE_FIELDS,
    check_transition,
    lock,
    partner_recipients,
    protections_create,
    record,
    set_status,
    tell,
)

S = DealStatus


def _approve(
    *,
    actor: Membership | None,
    deal: Deal,
    rule: AutoApprovalRule | None,
    note: str,
    strong: list[dict] | None = None,
    acknowledged: bool | Collection[str] = False,
) -> Deal:
    """The one path to approved, which both the reviewer's decision (``deal_approve``, after the
    guard) and the system's rule (``deal_submit``'s auto-approval, ``rule``) take. No guard of its
    own: the caller has judged who decides, and holds the deal's lock (``lock``), so the status
    checked here is the one written. Claims the customer for each product line (the database
    refuses a second claim), protects it for the partner's protection days from today, tells the
    partner. ``strong``: the strong conflicts found at approval, which only an acknowledged
    decision approves over: ``acknowledged`` names them (``conflicts.conflict_key``: those the
    reviewer's page showed), or is True for a caller that has just read them itself."""
    check_transition(deal, S.APPROVED, verb="approved")
    protections_create(deal=deal)
    # After the claims: a customer protected for another registration is refused whatever the
    # reviewer acknowledges; only then is the missing acknowledgement the reason.
    keys = [conflicts.conflict_key(other_deal_id=c["other_deal_id"], account_id=c["account_id"]) for c in strong or []]
    seen = set() if acknowledged is True or not acknowledged else set(acknowledged)
    unseen = [] if acknowledged is True else [key for key in keys if key not in seen]
    if unseen:
        raise PolicyViolation(
            gettext(
                "%(reference)s has a strong conflict with another registration or a vendor account: "
                "tick the acknowledgement to approve it anyway; nothing was changed."
            )
            % {"reference": deal.reference},
            code="conflict_not_acknowledged",
        )
    today = tenant_today()
    days = deal_parameters(partner=deal.partner).protection_days
    before = set_status(
        deal,
        S.APPROVED,
        actor=actor,
        fields={
            "decided_at": timezone.now(),
            "decided_by": actor,
            "decided_by_rule": rule,
            "decision_message": note,
            "protected_until": today + timedelta(days=days),
            "rejection_reason": "",
        },
    )
    event = record(
        actor=actor,
        deal=deal,
        verb=events.APPROVED,
        before=before,
        message=gettext_noop("Approved automatically by the rule “%(rule)s”; protected until %(day)s.")
        if rule
        else gettext_noop("Approved by %(reviewer)s; protected until %(day)s."),
        params={
            "rule": rule.name if rule else "",
            "reviewer": str(actor.user) if actor else "",
            "day": deal.protected_until,
        },
        note=note,
        data={
            "rule_id": rule.pk if rule else None,
            "rule": rule.name if rule else "",
            "protected_until": deal.protected_until.isoformat(),
            "has_conflict": deal.has_conflict,
            "strong_conflicts": strong or [],
            "conflicts_acknowledged": bool(strong) and not unseen,
        },
    )
    tell(
        deal,
        event,
        to=partner_recipients(deal),
        kind=notifications.DECIDED,
        title=gettext_noop("approved"),
        body=gettext_noop("Protected until %(day)s."),
        params={"day": deal.protected_until},
        note=note,
    )
    return deal


def _strong_conflicts(rows: list[DealConflict]) -> list[dict]:
    """The strong ones (``conflicts.is_strong``) of a check's rows, as the approval event keeps
    them: what the reviewer approved over."""
    kinds = dict(
        CustomerAccount.objects.filter(pk__in=[r.account_id for r in rows if r.account_id]).values_list("pk", "kind")
    )
    return [
        {"other_deal_id": r.other_deal_id, "account_id": r.account_id, "score": str(r.score)}
        for r in rows
        if conflicts.is_strong(score=r.score, account_kind=kinds.get(r.account_id, ""))
    ]


@transaction.atomic
def deal_approve(
    *, actor: Membership, deal: Deal, note: str = "", conflicts_acknowledged: bool | Collection[str] = False
) -> Deal:
    """A reviewer approves. Conflicts are checked again and recorded; over a strong one (the
    same customer in all likelihood, or a vendor's named or direct-only account) the reviewer
    must have acknowledged it (``conflicts_acknowledged``: the keys of the conflicts the page
    showed, ``conflicts.conflict_key``), which the event records: the check runs here, under the
    lock, so a conflict that appeared after the page was read is not approved over unseen. A
    customer already protected for another registration is refused by the database and nothing
    is written. Locked: of two reviewers, the second is told."""
    deal_require(actor, deal, DealAction.APPROVE)
    deal = lock(deal)
    check_transition(deal, S.APPROVED, verb="approved")
    rows = conflicts.conflicts_record(deal=deal, phase="approval")
    return _approve(
        actor=actor,
        deal=deal,
        rule=None,
        note=note.strip(),
        strong=_strong_conflicts(rows),
        acknowledged=conflicts_acknowledged,
    )


@transaction.atomic
def deal_conflicts_recheck(*, actor: Membership, deal: Deal) -> list[DealConflict]:
    """Run the approval's conflict check and keep its report, so that the reviewer sees what an
    approval was refused over: a registration submitted after this one conflicts with it, but
    only its own submit check recorded that. Writes only the report (no event: nothing about the
    deal changed)."""
    deal_require(actor, deal, DealAction.APPROVE)
    deal = lock(deal)
    return conflicts.conflicts_record(deal=deal, phase="approval")


@transaction.atomic
def deal_reject(*, actor: Membership, deal: Deal, reason_code: str, message: str) -> Deal:
    """Reject with a reason code and a message the partner reads (both required)."""
    deal_require(actor, deal, DealAction.REJECT)
    if reason_code not in RejectionReason.values:
        raise PolicyViolation(gettext("Choose a reason for the rejection."))
    if not message.strip():
        raise PolicyViolation(gettext("Tell the partner why the registration is rejected."))
    deal = lock(deal)
    check_transition(deal, S.REJECTED, verb="rejected")
    before = set_status(
        deal,
        S.REJECTED,
        actor=actor,
        fields={
            "decided_at": timezone.now(),
            "decided_by": actor,
            "rejection_reason": reason_code,
            "decision_message": message.strip(),
            "decision_due_at": None,
        },
    )
    event = record(
        actor=actor,
        deal=deal,
        verb=events.REJECTED,
        before=before,
        message=gettext_noop("Rejected (%(reason)s)."),
        params={"reason": label(RejectionReason(reason_code).label)},
        note=message,
        data={"reason_code": reason_code},
    )
    tell(
        deal,
        event,
        to=partner_recipients(deal),
        kind=notifications.DECIDED,
        title=gettext_noop("rejected"),
        note=message,
    )
    return deal


@transaction.atomic
def deal_request_info(*, actor: Membership, deal: Deal, fields: list[str], message: str) -> Deal:
    """Return the registration to the partner to complete the named fields; the deadline stops
    until it is resubmitted (which sets a new one)."""
    deal_require(actor, deal, DealAction.REQUEST_INFO)
    fields = list(dict.fromkeys(fields))
    unknown = set(fields) - PARTNER_EDITABLE_FIELDS
    if not fields or unknown:
        if unknown:
            raise PolicyViolation(
                gettext("Name the fields the partner should complete (%(fields)s cannot be edited by partners).")
                % {"fields": ", ".join(sorted(unknown))}
            )
        raise PolicyViolation(gettext("Name the fields the partner should complete."))
    if not message.strip():
        raise PolicyViolation(gettext("Tell the partner what information is needed."))
    deal = lock(deal)
    check_transition(deal, S.INFO_REQUESTED, verb="returned for information")
    before = set_status(
        deal,
        S.INFO_REQUESTED,
        actor=actor,
        fields={"info_fields": fields, "decision_message": message.strip(), "decision_due_at": None},
    )
    event = record(
        actor=actor,
        deal=deal,
        verb=events.INFO_REQUESTED,
        before=before,
        note=message,
        data={"fields": fields},
    )
    tell(
        deal,
        event,
        to=partner_recipients(deal),
        kind=notifications.DECIDED,
        title=gettext_noop("more information needed"),
        note=message,
    )
    return deal


@transaction.atomic
def deal_mark_duplicate(*, actor: Membership, deal: Deal, original: Deal) -> Deal:
    """Close a registration as a duplicate of another one of the tenant."""
    deal_require(actor, deal, DealAction.MARK_DUPLICATE)
    assert_same_tenant(deal, original)
    if original.pk == deal.pk:
        raise PolicyViolation(gettext("A registration cannot duplicate itself."))
    deal = lock(deal)
    check_transition(deal, S.DUPLICATE, verb="marked duplicate")
    if not Deal.objects.filter(pk=original.pk).exists():
        raise InvalidTransition(gettext("The original registration no longer exists."))
    before = set_status(
        deal,
        S.DUPLICATE,
        actor=actor,
        fields={"duplicate_of": original, "decided_at": timezone.now(), "decided_by": actor, "decision_due_at": None},
    )
    event = record(
        actor=actor,
        deal=deal,
        verb=events.DUPLICATE,
        before=before,
        message=gettext_noop("Closed as a duplicate of an earlier registration."),
        data={"original_id": original.pk},
    )
    tell(
        deal,
        event,
        to=partner_recipients(deal),
        kind=notifications.DECIDED,
        title=gettext_noop("closed as a duplicate"),
        body=gettext_noop("An earlier registration covers the same opportunity."),
    )
    return deal
