"""Working an accepted lead: who owns it (assign, hand on), how far it is (stage, next step,
expected value), giving it back or losing it, the conversation with the vendor, conversion into
a deal registration, and the win or loss of that deal coming back to the lead (attribution).

Every service locks the lead first (``common.lock``). Writes that leave the lead without its
partner (a return) happen as the tenant: a partner user's transaction may only write rows that
stay its own (row-level security's WITH CHECK)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop

from deals.models import DealSource
from deals.services import Attribution, deal_register
from partners.models import Partner
from prm.accounts.models import Membership
from prm.errors import InvalidTransition, PolicyViolation
from prm.events import texts
from prm.events.services import changes_apply, event_record, outbox_enqueue
from prm.tenancy.scope import step_out_to_tenant

from .. import events, notifications
from ..models import (
    HELD_LEAD_STATUSES,
    Lead,
    LeadMessage,
    LeadOffer,
    LeadSource,
    LeadStage,
    LeadStatus,
    OfferStatus,
    QueueReason,
)
from ..permissions import LeadAction, lead_require
from .common import lock
from .offers import ROUTE_TASK, lead_owner_check, receivers_by_partner, tell_lead, vendor_followers

MESSAGE_MAX_LENGTH = 5000


def _held(lead: Lead, what: str) -> None:
    """Refuse unless the lead (read under its lock) is held and being worked."""
    if lead.status not in HELD_LEAD_STATUSES or lead.partner_id is None:
        raise InvalidTransition(
            gettext("%(reference)s is “%(status)s”: it cannot be %(what)s now; nothing was changed.")
            % {"reference": lead.reference, "status": lead.get_status_display(), "what": what}
        )


def _locked(lead: Lead) -> Lead:
    locked = lock(lead)
    if locked.partner_id != lead.partner_id:
        # It left the company between the page and the click (returned): nothing to act on.
        raise InvalidTransition(gettext("This lead is no longer your company's; nothing was changed."))
    return locked


# --- who owns it ------------------------------------------------------------------------------------


def _give(*, actor: Membership, lead: Lead, owner: Membership, note: str, handed_on: bool) -> Lead:
    lead = _locked(lead)
    _held(lead, gettext("reassigned"))
    lead_owner_check(owner, lead.partner_id)
    if lead.owner_id == owner.pk:
        return lead
    before = lead.owner_id
    lead.owner = owner
    lead.save(update_fields=["owner", "updated_at"])
    event = event_record(
        actor=actor,
        target=lead,
        verb=events.ASSIGNED,
        message=gettext_noop("Handed on to %(owner)s.") if handed_on else gettext_noop("Assigned to %(owner)s."),
        params={"owner": str(owner.user)},
        note=note,
        data={"from": before, "to": owner.pk, "handed_on": handed_on},
    )
    if owner.pk != actor.pk:
        tell_lead(
            lead,
            event,
            to=[owner],
            kind=notifications.ASSIGNED,
            title=gettext_noop("assigned to you by %(person)s"),
            params={"person": str(actor.user)},
            note=note,
        )
    return lead


@transaction.atomic
def lead_assign(*, actor: Membership, lead: Lead, owner: Membership, note: str = "") -> Lead:
    """The company's admin gives a held lead to one of its active users who receive leads."""
    lead_require(actor, lead, LeadAction.ASSIGN)
    return _give(actor=actor, lead=lead, owner=owner, note=(note or "").strip(), handed_on=False)


@transaction.atomic
def lead_hand_on(*, actor: Membership, lead: Lead, owner: Membership, note: str = "") -> Lead:
    """The lead's owner (or the company's admin) passes it to a colleague."""
    lead_require(actor, lead, LeadAction.HAND_ON)
    return _give(actor=actor, lead=lead, owner=owner, note=(note or "").strip(), handed_on=True)


# --- how far it is --------------------------------------------------------------------------------


