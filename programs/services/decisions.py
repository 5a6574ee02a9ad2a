"""The human decisions about tiers: approving or rejecting a proposal, setting a tier by hand,
recording a manual metric value, enrolling a partner. Each re-evaluates the partner after commit.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from prm.accounts.models import Membership
from prm.accounts.selectors import partner_admin_list
from prm.errors import InvalidTransition, PolicyViolation, assert_same_tenant
from prm.events.services import event_record
from prm.notifications.services import notify
from prm.tenancy.time import add_months, tenant_today

from .. import events, notifications
from ..models import (
    PROPOSAL_TRANSITIONS,
    Enrollment,
    ManualMetric,
    ManualMetricValue,
    Program,
    ProposalStatus,
    Tier,
    TierChangeProposal,
)
from ..permissions import (
    DECIDE,
    ENROL,
    OVERRIDE,
    RECORD,
    enrollment_require,
    manual_value_require,
    proposal_require,
)
from .evaluation import tier_evaluate_soon


def _program_tier(program: Program, tier: Tier | None) -> Tier:
    if tier is None:
        tier = Tier.objects.filter(program=program).order_by("rank").first()
        if tier is None:
            raise PolicyViolation(
                gettext("%(program)s has no tiers yet: add them in the admin first.") % {"program": program.name}
            )
    elif tier.program_id != program.pk:
        raise PolicyViolation(
            gettext("%(tier)s is not a tier of %(program)s.") % {"tier": tier.name, "program": program.name}
        )
    return tier


@transaction.atomic
def enrollment_create(*, actor: Membership | None, partner, program: Program, tier: Tier | None = None) -> Enrollment:
    """Enrol a partner in a program (in its entry tier unless one is given). The program must
    target the partner's segment; a partner is in a program once."""
    enrollment_require(actor, partner, ENROL)
    assert_same_tenant(actor, partner, program, tier)
    if not program.targets(partner):
        raise PolicyViolation(
            gettext(
                "%(program)s does not target %(partner)s's segment (type, industry, size, region, country or tags)."
            )
            % {"program": program.name, "partner": partner}
        )
    tier = _program_tier(program, tier)
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                partner=partner, program=program, tier=tier, tier_changed_at=timezone.now()
            )
    except IntegrityError:
        raise PolicyViolation(
            gettext("%(partner)s is already enrolled in %(program)s.") % {"partner": partner, "program": program.name}
        ) from None
    event_record(
        actor=actor,
        target=partner,
        verb=events.ENROLLED,
        to_state=tier.name,
        message=gettext_noop("Enrolled in %(program)s (%(tier)s)."),
        params={"program": program.name, "tier": tier.name},
        data={"program_id": program.pk},
    )
    tier_evaluate_soon(partner_ids=[partner.pk])
    return enrollment


# A decision that came too late: whole sentences per outcome (and whether someone else made it).
ALREADY_DECIDED = {
    (ProposalStatus.APPROVED, False): _("This proposal was already approved; nothing was changed."),
    (ProposalStatus.APPROVED, True): _("This proposal was already approved by someone else; nothing was changed."),
    (ProposalStatus.REJECTED, False): _("This proposal was already rejected; nothing was changed."),
    (ProposalStatus.REJECTED, True): _("This proposal was already rejected by someone else; nothing was changed."),
    (ProposalStatus.SUPERSEDED, False): _("This proposal was already superseded; nothing was changed."),
    (ProposalStatus.SUPERSEDED, True): _("This proposal was already superseded by someone else; nothing was changed."),
}
ALREADY_DECIDED_ANYHOW = _("This proposal was already decided; nothing was changed.")


