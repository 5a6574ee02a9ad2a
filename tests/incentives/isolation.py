"""Isolation cases of incentives (the walk reads ``CASES``), with the form views the hostile-input
fuzz posts to (``FORM_VIEWS``, merged by tests/hostile/test_fuzz_forms.py).

``ctx.campaign`` is a SPIFF campaign of acme that takes claims; ``ctx.deal`` a deal of acme
partner 1 won by its sales rep; ``ctx.claim`` a claim on it waiting for finance, with its proof."""

from __future__ import annotations

from datetime import date, timedelta
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


PARTNER = lambda ctx: [ctx.side.partner.pk]  # noqa: E731


def payouts_held(ctx) -> None:
    from incentives.services import payout_hold

    with tenant_scope(ctx.side.tenant):
        finance = MembershipFactory(tenant=ctx.side.tenant, role=Role.FINANCE)
        payout_hold(actor=finance, partner=ctx.side.partner, reason="Audit under way")


def _held(held: bool):
    def effect(ctx) -> bool:
        from incentives.models import PayoutHold

        with platform_scope():
            return PayoutHold.objects.filter(partner=ctx.side.partner, released_at__isnull=True).exists() is held

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
    # every partner user's own list (tests/incentives/test_pages.py: whose payouts each one sees)
    "portal:payout_statements": portal_page(setup=approved_run, contains="Every payout to"),
    # finance holds and resumes partner 1's payouts (its record's Incentives tab)
    "office:payout_hold": office_write(
        allowed=FINANCE, args=PARTNER, data={"reason": "Bank details missing"}, effect=_held(True)
    ),
    "office:payout_resume": office_write(allowed=FINANCE, args=PARTNER, setup=payouts_held, effect=_held(False)),
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
FORM_VIEWS["office:payout_hold"] = (
    lambda w: w.acme.admin,
    lambda w: reverse("office:payout_hold", args=[w.acme.partner.pk]),
    lambda w: {"reason": "Bank details missing"},
)
NO_INPUT: set[str] = {
    "office:spiff_claim_approve",
    "office:payout_run_approve",
    "office:payout_run_discard",
    "office:payout_resume",
}


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


# --- market development funds ---------------------------------------------------------------------
# ``ctx.budget`` is an acme budget with 5,000 allocated to partner 1 (``ctx.allocation``);
# ``ctx.mdf`` an activity of partner 1's asking 1,000 (submitted; then pre-approved, claimed with an
# invoice ``ctx.proof``, then reimbursed); ``ctx.extension`` a request for more time waiting.

MDF_MANAGERS = ("admin", "marketing")  # MDF_MANAGE among the walk's staff
MDF_PARTNER = ("partner_admin",)  # MDF_VIEW and MDF_REQUEST among the walk's partner users


def mdf_submitted(ctx) -> None:
    from incentives.models import MdfActivityType, ProofKind
    from incentives.services.mdf import mdf_allocate, mdf_budget_create, mdf_request_submit
    from prm.tenancy.time import tenant_today

    side = ctx.side
    with tenant_scope(side.tenant):
        today = tenant_today()
        ctx.budget = mdf_budget_create(
            actor=side.marketing,
            name="Matrix funds",
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=60),
            amount=Decimal("20000.00"),
            currency="USD",
        )
        ctx.allocation = mdf_allocate(
            actor=side.marketing, budget=ctx.budget, partner=side.partner, amount=Decimal(5000)
        )
        ctx.activity_type = MdfActivityType.objects.create(
            name="Matrix event", vendor_share_percent=Decimal(50), proof_required=[ProofKind.INVOICE]
        )
    with tenant_scope(side.tenant, partner=side.partner):
        ctx.mdf = mdf_request_submit(
            actor=side.partner_admin,
            allocation=ctx.allocation,
            activity_type=ctx.activity_type,
            title="Matrix roadshow",
            description="Three cities.",
            starts_on=today,
            ends_on=today + timedelta(days=2),
            cost=Decimal("2000.00"),
        )


def mdf_pre_approved(ctx) -> None:
    from incentives.services.mdf import mdf_request_decide

    mdf_submitted(ctx)
    with tenant_scope(ctx.side.tenant):
        ctx.mdf = mdf_request_decide(actor=ctx.side.marketing, request=ctx.mdf, approve=True)
        ctx.deal = DealFactory(tenant=ctx.side.tenant, partner=ctx.side.partner, status="approved")


