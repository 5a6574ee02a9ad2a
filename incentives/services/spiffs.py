"""SPIFFs: claims made from confirmed wins (``spiff_claims_for_win``, after the ``deal.won`` event)
or by reps with their proof (``spiff_claim_submit``), decided by finance (``spiff_claim_approve``,
``spiff_claim_reject``). Every claim's money is on the ledger from the moment it is made:

* made: an accrual, expense against the payee's *pending* account (the rep's, or the company's),
  earned on the deal's close date (its exchange rate);
* approved: pending moves to *approved* (the payout run pays what is approved);
* rejected: the accrual is reversed.

**The amount** (``spiff_quote``): only the deal's lines of the campaign's product lines count (all
lines when it names none). Per unit: the units of those lines times the amount; per deal: the
amount; a percentage: of the revenue won on those lines (the won amount times their share of the
registered lines' value), in the deal's currency. **Caps** per rep and per partner are in the
campaign's currency and count every claim not rejected; a claim that would pass a cap is trimmed
to what is left (and says so), and none is made when nothing is left. The campaign's row is
locked while a claim is made, so two claims at the same instant cannot both take the last of a
cap."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from deals.models import Deal, DealStatus
from prm.accounts.models import Membership, MembershipKind
from prm.accounts.roles import Role
from prm.accounts.selectors import partner_admin_list, vendor_admin_list
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events import texts
from prm.events.services import event_record
from prm.notifications.services import notify
from prm.web.files import document_kind

from .. import events, notifications
from ..models import Account, ClaimStatus, SpiffBasis, SpiffCampaign, SpiffClaim, SpiffClaimMode, SpiffPayee
from ..models import TransactionKind as Kind
from ..permissions import EARNINGS_COMPANY, SPIFF_CLAIM, ClaimAction, claim_require
from .ledger import CENT, Line, ledger_post, rate_on, reporting_currency, reverse_posting


@dataclass(frozen=True)
class Quote:
    amount: Decimal
    currency: str


def spiff_quote(campaign: SpiffCampaign, deal: Deal) -> Quote | None:
    """What ``deal`` earns under ``campaign`` before caps; None when it is not eligible (not won in
    the window, another program, none of the campaign's product lines)."""
    if deal.status != DealStatus.WON or deal.won_on is None:
        return None
    if not (campaign.starts_on <= deal.won_on <= campaign.ends_on):
        return None
    if campaign.program_id is not None and deal.program_id != campaign.program_id:
        return None
    if campaign.from_leads_only and deal.source_lead_id is None:
        return None
    lines = list(deal.lines.values_list("product_line_id", "quantity", "unit_price"))
    wanted = set(campaign.product_line_ids or ())
    eligible = [line for line in lines if not wanted or line[0] in wanted]
    if not eligible:
        return None
    if campaign.basis == SpiffBasis.PER_UNIT:
        return Quote(sum(quantity for _line, quantity, _price in eligible) * campaign.amount, campaign.currency)
    if campaign.basis == SpiffBasis.PER_DEAL:
        return Quote(campaign.amount, campaign.currency)
    registered = sum(quantity * price for _line, quantity, price in lines)
    share = sum(quantity * price for _line, quantity, price in eligible) / registered if registered else Decimal(1)
    revenue = (deal.won_amount or Decimal(0)) * share
    return Quote((revenue * campaign.amount / 100).quantize(CENT, ROUND_HALF_EVEN), deal.currency)


def _in_currency(amount: Decimal, *, source: str, target: str, on) -> Decimal:
    if source == target:
        return amount
    reporting = reporting_currency()
    converted = amount * rate_on(currency=source, on=on, reporting=reporting)
    return (converted / rate_on(currency=target, on=on, reporting=reporting)).quantize(CENT, ROUND_HALF_EVEN)


def _room(campaign: SpiffCampaign, deal: Deal, rep_id: int) -> Decimal | None:
    """What the caps leave for this partner and rep, in the campaign's currency (None: no cap)."""
    live = SpiffClaim.objects.filter(campaign=campaign).exclude(status=ClaimStatus.REJECTED)
    room = None
    for cap, who in (
        (campaign.cap_per_partner, Q(partner_id=deal.partner_id)),
        (campaign.cap_per_rep, Q(rep_id=rep_id)),
    ):
        if cap is None:
            continue
        used = live.filter(who).aggregate(total=Sum("campaign_amount"))["total"] or Decimal(0)
        left = max(Decimal(0), cap - used)
        room = left if room is None else min(room, left)
    return room


def finance_team() -> list[Membership]:
    """Who hears of a claim waiting: the finance staff, or the vendor admins where there are none."""
    finance = Membership.objects.filter(kind=MembershipKind.STAFF, role=Role.FINANCE, is_active=True)
    return list(finance.select_related("user").order_by("pk")) or vendor_admin_list()


def _make_claim(
    *, campaign: SpiffCampaign, deal: Deal, claimed_by: Membership | None, note: str = "", document=None
) -> SpiffClaim | None:
    campaign = SpiffCampaign.objects.select_for_update().get(pk=campaign.pk)  # the caps, one claim at a time
    if SpiffClaim.objects.filter(campaign=campaign, deal=deal).exclude(status=ClaimStatus.REJECTED).exists():
        if claimed_by is None:
            return None
        raise InvalidTransition(gettext("This deal is already claimed under this campaign."))
    quote = spiff_quote(campaign, deal)
    if quote is None or quote.amount <= 0:
        if claimed_by is None:
            return None
        raise PolicyViolation(
            gettext("This deal does not qualify: it must be won in the campaign's window with its product lines.")
        )
    rep = deal.registered_by
    in_campaign = _in_currency(quote.amount, source=quote.currency, target=campaign.currency, on=deal.won_on)
    amount, currency, capped = quote.amount, quote.currency, False
    room = _room(campaign, deal, rep.pk)
    if room is not None and room < in_campaign:
        if room <= 0:
            if claimed_by is None:
                return None
            raise PolicyViolation(gettext("The campaign's cap is reached: nothing more can be claimed."))
        amount, currency, in_campaign, capped = room, campaign.currency, room, True
    claim = SpiffClaim.objects.create(
        campaign=campaign,
        deal=deal,
        partner_id=deal.partner_id,
        rep=rep,
        member=rep if campaign.payee == SpiffPayee.REP else None,
        amount=amount,
        currency=currency,
        campaign_amount=in_campaign,
        earned_on=deal.won_on,
        capped=capped,
        claimed_by=claimed_by,
        note=note,
        document=document or "",
        document_name=(getattr(document, "name", "") or "")[:200],
    )
    claim.accrual = ledger_post(
        kind=Kind.ACCRUAL,
        partner=deal.partner,
        earned_on=deal.won_on,
        lines=[Line(Account.EXPENSE, amount, currency), Line(Account.PENDING, -amount, currency, claim.member)],
        actor=claimed_by,
        memo=f"{campaign.name}: {deal.customer_name}"[:300],
        source=f"incentives.spiffclaim:{claim.pk}",
    )
    claim.save(update_fields=["accrual"])
    event = event_record(
        actor=claimed_by,
        target=claim,
        verb=events.CLAIMED,
        to_state=claim.status,
        message=gettext_noop("%(amount)s claimed under %(campaign)s for %(customer)s"),
        params={"amount": texts.money(amount, currency), "campaign": campaign.name, "customer": deal.customer_name},
        data={"deal_id": deal.pk, "campaign_id": campaign.pk, "amount": str(amount), "currency": currency},
    )
    notify(
        recipients=finance_team(),
        kind=notifications.CLAIM_SUBMITTED,
        title=gettext_noop("A SPIFF claim of %(amount)s is waiting (%(campaign)s)"),
        body=gettext_noop("%(partner)s, %(customer)s."),
        params={
            "amount": texts.money(amount, currency),
            "campaign": campaign.name,
            "partner": deal.partner.display_name,
            "customer": deal.customer_name,
        },
        url=reverse("office:spiff_claims"),
        event=event,
    )
    return claim


@transaction.atomic
def spiff_claims_for_win(*, deal: Deal) -> list[SpiffClaim]:
    """The claims a confirmed win earns under the active campaigns that generate them (run after the
    ``deal.won`` event; a second run makes nothing twice)."""
    deal = Deal.objects.select_related("partner", "registered_by").get(pk=deal.pk)
    if deal.status != DealStatus.WON or deal.won_on is None:
        return []
    campaigns = SpiffCampaign.objects.filter(
        is_active=True, claim_mode=SpiffClaimMode.AUTOMATIC, starts_on__lte=deal.won_on, ends_on__gte=deal.won_on
    ).order_by("pk")
    made = [_make_claim(campaign=campaign, deal=deal, claimed_by=None) for campaign in campaigns]
    return [claim for claim in made if claim is not None]


NO_PROOF = gettext_noop("Attach the proof as a PDF, PNG or JPEG (an invoice, the customer's order).")


@transaction.atomic
def spiff_claim_submit(
    *, actor: Membership, campaign: SpiffCampaign, deal: Deal, document, note: str = ""
) -> SpiffClaim:
    """A rep's claim under a campaign that is claimed, for one of its own won deals (a partner
    admin: any of the company's), with the proof."""
    if actor.partner_id is None or not actor.can(SPIFF_CLAIM):
        raise NotAllowed(gettext("Only the partner's sales reps and admins claim SPIFFs."))
    if deal.partner_id != actor.partner_id or deal.tenant_id != actor.tenant_id:
        raise PolicyViolation(gettext("Choose one of your company's won deals."))
    if deal.registered_by_id != actor.pk and not actor.can(EARNINGS_COMPANY):
        raise PolicyViolation(gettext("Choose one of the deals you registered."))
    if not campaign.is_active or campaign.claim_mode != SpiffClaimMode.CLAIM:
        raise PolicyViolation(gettext("This campaign takes no claims: its SPIFFs come from confirmed wins."))
    if document is None:
        raise PolicyViolation(gettext(NO_PROOF))
    document_kind(document, refusal=gettext(NO_PROOF))
    return _make_claim(campaign=campaign, deal=deal, claimed_by=actor, note=(note or "").strip(), document=document)


def _accrual_rates(claim: SpiffClaim) -> dict | None:
    """The rates the claim's accrual was converted at: its approval and clawback use them, so that
    they cancel it exactly in the reporting currency."""
    return {entry.currency: entry.rate for entry in claim.accrual.entries.all()} if claim.accrual else None


def _lock(claim: SpiffClaim) -> SpiffClaim:
    return (
        SpiffClaim.objects.select_for_update(of=("self",))
        .select_related("campaign", "deal__partner", "accrual")
        .get(pk=claim.pk)
    )


def _tell_payee(claim: SpiffClaim, event, title: str) -> None:
    recipients = [claim.member] if claim.member_id else []
    recipients += partner_admin_list(partner_id=claim.partner_id, exclude_id=claim.member_id)
    notify(
        recipients=recipients,
        kind=notifications.CLAIM_DECIDED,
        title=title,
        body=gettext_noop("%(campaign)s, %(customer)s: %(amount)s."),
        params={
            "campaign": claim.campaign.name,
            "customer": claim.deal.customer_name,
            "amount": texts.money(claim.amount, claim.currency),
        },
        url=reverse("portal:earnings"),
        event=event,
    )


@transaction.atomic
def spiff_claim_approve(*, actor: Membership, claim: SpiffClaim) -> SpiffClaim:
    """Finance approves: the pending amount moves to approved (to be paid)."""
    claim_require(actor, claim, ClaimAction.DECIDE)
    claim = _lock(claim)
    if claim.status != ClaimStatus.SUBMITTED:
        raise InvalidTransition(gettext("This claim was already decided by someone else."))
    ledger_post(
        kind=Kind.APPROVAL,
        partner=claim.deal.partner,
        earned_on=claim.earned_on,
        lines=[
            Line(Account.PENDING, claim.amount, claim.currency, claim.member),
            Line(Account.APPROVED, -claim.amount, claim.currency, claim.member),
        ],
        actor=actor,
        memo=claim.accrual.memo if claim.accrual else claim.campaign.name,
        source=f"incentives.spiffclaim:{claim.pk}",
        rates=_accrual_rates(claim),
    )
    before = claim.status
    claim.status, claim.decided_by, claim.decided_at = ClaimStatus.APPROVED, actor, timezone.now()
    claim.save(update_fields=["status", "decided_by", "decided_at"])
    event = event_record(
        actor=actor,
        target=claim,
        verb=events.CLAIM_APPROVED,
        from_state=before,
        to_state=claim.status,
        message=gettext_noop("Approved: %(amount)s"),
        params={"amount": texts.money(claim.amount, claim.currency)},
    )
    _tell_payee(claim, event, gettext_noop("Your SPIFF claim is approved"))
    return claim


@transaction.atomic
def spiff_claim_reject(*, actor: Membership, claim: SpiffClaim, reason: str) -> SpiffClaim:
    """Finance rejects, saying why: the accrual is reversed; the deal may be claimed again."""
    claim_require(actor, claim, ClaimAction.DECIDE)
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation(gettext("Say why the claim is rejected: the rep reads it."))
    claim = _lock(claim)
    if claim.status != ClaimStatus.SUBMITTED:
        raise InvalidTransition(gettext("This claim was already decided by someone else."))
    if claim.accrual is not None:
        reverse_posting(actor=actor, posting=claim.accrual, reason=reason)
    before = claim.status
    claim.status, claim.decided_by, claim.decided_at, claim.reason = ClaimStatus.REJECTED, actor, timezone.now(), reason
    claim.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    event = event_record(
        actor=actor,
        target=claim,
        verb=events.CLAIM_REJECTED,
        from_state=before,
        to_state=claim.status,
        message=gettext_noop("Rejected"),
        note=reason,
    )
    _tell_payee(claim, event, gettext_noop("Your SPIFF claim is rejected"))
    return claim


def _claw_back(*, claim: SpiffClaim, reason: str, actor: Membership | None) -> SpiffClaim:
    """Take back what a (locked) claim earned: a claim waiting for finance is withdrawn (its accrual
    reversed); an approved one, paid or not, is debited on the payee's approved account (below zero
    when it was paid: the next payout nets it), at the accrual's rates."""
    before = claim.status
    if claim.status == ClaimStatus.SUBMITTED:
        if claim.accrual is not None:
            reverse_posting(actor=actor, posting=claim.accrual, reason=reason)
        claim.status = ClaimStatus.REJECTED
    elif claim.status == ClaimStatus.APPROVED:
        ledger_post(
            kind=Kind.CLAWBACK,
            partner=claim.deal.partner,
            earned_on=timezone.localdate(),
            lines=[
                Line(Account.APPROVED, claim.amount, claim.currency, claim.member),
                Line(Account.EXPENSE, -claim.amount, claim.currency),
            ],
            actor=actor,
            memo=reason[:300],
            source=f"incentives.spiffclaim:{claim.pk}",
            rates=_accrual_rates(claim),
        )
        claim.status = ClaimStatus.CLAWED_BACK
    else:
        raise InvalidTransition(gettext("This claim was already rejected or clawed back; nothing was changed."))
    claim.decided_by, claim.decided_at, claim.reason = actor, timezone.now(), reason
    claim.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    event = event_record(
        actor=actor,
        target=claim,
        verb=events.CLAWED_BACK,
        from_state=before,
        to_state=claim.status,
        message=gettext_noop("Clawed back: %(amount)s"),
        params={"amount": texts.money(claim.amount, claim.currency)},
        note=reason,
    )
    _tell_payee(claim, event, gettext_noop("A SPIFF is clawed back"))
    return claim


@transaction.atomic
def spiff_claim_clawback(*, actor: Membership, claim: SpiffClaim, reason: str) -> SpiffClaim:
    """Finance takes back a claim found invalid after it was approved (or paid)."""
    claim_require(actor, claim, ClaimAction.DECIDE)
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation(gettext("Say why the SPIFF is clawed back: the rep reads it."))
    return _claw_back(claim=_lock(claim), reason=reason, actor=actor)


@transaction.atomic
def spiff_claims_clawback_for_deal(*, deal_id: int, reason: str) -> int:
    """A confirmed win reversed (``deal.win_reversed``): every claim it made is taken back (run after
    the event; a second run changes nothing)."""
    taken = 0
    for pk in SpiffClaim.objects.filter(
        deal_id=deal_id, status__in=[ClaimStatus.SUBMITTED, ClaimStatus.APPROVED]
    ).values_list("pk", flat=True):
        claim = _lock(SpiffClaim(pk=pk))
        if claim.status in (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED):
            _claw_back(claim=claim, reason=reason, actor=None)
            taken += 1
    return taken
