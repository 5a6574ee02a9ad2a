"""Isolation cases of programs: tiers (the partner's standing, the review queue, overrides and
manual metrics) and policies (products, licences and their verification, the policy check)."""

from __future__ import annotations

from ..isolation import PARTNER_ID, Case, office_page, office_write, portal_page
from . import policy_setup, tier_setup

LICENCE = lambda ctx: [ctx.licence.pk]  # noqa: E731

CASES: dict[str, Case] = {
    # --- tiers ---------------------------------------------------------------------------------
    "portal:program": portal_page(setup=tier_setup.tier_ladder, contains="8,000 USD more"),
    "office:tier_reviews": office_page(
        setup=tier_setup.tier_proposal, contains=lambda ctx: ctx.side.partner.display_name
    ),
    "office:proposal_decide": office_write(
        setup=tier_setup.tier_proposal,
        args=lambda ctx: [ctx.proposal.pk],
        data={"decision": "approve", "note": "Matrix"},
        effect=tier_setup.proposal_approved,
    ),
    "office:partner_programs": office_page(setup=tier_setup.tier_ladder, args=PARTNER_ID, contains="Towards Gold"),
    "office:tier_override": office_write(
        setup=tier_setup.tier_ladder,
        args=lambda ctx: [ctx.side.partner.pk, ctx.enrollment.pk],
        data=lambda ctx: {"tier": str(ctx.gold.pk), "reason": "Matrix"},
        effect=lambda ctx: tier_setup.enrollment_tier(ctx) == ctx.gold.pk,
    ),
    "office:metric_record": office_write(
        setup=tier_setup.manual_metric,
        args=PARTNER_ID,
        data=lambda ctx: {"metric": str(ctx.metric.pk), "value": "7", "effective_on": "2020-01-01", "note": "Matrix"},
        effect=tier_setup.metric_recorded,
    ),
    "office:metric_evidence": office_page(setup=tier_setup.manual_value_with_evidence, args=lambda ctx: [ctx.value.pk]),
    # --- policies ------------------------------------------------------------------------------
    "portal:products": portal_page(setup=policy_setup.product_line, contains="Matrix Product"),
    "portal:licences": portal_page(setup=policy_setup.pending_licence, contains="MATRIX-1"),
    "portal:licence_document": portal_page(setup=policy_setup.pending_licence, args=LICENCE),
    "office:licence_queue": office_page(setup=policy_setup.pending_licence, contains="MATRIX-1"),
    "office:licence_decide": office_write(
        setup=policy_setup.pending_licence,
        args=LICENCE,
        data={"decision": "verify"},
        effect=policy_setup.licence_verified,
    ),
    "office:licence_document": office_page(setup=policy_setup.pending_licence, args=LICENCE),
    "office:policy_check": office_page(setup=policy_setup.product_line, contains="Matrix Line"),
}