def _decide(*, actor: Membership, proposal: TierChangeProposal, to_status: str, note: str) -> TierChangeProposal:
    proposal_require(actor, proposal, DECIDE)
    assert_same_tenant(actor, proposal)
    # Lock the proposal, then its enrollment (always in this order: no deadlock with overrides,
    # which lock the enrollment and then its pending proposal... see tier_override).
    proposal = TierChangeProposal.objects.select_for_update().select_related("program").get(pk=proposal.pk)
    if to_status not in PROPOSAL_TRANSITIONS[proposal.status]:
        by_someone = proposal.decided_by_id is not None
        raise InvalidTransition(str(ALREADY_DECIDED.get((proposal.status, by_someone), ALREADY_DECIDED_ANYHOW)))
    proposal.status = to_status
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return proposal


@transaction.atomic
def proposal_approve(*, actor: Membership, proposal: TierChangeProposal, note: str = "") -> TierChangeProposal:
    """Approve a proposed promotion or demotion: the enrollment moves to the proposed tier.
    Locked: of two reviewers deciding at once, one wins and the other gets InvalidTransition."""
    proposal = _decide(actor=actor, proposal=proposal, to_status=ProposalStatus.APPROVED, note=note)
    enrollment = Enrollment.objects.select_for_update().get(pk=proposal.enrollment_id)
    if enrollment.tier_id != proposal.from_tier_id:
        raise InvalidTransition(gettext("The partner's tier changed since this was proposed; nothing was changed."))
    before, after = proposal.from_tier, proposal.to_tier
    enrollment.tier = after
    enrollment.tier_changed_at = timezone.now()
    enrollment.grace_used = 0
    enrollment.override_reason, enrollment.override_until = "", None
    enrollment.save(update_fields=["tier", "tier_changed_at", "grace_used", "override_reason", "override_until"])
    _tier_changed(
        actor=actor,
        enrollment=enrollment,
        before=before,
        after=after,
        verb=events.PROPOSAL_APPLIED[proposal.direction],
        why=note or proposal.reason,
        data={"proposal_id": proposal.pk},
    )
    return proposal


@transaction.atomic
def proposal_reject(*, actor: Membership, proposal: TierChangeProposal, note: str) -> TierChangeProposal:
    """Reject a proposal (a reason is required); the partner keeps its tier."""
    if not note.strip():
        raise PolicyViolation(gettext("Say why the proposal is rejected: the partner's record keeps the reason."))
    proposal = _decide(actor=actor, proposal=proposal, to_status=ProposalStatus.REJECTED, note=note.strip())
    event_record(
        actor=actor,
        target=proposal.partner,
        verb=events.PROPOSAL_REJECTED[proposal.direction],
        from_state=proposal.from_tier.name,
        to_state=proposal.to_tier.name,
        message=gettext_noop("%(program)s: promotion to %(tier)s rejected.")
        if proposal.direction == "promotion"
        else gettext_noop("%(program)s: demotion to %(tier)s rejected."),
        params={"program": proposal.program.name, "tier": proposal.to_tier.name},
        note=note,
        data={"proposal_id": proposal.pk, "program_id": proposal.program_id},
        internal=True,
    )
    return proposal


def _tier_changed(
    *, actor, enrollment: Enrollment, before: Tier, after: Tier, verb: str, why: str, data: dict, until=None
):
    """The event and notifications of a decided tier change, and a fresh standing after commit.
    ``why``: the decider's own words; ``until``: the end of a tier set by hand."""
    partner = enrollment.partner
    change = {"program": after.program.name, "before": before.name, "after": after.name, "until": until}
    event = event_record(
        actor=actor,
        target=partner,
        verb=verb,
        from_state=before.name,
        to_state=after.name,
        message=gettext_noop("%(program)s: %(before)s -> %(after)s. Set by hand until %(until)s:")
        if until
        else gettext_noop("%(program)s: %(before)s -> %(after)s."),
        params=change,
        note=why,
        data={"program_id": after.program_id, **data},
    )
    recipients = partner_admin_list(partner_id=partner.pk)
    if partner.account_manager_id and partner.account_manager_id != getattr(actor, "pk", None):
        recipients.append(partner.account_manager)
    notify(
        recipients=recipients,
        kind=notifications.TIER_CHANGED,
        title=gettext_noop("%(partner)s: now %(after)s in %(program)s"),
        body=gettext_noop("%(before)s -> %(after)s. Set by hand until %(until)s:")
        if until
        else gettext_noop("%(before)s -> %(after)s."),
        params={"partner": str(partner), **change},
        note=why,
        url=reverse("portal:program"),
        event=event,
    )
    tier_evaluate_soon(partner_ids=[partner.pk])


