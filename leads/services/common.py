"""What the parts of lead distribution share: the tenant's and a program's settings, a lead's
reference, an offer's deadline, the row lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from deals.services import business_deadline
from prm.memo import tenant_memo
from prm.tenancy.time import tenant_zone

from ..models import Lead, LeadOfferTally, LeadProgramSettings, LeadSettings


def lead_settings() -> LeadSettings:
    """The current tenant's lead settings (the defaults until an admin saves them)."""
    return LeadSettings.objects.first() or LeadSettings()


@dataclass(frozen=True)
class OfferTerms:
    acceptance_hours: int
    max_offers: int


def all_offer_terms() -> tuple[dict[int, OfferTerms], OfferTerms]:
    """Every program's offer terms, and the tenant's for the others (what ``offer_terms`` reads)."""
    own = {
        program_id: OfferTerms(hours, max_offers)
        for program_id, hours, max_offers in LeadProgramSettings.objects.values_list(
            "program_id", "acceptance_hours", "max_offers"
        )
    }
    defaults = lead_settings()
    return own, OfferTerms(defaults.default_acceptance_hours, defaults.default_max_offers)


def offer_terms(program_id: int | None) -> OfferTerms:
    """How long a partner of ``program_id`` has to answer an offer, and how many offers a lead
    gets before it returns to the vendor's queue (the program's settings, else the tenant's).
    Memoised for the tenant; ``leads.wiring.routing`` rebuilds it after a save of either."""
    own, default = tenant_memo("leads.offer_terms", all_offer_terms)
    return own.get(program_id) or default


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
    partner's offers in the tenant's day and month (``LeadOfferTally``)."""

    moment: datetime
    zone: Any
    today: date

    @classmethod
    def read(cls) -> CapacityClock:
        moment, zone = timezone.now(), tenant_zone()
        return cls(moment=moment, zone=zone, today=moment.astimezone(zone).date())

    @property
    def month(self) -> date:
        return self.today.replace(day=1)

    def offers(self, tally: LeadOfferTally | None) -> tuple[int, int]:
        """A partner's offers today and this month, from its tally (the routing statement reads
        the tally the same way)."""
        if tally is None:
            return 0, 0
        return (
            tally.offers_on_day if tally.day == self.today else 0,
            tally.offers_in_month if tally.month == self.month else 0,
        )
