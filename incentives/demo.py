"""Incentives' part of `make run`'s demo (acme only; idempotent), through the services: the
exchange rates finance entered this year; the ledger's first postings, which the admin shows
(Incentives: ledger transactions): a launch bonus for the first partner's sales rep, and a bonus
entered twice and reversed; and two SPIFF campaigns of this quarter: one paid on every confirmed
win (the demo's won deals get their claims, one approved, one rejected, the rest waiting for
finance), one that reps claim with proof (Earnings, in the portal)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from weasyprint import HTML

from deals.models import Deal, DealStatus
from partners.models import Partner, PartnerStatus
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.tenancy.time import tenant_today
from prm.web.demo_kit import Demo
from programs.models import Program

from .models import (
    Account,
    Baseline,
    ExchangeRate,
    IncentiveSettings,
    MdfActivityType,
    MdfBudget,
    PayoutHold,
    PayoutRun,
    PayoutSchedule,
    ProofKind,
    RebatePlan,
    SpiffBasis,
    SpiffCampaign,
    SpiffClaimMode,
    SpiffPayee,
)
from .services import (
    exchange_rate_set,
    ledger_adjust,
    ledger_reverse,
    payout_hold,
    payout_run_approve,
    payout_run_prepare,
    spiff_claim_approve,
    spiff_claim_reject,
    spiff_claim_submit,
    spiff_claims_for_win,
)
from .services.rebates import rebate_accrue

RATES = {  # units of the demo's reporting currency (USD) per unit, from the first of each quarter
    "EUR": ("1.0850", "1.0790", "1.0920", "1.1010"),  # the same figures for last year and this
    "GBP": ("1.2650", "1.2580", "1.2710", "1.2830"),
}
# Demo data as finance would type it (not product text).
LAUNCH_BONUS = "Launch bonus: first deal registered in the new portal"
TWICE = "Launch bonus"
TWICE_REASON = "Entered twice"
WIN_CAMPAIGN = "Win bonus this quarter"
CLAIM_CAMPAIGN = "Competitive displacement"
CLAIM_CAMPAIGN_TEXT = "Won a customer from a competitor? Claim 2 % of the revenue, with the customer's order as proof."
REJECTED = "The customer was already ours: no displacement"
GROWTH_PLAN = "Growth rebate: 1-2 % of the growth over last year's quarter"
TIER_PLAN = "Partner rebate: your tier's rebate percent of the quarter's revenue"
ORDER_NOTE = "Replaced the incumbent's storage; the customer's order is attached."
MDF_TYPES = (  # name, vendor's share, proof
    ("Event or trade show", 50, [ProofKind.INVOICE, ProofKind.ATTENDEES, ProofKind.PHOTOS]),
    ("Digital campaign", 50, [ProofKind.INVOICE, ProofKind.LEADS]),
    ("Webinar", 75, [ProofKind.INVOICE, ProofKind.ATTENDEES]),
)
MDF_BUDGET = "Market development funds, this half"
MDF_ACTIVITIES = (  # title, type, days from today (start), cost, plan
    (
        "Customer day in our showroom",
        0,
        -20,
        "8000.00",
        "Demos of the new storage line for 40 customers, then a dinner.",
    ),
    ("LinkedIn campaign for mid-size banks", 1, 10, "6000.00", "Six weeks of sponsored posts and a landing page."),
    ("Webinar: backup you can restore", 2, 5, "2000.00", "One hour with the vendor's engineer; recording for leads."),
)


def load(demo: Demo) -> None:
    if demo.tenant.slug != "acme":
        return
    finance = demo.staff.get("finance") or demo.staff["admin"]
    # Each part once: a demo loaded before a part existed gets that part on the next start.
    if not ExchangeRate.objects.exists():
        _ledger(demo, finance)
    if not SpiffCampaign.objects.exists():
        claims = _spiffs(demo, finance)
        demo.notes.append(
            f"{demo.tenant.slug}: two SPIFF campaigns (one paid on every confirmed win, one reps claim with "
            f"proof) with {claims} claims on the demo's wins of this quarter (finance approved the first)"
        )
    if not RebatePlan.objects.exists():
        plan = RebatePlan.objects.create(
            name=GROWTH_PLAN,
            growth_only=True,
            baseline=Baseline.LAST_YEAR,
            bands=[["0", "1"], ["50000", "2"]],
            accelerator_percent=Decimal(25),  # certified partners earn a quarter more
        )
        measured = rebate_accrue(plan=plan, on=tenant_today()).partners
        demo.notes.append(f"{demo.tenant.slug}: a growth rebate plan, this quarter measured for {measured} partners")
    if not RebatePlan.objects.filter(add_tier_percent=True).exists():
        # The rebate percent each tier promises (the program's tier page), paid on the quarter's revenue.
        program = Program.objects.filter(tiers__rebate_percent__gt=0).order_by("pk").first()
        if program is not None:
            plan = RebatePlan.objects.create(
                name=TIER_PLAN, program=program, growth_only=False, bands=[["0", "0"]], add_tier_percent=True
            )
            measured = rebate_accrue(plan=plan, on=tenant_today()).partners
            demo.notes.append(
                f"{demo.tenant.slug}: a rebate plan paying each tier's rebate percent of {program.name}, "
                f"this quarter measured for {measured} partners"
            )
    if not MdfBudget.objects.exists():
        _mdf(demo)
    if not PayoutRun.objects.exists() and finance.pk != demo.staff["admin"].pk:
        # Runs follow the calendar: a draft after each month, which the open run below holds back.
        IncentiveSettings.objects.update_or_create(
            tenant_id=demo.tenant.pk, defaults={"payout_schedule": PayoutSchedule.MONTHLY}
        )
        # Finance prepares a run of what is out of its hold (this quarter's wins are still held);
        # the admin approves it (four eyes); the statements follow in the worker; nobody paid it yet.
        run = payout_run_prepare(actor=finance, period_end=tenant_today())
        if run.payouts.exists():
            payout_run_approve(actor=demo.staff["admin"], run=run)
        demo.notes.append(f"{demo.tenant.slug}: a payout run for today, approved and waiting to be marked paid")
    held = Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("id")[1:2].first()
    if held is not None and not PayoutHold.objects.exists() and finance.partner_id is None:
        # The second partner's payouts wait for its bank details (its Earnings say why).
        payout_hold(actor=finance, partner=held, reason="Bank details missing: send them to the vendor's finance team.")
        demo.notes.append(f"{demo.tenant.slug}: {held.display_name}'s payouts on hold (bank details missing)")


def _ledger(demo: Demo, finance) -> None:
    today = tenant_today()
    earned = today - timedelta(days=60)  # out of its hold: the demo's payout run pays it
    for currency, rates in RATES.items():
        if currency == demo.tenant.default_currency:
            continue  # the reporting currency needs no rate
        for year in (today.year - 1, today.year):  # last year's too: what was earned 60 days ago
            for quarter, rate in enumerate(rates):
                exchange_rate_set(
                    actor=finance, currency=currency, on=date(year, 1 + 3 * quarter, 1), rate=Decimal(rate)
                )
    partner = Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("id").first()
    if partner is None:
        return
    rep = Membership.objects.filter(partner=partner, role=Role.SALES, is_active=True).order_by("id").first()
    ledger_adjust(
        actor=finance,
        partner=partner,
        member=rep,
        amount=Decimal("250.00"),
        currency="EUR",
        earned_on=earned,
        reason=LAUNCH_BONUS,
    )
    twice = ledger_adjust(
        actor=finance,
        partner=partner,
        amount=Decimal("500.00"),
        currency=demo.tenant.default_currency,
        earned_on=earned,
        reason=TWICE,
        account=Account.APPROVED,
    )
    ledger_reverse(actor=finance, posting=twice, reason=TWICE_REASON)
    demo.notes.append(
        f"{demo.tenant.slug}: exchange rates for EUR and GBP this year, and the incentive ledger's first "
        f"postings for {partner.display_name} (a rep's bonus in EUR, a bonus reversed)"
    )


def _spiffs(demo: Demo, finance) -> int:
    today = tenant_today()
    quarter = date(today.year, 1 + 3 * ((today.month - 1) // 3), 1)
    ends = date(quarter.year + (quarter.month == 10), (quarter.month + 2) % 12 + 1, 1) - timedelta(days=1)
    SpiffCampaign.objects.create(
        name=WIN_CAMPAIGN,
        starts_on=quarter,
        ends_on=ends,
        basis=SpiffBasis.PER_DEAL,
        amount=Decimal("250.00"),
        currency=demo.tenant.default_currency,
        cap_per_rep=Decimal("1000.00"),
        payee=SpiffPayee.REP,
        claim_mode=SpiffClaimMode.AUTOMATIC,
    )
    displacement = SpiffCampaign.objects.create(
        name=CLAIM_CAMPAIGN,
        description=CLAIM_CAMPAIGN_TEXT,
        starts_on=quarter,
        ends_on=ends,
        basis=SpiffBasis.PERCENT,
        amount=Decimal("2.00"),
        currency=demo.tenant.default_currency,
        payee=SpiffPayee.REP,
        claim_mode=SpiffClaimMode.CLAIM,
    )
    # The demo's deals were won before the campaign existed: their claims as the task makes them.
    claims = []
    for deal in Deal.objects.filter(status=DealStatus.WON, won_on__gte=quarter).order_by("won_on", "id"):
        claims += spiff_claims_for_win(deal=deal)
    if claims:
        spiff_claim_approve(actor=finance, claim=claims[0])
    if len(claims) > 1:
        spiff_claim_reject(actor=finance, claim=claims[1], reason=REJECTED)
    # A partner admin claims the displacement SPIFF for the first win, with the customer's order.
    won = Deal.objects.filter(status=DealStatus.WON, won_on__gte=quarter).order_by("won_on", "id").first()
    admin = won and Membership.objects.filter(partner_id=won.partner_id, role=Role.PARTNER_ADMIN).first()
    if admin is not None:
        order = HTML(string=f"<h1>Purchase order</h1><p>{won.customer_name}</p>").write_pdf()
        claims.append(
            spiff_claim_submit(
                actor=admin,
                campaign=displacement,
                deal=won,
                document=ContentFile(order, name="purchase-order.pdf"),
                note=ORDER_NOTE,
            )
        )
    return len(claims)


def _mdf(demo: Demo) -> None:
    """Activity types, a budget for this quarter and the next, allocations (two by hand, the rest by
    tier), and the first partner's activities in three states: one claimed, approved in part and
    reimbursed (with a won deal credited to it), one waiting for pre-approval, one pre-approved."""
    from prm.web.files import minimal_pdf

    from .services.mdf import (
        ClaimDecision,
        mdf_allocate,
        mdf_allocate_by_tier,
        mdf_budget_create,
        mdf_claim_decide,
        mdf_claim_submit,
        mdf_link,
        mdf_request_decide,
        mdf_request_submit,
    )

    marketing = demo.staff.get("marketing") or demo.staff["admin"]
    today = tenant_today()
    quarter = date(today.year, 1 + 3 * ((today.month - 1) // 3), 1)
    ends = date(quarter.year + (quarter.month >= 7), (quarter.month + 5) % 12 + 1, 1) - timedelta(days=1)
    types = [
        MdfActivityType.objects.create(name=name, vendor_share_percent=Decimal(share), proof_required=proof)
        for name, share, proof in MDF_TYPES
    ]
    budget = mdf_budget_create(
        actor=marketing,
        name=MDF_BUDGET,
        starts_on=quarter,
        ends_on=ends,
        amount=Decimal("250000.00"),
        currency=demo.tenant.default_currency,
    )
    partners = list(Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("id")[:2])
    allocations = [
        mdf_allocate(actor=marketing, budget=budget, partner=partner, amount=Decimal(amount))
        for partner, amount in zip(partners, ("20000.00", "12000.00"), strict=False)
    ]
    by_tier = mdf_allocate_by_tier(actor=marketing, budget=budget)
    if not allocations:
        return
    partner = partners[0]
    admin = Membership.objects.filter(partner=partner, role=Role.PARTNER_ADMIN, is_active=True).order_by("id").first()
    if admin is None:
        return
    made = []
    for title, kind, days, cost, plan in MDF_ACTIVITIES:
        starts_on = max(quarter, today + timedelta(days=days))
        made.append(
            mdf_request_submit(
                actor=admin,
                allocation=allocations[0],
                activity_type=types[kind],
                title=title,
                description=plan,
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=1),
                cost=Decimal(cost),
                expected_leads=25,
                expected_pipeline=Decimal("120000.00"),
            )
        )
    day, _campaign, webinar = made
    day = mdf_request_decide(
        actor=marketing, request=day, approve=True, amount=Decimal("3000.00"), reason="The dinner is not co-funded."
    )
    proofs = {
        kind: ContentFile(minimal_pdf(f"{kind} of {day.title}"), name=f"{kind}.pdf") for kind in types[0].proof_required
    }
    day = mdf_claim_submit(
        actor=admin, request=day, actual_cost=Decimal("7600.00"), proofs=proofs, note="40 guests came."
    )
    mdf_claim_decide(actor=marketing, request=day, decision=ClaimDecision.APPROVE)
    won = Deal.objects.filter(partner=partner, status=DealStatus.WON).order_by("-won_on", "-id").first()
    if won is not None:
        mdf_link(actor=admin, request=day, deal=won)
    mdf_request_decide(actor=marketing, request=webinar, approve=True)
    demo.notes.append(
        f"{demo.tenant.slug}: an MDF budget with {len(allocations) + by_tier.partners} allocations and "
        f"{len(made)} activities of {partner.display_name} (reimbursed, waiting, pre-approved)"
    )
