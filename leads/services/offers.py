"""Answering an offer (open, accept, decline) and the deadline sweep (reminders at half time,
expiry at the deadline, and the lead routed on).

Lock order, everywhere: the lead, then its offer. Accepting and the sweep's expiry both take the
lead's row first, so of an accept and an expiry at the same instant one waits for the other and
then sees what it did; the partial unique indexes (one pending, one accepted offer per lead) are
the database's last word, and an ``IntegrityError`` from them is told as the same refusal.

A partner user's transaction sees only its own rows (row-level security): the lead it was offered
stops being its row the moment the offer is declined or times out, so the services write the
lead, and read what the refusal needs, inside ``step_out_to_tenant()``, and never show the lead
to the partner from there. Routing on runs in a task (``leads.route`` through the outbox): the
engine reads every partner's enrolments, capacities and earlier offers, which a partner user's
transaction cannot see, and it is the routing part's transaction, retried on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from prm.accounts.models import Membership
from prm.accounts.roles import Role, capabilities_for
from prm.errors import InvalidTransition, PolicyViolation
from prm.events import texts
from prm.events.services import event_record, event_record_many, outbox_enqueue, outbox_enqueue_many, system_event
from prm.notifications.services import Message, notify_many
from prm.tenancy.scope import current_tenant_id, step_out_to_tenant
from prm.web.views import url_pattern

from .. import events, notifications
from ..models import DeclineReason, Lead, LeadOffer, LeadStatus, OfferStatus, QueueReason
from ..permissions import LEADS_RECEIVE, LeadAction, lead_require
from .common import lock, reference_for
from .routing import queue_digest

ROUTE_TASK = "leads.route"
# "<reference>: <what happened>". Offer messages name the reference only: no company, no
# contact, nothing of the lead (they make the person sign in to read it).
LEAD_TITLE = gettext_noop("%(lead)s: %(what)s")
# Reasons that flag the lead instead of passing it on: it goes to the vendor's queue.
FLAGGING = frozenset({DeclineReason.SPAM, DeclineReason.DUPLICATE})
# How many offers one statement of the sweep takes (a tenant with more due runs several).
SWEEP_BATCH = 10000


# --- who hears ----------------------------------------------------------------------------------


def receiver_roles() -> list[str]:
    """The partner roles that receive lead offers (``LEADS_RECEIVE``: admins and sales reps)."""
    return sorted(role for role in Role.values if LEADS_RECEIVE in capabilities_for(role))


def receivers_by_partner(partner_ids) -> dict[int, list[Membership]]:
    """The active users of each partner who answer its offers, in one query."""
    found: dict[int, list[Membership]] = {}
    # Only what a notification needs of its recipient (a sweep reads tens of thousands).
    members = Membership.objects.filter(
        partner_id__in=list(partner_ids), role__in=receiver_roles(), is_active=True
    ).only("id", "tenant_id", "partner_id", "user_id", "role", "is_active")
    for member in members.order_by("pk"):
        found.setdefault(member.partner_id, []).append(member)
    return found


def vendor_followers(partner) -> list[Membership]:
    """Who on the vendor's side follows a partner's leads: its account manager, else the vendor
    admins. Read as the tenant (a partner user cannot see staff memberships); handed to a
    notification only."""
    with step_out_to_tenant():
        if partner.account_manager_id:
            manager = (
                Membership.objects.filter(pk=partner.account_manager_id, is_active=True, partner__isnull=True)
                .select_related("user")
                .first()
            )
            if manager is not None:
                return [manager]
        return list(
            Membership.objects.filter(partner__isnull=True, role=Role.ADMIN, is_active=True)
            .select_related("user")
            .order_by("pk")
        )


def offer_url(offer_id: int) -> str:
    return reverse("portal:lead_offer", kwargs={"offer_id": offer_id})


def lead_url(lead_id: int, *, staff: bool) -> str:
    return reverse("office:lead" if staff else "portal:lead", kwargs={"lead_id": lead_id})


def tell_lead(lead: Lead, event=None, *, to, kind: str, title: str, body: str = "", params=None, note: str = ""):
    """Notify ``to`` about a lead, linked to its page on each recipient's side. Staff read the
    company's name too; partner users the reference only."""
    sides = {staff: [m for m in to if m is not None and m.is_staff_member == staff] for staff in (True, False)}
    notify_many(
        messages=[
            Message(
                recipients=members,
                kind=kind,
                title=LEAD_TITLE,
                body=body,
                params={
                    "lead": f"{lead.reference} {lead.company}" if staff else lead.reference,
                    "what": texts.phrase(title, **(params or {})),
                }
                | (params or {}),
                note=note,
                url=lead_url(lead.pk, staff=staff),
                event=event,
            )
            for staff, members in sides.items()
            if members
        ]
    )


