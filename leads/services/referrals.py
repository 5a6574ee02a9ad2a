"""What the vendor decides on leads that wait for a person before routing, and what a referrer adds:

* a partner's **referral** (``PENDING_REVIEW``): accepted (routed, or, when the referrer withheld
  the contact's details, ``AWAITING_CONTACT`` until the referrer adds them:
  ``lead_referral_contact_add``) or declined with a reason the referrer reads;
* a **flagged duplicate** (``DUPLICATE``): released into routing, or discarded.

Each is one locked service: of two decisions at once one wins, the other is told the lead was
decided already. The referrer hears of the decision (``REFERRAL_DECIDED``). Nothing here, or
anywhere, lets the vendor set a withheld referral's contact details: only its referrer shares
them.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from deals.services.accounts import registrable_domain
from prm.accounts.models import Membership
from prm.errors import InvalidTransition, PolicyViolation
from prm.events.services import event_record, outbox_enqueue
from prm.notifications.services import notify

from .. import events, notifications
from ..models import Lead, LeadSource, LeadStatus
from ..permissions import A, lead_require
from .common import lock
from .intake import LIMITS, ROUTE_TASK

DECLINE_REASON_MAX = 1000


def _referral(actor, lead: Lead) -> Lead:
    lead_require(actor, lead, A.REVIEW_REFERRAL)
    lead = lock(lead)
    if lead.source != LeadSource.REFERRAL:
        raise PolicyViolation(gettext("This lead is not a partner's referral."))
    if lead.status != LeadStatus.PENDING_REVIEW:
        raise InvalidTransition(
            gettext("This referral was decided already (%(status)s).") % {"status": lead.get_status_display()}
        )
    return lead


def _tell_referrer(lead: Lead, *, title: str, body: str, event, params: dict | None = None) -> None:
    recipients = list(
        Membership.objects.filter(pk=lead.created_by_id, partner_id=lead.source_partner_id).select_related("user")
    )
    notify(
        recipients=recipients,
        kind=notifications.REFERRAL_DECIDED,
        title=title,
        body=body,
        params={"company": lead.company, "reference": lead.reference, **(params or {})},
        url=reverse("portal:lead_referrals"),
        event=event,
    )


REFERRAL_REMINDER_DAYS = 3


def referral_contact_reminders(*, now=None) -> int:
    """Remind, once, the referrer of an accepted referral whose contact is still withheld
    ``REFERRAL_REMINDER_DAYS`` after the vendor accepted it (run by the offers sweep; safe to run
    twice: ``contact_reminded_at`` marks it). Returns how many."""
    from datetime import timedelta

    now = now or timezone.now()
    waiting = Lead.objects.filter(
        status=LeadStatus.AWAITING_CONTACT,
        contact_reminded_at__isnull=True,
        updated_at__lt=now - timedelta(days=REFERRAL_REMINDER_DAYS),
    ).select_for_update(skip_locked=True)
    reminded = 0
    for lead in waiting.order_by("updated_at", "id")[:500]:
        Lead.objects.filter(pk=lead.pk).update(contact_reminded_at=now)  # updated_at stays: the wait goes on
        _tell_referrer(
            lead,
            title=gettext_noop("Your referral of %(company)s waits for the contact's details"),
            body=gettext_noop(
                "The vendor accepted your referral %(reference)s: share the contact's details to have it worked."
            ),
            event=None,
        )
        reminded += 1
    return reminded


@transaction.atomic
def lead_referral_accept(*, actor, lead: Lead, note: str = "") -> Lead:
    """Accept a referral: routed after commit, or, when its contact's details were withheld,
    waiting for the referrer to share them."""
    lead = _referral(actor, lead)
    to = LeadStatus.AWAITING_CONTACT if lead.contact_withheld else LeadStatus.NEW
    lead.status = to
    lead.save(update_fields=["status", "updated_at"])
    event = event_record(
        actor=actor,
        target=lead,
        verb=events.REFERRAL_ACCEPTED,
        from_state=LeadStatus.PENDING_REVIEW,
        to_state=to,
        note=note,
        partner_id=lead.source_partner_id,
    )
    if to == LeadStatus.NEW:
        outbox_enqueue(task_name=ROUTE_TASK, lead_id=lead.pk, trigger="new")
        body = gettext_noop("The vendor accepted your referral %(reference)s; it goes to the right partner now.")
    else:
        body = gettext_noop(
            "The vendor accepted your referral %(reference)s: share the contact's details to have it worked."
        )
    _tell_referrer(lead, title=gettext_noop("Your referral of %(company)s is accepted"), body=body, event=event)
    return lead


@transaction.atomic
def lead_referral_decline(*, actor, lead: Lead, reason: str) -> Lead:
    """Decline a referral with a reason its referrer reads."""
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation(gettext("Tell the partner why the referral is declined."))
    if len(reason) > DECLINE_REASON_MAX:
        raise PolicyViolation(gettext("Keep the reason under %(max)s characters.") % {"max": DECLINE_REASON_MAX})
    lead = _referral(actor, lead)
    lead.status = LeadStatus.DISQUALIFIED
    lead.closed_at = timezone.now()
    lead.save(update_fields=["status", "closed_at", "updated_at"])
    event = event_record(
        actor=actor,
        target=lead,
        verb=events.REFERRAL_DECLINED,
        from_state=LeadStatus.PENDING_REVIEW,
        to_state=LeadStatus.DISQUALIFIED,
        note=reason,
        partner_id=lead.source_partner_id,
        data={"reason": reason},
    )
    _tell_referrer(
        lead,
        title=gettext_noop("Your referral of %(company)s is declined"),
        body=gettext_noop("The vendor declined your referral %(reference)s: %(reason)s"),
        params={"reason": reason},
        event=event,
    )
    return lead


@transaction.atomic
def lead_referral_contact_add(
    *, actor, lead: Lead, contact_name: str, email: str, phone: str = "", job_title: str = ""
) -> Lead:
    """The referrer shares the contact's details of an accepted referral: the lead is routed
    after commit. Only a user of the referring company may, and only once."""
    if lead.source_partner_id is None:
        raise PolicyViolation(gettext("This lead is not a partner's referral."))
    lead_require(actor, None, A.REFER, partner_id=lead.source_partner_id)
    if actor.partner_id != lead.source_partner_id:
        raise PolicyViolation(gettext("Only the referring company shares the contact's details."))
    values = {
        "contact_name": " ".join((contact_name or "").split()),
        "email": (email or "").strip().lower(),
        "phone": " ".join((phone or "").split()),
        "job_title": " ".join((job_title or "").split()),
    }
    if not values["contact_name"] or not values["email"]:
        raise PolicyViolation(gettext("Give the contact's name and e-mail address."))
    for name, value in values.items():
        if len(value) > LIMITS[name]:
            raise PolicyViolation(gettext("A value is too long."))
    lead = lock(lead)
    if lead.status != LeadStatus.AWAITING_CONTACT:
        raise InvalidTransition(gettext("This referral is not waiting for the contact's details."))
    for name, value in values.items():
        setattr(lead, name, value)
    lead.contact_withheld = False
    lead.domain = lead.domain or registrable_domain(values["email"])
    lead.status = LeadStatus.NEW
    lead.save(update_fields=[*values, "contact_withheld", "domain", "status", "updated_at"])
    event_record(
        actor=actor,
        target=lead,
        verb=events.CONTACT_SHARED,
        from_state=LeadStatus.AWAITING_CONTACT,
        to_state=LeadStatus.NEW,
        partner_id=lead.source_partner_id,
    )
    outbox_enqueue(task_name=ROUTE_TASK, lead_id=lead.pk, trigger="new")
    return lead


def _flagged(actor, lead: Lead) -> Lead:
    lead_require(actor, lead, A.ROUTE)
    lead = lock(lead)
    if lead.status != LeadStatus.DUPLICATE:
        raise InvalidTransition(
            gettext("This lead is no longer a flagged duplicate (%(status)s).") % {"status": lead.get_status_display()}
        )
    return lead


def duplicate_released(*, actor, lead: Lead) -> None:
    """The (locked) flagged duplicate becomes a lead of its own: new, with the event the review
    page lists. The one way to release one (here, and routing by hand: ``lead_route_now``)."""
    lead.status = LeadStatus.NEW
    lead.save(update_fields=["status", "updated_at"])
    event_record(
        actor=actor, target=lead, verb=events.RELEASED, from_state=LeadStatus.DUPLICATE, to_state=LeadStatus.NEW
    )


@transaction.atomic
def lead_duplicate_release(*, actor, lead: Lead) -> Lead:
    """A flagged duplicate is a lead of its own after all: routed after commit."""
    lead = _flagged(actor, lead)
    duplicate_released(actor=actor, lead=lead)
    outbox_enqueue(task_name=ROUTE_TASK, lead_id=lead.pk, trigger="manual")
    return lead


@transaction.atomic
def lead_duplicate_discard(*, actor, lead: Lead, note: str = "") -> Lead:
    """A flagged duplicate is dropped: disqualified, never routed."""
    lead = _flagged(actor, lead)
    lead.status = LeadStatus.DISQUALIFIED
    lead.closed_at = timezone.now()
    lead.save(update_fields=["status", "closed_at", "updated_at"])
    event_record(
        actor=actor,
        target=lead,
        verb=events.DISCARDED,
        from_state=LeadStatus.DUPLICATE,
        to_state=LeadStatus.DISQUALIFIED,
        note=note,
    )
    return lead