def _money(expected_value, currency: str, fallback: str) -> tuple[Decimal | None, str]:
    if expected_value in (None, ""):
        return None, (currency or fallback or "").strip().upper()
    try:
        value = Decimal(expected_value)
    except (InvalidOperation, TypeError, ValueError):
        raise PolicyViolation(gettext("Enter the expected value as a number.")) from None
    if not value.is_finite() or value < 0:
        raise PolicyViolation(gettext("The expected value cannot be negative."))
    currency = (currency or fallback or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
        raise PolicyViolation(gettext("Enter the currency as a three-letter code, e.g. EUR."))
    return value.quantize(Decimal("0.01")), currency


@transaction.atomic
def lead_update(
    *,
    actor: Membership,
    lead: Lead,
    stage: str,
    next_step: str,
    expected_value: Decimal | None,
    currency: str = "",
) -> Lead:
    """Record how far the lead is: its stage, the next step, the expected value. Once a stage
    beyond "not contacted" is set, the lead is being worked."""
    lead_require(actor, lead, LeadAction.WORK)
    if stage not in LeadStage.values:
        raise PolicyViolation(gettext("Choose a stage of the list."))
    lead = _locked(lead)
    _held(lead, gettext("updated"))
    value, currency = _money(expected_value, currency, lead.currency or actor.tenant.default_currency)
    before_status, before_stage = lead.status, lead.stage
    changes = {"stage": stage, "next_step": (next_step or "").strip()[:200], "expected_value": value}
    if value is not None:
        changes["currency"] = currency
    diff = changes_apply(instance=lead, changes=changes)
    if stage != LeadStage.NOT_CONTACTED:
        lead.status = LeadStatus.WORKING
    if not diff and lead.status == before_status:
        return lead
    lead.save(update_fields=["stage", "next_step", "expected_value", "currency", "status", "updated_at"])
    if "stage" in diff:
        event_record(
            actor=actor,
            target=lead,
            verb=events.STAGE_CHANGED,
            from_state=before_status,
            to_state=lead.status if lead.status != before_status else "",
            message=gettext_noop("Stage: %(before)s → %(after)s."),
            params={"before": texts.label(LeadStage(before_stage).label), "after": texts.label(LeadStage(stage).label)},
            data=diff,
        )
    else:
        event_record(
            actor=actor,
            target=lead,
            verb=events.UPDATED,
            message=gettext_noop("Updated %(fields)s."),
            params={"fields": sorted(diff)},
            data=diff,
        )
    return lead


# --- giving it back, losing it --------------------------------------------------------------------


@transaction.atomic
def lead_return(*, actor: Membership, lead: Lead, reason: str) -> Lead:
    """The company gives the lead back: its offer is marked returned (so it is never offered to
    the company again: one offer per lead and partner), the lead goes to the vendor's queue and
    is routed on at once (``leads.route`` after commit)."""
    lead_require(actor, lead, LeadAction.WORK)
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation(gettext("Say why you give the lead back."))
    lead = _locked(lead)
    _held(lead, gettext("returned"))
    partner = Partner.objects.get(pk=lead.partner_id)
    LeadOffer.objects.filter(lead_id=lead.pk, partner_id=lead.partner_id, status=OfferStatus.ACCEPTED).update(
        status=OfferStatus.RETURNED
    )
    before = lead.status
    event_record(
        actor=actor,
        target=lead,
        verb=events.RETURNED,
        from_state=before,
        to_state=LeadStatus.QUEUED,
        message=gettext_noop("Given back to the vendor."),
        note=reason,
        data={"partner_id": partner.pk},
    )
    _give_back(lead, partner, reason=QueueReason.RETURNED, title=gettext_noop("given back by %(partner)s"), note=reason)
    return lead


def _give_back(lead: Lead, partner: Partner, *, reason: str, title: str, note: str) -> None:
    """The (locked) lead leaves the company for the vendor's queue and is routed on at once; the
    partner's accepted offer was marked returned by the caller, so it is never offered to the
    company again."""
    # The lead leaves the company: written as the tenant (it no longer passes the partner's policy).
    with step_out_to_tenant():
        lead.status, lead.queue_reason = LeadStatus.QUEUED, reason
        lead.partner, lead.owner, lead.accepted_at = None, None, None
        lead.stage, lead.next_step, lead.expected_value = LeadStage.NOT_CONTACTED, "", None
        lead.save(
            update_fields=[
                "status",
                "queue_reason",
                "partner",
                "owner",
                "accepted_at",
                "stage",
                "next_step",
                "expected_value",
                "updated_at",
            ]
        )
        tell_lead(
            lead,
            None,
            to=vendor_followers(partner),
            kind=notifications.QUEUED,
            title=title,
            params={"partner": str(partner)},
            note=note,
        )
        outbox_enqueue(task_name=ROUTE_TASK, lead_id=lead.pk, trigger="returned")


PULL_BACK_BATCH = 500


def leads_pull_back(*, now=None) -> int:
    """Accepted leads their program's ``stale_after_days`` found without any change go back to the
    vendor and on to the next partner, like a return (the offer is marked returned: the company is
    not offered it again); the company's people and the vendor hear why. Run by the offers sweep;
    safe to run twice (a lead pulled back is no longer held). Returns how many."""
    from datetime import timedelta

    from django.db.models import Q

    from ..models import LeadProgramSettings

    now = now or timezone.now()
    days = dict(
        LeadProgramSettings.objects.filter(stale_after_days__gt=0).values_list("program_id", "stale_after_days")
    )
    if not days:
        return 0
    unchanged = Q()
    for program_id, limit in days.items():
        unchanged |= Q(program_id=program_id, updated_at__lt=now - timedelta(days=limit))
    stale = (
        Lead.objects.filter(unchanged, status__in=HELD_LEAD_STATUSES, partner__isnull=False)
        .select_for_update(skip_locked=True)
        .order_by("updated_at", "id")[:PULL_BACK_BATCH]
    )
    pulled = 0
    for lead in stale:
        partner = Partner.objects.get(pk=lead.partner_id)
        LeadOffer.objects.filter(lead_id=lead.pk, partner_id=partner.pk, status=OfferStatus.ACCEPTED).update(
            status=OfferStatus.RETURNED
        )
        before, holders = lead.status, receivers_by_partner([partner.pk]).get(partner.pk, [])
        params = {"days": days[lead.program_id]}
        event = event_record(
            actor=None,
            target=lead,
            verb=events.PULLED_BACK,
            from_state=before,
            to_state=LeadStatus.QUEUED,
            message=gettext_noop("Pulled back: no change for %(days)s days."),
            params=params,
            data={"partner_id": partner.pk},
        )
        tell_lead(
            lead,
            event,
            to=holders,
            kind=notifications.QUEUED,
            title=gettext_noop("pulled back: no change for %(days)s days"),
            params=params,
        )
        _give_back(
            lead,
            partner,
            reason=QueueReason.STALE,
            title=gettext_noop("pulled back from %(partner)s: not worked in time"),
            note="",
        )
        pulled += 1
    return pulled


@transaction.atomic
def lead_mark_lost(*, actor: Membership, lead: Lead, reason: str) -> Lead:
    """The company closes the lead as lost (no deal came of it)."""
    lead_require(actor, lead, LeadAction.WORK)
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation(gettext("Say why the lead is lost."))
    lead = _locked(lead)
    _held(lead, gettext("marked lost"))
    before = lead.status
    lead.status, lead.closed_at = LeadStatus.LOST, timezone.now()
    lead.save(update_fields=["status", "closed_at", "updated_at"])
    event_record(
        actor=actor,
        target=lead,
        verb=events.LOST,
        from_state=before,
        to_state=lead.status,
        message=gettext_noop("Marked lost."),
        note=reason,
    )
    return lead


# --- the conversation -------------------------------------------------------------------------------


@transaction.atomic
def lead_message_post(*, actor: Membership, lead: Lead, body: str, internal: bool = False) -> LeadMessage:
    """A message between the company holding the lead and the vendor, the other side told. Staff
    may write an internal note instead: partner users never read it, and nobody is told."""
    lead_require(actor, lead, LeadAction.POST_MESSAGE)
    if internal:
        lead_require(actor, lead, LeadAction.POST_INTERNAL_NOTE)
    if lead.partner_id is None:
        raise PolicyViolation(gettext("The conversation opens once a partner accepts the lead."))
    body = (body or "").strip()
    if not body:
        raise PolicyViolation(gettext("Write a message first."))
    if len(body) > MESSAGE_MAX_LENGTH:
        raise PolicyViolation(
            gettext("Keep a message under %(limit)s characters.")
            % {"limit": number_format(MESSAGE_MAX_LENGTH, force_grouping=True)}
        )
    message = LeadMessage.objects.create(
        lead=lead, partner_id=lead.partner_id, author=actor, body=body, internal=bool(internal)
    )
    if message.internal:
        return message
    if not actor.is_staff_member:  # the partner's word counts as work on the lead (the pull-back)
        Lead.objects.filter(pk=lead.pk).update(updated_at=timezone.now())
    if actor.is_staff_member:
        if lead.owner_id:
            other_side = list(Membership.objects.filter(pk=lead.owner_id, is_active=True).select_related("user"))
        else:
            other_side = receivers_by_partner([lead.partner_id]).get(lead.partner_id, [])
    else:
        other_side = vendor_followers(Partner.objects.get(pk=lead.partner_id))
    tell_lead(
        lead,
        to=[member for member in other_side if member.pk != actor.pk],
        kind=notifications.MESSAGE,
        title=gettext_noop("new message from %(author)s"),
        params={"author": str(actor.user)},
        note=body[:300],
    )
    return message


# --- conversion and attribution ---------------------------------------------------------------------


def lead_attribution(lead: Lead) -> Attribution:
    """Where the deal's opportunity came from: this lead (a referral's when a partner referred it),
    its campaign and the referring partner; the deal keeps it immutably."""
    return Attribution(
        source=DealSource.REFERRAL if lead.source == LeadSource.REFERRAL else DealSource.LEAD,
        lead_id=lead.pk,
        reference=lead.reference,
        campaign=lead.campaign,
        partner_id=lead.source_partner_id,
    )


@transaction.atomic
def lead_convert(
    *,
    actor: Membership,
    lead: Lead,
    customer_name: str,
    customer_country: str,
    currency: str,
    expected_close_on: date,
    lines: list,
    submit: bool = False,
    **fields,
):
    """Convert the held lead into a deal registration of its company (``deals.services.
    deal_register``, a draft or submitted at once), carrying the lead's source for attribution.
    A lead converts once: the second attempt is refused."""
    lead_require(actor, lead, LeadAction.WORK)
    lead = _locked(lead)
    if lead.deal_id is not None or lead.status == LeadStatus.CONVERTED:
        raise InvalidTransition(
            gettext("%(reference)s was converted to a deal registration already; nothing was changed.")
            % {"reference": lead.reference}
        )
    _held(lead, gettext("converted"))
    partner = Partner.objects.get(pk=lead.partner_id)
    deal = deal_register(
        actor=actor,
        partner=partner,
        customer_name=customer_name,
        customer_country=customer_country,
        currency=currency,
        expected_close_on=expected_close_on,
        lines=lines,
        submit=submit,
        attribution=lead_attribution(lead),
        **fields,
    )
    before = lead.status
    lead.status, lead.deal, lead.converted_at = LeadStatus.CONVERTED, deal, timezone.now()
    lead.save(update_fields=["status", "deal", "converted_at", "updated_at"])
    event_record(
        actor=actor,
        target=lead,
        verb=events.CONVERTED,
        from_state=before,
        to_state=lead.status,
        message=gettext_noop("Converted to the deal registration %(deal)s."),
        params={"deal": deal.reference},
        data={"deal_id": deal.pk, "deal_reference": deal.reference},
    )
    return deal


@transaction.atomic
def lead_deal_closed(*, deal_id: int, won: bool, amount=None, currency: str = "", won_on: date | None = None) -> bool:
    """The deal a lead was converted into closed (``deals.events.WON`` or ``LOST``, through the
    outbox): the lead is won, with the amount and the day (the revenue attributed to it), or lost.
    The system's doing; safe to run twice."""
    found = Lead.objects.filter(deal_id=deal_id).only("pk").first()
    if found is None:
        return False
    lead = lock(found)
    to_status = LeadStatus.WON if won else LeadStatus.LOST
    if lead.status == to_status or lead.status not in (LeadStatus.CONVERTED, LeadStatus.WON, LeadStatus.LOST):
        return False
    before = lead.status
    lead.status, lead.closed_at = to_status, timezone.now()
    if won:
        lead.won_amount = Decimal(str(amount)) if amount not in (None, "") else None
        lead.won_on = date.fromisoformat(won_on) if isinstance(won_on, str) else won_on
        if currency:
            lead.currency = currency
    lead.save(update_fields=["status", "closed_at", "won_amount", "won_on", "currency", "updated_at"])
    if won:
        event_record(
            actor=None,
            target=lead,
            verb=events.WON,
            from_state=before,
            to_state=lead.status,
            message=gettext_noop("Won: %(amount)s, attributed to this lead."),
            params={"amount": texts.money(lead.won_amount, lead.currency)},
            data={
                "deal_id": deal_id,
                "amount": str(lead.won_amount),
                "currency": lead.currency,
                "won_on": lead.won_on.isoformat() if lead.won_on else None,
                "campaign": lead.campaign,
                "source_partner_id": lead.source_partner_id,
            },
        )
    else:
        event_record(
            actor=None,
            target=lead,
            verb=events.LOST,
            from_state=before,
            to_state=lead.status,
            message=gettext_noop("Its deal registration was lost."),
            data={"deal_id": deal_id},
        )
    return True


_ENDED_MESSAGES = {
    "rejected": gettext_noop("Its deal registration %(deal)s was rejected: the lead is worked again."),
    "withdrawn": gettext_noop("Its deal registration %(deal)s was withdrawn: the lead is worked again."),
    "expired": gettext_noop("Its deal registration %(deal)s expired: the lead is worked again."),
}


@transaction.atomic
def lead_deal_ended(*, deal_id: int, how: str) -> bool:
    """The deal registration a lead was converted into ended without a win or a loss (``how``:
    rejected, withdrawn, expired; ``deals.events``, through the outbox): the lead goes back to
    its partner as being worked, with no deal, so that it can be worked on and converted again
    (the ended registration keeps the lead as its source). The system's doing; safe to run twice."""
    if how not in _ENDED_MESSAGES:
        raise ValueError(f"unknown end of a deal registration: {how!r}")
    found = Lead.objects.filter(deal_id=deal_id).only("pk").first()
    if found is None:
        return False
    lead = lock(found)
    if lead.status != LeadStatus.CONVERTED or lead.deal_id != deal_id:
        return False
    reference = lead.deal.reference
    before = lead.status
    lead.status, lead.deal, lead.converted_at = LeadStatus.WORKING, None, None
    lead.save(update_fields=["status", "deal", "converted_at", "updated_at"])
    event_record(
        actor=None,
        target=lead,
        verb=events.DEAL_ENDED,
        from_state=before,
        to_state=lead.status,
        message=_ENDED_MESSAGES[how],
        params={"deal": reference},
        data={"deal_id": deal_id, "how": how},
    )
    return True