# --- opening, accepting, declining --------------------------------------------------------------


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _refusal(offer: LeadOffer, now: datetime) -> str | None:
    """Why ``offer`` (read under its lock) can no longer be answered, or None."""
    if offer.status == OfferStatus.EXPIRED or (offer.status == OfferStatus.PENDING and offer.due_at <= now):
        return gettext("This offer timed out at %(due)s; the lead has moved on.") % {"due": _when(offer.due_at)}
    if offer.status == OfferStatus.WITHDRAWN:
        return gettext("The vendor withdrew this offer; the lead has moved on.")
    if offer.status == OfferStatus.DECLINED:
        return gettext("Your company declined this offer already; nothing was changed.")
    if offer.status == OfferStatus.ACCEPTED:
        return gettext("Your company accepted this offer already; nothing was changed.")
    if offer.status == OfferStatus.RETURNED:
        return gettext("Your company returned this lead; it has moved on.")
    return None


def _lock_both(offer: LeadOffer) -> tuple[Lead, LeadOffer]:
    """The lead, then the offer, locked (the lead read as the tenant: once the offer is over it is
    no longer the partner's row, and the refusal must still be told)."""
    with step_out_to_tenant():
        lead = lock(Lead(pk=offer.lead_id))
    return lead, LeadOffer.objects.select_for_update(no_key=True).get(pk=offer.pk)


def _moved_on(lead: Lead, offer: LeadOffer) -> bool:
    return lead.status != LeadStatus.OFFERED or lead.offered_to_id != offer.partner_id


@transaction.atomic
def offer_open(*, actor: Membership, offer: LeadOffer) -> LeadOffer:
    """The first time one of the company's users opens the offer: when and who, once (later opens,
    and staff looking at it, change nothing). One conditional UPDATE: two users opening it at the
    same instant record one opening."""
    lead_require(actor, offer, LeadAction.OFFER_VIEW)
    if offer.opened_at is not None or not actor.is_partner_user:
        return offer
    now = timezone.now()
    if not LeadOffer.objects.filter(pk=offer.pk, opened_at__isnull=True).update(opened_at=now, opened_by=actor):
        return offer
    offer.opened_at, offer.opened_by = now, actor
    event_record(
        actor=actor,
        target=Lead(pk=offer.lead_id, tenant_id=offer.tenant_id),
        verb=events.OFFER_OPENED,
        message=gettext_noop("Offer opened."),
        data={"offer_id": offer.pk},
        partner_id=offer.partner_id,
    )
    return offer


