"""Tier evaluation and requalification: the set-based nightly run, proposals, overrides, manual
metric values and enrollment.

Evaluation (``tier_evaluate``) measures every enrollment of a tenant in a handful of SQL
statements, whatever the number of partners:

1. one statement measures every requirement for every enrollment now and one review period
   ago, decides which tiers each enrollment qualifies for (now and projected to the next
   review), and upserts a ``TierStanding`` per enrollment with the per-requirement results;
2. promotions: automatic ones update enrollments in one statement; proposed ones insert
   ``TierChangeProposal`` rows in one statement (one pending proposal per enrollment, by a
   partial unique index);
3. at a program's review date, enrollments below their tier either spend a grace period (at
   risk) or get a demotion proposed; those that meet it have their grace reset; the review date
   moves on by the cadence.

Events and notifications for everything that changed are bulk-inserted. A second run on the
same day changes nothing (idempotent): decisions depend on state, and a review date is passed
once.

Qualification rule: a tier qualifies when every mandatory requirement is met and at least
``optional_required`` optional ones are; a tier without requirements always qualifies. The
qualifying tier is the highest-ranked tier that qualifies. The projection carries each metric's
trend over the last review period forward one more period (value + (value - previous)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from prm.accounts.models import Membership

from ..models import Enrollment, ManualMetric, ManualMetricValue, Program, Tier, TierChangeProposal


@dataclass
class EvaluationSummary:
    """What one evaluation run did (for logs, the bench and tests)."""

    enrollments: int = 0
    enrolled: int = 0  # new enrollments by auto-enrol programs
    promoted: int = 0  # automatic promotions
    proposed_promotions: int = 0
    proposed_demotions: int = 0
    superseded: int = 0  # pending proposals that no longer applied
    entered_grace: int = 0
    at_risk: int = 0
    reviewed_programs: list[int] = field(default_factory=list)


def tier_evaluate(
    *,
    today: date | None = None,
    program_ids: list[int] | None = None,
    partner_ids: list[int] | None = None,
) -> EvaluationSummary:
    """Evaluate the current tenant's enrollments (all, or some programs / partners).

    Runs in the caller's tenant scope. Locks the programs it evaluates, so two runs for the
    same tenant take turns instead of proposing twice.
    """
    raise NotImplementedError


def tier_evaluate_soon(*, partner_ids: list[int]) -> None:
    """Re-evaluate these partners after the current transaction commits (through the outbox),
    e.g. after a manual metric value is recorded or a user joins."""
    raise NotImplementedError


def enrollment_create(*, actor: Membership | None, partner, program: Program, tier: Tier | None = None) -> Enrollment:
    """Enrol a partner in a program (in its entry tier unless one is given). The program must
    target the partner's segment; a partner is in a program once."""
    raise NotImplementedError


def proposal_approve(*, actor: Membership, proposal: TierChangeProposal, note: str = "") -> TierChangeProposal:
    """Approve a proposed promotion or demotion: the enrollment moves to the proposed tier.
    Locked: of two reviewers deciding at once, one wins and the other gets InvalidTransition."""
    raise NotImplementedError


def proposal_reject(*, actor: Membership, proposal: TierChangeProposal, note: str) -> TierChangeProposal:
    """Reject a proposal (a reason is required); the partner keeps its tier."""
    raise NotImplementedError


def tier_override(
    *, actor: Membership, enrollment: Enrollment, tier: Tier, reason: str, until: date | None = None
) -> Enrollment:
    """Set a partner's tier by hand, with a reason; evaluation proposes nothing for it until
    ``until`` (if given). Supersedes a pending proposal."""
    raise NotImplementedError


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
    raise NotImplementedError
