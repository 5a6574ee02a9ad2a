"""What every deal service shares: the locked transition, protections, who is told and how,
deadlines."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.selectors import partner_admin_list, vendor_admin_list
from prm.errors import InvalidTransition, PolicyViolation
from prm.events import texts
from prm.events.services import event_record
from prm.notifications.services import Message, notify_many
from prm.tenancy.scope import step_out_to_tenant

from .. import events
from ..models import (
    PROTECTED_STATUSES,
    TRANSITIONS,
    Deal,
    DealProtection,
    DealStatus,
    PricingStatus,
    SpecialPricingRequest,
)


@dataclass(frozen=True)
class Attribution:
    """Where a registration's opportunity came from, carried from a lead to the deal to its win:
    ``deal_register(..., attribution=...)`` writes it once; a trigger refuses any change."""

    source: str  # DealSource
    lead_id: int | None = None
    reference: str = ""
    campaign: str = ""
    partner_id: int | None = None  # the partner that referred it

    def fields(self) -> dict:
        return {
            "source": self.source,
            "source_lead_id": self.lead_id,
            "source_reference": self.reference,
            "source_campaign": self.campaign,
            "source_partner_id": self.partner_id,
        }


# A notification about one registration: "<reference> <customer>: <what happened>" (``tell``).
DEAL_TITLE = gettext_noop("%(deal)s: %(what)s")

# Review window when the partner is in no program.
DEFAULT_REVIEW_HOURS = 48
# Partners are reminded this many days before their protection ends (once each).
EXPIRY_REMINDER_DAYS = (14, 3)

# What a partner may edit on its registration (and so what a reviewer may ask it to complete).
# "lines" stands for the product lines.
PARTNER_EDITABLE_FIELDS = frozenset(
    {
        "title",
        "stage",
        "customer_name",
        "customer_website",
        "customer_country",
        "customer_address",
        "contact_name",
        "contact_email",
        "contact_phone",
        "amount",
        "currency",
        "expected_close_on",
        "notes",
        "lines",
    }
)

S = DealStatus


def business_deadline(start: datetime, hours: float, tz: zoneinfo.ZoneInfo | str) -> datetime:
    """The moment ``hours`` business hours after ``start``: every hour of Monday to Friday counts
    (in ``tz``, the vendor's time zone), weekends do not. Hours are elapsed hours, so a weekday
    on which the clocks change holds 23 or 25 of them. A start on a weekend counts from Monday
    00:00. Returned in ``tz``."""
    zone = zoneinfo.ZoneInfo(tz) if isinstance(tz, str) else tz
    if start.tzinfo is None:
        raise ValueError("business_deadline needs an aware datetime")
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(UTC)
    while True:
        local_day = cursor.astimezone(zone).date()
        # Arithmetic on aware datetimes in one zone is wall-clock: compare in UTC instead.
        next_midnight = datetime.combine(local_day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
        if local_day.weekday() < 5:
            available = next_midnight - cursor
            if remaining <= available:
                return (cursor + remaining).astimezone(zone)
            remaining -= available
        cursor = next_midnight


def lock(deal: Deal) -> Deal:
    """The deal row, locked for the rest of the transaction: every transition reads the status
    it checks under this lock, so of two concurrent decisions the second sees the first.

    FOR NO KEY UPDATE, not FOR UPDATE: rows that merely reference a deal (conflict reports
    naming it, lines, events) take a key-share lock on it, which FOR UPDATE would block; two
    reviewers approving two conflicting deals at once would then deadlock."""
    return (
        Deal.objects.select_for_update(of=("self",), no_key=True).select_related("partner", "program").get(pk=deal.pk)
    )


# The action a transition performs, inside "… was already %(done)s by someone else" (keyed by the
# English word the services pass as ``verb``).
_DONE = {
    "submitted": gettext_lazy("submitted"),
    "approved": gettext_lazy("approved"),
    "rejected": gettext_lazy("rejected"),
    "returned for information": gettext_lazy("returned for information"),
    "marked duplicate": gettext_lazy("marked duplicate"),
    "withdrawn": gettext_lazy("withdrawn"),
    "marked won": gettext_lazy("marked won"),
    "confirmed won": gettext_lazy("confirmed won"),
    "marked lost": gettext_lazy("marked lost"),
}


def check_transition(deal: Deal, to_status: str, *, verb: str) -> None:
    if to_status in TRANSITIONS[deal.status]:
        return
    if deal.status == to_status:
        raise InvalidTransition(
            gettext("%(reference)s was already %(done)s by someone else; nothing was changed.")
            % {"reference": deal.reference, "done": _DONE.get(verb, verb)}
        )
    raise InvalidTransition(
        gettext("%(reference)s is “%(status)s”: it cannot be %(done)s now; nothing was changed.")
        % {"reference": deal.reference, "status": deal.get_status_display(), "done": _DONE.get(verb, verb)}
    )


def set_status(deal: Deal, to_status: str, *, actor: Membership | None, fields: dict | None = None) -> str:
    """Set the status with the fields that go with it, save them together; return the old status."""
    before = deal.status
    deal.status = to_status
    for name, value in (fields or {}).items():
        setattr(deal, name, value)
    deal.save(update_fields=["status", "updated_at", *(fields or {})])
    if before in PROTECTED_STATUSES and to_status not in PROTECTED_STATUSES:
        protections_release(deal=deal)
        pricing_requests_close(deal=deal, actor=actor)
    return before


def record(
    *,
    actor,
    deal: Deal,
    verb: str,
    before: str = "",
    message: str = "",
    params=None,
    note="",
    data=None,
    internal=False,
):
    return event_record(
        actor=actor,
        target=deal,
        verb=verb,
        from_state=before,
        to_state=deal.status if before else "",
        message=message,
        params=params,
        note=note,
        data=data,
        internal=internal,
    )


def protections_create(*, deal: Deal) -> list[DealProtection]:
    """Claim the deal's customer for each of its product lines. The partial unique index
    ``protection_one_active`` refuses a claim another approved registration holds: then nothing
    is written (savepoint) and the caller is told."""
    customer = deal.customer_domain or deal.customer_key
    line_ids = sorted(set(deal.lines.values_list("product_line_id", flat=True)))
    try:
        # Vendor-internal rows: an auto-approval at a partner user's submission writes them as the tenant.
        with step_out_to_tenant(), transaction.atomic():
            return DealProtection.objects.bulk_create(
                [
                    DealProtection(deal=deal, partner_id=deal.partner_id, customer=customer, product_line_id=line_id)
                    for line_id in line_ids
                ]
            )
    except IntegrityError:
        raise PolicyViolation(
            gettext(
                "%(customer)s is already protected for another registration for one of these product lines; "
                "this one cannot be approved while that protection lasts."
            )
            % {"customer": deal.customer_name},
            code="already_protected",
        ) from None


def protections_release(*, deal: Deal) -> int:
    """Free the deal's claims. Protections are vendor-internal rows (no partner policy), so a
    partner user's withdrawal releases them as the tenant, for this deal only."""
    with step_out_to_tenant():
        return DealProtection.objects.filter(deal_id=deal.pk, active=True).update(
            active=False, released_at=timezone.now()
        )


def pricing_requests_close(*, deal: Deal, actor: Membership | None) -> None:
    """A deal no longer protected (won, lost, withdrawn, expired) takes no special price: its
    pending request (at most one) leaves the approvers' queue, closed as withdrawn with the
    reason, and the deal's timeline says so. The caller holds the deal's lock, which every
    pricing decision takes first."""
    with step_out_to_tenant():
        pending = SpecialPricingRequest.objects.filter(deal_id=deal.pk, status=PricingStatus.PENDING).first()
        if pending is None:
            return
        pending.status = PricingStatus.WITHDRAWN
        pending.current_role = ""
        pending.decided_at = timezone.now()
        pending.decision_note = f"Closed without a decision: the registration is {deal.get_status_display().lower()}."
        pending.save(update_fields=["status", "current_role", "decided_at", "decision_note"])
    record(
        actor=actor,
        deal=deal,
        verb=events.PRICING_CLOSED,
        message=gettext_noop("Special pricing of %(discount)s %% closed without a decision."),
        params={"discount": pending.discount_text},
        data={"pricing_id": pending.pk, "discount": str(pending.discount_percent)},
    )


def partner_recipients(deal: Deal) -> list[Membership]:
    """Who hears about the partner's registration: its admins and whoever registered it."""
    members = partner_admin_list(partner_id=deal.partner_id)
    if deal.registered_by_id and all(m.pk != deal.registered_by_id for m in members):
        members += list(
            Membership.objects.filter(pk=deal.registered_by_id, partner_id=deal.partner_id).select_related("user")
        )
    return members


def reviewer_for(partner: Partner) -> Membership | None:
    """The partner's account manager, else the first active vendor admin (read as the tenant:
    a partner user's submission cannot see staff memberships)."""
    with step_out_to_tenant():
        if partner.account_manager_id:
            manager = (
                Membership.objects.filter(pk=partner.account_manager_id, is_active=True).select_related("user").first()
            )
            if manager is not None:
                return manager
        admins = vendor_admin_list()
        return admins[0] if admins else None


def reviewer_recipients(deal: Deal) -> list[Membership]:
    """Who on the vendor's side hears what the partner does with its registration after review."""
    reviewer = reviewer_for(deal.partner)
    return [reviewer] if reviewer is not None else []


def deal_url(deal_id: int, *, staff: bool) -> str:
    """The registration's page on the side of who follows the link."""
    return reverse("office:deal_detail" if staff else "portal:deal_detail", args=[deal_id])


def tell(
    deal: Deal,
    event=None,
    *,
    to: list[Membership],
    kind: str,
    title: str,
    body: str = "",
    params: dict | None = None,
    note: str = "",
) -> None:
    """Notify ``to`` about the registration: "<reference> <customer>: <title>", linked to its page
    on each recipient's side (the back office for staff, the portal for the partner's users): a
    message per side, so an audience of both never follows the other side's link. The one way a
    deal service notifies one registration's audience; the sweep notifies in bulk.

    ``title`` and ``body`` are ``gettext_noop``'d message ids filled in from ``params``, in each
    recipient's language; ``note`` is someone's own words (prm/events/texts.py)."""
    sides = {staff: [member for member in to if member.is_staff_member == staff] for staff in (True, False)}
    notify_many(
        messages=[
            Message(
                recipients=members,
                kind=kind,
                title=DEAL_TITLE,
                body=body,
                params={"deal": f"{deal.reference} {deal.customer_name}", "what": texts.phrase(title, **(params or {}))}
                | (params or {}),
                note=note,
                url=deal_url(deal.pk, staff=staff),
                event=event,
            )
            for staff, members in sides.items()
            if members
        ]
    )
