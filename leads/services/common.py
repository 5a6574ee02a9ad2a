"""What the parts of lead distribution share: the tenant's and a program's settings, a lead's
reference, an offer's deadline, the row lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from deals.services import business_deadline
from prm.tenancy.time import tenant_zone

from ..models import Lead, LeadProgramSettings, LeadSettings


def lead_settings() -> LeadSettings:
    """The current tenant's lead settings (the defaults until an admin saves them)."""
    return LeadSettings.objects.first() or LeadSettings()


@dataclass(frozen=True)
class OfferTerms:
    acceptance_hours: int
    max_offers: int


def offer_terms(program_id: int | None) -> OfferTerms:
    """How long a partner of ``program_id`` has to answer an offer, and how many offers a lead
    gets before it returns to the vendor's queue (the program's settings, else the tenant's)."""
    own = LeadProgramSettings.objects.filter(program_id=program_id).first() if program_id else None
    if own is not None:
        return OfferTerms(own.acceptance_hours, own.max_offers)
    defaults = lead_settings()
    return OfferTerms(defaults.default_acceptance_hours, defaults.default_max_offers)


def offer_due_at(start: datetime, hours: float, *, zone=None) -> datetime:
    """``hours`` business hours after ``start`` in the tenant's time zone (Monday to Friday);
    ``zone``: that zone when the caller has read it already."""
    return business_deadline(start, hours, zone or tenant_zone())


def reference_for(lead_id: int) -> str:
    return f"LD-{lead_id:06d}"


def lock(lead: Lead) -> Lead:
    """The lead row, locked for the rest of the transaction (FOR NO KEY UPDATE: offers and messages
    referencing it take key-share locks, which FOR UPDATE would block)."""
    return Lead.objects.select_for_update(no_key=True).get(pk=lead.pk)


def offer_url(offer) -> str:
    """Where a partner user opens an offer (``portal:lead_offer``, the offers part's page); its
    path when that page is not wired in (the routing part's tests run without it)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("portal:lead_offer", kwargs={"offer_id": offer.pk})
    except NoReverseMatch:
        return f"/portal/leads/offers/{offer.pk}/"


@dataclass(frozen=True)
class CapacityClock:
    """A moment in the tenant's zone (read once per routing run or page): capacity counts a
    partner's offers since the start of the tenant's day and month."""

    moment: datetime
    zone: Any
    today: date
    day_start: datetime
    month_start: datetime

    @classmethod
    def read(cls) -> CapacityClock:
        moment, zone = timezone.now(), tenant_zone()
        today = moment.astimezone(zone).date()
        return cls(
            moment=moment,
            zone=zone,
            today=today,
            day_start=datetime.combine(today, time.min, tzinfo=zone),
            month_start=datetime.combine(today.replace(day=1), time.min, tzinfo=zone),
        )