def mdf_claimed(ctx) -> None:
    from incentives.services.mdf import mdf_claim_submit

    mdf_pre_approved(ctx)
    with tenant_scope(ctx.side.tenant, partner=ctx.side.partner):
        ctx.mdf = mdf_claim_submit(
            actor=ctx.side.partner_admin, request=ctx.mdf, actual_cost=Decimal(2000), proofs={"invoice": proof()}
        )
        ctx.proof = ctx.mdf.proofs.get()


def mdf_reimbursed(ctx) -> None:
    from incentives.services.mdf import ClaimDecision, mdf_claim_decide

    mdf_claimed(ctx)
    with tenant_scope(ctx.side.tenant):
        ctx.mdf = mdf_claim_decide(actor=ctx.side.marketing, request=ctx.mdf, decision=ClaimDecision.APPROVE)


def _mdf_clawed_back(ctx) -> bool:
    from incentives.models import LedgerTransaction

    with platform_scope():
        return LedgerTransaction.objects.filter(kind="clawback", source=f"incentives.mdfrequest:{ctx.mdf.pk}").exists()


def mdf_more_time(ctx) -> None:
    from incentives.services.mdf import mdf_extension_request

    mdf_pre_approved(ctx)
    with tenant_scope(ctx.side.tenant, partner=ctx.side.partner):
        ctx.extension = mdf_extension_request(actor=ctx.side.partner_admin, request=ctx.mdf, days=10, reason="Late")


def mdf_tier_ready(ctx) -> None:
    """Partner 2 enrolled at an MDF tier (5 %) with revenue last period: allocation by tier gives it some."""
    from ..factories import EnrollmentFactory, TierFactory

    mdf_submitted(ctx)
    side = ctx.side
    with tenant_scope(side.tenant):
        tier = TierFactory(tenant=side.tenant, mdf_eligible=True, mdf_allocation_percent=Decimal(5))
        EnrollmentFactory(tenant=side.tenant, partner=side.partners[1], tier=tier)
        DealFactory(
            tenant=side.tenant,
            partner=side.partners[1],
            status="won",
            won_on=ctx.budget.starts_on - timedelta(days=5),
            won_amount=Decimal("10000.00"),
        )


MDF = lambda ctx: [ctx.mdf.pk]  # noqa: E731
BUDGET = lambda ctx: [ctx.budget.pk]  # noqa: E731
PROOF = lambda ctx: [ctx.proof.pk]  # noqa: E731
EXTENSION = lambda ctx: [ctx.extension.pk]  # noqa: E731


def _mdf_status(status):
    def effect(ctx) -> bool:
        from incentives.models import MdfRequest

        with platform_scope():
            return MdfRequest.objects.filter(pk=ctx.mdf.pk, status=status).exists()

    return effect


def _mdf_exists(model_name, **lookups):
    def effect(ctx) -> bool:
        from incentives import models

        with platform_scope():
            return getattr(models, model_name).objects.filter(**{k: v(ctx) for k, v in lookups.items()}).exists()

    return effect


def mdf_request_data(ctx) -> dict:
    from django.utils import timezone

    today = timezone.localdate()
    return {
        "allocation": str(ctx.allocation.pk),
        "activity_type": str(ctx.activity_type.pk),
        "title": "Matrix webinar",
        "description": "One hour.",
        "starts_on": today.isoformat(),
        "ends_on": today.isoformat(),
        "cost": "400.00",
        "expected_leads": "5",
        "expected_pipeline": "1000",
    }


def mdf_budget_data(ctx) -> dict:
    from django.utils import timezone

    today = timezone.localdate()
    return {
        "name": "Matrix new budget",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=90)).isoformat(),
        "amount": "1000.00",
        "currency": "usd",
    }


