"""What people read of SPIFFs: a partner's earnings page, finance's claims, one claim."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Sum
from django.http import Http404

from deals.models import Deal, DealStatus
from prm.tenancy.time import tenant_today

from ..models import (
    Account,
    ClaimStatus,
    IncentiveSettings,
    LedgerEntry,
    PayoutHold,
    PayoutItem,
    SpiffCampaign,
    SpiffClaim,
    SpiffClaimMode,
    TransactionKind,
)
from ..permissions import EARNINGS_COMPANY, SPIFF_CLAIM, ClaimAction, claim_require
from .ledger import EVERYONE, balances
from .payouts import paid_totals, statements_for_actor
from .rebates import rebate_standings

CLAIMS_SHOWN = 50  # the earnings page's latest claims
DEALS_OFFERED = 200  # won deals offered in the claim form, newest first
CLAIM_FIELDS = (
    "id",
    "status",
    "amount",
    "currency",
    "capped",
    "created_at",
    "earned_on",
    "reason",
    "note",
    "document_name",
    "claimed_by_id",
    "campaign__name",
    "deal_id",
    "deal__customer_name",
    "partner__display_name",
    "rep__user__email",
    "rep__user__first_name",
    "rep__user__last_name",
)


def _totals(rows) -> list[dict]:
    """Per currency: pending and approved (what is owed), from the ledger's balances."""
    by_currency: dict[str, dict] = defaultdict(lambda: {"pending": Decimal(0), "approved": Decimal(0)})
    for row in rows:
        if row.account in (Account.PENDING, Account.APPROVED):
            by_currency[row.currency][row.account] += row.amount
    return [{"currency": currency, **by_currency[currency]} for currency in sorted(by_currency)]


def held_totals(*, partner_id: int, member_id, since) -> dict[str, Decimal]:
    """Approved amounts still in their hold (earned after ``since``) that no payout holds yet."""
    lines = LedgerEntry.objects.filter(
        partner_id=partner_id, account=Account.APPROVED, amount__lt=0, transaction__earned_on__gt=since
    ).exclude(transaction__kind__in=[TransactionKind.PAYMENT, TransactionKind.MDF_REIMBURSEMENT])
    if member_id is not EVERYONE:
        lines = lines.filter(member_id=member_id)
    lines = lines.filter(~Exists(PayoutItem.objects.filter(entry_id=OuterRef("pk"))))
    return {row["currency"]: -row["total"] for row in lines.values("currency").annotate(total=Sum("amount"))}


def payout_hold_in_force(*, partner_id: int) -> PayoutHold | None:
    """The hold finance put on the partner's payouts, if one is in force."""
    return PayoutHold.objects.filter(partner_id=partner_id, released_at__isnull=True).first()


def owed(*, partner_id: int, member_id, paid: dict) -> tuple[int, list[dict], PayoutHold | None]:
    """The hold in days, per currency what is pending, approved (out of its hold), held and paid
    (``paid``: per currency, from the payouts) for the partner's company and people
    (``member_id=EVERYONE``), or one member, and the hold finance put on the partner's payouts
    (then everything approved is held)."""
    paid = dict(paid)
    hold_days = IncentiveSettings.objects.values_list("hold_days", flat=True).first()
    if hold_days is None:  # not configured yet: the default
        hold_days = IncentiveSettings._meta.get_field("hold_days").default
    held = held_totals(partner_id=partner_id, member_id=member_id, since=tenant_today() - timedelta(days=hold_days))
    totals = _totals(balances(partner_id=partner_id, member_id=member_id))
    hold = payout_hold_in_force(partner_id=partner_id)
    for row in totals:
        row["paid"] = paid.pop(row["currency"], Decimal(0))
        row["held"] = held.get(row["currency"], Decimal(0))
        row["approved"] -= row["held"]
        if hold is not None:  # nothing is paid until finance lifts it
            row["held"], row["approved"] = row["held"] + max(row["approved"], Decimal(0)), min(row["approved"], 0)
    totals += [{"currency": c, "pending": 0, "approved": 0, "held": 0, "paid": t} for c, t in sorted(paid.items())]
    return hold_days, totals, hold


def earnings_for_actor(*, actor) -> dict:
    """A partner user's earnings: the company's (partner admin, partner finance) or its own (a rep),
    its latest claims, and what it may claim (campaigns open to claims, its won deals)."""
    company = actor.can(EARNINGS_COMPANY)
    claims = SpiffClaim.objects.filter(partner_id=actor.partner_id)
    if not company:
        claims = claims.filter(Q(rep_id=actor.pk) | Q(member_id=actor.pk))
    hold_days, totals, payout_hold = owed(
        partner_id=actor.partner_id,
        member_id=EVERYONE if company else actor.pk,
        paid=paid_totals(actor=actor, company=company),
    )
    context = {
        "company": company,
        "hold_days": hold_days,
        "totals": totals,
        "payout_hold": payout_hold,
        "statements": statements_for_actor(actor=actor),
        # Rebates are the company's: its admins and finance see where each open quarter stands.
        "rebates": rebate_standings(partner_id=actor.partner_id) if company else [],
        "claims": list(claims.order_by("-created_at", "-id").values(*CLAIM_FIELDS)[:CLAIMS_SHOWN]),
        "campaigns": [],
        "deals": [],
    }
    if actor.can(SPIFF_CLAIM):
        today = tenant_today()
        context["campaigns"] = list(
            SpiffCampaign.objects.filter(is_active=True, claim_mode=SpiffClaimMode.CLAIM, starts_on__lte=today)
            .order_by("-ends_on", "name")
            .values_list("id", "name")
        )
        if context["campaigns"]:
            deals = Deal.objects.filter(partner_id=actor.partner_id, status=DealStatus.WON)
            if not company:
                deals = deals.filter(registered_by_id=actor.pk)
            context["deals"] = list(
                deals.order_by("-won_on", "-id").values_list("id", "customer_name", "won_on")[:DEALS_OFFERED]
            )
    return context


def claim_choices(context: dict) -> dict:
    """The claim form's choices from the earnings context."""
    return {
        "campaigns": context["campaigns"],
        "deals": [(pk, f"{name} ({won_on:%Y-%m-%d})") for pk, name, won_on in context["deals"]],
    }


def claims_for_office(*, status: str = ""):
    """Finance's claims (a values queryset, newest first) and the same rows to count."""
    claims = SpiffClaim.objects.all()
    if status in ClaimStatus.values:
        claims = claims.filter(status=status)
    return claims.order_by("-created_at", "-id").values(*CLAIM_FIELDS), claims


def claim_get_for_actor(*, actor, claim_id: int) -> SpiffClaim:
    claim = SpiffClaim.objects.filter(pk=claim_id).select_related("campaign", "deal").first()
    if claim is None:
        raise Http404
    claim_require(actor, claim, ClaimAction.VIEW)
    return claim
