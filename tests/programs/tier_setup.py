"""What the tier pages name, for their tests, the isolation matrix and the hostile-input tests.

``tier_ladder(ctx)``: a "Resell" program of ``ctx.side`` (a ``conftest.Side``) with Registered,
Silver and Gold tiers, its partner 1 enrolled in Silver with a standing (Silver met, Gold 8,000
short on revenue); ``tier_proposal`` adds a pending promotion to Gold; ``manual_metric`` a
manual metric; ``manual_value_with_evidence`` a recorded value with a PDF.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from prm.tenancy.scope import platform_scope
from programs.models import Enrollment, ManualMetricValue, Program, ProposalStatus, TierChangeProposal

from ..factories import (
    EnrollmentFactory,
    ManualMetricFactory,
    ManualMetricValueFactory,
    TierChangeProposalFactory,
    TierFactory,
    TierStandingFactory,
)

# A whole (tiny) PDF: header, catalogue, one empty page, trailer, end-of-file marker.
TINY_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
    b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 72 72]>> endobj\n"
    b"trailer <</Root 1 0 R>>\n"
    b"%%EOF\n"
)


def requirement_result(tier, **values) -> dict:
    """One entry of ``TierStanding.results`` as evaluation writes it (numbers as strings)."""
    result = {
        "requirement_id": values.pop("requirement_id", 1),
        "tier_id": tier.pk,
        "tier": tier.name,
        "metric": "manual:revenue",
        "label": "Annual revenue",
        "unit": "currency",
        "operator": "gte",
        "operator_label": "at least",
        "threshold": "50000.00",
        "value": "42000.00",
        "previous": "30000.00",
        "projected": "54000.00",
        "met": False,
        "projected_met": True,
        "gap": "8000.00",
        "mandatory": True,
        "window_days": 365,
        "available": True,
    }
    result.update(values)
    return result


def standing_results(silver, gold) -> list[dict]:
    """Silver (current) met; Gold (next): revenue 8,000 short, certified people not measured yet."""
    return [
        requirement_result(silver, requirement_id=1, threshold="20000.00", met=True, gap="0", projected_met=True),
        requirement_result(gold, requirement_id=2),
        requirement_result(
            gold,
            requirement_id=3,
            metric="learning.certified_people",
            label="Certified people",
            unit="people",
            threshold="3.00",
            value=None,
            previous=None,
            projected=None,
            gap="3.00",
            projected_met=False,
            available=False,
        ),
    ]


def tier_ladder(ctx, *, standing: bool = True, **standing_values) -> None:
    side = ctx.side
    ctx.registered = TierFactory(tenant=side.tenant, name="Registered", rank=1, program__name="Resell")
    ctx.program = ctx.registered.program
    with platform_scope():
        Program.objects.filter(pk=ctx.program.pk).update(next_review_on=date(2031, 3, 31))
    ctx.silver = TierFactory(
        program=ctx.program, name="Silver", rank=2, color="#8a8d91", discount_percent=10, protection_days=90
    )
    ctx.gold = TierFactory(
        program=ctx.program,
        name="Gold",
        rank=3,
        color="#b8860b",
        discount_percent=15,
        protection_days=120,
        mdf_eligible=True,
        mdf_allocation_percent=5,
        lead_routing_weight=3,
        rebate_percent=2,
        content_access=["gold-playbooks"],
    )
    ctx.enrollment = EnrollmentFactory(partner=side.partner, tier=ctx.silver)
    if standing:
        values = {"results": standing_results(ctx.silver, ctx.gold), "next_tier": ctx.gold, **standing_values}
        ctx.standing = TierStandingFactory(enrollment=ctx.enrollment, **values)


def tier_proposal(ctx) -> None:
    tier_ladder(ctx)
    ctx.proposal = TierChangeProposalFactory(
        enrollment=ctx.enrollment,
        to_tier=ctx.gold,
        reason="Revenue grew past Gold's threshold.",
        results=standing_results(ctx.silver, ctx.gold),
    )


def manual_metric(ctx) -> None:
    ctx.metric = ManualMetricFactory(tenant=ctx.side.tenant, name="Business plan score", code="plan", unit="points")


def manual_value_with_evidence(ctx) -> None:
    manual_metric(ctx)
    ctx.value = ManualMetricValueFactory(
        partner=ctx.side.partner,
        metric=ctx.metric,
        value=7,
        evidence=ContentFile(TINY_PDF, name="evidence.pdf"),
        effective_on=timezone.localdate() - timedelta(days=1),
    )


def proposal_approved(ctx) -> bool:
    with platform_scope():
        return TierChangeProposal.objects.get(pk=ctx.proposal.pk).status == ProposalStatus.APPROVED


def enrollment_tier(ctx):
    with platform_scope():
        return Enrollment.objects.get(pk=ctx.enrollment.pk).tier_id


def metric_recorded(ctx) -> bool:
    with platform_scope():
        return ManualMetricValue.objects.filter(partner_id=ctx.side.partner.pk, metric_id=ctx.metric.pk).exists()