CASES.update(
    {
        "portal:mdf": portal_page(allowed=MDF_PARTNER, setup=mdf_submitted, contains="Ask for funds"),
        "portal:mdf_request_new": portal_write(
            allowed=MDF_PARTNER,
            setup=mdf_submitted,
            data=mdf_request_data,
            effect=_mdf_exists(
                "MdfRequest", title=lambda ctx: "Matrix webinar", partner_id=lambda ctx: ctx.side.partner.pk
            ),
        ),
        "portal:mdf_request": portal_page(
            allowed=MDF_PARTNER, args=MDF, setup=mdf_submitted, contains="Matrix roadshow"
        ),
        "portal:mdf_claim": portal_write(
            allowed=MDF_PARTNER,
            args=MDF,
            setup=mdf_pre_approved,
            data=lambda ctx: {"actual_cost": "2000.00", "proof_invoice": proof()},
            effect=_mdf_status("claimed"),
        ),
        "portal:mdf_extension": portal_write(
            allowed=MDF_PARTNER,
            args=MDF,
            setup=mdf_pre_approved,
            data={"days": "10", "reason": "The invoice is late"},
            effect=_mdf_exists("MdfExtension", request_id=lambda ctx: ctx.mdf.pk),
        ),
        "portal:mdf_link": portal_write(
            allowed=MDF_PARTNER,
            args=MDF,
            setup=mdf_pre_approved,
            data=lambda ctx: {"target": f"deal:{ctx.deal.pk}"},
            effect=_mdf_exists("MdfLink", deal_id=lambda ctx: ctx.deal.pk),
        ),
        "portal:mdf_cancel": portal_write(
            allowed=MDF_PARTNER, args=MDF, setup=mdf_submitted, effect=_mdf_status("cancelled")
        ),
        "portal:mdf_proof": portal_page(allowed=MDF_PARTNER, args=PROOF, setup=mdf_claimed),
        "office:mdf_budgets": office_page(allowed=STAFF, setup=mdf_submitted, contains="Matrix funds"),
        "office:mdf_budget_create": office_write(
            allowed=MDF_MANAGERS,
            data=mdf_budget_data,
            effect=_mdf_exists(
                "MdfBudget", name=lambda ctx: "Matrix new budget", tenant_id=lambda ctx: ctx.side.tenant.pk
            ),
        ),
        "office:mdf_budget": office_page(allowed=STAFF, args=BUDGET, setup=mdf_submitted, contains="Matrix funds"),
        "office:mdf_allocate": office_write(
            allowed=MDF_MANAGERS,
            args=BUDGET,
            setup=mdf_submitted,
            data=lambda ctx: {"partner": str(ctx.side.partners[1].pk), "amount": "700.00"},
            effect=_mdf_exists(
                "MdfAllocation", budget_id=lambda ctx: ctx.budget.pk, partner_id=lambda ctx: ctx.side.partners[1].pk
            ),
        ),
        "office:mdf_allocate_tier": office_write(
            allowed=MDF_MANAGERS,
            args=BUDGET,
            setup=mdf_tier_ready,
            effect=_mdf_exists(
                "MdfAllocation",
                budget_id=lambda ctx: ctx.budget.pk,
                partner_id=lambda ctx: ctx.side.partners[1].pk,
                basis=lambda ctx: "tier",
            ),
        ),
        "office:mdf_requests": office_page(allowed=STAFF, setup=mdf_submitted, contains="Matrix roadshow"),
        "office:mdf_request": office_page(allowed=STAFF, args=MDF, setup=mdf_submitted, contains="Matrix roadshow"),
        "office:mdf_pre_approve": office_write(
            allowed=MDF_MANAGERS, args=MDF, setup=mdf_submitted, effect=_mdf_status("pre_approved")
        ),
        "office:mdf_reject": office_write(
            allowed=MDF_MANAGERS,
            args=MDF,
            setup=mdf_submitted,
            data={"reason": "Not this quarter"},
            effect=_mdf_status("rejected"),
        ),
        "office:mdf_claim_approve": office_write(
            allowed=MDF_MANAGERS, args=MDF, setup=mdf_claimed, effect=_mdf_status("approved")
        ),
        "office:mdf_claim_return": office_write(
            allowed=MDF_MANAGERS,
            args=MDF,
            setup=mdf_claimed,
            data={"reason": "The invoice is unreadable"},
            effect=_mdf_status("pre_approved"),
        ),
        "office:mdf_claim_reject": office_write(
            allowed=MDF_MANAGERS,
            args=MDF,
            setup=mdf_claimed,
            data={"reason": "Not the planned event"},
            effect=_mdf_status("claim_rejected"),
        ),
        "office:mdf_clawback": office_write(
            allowed=FINANCE,
            args=MDF,
            setup=mdf_reimbursed,
            data={"reason": "The event did not take place", "confirm": "on"},
            effect=_mdf_clawed_back,
        ),
        "office:mdf_extension_grant": office_write(
            allowed=MDF_MANAGERS,
            args=EXTENSION,
            setup=mdf_more_time,
            effect=_mdf_exists("MdfExtension", pk=lambda ctx: ctx.extension.pk, status=lambda ctx: "approved"),
        ),
        "office:mdf_extension_refuse": office_write(
            allowed=MDF_MANAGERS,
            args=EXTENSION,
            setup=mdf_more_time,
            data={"note": "No more time this quarter"},
            effect=_mdf_exists("MdfExtension", pk=lambda ctx: ctx.extension.pk, status=lambda ctx: "refused"),
        ),
        "office:mdf_proof": office_page(allowed=STAFF, args=PROOF, setup=mdf_claimed),
        # the partner record's Incentives tab: what is owed, its funds, its activities and claims
        "office:partner_incentives": office_page(
            allowed=STAFF, args=lambda ctx: [ctx.side.partner.pk], setup=mdf_claimed, contains="Matrix roadshow"
        ),
    }
)


