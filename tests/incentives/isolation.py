"""Isolation cases of incentives (the walk reads ``CASES``), with the form views the hostile-input
fuzz posts to (``FORM_VIEWS``, merged by tests/hostile/test_fuzz_forms.py).

``ctx.campaign`` is a SPIFF campaign of acme that takes claims; ``ctx.deal`` a deal of acme
partner 1 won by its sales rep; ``ctx.claim`` a claim on it waiting for finance, with its proof."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incentives.models import (
    ClaimStatus,
    Payout,
    PayoutRun,
    RunStatus,
    SpiffBasis,
    SpiffCampaign,
    SpiffClaim,
    SpiffClaimMode,
)
from incentives.services import (
    payout_run_approve,
    payout_run_prepare,
    payout_statements,
    spiff_claim_approve,
    spiff_claim_submit,
)
from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope, tenant_scope

from ..factories import DealFactory, DealLineFactory, MembershipFactory
from ..isolation import STAFF, office_page, office_write, portal_page, portal_write

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
WON_ON = date(2026, 2, 10)


def proof() -> SimpleUploadedFile:
    return SimpleUploadedFile("invoice.pdf", PDF, "application/pdf")


def won_deal(ctx) -> None:
    side = ctx.side
    with tenant_scope(side.tenant):
        ctx.campaign = SpiffCampaign.objects.create(
            tenant=side.tenant,
            name="Matrix SPIFF",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            basis=SpiffBasis.PER_DEAL,
            amount=Decimal("300.00"),
            currency="USD",
            claim_mode=SpiffClaimMode.CLAIM,
        )
        ctx.deal = DealFactory(
            tenant=side.tenant,
            partner=side.partner,
            registered_by=side.sales_rep,
            status="won",
            won_on=WON_ON,
            won_amount=Decimal("1000.00"),
            customer_name="Matrix Customer",
        )
        DealLineFactory(tenant=side.tenant, deal=ctx.deal)


def claim_approved(ctx) -> None:
    claim(ctx)
    with tenant_scope(ctx.side.tenant):
        spiff_claim_approve(actor=MembershipFactory(tenant=ctx.side.tenant, role=Role.FINANCE), claim=ctx.claim)


def claim(ctx) -> None:
    won_deal(ctx)
    with tenant_scope(ctx.side.tenant, partner=ctx.side.partner):
        ctx.claim = spiff_claim_submit(
            actor=ctx.side.sales_rep, campaign=ctx.campaign, deal=ctx.deal, document=proof(), note="PO 1"
        )


CLAIM = lambda ctx: [ctx.claim.pk]  # noqa: E731
RUN = lambda ctx: [ctx.run.pk]  # noqa: E731
PAYOUT = lambda ctx: [ctx.payout.pk]  # noqa: E731


def draft_run(ctx) -> None:
    """A draft run (prepared by a finance member who is not acme's admin) paying partner 1's rep;
    the open run itself when there is one (the walks that open every page set up each case in turn
    on one database, and a tenant has one open run at a time)."""
    claim(ctx)
    side = ctx.side
    with tenant_scope(side.tenant):
        ctx.preparer = MembershipFactory(tenant=side.tenant, role=Role.FINANCE)
        spiff_claim_approve(actor=ctx.preparer, claim=ctx.claim)
        ctx.run = PayoutRun.objects.filter(status__in=[RunStatus.DRAFT, RunStatus.APPROVED]).first()
        if ctx.run is None:
            ctx.run = payout_run_prepare(actor=ctx.preparer, period_end=date(2026, 12, 31))
        ctx.payout = Payout.objects.filter(run=ctx.run).first()


def approved_run(ctx) -> None:
    draft_run(ctx)
    with tenant_scope(ctx.side.tenant):
        if ctx.run.status == RunStatus.DRAFT:
            payout_run_approve(actor=MembershipFactory(tenant=ctx.side.tenant, role=Role.FINANCE), run=ctx.run)
        payout_statements(run_id=ctx.run.pk)


def _run_status(status):
    def effect(ctx) -> bool:
        with platform_scope():
            return PayoutRun.objects.filter(pk=ctx.run.pk, status=status).exists()

    return effect


def _prepared(ctx) -> bool:
    with platform_scope():
        return PayoutRun.objects.filter(tenant=ctx.side.tenant, period_end=date(2026, 12, 31)).exists()


def _claimed(ctx) -> bool:
    with platform_scope():
        return SpiffClaim.objects.filter(deal_id=ctx.deal.pk).exists()


def _status(status):
    def effect(ctx) -> bool:
        with platform_scope():
            return SpiffClaim.objects.filter(pk=ctx.claim.pk, status=status).exists()

    return effect


def claim_data(ctx) -> dict:
    return {"campaign": str(ctx.campaign.pk), "deal": str(ctx.deal.pk), "note": "PO 7", "document": proof()}


FINANCE = ("admin",)  # acme's staff in the walk: the admin holds finance's capability

CASES: dict = {
    "portal:earnings": portal_page(setup=won_deal, contains="Claim a SPIFF"),
    "portal:spiff_claim": portal_write(setup=won_deal, data=claim_data, effect=_claimed),
    "office:spiff_claims": office_page(allowed=STAFF, setup=claim, contains="Matrix Customer"),
    "office:spiff_claim_approve": office_write(
        allowed=FINANCE, args=CLAIM, setup=claim, effect=_status(ClaimStatus.APPROVED)
    ),
    "office:spiff_claim_reject": office_write(
        allowed=FINANCE,
        args=CLAIM,
        setup=claim,
        data={"reason": "Not a new customer"},
        effect=_status(ClaimStatus.REJECTED),
    ),
    "office:spiff_claim_document": office_page(allowed=STAFF, args=CLAIM, setup=claim),
    "office:spiff_claim_clawback": office_write(
        allowed=FINANCE,
        args=CLAIM,
        setup=claim_approved,
        data={"reason": "Customer was a duplicate"},
        effect=_status(ClaimStatus.CLAWED_BACK),
    ),
    "office:payout_runs": office_page(allowed=STAFF, setup=draft_run, contains="Payout runs"),
    "office:payout_run_prepare": office_write(
        allowed=FINANCE, setup=claim_approved, data={"period_end": "2026-12-31"}, effect=_prepared
    ),
    "office:payout_run": office_page(allowed=STAFF, args=RUN, setup=draft_run, contains="$300.00"),
    "office:payout_run_approve": office_write(
        allowed=FINANCE, args=RUN, setup=draft_run, effect=_run_status(RunStatus.APPROVED)
    ),
    "office:payout_run_discard": office_write(
        allowed=FINANCE, args=RUN, setup=draft_run, effect=_run_status(RunStatus.DISCARDED)
    ),
    "office:payout_run_paid": office_write(
        allowed=FINANCE,
        args=RUN,
        setup=approved_run,
        data={"reference": "BATCH-7"},
        effect=_run_status(RunStatus.PAID),
    ),
    "office:payout_run_export": office_page(allowed=STAFF, args=RUN, setup=draft_run),
    "office:payout_statement": office_page(allowed=STAFF, args=PAYOUT, setup=approved_run),
    # the statement of partner 1's rep: the rep and the partner's admin (the company's earnings)
    "portal:payout_statement": portal_page(args=PAYOUT, setup=approved_run),
}

# --- for tests/hostile/test_fuzz_forms.py: name -> (who, path, valid data)


def _world_ctx(world):
    ctx = getattr(world, "_incentives", None)
    if ctx is None:
        ctx = SimpleNamespace(side=world.acme)
        claim(ctx)
        world._incentives = ctx
    return ctx


FORM_VIEWS: dict = {
    "office:spiff_claim_reject": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:spiff_claim_reject", args=CLAIM(_world_ctx(w))),
        lambda w: {"reason": "Not a new customer"},
    ),
    "office:spiff_claim_clawback": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:spiff_claim_clawback", args=CLAIM(_world_ctx(w))),
        lambda w: {"reason": "Customer was a duplicate"},
    ),
    "office:payout_run_prepare": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:payout_run_prepare"),
        lambda w: {"period_end": "2026-12-31"},
    ),
    "portal:spiff_claim": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:spiff_claim"),
        lambda w: {"campaign": str(_world_ctx(w).campaign.pk), "deal": str(_world_ctx(w).deal.pk), "note": "PO 7"},
    ),
}
NO_INPUT: set[str] = {"office:spiff_claim_approve", "office:payout_run_approve", "office:payout_run_discard"}


def _world_run(world):
    ctx = getattr(world, "_incentives_run", None)
    if ctx is None:
        ctx = SimpleNamespace(side=world.acme)
        approved_run(ctx)
        world._incentives_run = ctx
    return ctx


FORM_VIEWS["office:payout_run_paid"] = (
    lambda w: w.acme.admin,
    lambda w: reverse("office:payout_run_paid", args=RUN(_world_run(w))),
    lambda w: {"reference": "BATCH-7"},
)
