"""Reads of tiers and standings, as the acting membership may see them.

Partner users see their own partner's enrollments, standings and manual metric values, never a
proposal (proposals are vendor-internal; row-level security hides them from the partner role
too). Staff see any of their tenant's. What an actor may not see is a 404.

Every selector here costs a fixed number of queries, whatever the number of rows: relations are
joined or prefetched, counts are aggregated in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from partners.models import Partner
from prm.memo import tenant_memo

from ..models import (
    Enrollment,
    ManualMetric,
    ManualMetricValue,
    Program,
    ProposalStatus,
    Tier,
    TierChangeProposal,
    TierRequirement,
    TierStanding,
)
from ..permissions import VIEW, VIEW_EVIDENCE, enrollment_require, manual_value_require, proposal_require


def _partner_exists(actor, partner_id: int) -> None:
    """Staff name a partner by id: one of their tenant's, or a 404 (a partner user's own exists)."""
    if actor.is_staff_member and not Partner.objects.filter(pk=partner_id).exists():
        raise Http404


def _enrollments_with_standing(actor) -> QuerySet[Enrollment]:
    """Enrollments with their program, tier, the program's tier ladder (``program.ladder``, in
    rank order), the standing (``standing_list``: none or one) and, for staff, the pending
    proposal (``pending_proposals``: none or one)."""
    prefetches = [
        Prefetch("program__tiers", queryset=Tier.objects.order_by("rank"), to_attr="ladder"),
        Prefetch(
            "standings",
            queryset=TierStanding.objects.select_related("qualifying_tier", "next_tier"),
            to_attr="standing_list",
        ),
    ]
    if actor.is_staff_member:
        prefetches.append(
            Prefetch(
                "proposals",
                queryset=TierChangeProposal.objects.filter(status=ProposalStatus.PENDING).select_related(
                    "from_tier", "to_tier"
                ),
                to_attr="pending_proposals",
            )
        )
    return Enrollment.objects.select_related("program", "tier").prefetch_related(*prefetches)


def enrollment_list_for_actor(*, actor, partner_id: int) -> list[Enrollment]:
    """A partner's enrollments with their standing (see ``_enrollments_with_standing``), by
    program name. Partner users: their own partner only; staff: any of the tenant's."""
    enrollment_require(actor, partner_id, VIEW)
    _partner_exists(actor, partner_id)
    return list(_enrollments_with_standing(actor).filter(partner_id=partner_id).order_by("program__name", "id"))


def enrollment_get_for_actor(*, actor, partner_id: int, enrollment_id: int) -> Enrollment:
    """One enrollment of one partner, with its program's tier ladder. Else 404."""
    enrollment_require(actor, partner_id, VIEW)
    enrollment = (
        _enrollments_with_standing(actor)
        .select_related("partner")
        .filter(pk=enrollment_id, partner_id=partner_id)
        .first()
    )
    if enrollment is None:
        raise Http404
    return enrollment


def proposal_review_list_for_actor(*, actor, program=None, direction: str = "") -> QuerySet[TierChangeProposal]:
    """The tier review queue: pending proposals, oldest first, with what a reviewer reads."""
    proposal_require(actor, None, VIEW)
    queryset = TierChangeProposal.objects.filter(status=ProposalStatus.PENDING).select_related(
        "partner", "partner__account_manager__user", "program", "from_tier", "to_tier"
    )
    if program is not None:
        queryset = queryset.filter(program=program)
    if direction:
        queryset = queryset.filter(direction=direction)
    return queryset.order_by("created_at", "id")