def _world_mdf(world, setup=mdf_submitted, key="_mdf"):
    ctx = getattr(world, key + setup.__name__, None)
    if ctx is None:
        ctx = SimpleNamespace(side=world.acme)
        setup(ctx)
        setattr(world, key + setup.__name__, ctx)
    return ctx


FORM_VIEWS.update(
    {
        "portal:mdf_request_new": (
            lambda w: w.acme.partner_admin,
            lambda w: reverse("portal:mdf_request_new"),
            lambda w: mdf_request_data(_world_mdf(w)),
        ),
        "portal:mdf_claim": (
            lambda w: w.acme.partner_admin,
            lambda w: reverse("portal:mdf_claim", args=MDF(_world_mdf(w, mdf_pre_approved))),
            lambda w: {"actual_cost": "2000.00", "note": "All done"},
        ),
        "portal:mdf_extension": (
            lambda w: w.acme.partner_admin,
            lambda w: reverse("portal:mdf_extension", args=MDF(_world_mdf(w, mdf_pre_approved))),
            lambda w: {"days": "10", "reason": "The invoice is late"},
        ),
        "portal:mdf_link": (
            lambda w: w.acme.partner_admin,
            lambda w: reverse("portal:mdf_link", args=MDF(_world_mdf(w, mdf_pre_approved))),
            lambda w: {"target": f"deal:{_world_mdf(w, mdf_pre_approved).deal.pk}"},
        ),
        "office:mdf_budget_create": (
            lambda w: w.acme.admin,
            lambda w: reverse("office:mdf_budget_create"),
            lambda w: mdf_budget_data(None),
        ),
        "office:mdf_allocate": (
            lambda w: w.acme.admin,
            lambda w: reverse("office:mdf_allocate", args=BUDGET(_world_mdf(w))),
            lambda w: {"partner": str(w.acme.partners[1].pk), "amount": "700.00"},
        ),
        "office:mdf_allocate_tier": (
            lambda w: w.acme.admin,
            lambda w: reverse("office:mdf_allocate_tier", args=BUDGET(_world_mdf(w))),
            lambda w: {"tag": "invest"},  # only the partners marked for investment
        ),
        "office:mdf_pre_approve": (
            lambda w: w.acme.admin,
            lambda w: reverse("office:mdf_pre_approve", args=MDF(_world_mdf(w))),
            lambda w: {"amount": "500.00", "reason": "Half"},
        ),
        "office:mdf_reject": (
            lambda w: w.acme.admin,
            lambda w: reverse("office:mdf_reject", args=MDF(_world_mdf(w))),
            lambda w: {"reason": "Not this quarter"},
        ),
        "office:mdf_claim_approve": (
            lambda w: w.acme.admin,
            lambda w: reverse("office:mdf_claim_approve", args=MDF(_world_mdf(w, mdf_claimed))),
            lambda w: {"amount": "900.00", "reason": "Catering"},
        ),
        "office:mdf_claim_return": (
            lambda w: w.acme.admin,
            lambda w: reverse("office:mdf_claim_return", args=MDF(_world_mdf(w, mdf_claimed))),
            lambda w: {"reason": "Unreadable"},
        ),
        "office:mdf_claim_reject": (
            lambda w: w.acme.admin,
            lambda w: reverse("office:mdf_claim_reject", args=MDF(_world_mdf(w, mdf_claimed))),
            lambda w: {"reason": "Not the planned event"},
        ),
        "office:mdf_clawback": (
            lambda w: w.acme.admin,
            lambda w: reverse("office:mdf_clawback", args=MDF(_world_mdf(w, mdf_reimbursed))),
            lambda w: {"reason": "Not the planned event", "confirm": "on"},
        ),
        "office:mdf_extension_grant": (
            lambda w: w.acme.admin,
            lambda w: reverse("office:mdf_extension_grant", args=EXTENSION(_world_mdf(w, mdf_more_time))),
            lambda w: {"note": "Fine"},
        ),
        "office:mdf_extension_refuse": (
            lambda w: w.acme.admin,
            lambda w: reverse("office:mdf_extension_refuse", args=EXTENSION(_world_mdf(w, mdf_more_time))),
            lambda w: {"note": "No"},
        ),
    }
)
NO_INPUT |= {"portal:mdf_cancel"}