def _clean_value(expected_value, currency: str, default_currency: str) -> tuple[Decimal | None, str]:
    if expected_value in (None, ""):
        return None, ""
    try:
        value = Decimal(expected_value)
    except (InvalidOperation, TypeError, ValueError):
        raise PolicyViolation(gettext("Enter the expected value as a number.")) from None
    if value < 0 or not value.is_finite():
        raise PolicyViolation(gettext("The expected value cannot be negative."))
    currency = (currency or default_currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
        raise PolicyViolation(gettext("Enter the currency as a three-letter code, e.g. EUR."))
    return value, currency


def lead_owner_check(owner: Membership, partner_id: int) -> None:
    """An owner of a partner's lead: one of its active users who may receive leads."""
    if owner is None or owner.partner_id != partner_id or not owner.is_active or not owner.can(LEADS_RECEIVE):
        raise PolicyViolation(gettext("Choose one of your company's active users who receive leads."))


@transaction.atomic
def offer_accept(
    *,
    actor: Membership,
    offer: LeadOffer,
    next_step: str,
    expected_value: Decimal | None = None,
    currency: str = "",
    owner: Membership | None = None,
) -> Lead:
    """Accept the offer for the company: the lead is held by it (accepted, owned by ``owner`` or
    the accepter) with the next step and the expected value. Refused once the offer is no longer
    pending or past its deadline: two partners never hold one lead."""
    lead_require(actor, offer, LeadAction.OFFER_RESPOND)
    owner = owner or actor
    if owner.pk != actor.pk:
        lead_require(actor, None, LeadAction.ASSIGN, partner_id=offer.partner_id)
    lead_owner_check(owner, offer.partner_id)
    next_step = (next_step or "").strip()
    if not next_step:
        raise PolicyViolation(gettext("Say what your next step with this lead is."))
    lead, offer = _lock_both(offer)
    now = timezone.now()
    refusal = _refusal(offer, now) or (
        gettext("This offer is over; the lead has moved on.") if _moved_on(lead, offer) else None
    )
    if refusal:
        raise InvalidTransition(refusal)
    value, currency = _clean_value(expected_value, currency, lead.currency or actor.tenant.default_currency)
    try:
        with transaction.atomic():  # a savepoint: the unique indexes' refusal leaves the rest usable
            offer.status, offer.responded_at, offer.responded_by = OfferStatus.ACCEPTED, now, actor
            offer.save(update_fields=["status", "responded_at", "responded_by"])
            lead.status, lead.partner_id, lead.accepted_at, lead.offered_to = (
                LeadStatus.ACCEPTED,
                offer.partner_id,
                now,
                None,
            )
            lead.owner, lead.next_step, lead.expected_value = owner, next_step[:200], value
            if value is not None:
                lead.currency = currency
            lead.queue_reason = ""
            lead.save(
                update_fields=[
                    "status",
                    "partner",
                    "accepted_at",
                    "offered_to",
                    "owner",
                    "next_step",
                    "expected_value",
                    "currency",
                    "queue_reason",
                    "updated_at",
                ]
            )
    except IntegrityError:
        raise InvalidTransition(gettext("This offer is over; the lead has moved on.")) from None
    event = event_record(
        actor=actor,
        target=lead,
        verb=events.ACCEPTED,
        from_state=LeadStatus.OFFERED,
        to_state=LeadStatus.ACCEPTED,
        message=gettext_noop("Accepted. Next step: %(step)s."),
        params={"step": lead.next_step},
        data={
            "offer_id": offer.pk,
            "owner_id": owner.pk,
            "expected_value": str(value) if value is not None else None,
            "currency": lead.currency,
            "seconds_to_accept": int((now - offer.offered_at).total_seconds()),
        },
    )
    tell_lead(
        lead,
        event,
        to=vendor_followers(offer.partner),
        kind=notifications.ACCEPTED,
        title=gettext_noop("accepted by %(partner)s"),
        params={"partner": str(offer.partner)},
    )
    if owner.pk != actor.pk:
        tell_lead(lead, event, to=[owner], kind=notifications.ASSIGNED, title=gettext_noop("assigned to you"))
    return lead


@transaction.atomic
def offer_decline(*, actor: Membership, offer: LeadOffer, reason: str, note: str = "") -> LeadOffer:
    """Decline the offer with a reason. Spam or a duplicate flags the lead: it goes to the
    vendor's queue; any other reason passes it on to the next partner at once (``leads.route``
    after commit: see the module's docstring). The company is never offered it again."""
    lead_require(actor, offer, LeadAction.OFFER_RESPOND)
    if reason not in DeclineReason.values:
        raise PolicyViolation(gettext("Choose why you decline the lead."))
    note = (note or "").strip()
    if reason == DeclineReason.OTHER and not note:
        raise PolicyViolation(gettext("Say in the note why you decline the lead."))
    lead, offer = _lock_both(offer)
    refusal = _refusal(offer, timezone.now()) or (
        gettext("This offer is over; the lead has moved on.") if _moved_on(lead, offer) else None
    )
    if refusal:
        raise InvalidTransition(refusal)
    now = timezone.now()
    offer.status, offer.responded_at, offer.responded_by = OfferStatus.DECLINED, now, actor
    offer.decline_reason, offer.decline_note = reason, note[:2000]
    offer.save(update_fields=["status", "responded_at", "responded_by", "decline_reason", "decline_note"])
    flagged = reason in FLAGGING
    event_record(
        actor=actor,
        target=lead,
        verb=events.DECLINED,
        message=gettext_noop("Declined: %(reason)s."),
        params={"reason": texts.label(DeclineReason(reason).label)},
        note=note,
        data={"offer_id": offer.pk, "reason": reason, "flagged": flagged},
        partner_id=offer.partner_id,
    )
    # No longer the partner's row once it lets go of it: written as the tenant.
    with step_out_to_tenant():
        lead.offered_to = None
        fields = ["offered_to", "updated_at"]
        if flagged:
            lead.status, lead.queue_reason = LeadStatus.QUEUED, QueueReason.FLAGGED
            fields += ["status", "queue_reason"]
        lead.save(update_fields=fields)
        if flagged:
            queued = event_record(
                actor=actor,
                target=lead,
                verb=events.QUEUED,
                from_state=LeadStatus.OFFERED,
                to_state=LeadStatus.QUEUED,
                message=gettext_noop("Flagged as %(reason)s by the partner: back in the vendor's queue."),
                params={"reason": texts.label(DeclineReason(reason).label, lower=True)},
                data={"offer_id": offer.pk, "reason": reason},
                internal=True,
            )
            tell_lead(
                lead,
                queued,
                to=vendor_followers(offer.partner),
                kind=notifications.QUEUED,
                title=gettext_noop("flagged as %(reason)s by %(partner)s"),
                params={"reason": texts.label(DeclineReason(reason).label, lower=True), "partner": str(offer.partner)},
                note=note,
            )
        else:
            outbox_enqueue(task_name=ROUTE_TASK, lead_id=lead.pk, trigger="declined")
    return offer


# --- the sweep ------------------------------------------------------------------------------------


@dataclass
class OffersSweepSummary:
    reminded: int = 0
    expired: int = 0
    queued: int = 0  # leads in the lead managers' digest of returns to the queue
    pulled_back: int = 0  # accepted leads left unchanged too long, back to the vendor and on
    contact_reminders: int = 0  # accepted referrals still waiting for their contact's details


# The offers alone (no join to the leads: their references are read afterwards for the lines
# the digests show, by id).
_REMIND_SQL = """
UPDATE {offer} AS o SET reminded_at = %(now)s
 WHERE o.tenant_id = %(tenant)s AND o.status = 'pending' AND o.reminded_at IS NULL
   AND o.remind_at <= %(now)s AND o.due_at > %(now)s
RETURNING o.id, o.lead_id, o.partner_id, o.due_at
"""
_REFERENCES_SQL = """
SELECT id, reference FROM {lead} WHERE tenant_id = %(tenant)s AND id = ANY(%(ids)s)
"""

# The leads of due offers are locked first (skipping those an accept or a decline holds right
# now: that transaction decides them, or the next sweep), lead before offer as in offer_accept;
# then their offers expire and the leads let go of them. Three statements per batch, each on an
# index (a single statement of CTEs was planned as nested loops over CTE scans: 54 s for 5,000).
_DUE_SQL = """
SELECT o.id, o.lead_id, o.partner_id, o.due_at, l.reference
  FROM {offer} AS o JOIN {lead} AS l ON l.id = o.lead_id AND l.tenant_id = o.tenant_id
 WHERE o.tenant_id = %(tenant)s AND o.status = 'pending' AND o.due_at <= %(now)s
 ORDER BY o.due_at, o.id
 LIMIT %(batch)s
   FOR NO KEY UPDATE OF l SKIP LOCKED
"""
_EXPIRE_SQL = """
UPDATE {offer} SET status = 'expired'
 WHERE tenant_id = %(tenant)s AND id = ANY(%(ids)s) AND status = 'pending'
RETURNING id
"""
_RELEASE_SQL = """
UPDATE {lead} AS l SET offered_to_id = NULL, updated_at = %(now)s
  FROM unnest(%(lead_ids)s::bigint[], %(partner_ids)s::bigint[]) AS x(lead_id, partner_id)
 WHERE l.tenant_id = %(tenant)s AND l.id = x.lead_id AND l.offered_to_id = x.partner_id
"""


def _run(sql: str, *, fetch: bool = True, **params) -> list[tuple]:
    query = sql.format(offer=LeadOffer._meta.db_table, lead=Lead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(query, {"tenant": current_tenant_id(), **params})
        return cursor.fetchall() if fetch else []


def _tell_partners(rows: list[tuple], *, kind: str, title, body: str, line: str) -> None:
    """One digest per company to its users who answer offers: how many, and each offer's reference
    and deadline, nothing of the leads (one offer: its page; more: the inbox). ``title(count)``
    gives the digest's ``texts.count_phrase``."""
    by_partner: dict[int, list[tuple]] = {}
    for row in rows:
        by_partner.setdefault(row[2], []).append(row)
    receivers = receivers_by_partner(by_partner)
    one_offer, inbox = url_pattern("portal:lead_offer", "offer_id"), reverse("portal:leads")
    notify_many(
        messages=[
            Message(
                recipients=receivers.get(partner_id, []),
                kind=kind,
                title=title(len(offers)),
                body=body,
                params={
                    texts.LINES: [
                        texts.phrase(line, lead=reference, due=due_at) for _, _, _, due_at, reference in offers
                    ][:50]
                },
                url=one_offer(offers[0][0]) if len(offers) == 1 else inbox,
            )
            for partner_id, offers in by_partner.items()
        ]
    )


def _remind(now: datetime) -> int:
    # A reminder changes no state: the offer's ``reminded_at`` records it (shown with the offer),
    # and no event is written per offer (after an outage that would be tens of thousands of rows
    # saying nothing the offers do not).
    rows = _run(_REMIND_SQL, now=now)
    if not rows:
        return 0
    references = dict(_run(_REFERENCES_SQL, ids=[lead_id for _, lead_id, _, _ in rows]))
    rows = [(*row, references.get(row[1]) or reference_for(row[1])) for row in rows]
    _tell_partners(
        rows,
        kind=notifications.OFFER_REMINDER,
        title=lambda count: texts.count_phrase(
            "%(count)s lead offer is waiting for your answer",
            "%(count)s lead offers are waiting for your answer",
            count,
        ),
        body=gettext_noop("Half of the time to answer has passed. Sign in to read the leads and answer."),
        line=gettext_noop("%(lead)s: answer by %(due)s"),
    )
    return len(rows)


def _expire(now: datetime, lead_type) -> int:
    done = 0
    while True:
        due = _run(_DUE_SQL, now=now, batch=SWEEP_BATCH)
        if not due:
            return done
        expired = {row[0] for row in _run(_EXPIRE_SQL, ids=[row[0] for row in due])}
        rows = [row for row in due if row[0] in expired]
        _run(
            _RELEASE_SQL,
            now=now,
            lead_ids=[row[1] for row in rows],
            partner_ids=[row[2] for row in rows],
            fetch=False,
        )
        event_record_many(
            events=[
                system_event(
                    target_type=lead_type,
                    object_id=lead_id,
                    partner_id=partner_id,
                    verb=events.EXPIRED,
                    message=gettext_noop("The offer timed out at %(due)s."),
                    params={"due": due_at},
                    data={"offer_id": offer_id},
                )
                for offer_id, lead_id, partner_id, due_at, _reference in rows
            ]
        )
        _tell_partners(
            rows,
            kind=notifications.OFFER_EXPIRED,
            title=lambda count: texts.count_phrase(
                "%(count)s lead offer timed out", "%(count)s lead offers timed out", count
            ),
            body=gettext_noop("They were not answered in time; the leads have moved on to other partners."),
            line=gettext_noop("%(lead)s: timed out at %(due)s"),
        )
        outbox_enqueue_many(
            task_name=ROUTE_TASK, kwargs_list=[{"lead_id": row[1], "trigger": "expired"} for row in rows]
        )
        done += len(rows)
        if len(due) < SWEEP_BATCH:
            return done


@transaction.atomic
def offers_sweep(*, now: datetime | None = None) -> OffersSweepSummary:
    """One sweep of the current tenant's open offers, set-based: one statement marks the due
    reminders, one expires the offers past their deadline (per batch of ``SWEEP_BATCH``); events,
    notifications and the routing of the expired leads are written in bulk. Then the lead
    managers' digest of the leads the system returned to the queue (``routing.queue_digest``).
    Safe to run twice: a reminded or expired offer is no longer a candidate."""
    now = now or timezone.now()
    lead_type = ContentType.objects.get_for_model(Lead)
    from .referrals import referral_contact_reminders
    from .work import leads_pull_back

    summary = OffersSweepSummary(reminded=_remind(now), expired=_expire(now, lead_type))
    # Accepted leads nobody works go back to the vendor and on (their programs' stale_after_days).
    summary.pulled_back = leads_pull_back(now=now)
    # Referrals the vendor accepted whose referrer still withholds the contact: one reminder.
    summary.contact_reminders = referral_contact_reminders(now=now)
    summary.queued = queue_digest(now=now)
    return summary


__all__ = [
    "FLAGGING",
    "OffersSweepSummary",
    "lead_owner_check",
    "offer_accept",
    "offer_decline",
    "offer_open",
    "offers_sweep",
    "receivers_by_partner",
    "tell_lead",
    "vendor_followers",
]