def proposal_get_for_actor(*, actor, proposal_id: int) -> TierChangeProposal:
    """One proposal, in any status (deciding a decided one is the service's InvalidTransition)."""
    proposal_require(actor, None, VIEW)  # staff only (a partner user's scope holds no proposal anyway)
    proposal = (
        TierChangeProposal.objects.select_related("partner", "program", "from_tier", "to_tier", "enrollment")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise Http404
    return proposal


@dataclass
class TierCount:
    tier: Tier
    enrollments: int


@dataclass
class ProgramDistribution:
    """How a program's partners spread over its tiers, and what awaits review there."""

    program: Program
    tiers: list[TierCount] = field(default_factory=list)
    at_risk: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return sum(row.enrollments for row in self.tiers)


def tier_distribution_for_actor(*, actor) -> list[ProgramDistribution]:
    """Per program (by name): enrollments per tier in rank order, at-risk standings and pending
    proposals. Three aggregate queries, whatever the number of partners."""
    proposal_require(actor, None, VIEW)  # the counts include proposals: staff only
    tiers = (
        Tier.objects.select_related("program")
        .annotate(enrolled=Count("enrollments"))
        .order_by("program__name", "program_id", "rank")
    )
    at_risk = dict(
        TierStanding.objects.filter(at_risk=True).values_list("program_id").annotate(n=Count("id")).order_by()
    )
    pending = dict(
        TierChangeProposal.objects.filter(status=ProposalStatus.PENDING)
        .values_list("program_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    programs: dict[int, ProgramDistribution] = {}
    for tier in tiers:
        row = programs.get(tier.program_id)
        if row is None:
            row = programs[tier.program_id] = ProgramDistribution(
                program=tier.program, at_risk=at_risk.get(tier.program_id, 0), pending=pending.get(tier.program_id, 0)
            )
        row.tiers.append(TierCount(tier=tier, enrollments=tier.enrolled))
    return list(programs.values())


def manual_value_list_for_actor(*, actor, partner_id: int) -> QuerySet[ManualMetricValue]:
    """The manual metric values recorded for a partner, newest effective date first."""
    manual_value_require(actor, partner_id, VIEW)
    _partner_exists(actor, partner_id)
    return (
        ManualMetricValue.objects.filter(partner_id=partner_id)
        .select_related("metric", "recorded_by__user")
        .order_by("-effective_on", "-id")
    )


def manual_value_get_for_actor(*, actor, value_id: int) -> ManualMetricValue:
    """One recorded value, for its evidence (staff only). Else 404."""
    manual_value_require(actor, None, VIEW_EVIDENCE)  # every partner's evidence: staff only
    value = ManualMetricValue.objects.select_related("metric").filter(pk=value_id).first()
    if value is None:
        raise Http404
    return value


def manual_metric_options_for_actor(*, actor) -> list[ManualMetric]:
    """The tenant's manual metrics (what staff may record values of)."""
    manual_value_require(actor, None, VIEW)  # every partner's: staff only
    return list(ManualMetric.objects.order_by("name"))


# --- what other apps read of a partner's programs (deal registration) -------------------------


def program_get_for_partner(*, partner) -> Program | None:
    """The program whose rules apply to the partner: its enrollment's (the first by program name
    when it is in several active ones), or None."""
    enrollment = (
        Enrollment.objects.filter(partner=partner, program__is_active=True)
        .select_related("program")
        .order_by("program__name", "program_id")
        .first()
    )
    return enrollment.program if enrollment else None


def tier_ranks_for_partner(*, partner_id: int) -> dict[int, int]:
    """{program id: the rank of the partner's tier in it}."""
    return dict(Enrollment.objects.filter(partner_id=partner_id).values_list("program_id", "tier__rank"))


def program_review_hours(*, program_ids) -> dict[int, int]:
    """{program id: its deal-review window in business hours}."""
    return dict(Program.objects.filter(pk__in=list(program_ids)).values_list("pk", "deal_review_hours"))


def requirement_params(*, requirement_ids) -> dict[int, str]:
    """{requirement id: its parameter} (the certification or competency code a metric measures):
    a standing's results name requirements by id, and apps that read them (e-learning's team
    page: who to certify next) need the parameter too. One query of ids."""
    rows = TierRequirement.objects.filter(pk__in=list(requirement_ids)).values_list("pk", "param")
    return dict(rows.order_by())


@dataclass(frozen=True)
class TierOption:
    """A tier as lists show it: its label ("Resell Gold"), name, colour and program."""

    id: int
    label: str
    name: str
    color: str
    program_id: int
    program_name: str


def _tier_options() -> tuple[TierOption, ...]:
    tiers = Tier.objects.select_related("program").order_by("program__name", "rank")
    return tuple(TierOption(t.pk, str(t), t.name, t.color, t.program_id, t.program.name) for t in tiers)


def tier_options() -> tuple[TierOption, ...]:
    """Every tier of the tenant by program and rank: the directory's tier filter and badges.
    Reference data, memoised per tenant (``prm.memo``; tiers change in the admin, which says so)."""
    return tenant_memo("tiers", _tier_options)


def tiers_by_partner(*, partner_ids) -> dict[int, list[TierOption]]:
    """{partner id: its tiers, by program name} for a page of partners, in one query of ids."""
    tiers = {tier.id: tier for tier in tier_options()}
    found: dict[int, list[TierOption]] = {}
    rows = Enrollment.objects.filter(partner_id__in=list(partner_ids)).values_list("partner_id", "tier_id")
    for partner_id, tier_id in rows.order_by():
        if tier_id in tiers:
            found.setdefault(partner_id, []).append(tiers[tier_id])
    for partner_tiers in found.values():
        partner_tiers.sort(key=lambda tier: tier.program_name)
    return found


def tier_choices():
    """Every tier with its program, by program and rank (configuration forms)."""
    return Tier.objects.select_related("program").order_by("program__name", "rank")


def program_list_for_actor(*, actor) -> list[Program]:
    """The programs with their tier ladders (by rank): staff see every program of the tenant,
    partner users those their partner is enrolled in."""
    programs = Program.objects.prefetch_related(Prefetch("tiers", queryset=Tier.objects.order_by("rank", "id")))
    if actor.is_partner_user:
        programs = programs.filter(enrollments__partner_id=actor.partner_id)
    return list(programs.order_by("name", "id"))