@transaction.atomic
def tier_override(
    *, actor: Membership, enrollment: Enrollment, tier: Tier, reason: str, until: date | None = None
) -> Enrollment:
    """Set a partner's tier by hand, with a reason; evaluation proposes nothing for it until
    ``until`` (default: the program's next review). Supersedes a pending proposal."""
    enrollment_require(actor, enrollment, OVERRIDE)
    assert_same_tenant(actor, enrollment, tier)
    if not reason.strip():
        raise PolicyViolation(gettext("Give a reason for the manual tier: the partner's record keeps it."))
    enrollment = (
        Enrollment.objects.select_for_update().select_related("program", "tier", "partner").get(pk=enrollment.pk)
    )
    if tier.program_id != enrollment.program_id:
        raise PolicyViolation(
            gettext("%(tier)s is not a tier of %(program)s.") % {"tier": tier.name, "program": enrollment.program.name}
        )
    today = tenant_today()
    if until is not None and until < today:
        raise PolicyViolation(gettext("The hold date is in the past: pick today or a later date, or leave it empty."))
    before = enrollment.tier
    enrollment.tier = tier
    enrollment.tier_changed_at = timezone.now()
    enrollment.grace_used = 0
    enrollment.override_reason = reason.strip()
    enrollment.override_until = (
        until or enrollment.program.next_review_on or add_months(today, enrollment.program.review_cadence_months)
    )
    enrollment.save(update_fields=["tier", "tier_changed_at", "grace_used", "override_reason", "override_until"])
    TierChangeProposal.objects.filter(enrollment=enrollment, status=ProposalStatus.PENDING).update(
        status=ProposalStatus.SUPERSEDED, decided_by=actor, decided_at=timezone.now(), decision_note="Manual tier set."
    )
    _tier_changed(
        actor=actor,
        enrollment=enrollment,
        before=before,
        after=tier,
        verb=events.TIER_OVERRIDDEN,
        why=reason.strip(),
        until=enrollment.override_until,
        data={"override_until": enrollment.override_until.isoformat()},
    )
    return enrollment


@transaction.atomic
def manual_metric_record(
    *,
    actor: Membership,
    partner,
    metric: ManualMetric,
    value: Decimal,
    effective_on: date,
    evidence=None,
    note: str = "",
) -> ManualMetricValue:
    """Record a manual metric value for a partner (evidence required when the metric says so),
    then re-evaluate the partner after commit."""
    manual_value_require(actor, partner, RECORD)
    assert_same_tenant(actor, partner, metric)
    if metric.evidence_required and not evidence:
        raise PolicyViolation(
            gettext("%(metric)s needs evidence: attach the document the value comes from.") % {"metric": metric.name}
        )
    if effective_on > tenant_today() + timedelta(days=1):
        raise PolicyViolation(gettext("The value cannot take effect in the future."))
    recorded = ManualMetricValue(
        partner=partner, metric=metric, value=value, effective_on=effective_on, note=note, recorded_by=actor
    )
    if evidence:
        recorded.evidence.save(evidence.name, evidence, save=False)
    recorded.save()
    unit = f" {metric.unit}" if metric.unit else ""
    event_record(
        actor=actor,
        target=partner,
        verb=events.METRIC_RECORDED,
        message=gettext_noop("%(metric)s: %(value)s from %(day)s."),
        params={"metric": metric.name, "value": f"{value}{unit}", "day": effective_on},
        note=note,
        data={"metric": metric.code, "value": str(value), "effective_on": effective_on.isoformat()},
    )
    tier_evaluate_soon(partner_ids=[partner.pk])
    return recorded
