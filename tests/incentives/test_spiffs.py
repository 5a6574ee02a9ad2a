"""SPIFF claims: generated from confirmed wins or claimed by reps with proof, trimmed by the caps,
decided by finance, and on the ledger at every step (pending, approved, reversed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deals.services import deal_confirm_win, deal_mark_won
from incentives.models import ClaimStatus, SpiffBasis, SpiffCampaign, SpiffClaim, SpiffClaimMode, SpiffPayee
from incentives.selectors import balances
from incentives.services import (
    exchange_rate_set,
    spiff_claim_approve,
    spiff_claim_reject,
    spiff_claim_submit,
    spiff_claims_for_win,
)
from incentives.tasks import SPIFFS_FOR_WIN
from prm.accounts.roles import Role
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event, OutboxMessage
from prm.notifications.models import Notification
from prm.tenancy.scope import tenant_scope
from tests.concurrency import race
from tests.factories import DealFactory, DealLineFactory, MembershipFactory, ProductFactory, ProductLineFactory

pytestmark = pytest.mark.django_db

D = Decimal
WON_ON = date(2026, 3, 15)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _campaign(side, **fields):
    values = {
        "name": "Q1 storage push",
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 3, 31),
        "basis": SpiffBasis.PER_DEAL,
        "amount": D("500.00"),
        "currency": "USD",
        "payee": SpiffPayee.REP,
        "claim_mode": SpiffClaimMode.AUTOMATIC,
    } | fields
    return SpiffCampaign.objects.create(tenant=side.tenant, **values)


def _won_deal(
    side, *, rep=None, lines=((None, 2, "1000.00"),), won_amount="2000.00", currency="USD", won_on=WON_ON, **extra
):
    deal = DealFactory(
        tenant=side.tenant,
        partner=side.partner,
        registered_by=rep or side.sales_rep,
        status="won",
        won_on=won_on,
        won_amount=D(won_amount),
        currency=currency,
        **extra,
    )
    for line, quantity, price in lines:
        product = ProductFactory(tenant=side.tenant, **({"line": line} if line else {}))
        DealLineFactory(tenant=side.tenant, deal=deal, product=product, quantity=quantity, unit_price=D(price))
    return deal


def _owed(side, member=None):
    rows = balances(partner_id=side.partner.pk, **({"member_id": member.pk} if member else {}))
    return {(row.account, row.currency): row.amount for row in rows if row.amount}


def test_a_confirmed_win_makes_a_claim_pending_for_the_rep_and_finance_hears_of_it(acme, deliver):
    with tenant_scope(acme.tenant):
        finance = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
        _campaign(acme)
        deal = _won_deal(acme)
        deal.status = "approved"
        deal.save(update_fields=["status"])
        # when the rep reports the win and the vendor confirms it, through the deal's services
        deal_mark_won(actor=acme.sales_rep, deal=deal, amount=D("2000.00"), won_on=WON_ON)
        assert not OutboxMessage.objects.filter(task_name=SPIFFS_FOR_WIN).exists()  # not before it is confirmed
        deal_confirm_win(actor=acme.manager, deal=deal)
        message = OutboxMessage.objects.get(task_name=SPIFFS_FOR_WIN)
        assert message.kwargs == {"deal_id": deal.pk}
        deliver(message)
        deliver(message)  # a second delivery makes nothing twice
        claim = SpiffClaim.objects.get()
        assert (claim.amount, claim.currency, claim.member, claim.status) == (
            D("500.00"),
            "USD",
            acme.sales_rep,
            ClaimStatus.SUBMITTED,
        )
        assert _owed(acme, acme.sales_rep) == {("pending", "USD"): D("500.00")}
        assert Notification.objects.filter(recipient=finance, kind="spiff.claim_submitted").count() == 1


def test_the_amount_per_unit_and_as_a_percentage_counts_only_the_campaigns_product_lines(acme):
    with tenant_scope(acme.tenant):
        storage, other = ProductLineFactory(tenant=acme.tenant), ProductLineFactory(tenant=acme.tenant)
        lines = ((storage, 3, "1000.00"), (other, 1, "1000.00"))  # 3,000 of 4,000 registered is storage
        _campaign(acme, name="Per unit", basis=SpiffBasis.PER_UNIT, amount=D("40"), product_line_ids=[storage.pk])
        _campaign(acme, name="Percent", basis=SpiffBasis.PERCENT, amount=D("2.5"), product_line_ids=[storage.pk])
        _campaign(acme, name="Other line only", product_line_ids=[ProductLineFactory(tenant=acme.tenant).pk])
        deal = _won_deal(acme, lines=lines, won_amount="3600.00")
        made = {claim.campaign.name: claim.amount for claim in spiff_claims_for_win(deal=deal)}
    # 3 units x 40; 2.5 % of the won 3,600 x 3/4 = 67.50; the third campaign's line is not on the deal
    assert made == {"Per unit": D("120.00"), "Percent": D("67.50")}


def test_a_win_outside_the_window_or_another_programs_deal_earns_nothing(acme):
    with tenant_scope(acme.tenant):
        _campaign(acme)
        late = _won_deal(acme, won_on=date(2026, 4, 1))
        assert spiff_claims_for_win(deal=late) == []
        assert SpiffClaim.objects.count() == 0


def test_caps_trim_the_last_claim_and_then_refuse_with_a_reason(acme):
    with tenant_scope(acme.tenant):
        campaign = _campaign(acme, cap_per_rep=D("1200.00"))
        first, second, third = (_won_deal(acme) for _ in range(3))
        spiff_claims_for_win(deal=first)
        spiff_claims_for_win(deal=second)
        [trimmed] = spiff_claims_for_win(deal=third)
        assert (trimmed.amount, trimmed.capped) == (D("200.00"), True)
        assert spiff_claims_for_win(deal=_won_deal(acme)) == []  # nothing left: no claim
        # another rep of the same partner has a cap of its own
        other = MembershipFactory(tenant=acme.tenant, partner=acme.partner, role=Role.SALES)
        assert [c.amount for c in spiff_claims_for_win(deal=_won_deal(acme, rep=other))] == [D("500.00")]
        assert sum(c.campaign_amount for c in SpiffClaim.objects.filter(campaign=campaign, rep=acme.sales_rep)) == D(
            "1200.00"
        )


def test_a_claim_in_another_currency_counts_against_the_cap_at_the_rate_of_its_win(acme):
    with tenant_scope(acme.tenant):
        exchange_rate_set(actor=acme.admin, currency="EUR", on=date(2026, 1, 1), rate=D("1.10"))
        _campaign(acme, basis=SpiffBasis.PERCENT, amount=D("10"), cap_per_partner=D("1000.00"))
        [claim] = spiff_claims_for_win(deal=_won_deal(acme, currency="EUR", won_amount="5000.00"))
        # 10 % of EUR 5,000 = EUR 500, which is USD 550 of the partner's USD 1,000 cap
        assert (claim.amount, claim.currency, claim.campaign_amount) == (D("500.00"), "EUR", D("550.00"))
        [second] = spiff_claims_for_win(deal=_won_deal(acme, currency="EUR", won_amount="5000.00"))
        assert (second.amount, second.currency, second.capped) == (D("450.00"), "USD", True)


def test_finance_approves_and_the_pending_amount_becomes_approved(acme):
    with tenant_scope(acme.tenant):
        _campaign(acme)
        [claim] = spiff_claims_for_win(deal=_won_deal(acme))
        with pytest.raises(NotAllowed):
            spiff_claim_approve(actor=acme.manager, claim=claim)
        spiff_claim_approve(actor=acme.admin, claim=claim)
        assert _owed(acme, acme.sales_rep) == {("approved", "USD"): D("500.00")}
        assert Event.objects.filter(verb="spiff.approved", object_id=claim.pk).exists()
        assert Notification.objects.filter(recipient=acme.sales_rep, kind="spiff.claim_decided").exists()
        with pytest.raises(InvalidTransition, match="already decided"):
            spiff_claim_reject(actor=acme.admin, claim=claim, reason="changed my mind")


def test_a_rejected_claim_is_reversed_on_the_ledger_and_the_deal_can_be_claimed_again(acme):
    with tenant_scope(acme.tenant):
        _campaign(acme)
        deal = _won_deal(acme)
        [claim] = spiff_claims_for_win(deal=deal)
        with pytest.raises(PolicyViolation, match="Say why"):
            spiff_claim_reject(actor=acme.admin, claim=claim, reason=" ")
        spiff_claim_reject(actor=acme.admin, claim=claim, reason="The customer is a reseller")
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.REJECTED and claim.reason == "The customer is a reseller"
        assert _owed(acme) == {}
        assert len(spiff_claims_for_win(deal=deal)) == 1


def test_a_rep_claims_with_proof_for_its_own_won_deal_only(acme):
    with tenant_scope(acme.tenant):
        campaign = _campaign(acme, claim_mode=SpiffClaimMode.CLAIM, payee=SpiffPayee.COMPANY)
        colleague = MembershipFactory(tenant=acme.tenant, partner=acme.partner, role=Role.SALES)
        own, colleagues = _won_deal(acme), _won_deal(acme, rep=colleague)
        proof = SimpleUploadedFile("invoice.pdf", PDF, "application/pdf")
        with pytest.raises(PolicyViolation, match="Attach the proof"):
            spiff_claim_submit(actor=acme.sales_rep, campaign=campaign, deal=own, document=None)
        with pytest.raises(PolicyViolation, match="PDF"):
            spiff_claim_submit(
                actor=acme.sales_rep,
                campaign=campaign,
                deal=own,
                document=SimpleUploadedFile("x.pdf", b"not a pdf", "application/pdf"),
            )
        with pytest.raises(PolicyViolation, match="you registered"):
            spiff_claim_submit(actor=acme.sales_rep, campaign=campaign, deal=colleagues, document=proof)
        claim = spiff_claim_submit(actor=acme.sales_rep, campaign=campaign, deal=own, document=proof, note="PO 4411")
        assert (claim.member, claim.claimed_by, claim.note) == (None, acme.sales_rep, "PO 4411")
        # owed to the company (no member), against the vendor's expense
        assert _owed(acme) == {("pending", "USD"): D("500.00"), ("expense", "USD"): D("500.00")}
        with pytest.raises(InvalidTransition, match="already claimed"):
            spiff_claim_submit(actor=acme.sales_rep, campaign=campaign, deal=own, document=proof)
        # an automatic campaign takes no claims
        with pytest.raises(PolicyViolation, match="takes no claims"):
            spiff_claim_submit(actor=acme.sales_rep, campaign=_campaign(acme), deal=own, document=proof)


@pytest.mark.django_db(transaction=True)
def test_two_claims_at_once_cannot_both_take_the_last_of_a_cap(acme):
    with tenant_scope(acme.tenant):
        campaign = _campaign(acme, cap_per_partner=D("500.00"))
        first, second = _won_deal(acme), _won_deal(acme)
    race(
        {"one": lambda: spiff_claims_for_win(deal=first), "two": lambda: spiff_claims_for_win(deal=second)},
        tenant=acme.tenant,
    )
    with tenant_scope(acme.tenant):
        claims = list(SpiffClaim.objects.filter(campaign=campaign))
        assert len(claims) == 1 and claims[0].amount == D("500.00")
        assert _owed(acme)[("pending", "USD")] == D("500.00")


def test_a_campaign_for_the_vendors_leads_pays_only_wins_converted_from_a_lead(acme):
    from incentives.services.spiffs import spiff_quote
    from tests.leads.factories import LeadFactory

    with tenant_scope(acme.tenant):
        campaign = _campaign(acme)
        campaign.from_leads_only = True
        campaign.save()
        plain = _won_deal(acme)
        assert spiff_quote(campaign, plain) is None
        from_lead = _won_deal(acme, source_lead_id=LeadFactory(tenant=acme.tenant).pk)
        assert spiff_quote(campaign, from_lead) is not None
