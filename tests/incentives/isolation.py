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

from incentives.models import ClaimStatus, SpiffBasis, SpiffCampaign, SpiffClaim, SpiffClaimMode
from incentives.services import spiff_claim_submit
from prm.tenancy.scope import platform_scope, tenant_scope

from ..factories import DealFactory, DealLineFactory
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


def claim(ctx) -> None:
    won_deal(ctx)
    with tenant_scope(ctx.side.tenant, partner=ctx.side.partner):
        ctx.claim = spiff_claim_submit(
            actor=ctx.side.sales_rep, campaign=ctx.campaign, deal=ctx.deal, document=proof(), note="PO 1"
        )


CLAIM = lambda ctx: [ctx.claim.pk]  # noqa: E731


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
    "portal:spiff_claim": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:spiff_claim"),
        lambda w: {"campaign": str(_world_ctx(w).campaign.pk), "deal": str(_world_ctx(w).deal.pk), "note": "PO 7"},
    ),
}
NO_INPUT: set[str] = {"office:spiff_claim_approve"}
