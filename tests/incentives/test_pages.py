"""The earnings page and finance's claims, as people use them: a rep claims with proof, finance
rejects (a reason is required, what was typed is kept) or approves, and each side sees the right
amounts; the lists cost the same whatever their length."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from incentives.models import ClaimStatus, SpiffClaim
from incentives.selectors import balances
from incentives.services import spiff_claims_for_win
from prm.accounts.roles import Role
from prm.tenancy.scope import tenant_scope
from tests.conftest import body, make_client
from tests.factories import MembershipFactory
from tests.query_budget import assert_list_page, cost

from .isolation import claim, proof, won_deal
from .test_spiffs import _campaign, _won_deal

pytestmark = pytest.mark.django_db

PINNED_CLAIMS = 6
PINNED_EARNINGS = 13  # with the payout hold in force
PINNED_EARNINGS_COMPANY = 14  # the company's view adds its rebate standings
PINNED_STATEMENTS = 5
PINNED_RUNS = 7  # the schedule is said on the page


class Ctx:
    def __init__(self, side):
        self.side = side


def test_a_rep_claims_with_proof_and_finance_rejects_then_the_rep_claims_again_and_is_approved(acme):
    ctx = Ctx(acme)
    won_deal(ctx)
    rep, admin = make_client(acme.sales_rep), make_client(acme.admin)
    page = body(rep.get(reverse("portal:earnings")))
    assert "Matrix SPIFF" in page and "Matrix Customer" in page
    # a claim without its proof is refused, the note kept
    refused = rep.post(
        reverse("portal:spiff_claim"), {"campaign": ctx.campaign.pk, "deal": ctx.deal.pk, "note": "PO 12"}
    )
    assert refused.status_code == 200 and "PO 12" in body(refused)
    sent = rep.post(
        reverse("portal:spiff_claim"),
        {"campaign": ctx.campaign.pk, "deal": ctx.deal.pk, "note": "PO 12", "document": proof()},
    )
    assert sent.status_code == 302
    with tenant_scope(acme.tenant):
        first = SpiffClaim.objects.get()
    # finance sees it with its proof; rejecting without a reason keeps the form open with a message
    listing = body(admin.get(reverse("office:spiff_claims")))
    assert "Matrix Customer" in listing and reverse("office:spiff_claim_document", args=[first.pk]) in listing
    assert "PO 12" in listing  # the rep's note
    download = admin.get(reverse("office:spiff_claim_document", args=[first.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    again = admin.post(reverse("office:spiff_claim_reject", args=[first.pk]), {"reason": ""})
    assert again.status_code == 200 and f'id="reason-{first.pk}"' in body(again)
    assert admin.post(reverse("office:spiff_claim_reject", args=[first.pk]), {"reason": "Wrong PO"}).status_code == 302
    assert "Wrong PO" in body(rep.get(reverse("portal:earnings")))  # the rep reads why
    # the deal may be claimed again; approved this time, the rep's earnings show it as to be paid
    rep.post(
        reverse("portal:spiff_claim"),
        {"campaign": ctx.campaign.pk, "deal": ctx.deal.pk, "document": proof()},
    )
    with tenant_scope(acme.tenant):
        second = SpiffClaim.objects.get(status=ClaimStatus.SUBMITTED)
    assert admin.post(reverse("office:spiff_claim_approve", args=[second.pk])).status_code == 302
    page = body(rep.get(reverse("portal:earnings")))
    assert "$300.00" in page and "Approved" in page


def test_a_rep_sees_its_own_claims_and_the_partner_admin_the_companys(acme):
    ctx = Ctx(acme)
    claim(ctx)
    with tenant_scope(acme.tenant):
        colleague = MembershipFactory(tenant=acme.tenant, partner=acme.partner, role=Role.SALES)
        _campaign(acme, name="Automatic push")
        [automatic] = spiff_claims_for_win(deal=_won_deal(acme, rep=colleague, won_on=date(2026, 3, 1)))
    rows = {
        who: {pk for pk in (ctx.claim.pk, automatic.pk) if f'id="claim-{pk}"' in body(make_client(member).get(path))}
        for who, member, path in (
            ("rep", acme.sales_rep, reverse("portal:earnings")),
            ("colleague", colleague, reverse("portal:earnings")),
            ("company", acme.partner_admin, reverse("portal:earnings")),
            ("other partner", acme.partner_admins[1], reverse("portal:earnings")),
        )
    }
    assert rows == {
        "rep": {ctx.claim.pk},
        "colleague": {automatic.pk},
        "company": {ctx.claim.pk, automatic.pk},
        "other partner": set(),
    }


def test_finance_filters_claims_by_status_and_nonsense_is_ignored(acme):
    ctx = Ctx(acme)
    claim(ctx)
    admin = make_client(acme.admin)
    assert "Matrix Customer" in body(admin.get(reverse("office:spiff_claims") + "?status=submitted"))
    assert "Matrix Customer" not in body(admin.get(reverse("office:spiff_claims") + "?status=approved"))
    assert admin.get(reverse("office:spiff_claims") + "?status=nope&page=x").status_code == 200
    # the channel manager reads the claims but has no buttons
    listing = body(make_client(acme.manager).get(reverse("office:spiff_claims")))
    assert "Matrix Customer" in listing and reverse("office:spiff_claim_approve", args=[ctx.claim.pk]) not in listing


def _claims(acme, n):
    with tenant_scope(acme.tenant):
        campaign = _campaign(acme, name="Listed", amount=Decimal("10.00"))
        for _ in range(n):
            spiff_claims_for_win(deal=_won_deal(acme))
    return campaign


def test_the_claims_list_and_the_earnings_page_cost_the_same_with_many_claims(acme, no_queries_from_templates):
    _claims(acme, 1)
    few_office, few_portal = (
        cost(acme.admin, reverse("office:spiff_claims")),
        cost(acme.sales_rep, reverse("portal:earnings")),
    )
    with tenant_scope(acme.tenant):
        for _ in range(30):
            spiff_claims_for_win(deal=_won_deal(acme))
    many_office, many_portal = (
        cost(acme.admin, reverse("office:spiff_claims")),
        cost(acme.sales_rep, reverse("portal:earnings")),
    )
    assert_list_page(few_office, many_office, pinned=PINNED_CLAIMS, row=r'<tr id="claim-', rows=(1, 25), what="claims")
    assert_list_page(
        few_portal, many_portal, pinned=PINNED_EARNINGS, row=r'<tr id="claim-', rows=(1, 31), what="earnings"
    )


def test_finance_prepares_another_approves_the_rep_downloads_the_statement_and_finance_marks_it_paid(acme, deliver):
    from incentives.models import Payout, PayoutRun
    from prm.events.models import OutboxMessage

    ctx = Ctx(acme)
    claim(ctx)
    with tenant_scope(acme.tenant):
        preparer = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
    make_client(preparer).post(reverse("office:spiff_claim_approve", args=[ctx.claim.pk]))
    prepared = make_client(preparer).post(reverse("office:payout_run_prepare"), {"period_end": "2026-12-31"})
    with tenant_scope(acme.tenant):
        run = PayoutRun.objects.get()
    assert prepared["Location"] == reverse("office:payout_run", args=[run.pk])
    # the preparer may not approve it; the admin does
    refused = make_client(preparer).post(reverse("office:payout_run_approve", args=[run.pk]))
    assert refused.status_code == 200 and "four eyes" in body(refused)
    admin = make_client(acme.admin)
    assert admin.post(reverse("office:payout_run_approve", args=[run.pk])).status_code == 302
    with tenant_scope(acme.tenant):
        deliver(OutboxMessage.objects.get(task_name="incentives.payout_statements"))
        payout = Payout.objects.get(run=run)
    # the rep finds the statement on its earnings page and downloads it
    rep = make_client(acme.sales_rep)
    page = body(rep.get(reverse("portal:earnings")))
    assert reverse("portal:payout_statement", args=[payout.pk]) in page
    pdf = rep.get(reverse("portal:payout_statement", args=[payout.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # accounts payable's file, then the payment's reference; a missing reference keeps the form
    export = admin.get(reverse("office:payout_run_export", args=[run.pk]))
    [header, line] = b"".join(export.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert header.split(",")[:5] == ["Payout", "Period ending", "Partner", "Legal name", "CRM id"]
    assert f"{payout.pk},2026-12-31," in line and ",USD,300.00," in line
    assert admin.post(reverse("office:payout_run_paid", args=[run.pk]), {"reference": ""}).status_code == 200
    assert admin.post(reverse("office:payout_run_paid", args=[run.pk]), {"reference": "BATCH-9"}).status_code == 302
    # once paid, accounts payable's file carries the bank's reference
    paid = admin.get(reverse("office:payout_run_export", args=[run.pk]))
    assert b"".join(paid.streaming_content).decode().splitlines()[1].endswith(",BATCH-9")
    page = body(rep.get(reverse("portal:earnings")))
    assert "Paid" in page and "$300.00" in page


def test_the_payout_runs_list_costs_the_same_with_many_runs(acme, no_queries_from_templates):
    from incentives.models import PayoutRun

    with tenant_scope(acme.tenant):
        preparer = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)

    def runs(n):
        with tenant_scope(acme.tenant):
            PayoutRun.objects.bulk_create(
                [
                    PayoutRun(tenant=acme.tenant, period_end=date(2026, 1, 1), prepared_by=preparer, status="paid")
                    for _ in range(n)
                ]
            )

    runs(1)
    few = cost(acme.admin, reverse("office:payout_runs"))
    runs(30)
    many = cost(acme.admin, reverse("office:payout_runs"))
    assert_list_page(few, many, pinned=PINNED_RUNS, row=r'<tr id="run-', rows=(1, 25), what="payout runs")


def test_finance_claws_back_an_approved_spiff_from_the_claims_list(acme):
    ctx = Ctx(acme)
    claim(ctx)
    admin = make_client(acme.admin)
    admin.post(reverse("office:spiff_claim_approve", args=[ctx.claim.pk]))
    path = reverse("office:spiff_claim_clawback", args=[ctx.claim.pk])
    assert path in body(admin.get(reverse("office:spiff_claims")))
    # without a reason: the list again, its form open where it was
    again = admin.post(path, {"reason": ""})
    assert again.status_code == 200 and f'id="clawback-{ctx.claim.pk}"' in body(again)
    assert admin.post(path, {"reason": "The customer was already ours"}).status_code == 302
    with tenant_scope(acme.tenant):
        ctx.claim.refresh_from_db()
        owed = {(b.account, b.currency): b.amount for b in balances(partner_id=acme.partner.pk)}
    assert ctx.claim.status == ClaimStatus.CLAWED_BACK
    assert owed[("approved", "USD")] == Decimal("0.00")  # approved 300, clawed back 300: nothing owed
    assert "The customer was already ours" in body(make_client(acme.sales_rep).get(reverse("portal:earnings")))


def test_the_companys_earnings_cost_the_same_with_many_rebate_plans(acme, no_queries_from_templates):
    from incentives.models import RebatePlan
    from incentives.services.rebates import rebate_accrue
    from tests.factories import DealFactory

    with tenant_scope(acme.tenant):
        DealFactory(
            tenant=acme.tenant, partner=acme.partner, status="won", won_on=date(2026, 8, 1), won_amount=Decimal(50000)
        )

    def plans(n):
        with tenant_scope(acme.tenant):
            for _ in range(n):
                plan = RebatePlan.objects.create(
                    tenant=acme.tenant, name="Volume bonus", growth_only=False, bands=[[0, 1], [100000, 2]]
                )
                rebate_accrue(plan=plan, on=date(2026, 8, 15))

    plans(1)
    few = cost(acme.partner_admin, reverse("portal:earnings"))
    plans(9)
    many = cost(acme.partner_admin, reverse("portal:earnings"))
    assert_list_page(
        few,
        many,
        pinned=PINNED_EARNINGS_COMPANY,
        row=r'<tr class="rebate-standing"',
        rows=(1, 10),
        what="the company's earnings",
    )


def test_every_statement_is_listed_a_page_at_a_time_to_whom_it_belongs(acme, no_queries_from_templates):
    from incentives.models import Payout, PayoutRun

    with tenant_scope(acme.tenant):
        preparer = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
        other_rep = MembershipFactory(tenant=acme.tenant, partner=acme.partner, role=Role.SALES)

    def runs(n):
        with tenant_scope(acme.tenant):
            for month in range(n):
                run = PayoutRun.objects.create(
                    tenant=acme.tenant,
                    period_end=date(2024 + month // 12, month % 12 + 1, 28),
                    prepared_by=preparer,
                    status="paid",
                )
                for member, partner in (
                    (acme.sales_rep, acme.partner),
                    (other_rep, acme.partner),
                    (None, acme.partners[1]),
                ):
                    Payout.objects.create(
                        tenant=acme.tenant, run=run, partner=partner, member=member, currency="USD", amount=Decimal(100)
                    )

    runs(1)
    few = cost(acme.sales_rep, reverse("portal:payout_statements"))
    runs(29)  # 30 months: more than Earnings' latest 24, and two pages
    many = cost(acme.sales_rep, reverse("portal:payout_statements"))
    assert_list_page(few, many, pinned=PINNED_STATEMENTS, row=r'<tr id="statement-', rows=(1, 25), what="statements")
    with tenant_scope(acme.tenant):
        own = set(Payout.objects.filter(member=acme.sales_rep).values_list("pk", flat=True))
        company = set(Payout.objects.filter(partner=acme.partner).values_list("pk", flat=True))
    # the rep: its own 30, newest first, over two pages; the partner's admin: the company's 60
    shown = {int(pk) for pk in re.findall(r'<tr id="statement-(\d+)"', many.html)}
    second = body(make_client(acme.sales_rep).get(reverse("portal:payout_statements") + "?page=2"))
    shown |= {int(pk) for pk in re.findall(r'<tr id="statement-(\d+)"', second)}
    assert shown == own
    admin = make_client(acme.partner_admin)
    listed = set()
    for number in (1, 2, 3):
        page = body(admin.get(reverse("portal:payout_statements") + f"?page={number}"))
        listed |= {int(pk) for pk in re.findall(r'<tr id="statement-(\d+)"', page)}
    assert listed == company  # and none of the other partner's
    assert reverse("portal:payout_statements") in body(admin.get(reverse("portal:earnings")))


def test_finance_holds_a_partners_payouts_from_its_record_and_the_partner_reads_why(acme):
    tab = reverse("office:partner_incentives", kwargs={"partner_id": acme.partner.pk})
    finance = make_client(acme.admin)
    assert "Hold payouts" in body(finance.get(tab))
    # no reason: the tab again, with the message; nothing held
    refused = finance.post(reverse("office:payout_hold", args=[acme.partner.pk]), {"reason": ""})
    assert refused.status_code == 200 and "This field is required" in body(refused)
    held = finance.post(reverse("office:payout_hold", args=[acme.partner.pk]), {"reason": "Bank details missing"})
    assert held["Location"] == tab
    page = body(finance.get(tab))
    assert "Payouts on hold since" in page and "Bank details missing" in page and "Resume payouts" in page
    # a channel manager reads the tab but may not hold or resume
    assert "Resume payouts" not in body(make_client(acme.manager).get(tab))
    assert make_client(acme.manager).post(reverse("office:payout_resume", args=[acme.partner.pk])).status_code == 403
    # the partner's admin reads why on Earnings; another partner's admin sees no hold
    earnings = body(make_client(acme.partner_admin).get(reverse("portal:earnings")))
    assert "put your payouts on hold" in earnings and "Bank details missing" in earnings
    assert "put your payouts on hold" not in body(make_client(acme.partner_admins[1]).get(reverse("portal:earnings")))
    assert finance.post(reverse("office:payout_resume", args=[acme.partner.pk]))["Location"] == tab
    assert "Hold payouts" in body(finance.get(tab))
